#include "actrec/train/trainer.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/model/bundle.hpp"
#include "actrec/output/chart.hpp"

namespace actrec::train {
namespace fs = std::filesystem;

namespace {

struct Batch {
  torch::Tensor features;  // [B, T, F], zero-padded
  torch::Tensor targets;   // [B, T], -1 on padding
};

// Random temporal crop and frame-rate jitter of one video (indices into its frames).
torch::Tensor augmented_indices(int64_t frames, const config::TrainConfig& config,
                                std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double rate = 1.0 + config.rate_jitter * (2 * unit(rng) - 1);
  const double fraction = config.min_crop + (1.0 - config.min_crop) * unit(rng);
  const auto source_length = std::max<int64_t>(2, std::llround(frames * fraction));
  const int64_t start =
      frames > source_length
          ? static_cast<int64_t>(unit(rng) * static_cast<double>(frames - source_length + 1))
          : 0;
  const auto length = std::max<int64_t>(1, std::llround(std::min(source_length, frames) / rate));
  // Frame i of the result shows source frame start + i * rate.
  auto positions = torch::arange(length, torch::kFloat64) * rate + static_cast<double>(start);
  return positions.floor().clamp_max(static_cast<double>(frames - 1)).to(torch::kInt64);
}

Batch make_batch(const std::vector<const Sequence*>& items, bool augment,
                 const config::TrainConfig& config, std::mt19937_64& rng) {
  std::vector<torch::Tensor> features, targets;
  int64_t longest = 0;
  for (const Sequence* item : items) {
    torch::Tensor x = item->features, y = item->targets;
    if (augment) {
      const auto indices = augmented_indices(x.size(0), config, rng);
      x = x.index_select(0, indices);
      y = y.index_select(0, indices);
    }
    longest = std::max(longest, x.size(0));
    features.push_back(x);
    targets.push_back(y);
  }
  const int64_t dim = items[0]->features.size(1);
  Batch batch{torch::zeros({static_cast<int64_t>(items.size()), longest, dim}),
              torch::full({static_cast<int64_t>(items.size()), longest}, -1, torch::kInt64)};
  for (size_t b = 0; b < items.size(); ++b) {
    const int64_t length = features[b].size(0);
    batch.features[static_cast<int64_t>(b)].slice(0, 0, length).copy_(features[b]);
    batch.targets[static_cast<int64_t>(b)].slice(0, 0, length).copy_(targets[b]);
  }
  return batch;
}

torch::Tensor class_weights(const std::vector<Sequence>& train, int64_t classes,
                            const std::string& mode) {
  if (mode == "none") return {};
  auto counts = torch::zeros({classes}, torch::kFloat64);
  for (const auto& sequence : train) {
    const auto valid = sequence.targets.masked_select(sequence.targets >= 0);
    if (valid.numel() > 0) counts += torch::bincount(valid, {}, classes).to(torch::kFloat64);
  }
  // Inverse frequency, normalised so that an average frame weighs 1; absent classes get 0.
  const double total = counts.sum().item<double>();
  auto weights = torch::where(counts > 0, total / (counts * classes), torch::zeros_like(counts));
  return weights.clamp_max(20.0).to(torch::kFloat32);
}

double learning_rate(const config::TrainConfig& config, int epoch /*0-based*/) {
  if (config.schedule == "cosine") {
    return config.lr * 0.5 * (1 + std::cos(M_PI * epoch / config.epochs));
  }
  if (config.schedule == "step") {
    return config.lr * std::pow(0.1, epoch / std::max(1, config.epochs / 3));
  }
  return config.lr;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(model::RecurrentLabeler& model,
                                                        const config::TrainConfig& config) {
  if (config.optimizer == "sgd") {
    return std::make_unique<torch::optim::SGD>(
        model->parameters(),
        torch::optim::SGDOptions(config.lr).momentum(0.9).weight_decay(config.weight_decay));
  }
  return std::make_unique<torch::optim::Adam>(
      model->parameters(), torch::optim::AdamOptions(config.lr).weight_decay(config.weight_decay));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

struct Scores {
  double loss = 0, accuracy = 0;
};

Scores evaluate(model::RecurrentLabeler& model, const std::vector<Sequence>& sequences,
                const torch::Tensor& weights) {
  torch::NoGradGuard no_grad;
  model->eval();
  double loss = 0;
  int64_t frames = 0, correct = 0;
  for (const auto& sequence : sequences) {
    const auto logits = model->forward(sequence.features.unsqueeze(0)).squeeze(0);
    const auto valid = sequence.targets >= 0;
    const int64_t n = valid.sum().item<int64_t>();
    if (n == 0) continue;
    loss += torch::nn::functional::cross_entropy(
                logits, sequence.targets,
                torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-1).weight(weights))
                .item<double>() *
            static_cast<double>(n);
    correct += (logits.argmax(1).eq(sequence.targets) & valid).sum().item<int64_t>();
    frames += n;
  }
  return {frames > 0 ? loss / static_cast<double>(frames) : NAN,
          frames > 0 ? static_cast<double>(correct) / static_cast<double>(frames) : NAN};
}

nlohmann::json to_json(const EpochLog& e) {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {{"epoch", e.epoch},
          {"lr", e.lr},
          {"train_loss", number(e.train_loss)},
          {"train_accuracy", number(e.train_accuracy)},
          {"val_loss", number(e.val_loss)},
          {"val_accuracy", number(e.val_accuracy)},
          {"grad_norm_mean", number(e.grad_norm_mean)},
          {"grad_norm_max", number(e.grad_norm_max)},
          {"clipped_fraction", e.clipped_fraction},
          {"frames_per_second", e.frames_per_second},
          {"seconds", e.seconds},
          {"best", e.best}};
}

EpochLog from_json(const nlohmann::json& j) {
  auto number = [&](const char* key) {
    return j.at(key).is_null() ? NAN : j.at(key).get<double>();
  };
  EpochLog e;
  e.epoch = j.at("epoch");
  e.lr = j.at("lr");
  e.train_loss = number("train_loss");
  e.train_accuracy = number("train_accuracy");
  e.val_loss = number("val_loss");
  e.val_accuracy = number("val_accuracy");
  e.grad_norm_mean = number("grad_norm_mean");
  e.grad_norm_max = number("grad_norm_max");
  e.clipped_fraction = j.at("clipped_fraction");
  e.frames_per_second = j.at("frames_per_second");
  e.seconds = j.at("seconds");
  e.best = j.at("best");
  return e;
}

void write_log_files(const std::string& run_dir, const std::vector<EpochLog>& log) {
  std::string csv =
      "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,grad_norm_mean,grad_norm_max,"
      "clipped_fraction,frames_per_second,seconds,best\n";
  std::vector<double> epochs, train_loss, val_loss, train_acc, val_acc, grad_mean, grad_max;
  for (const auto& e : log) {
    csv += fmt::format(
        "{},{:.6g},{:.6f},{:.6f},{:.6f},{:.6f},{:.6g},{:.6g},{:.4f},{:.1f},{:.3f},{}\n", e.epoch,
        e.lr, e.train_loss, e.train_accuracy, e.val_loss, e.val_accuracy, e.grad_norm_mean,
        e.grad_norm_max, e.clipped_fraction, e.frames_per_second, e.seconds, e.best ? 1 : 0);
    train_loss.push_back(e.train_loss);
    val_loss.push_back(e.val_loss);
    train_acc.push_back(e.train_accuracy);
    val_acc.push_back(e.val_accuracy);
    grad_mean.push_back(e.grad_norm_mean);
    grad_max.push_back(e.grad_norm_max);
  }
  write_text_atomically(run_dir + "/train_log.csv", csv);
  const cv::Scalar blue(200, 90, 30), orange(30, 130, 240);
  output::write_png(
      run_dir + "/train_curves.png",
      output::stack(
          {output::line_chart("loss", {{"train", train_loss, blue}, {"val", val_loss, orange}}),
           output::line_chart("frame accuracy",
                              {{"train", train_acc, blue}, {"val", val_acc, orange}}),
           output::line_chart("gradient norm before clipping (log)",
                              {{"mean", grad_mean, blue}, {"max", grad_max, orange}}, {640, 220},
                              true)}));
}

}  // namespace

void for_each_chunk(model::RecurrentLabeler& model, const torch::Tensor& features,
                    const torch::Tensor& targets, int64_t chunk,
                    const std::function<void(const torch::Tensor&, const torch::Tensor&)>& learn) {
  const int64_t length = features.size(1);
  if (chunk <= 0) chunk = length;
  model::RecurrentState state;  // each video starts from zeros
  for (int64_t t0 = 0; t0 < length; t0 += chunk) {
    const auto x = features.slice(1, t0, std::min(length, t0 + chunk));
    const auto y = targets.slice(1, t0, std::min(length, t0 + chunk));
    if (!(y >= 0).any().item<bool>()) {
      torch::NoGradGuard no_grad;
      model->forward(x, state);
    } else {
      learn(model->forward(x, state), y);
    }
    state = state.detach();  // the state goes on; the gradient path ends here
  }
}

torch::Tensor predict(model::RecurrentLabeler& model, const torch::Tensor& features) {
  torch::NoGradGuard no_grad;
  model->eval();
  return torch::softmax(model->forward(features.unsqueeze(0)).squeeze(0), 1);
}

TrainResult train_labeler(const TrainJob& job, const std::vector<Sequence>& train,
                          const std::vector<Sequence>& validation,
                          const std::function<void(const EpochLog&)>& on_epoch) {
  if (train.empty()) throw DataError("cannot train: no training videos");
  const config::TrainConfig& config = job.train;
  const int64_t classes = static_cast<int64_t>(job.info.labels.size());
  fs::create_directories(job.run_dir);
  const std::string last_path = job.run_dir + "/last.actrec";
  const std::string best_path = job.run_dir + "/best.actrec";
  remove_temporaries_in(job.run_dir);  // left by a killed run, whatever they were for

  torch::manual_seed(static_cast<uint64_t>(config.seed));
  model::BundleInfo info = job.info;
  info.model = job.model;
  model::RecurrentLabeler model = model::make_labeler(info);
  {
    // Normalise features with the training frames' statistics; stored in the model.
    std::vector<torch::Tensor> all;
    for (const auto& sequence : train) all.push_back(sequence.features);
    const auto frames = torch::cat(all, 0);
    model->set_normalization(frames.mean(0), frames.std(0));
  }
  auto optimizer = make_optimizer(model, config);
  const torch::Tensor weights = class_weights(train, classes, config.class_weights);

  TrainResult result;
  int start_epoch = 0, epochs_without_gain = 0;
  double best_loss = INFINITY;
  if (job.resume && fs::exists(last_path)) {
    model::Bundle last = model::load_bundle(last_path);
    if (last.info.labels != info.labels || last.info.feature_dim != info.feature_dim ||
        last.info.fingerprint != info.fingerprint) {
      throw ModelError("cannot resume: " + last_path +
                       ": it was trained on other labels or features");
    }
    {
      torch::NoGradGuard no_grad;
      auto source = last.model->named_parameters();
      for (auto& item : model->named_parameters()) item.value().copy_(source[item.key()]);
      auto source_buffers = last.model->named_buffers();
      for (auto& item : model->named_buffers()) item.value().copy_(source_buffers[item.key()]);
    }
    std::string state_text;
    if (model::load_training_state(last_path, *optimizer, state_text)) {
      const auto state = nlohmann::json::parse(state_text);
      start_epoch = state.at("epochs_done");
      epochs_without_gain = state.at("epochs_without_gain");
      result.best_epoch = state.at("best_epoch");
      result.best_accuracy = state.at("best_accuracy");
      best_loss = state.at("best_loss").is_null() ? INFINITY : state.at("best_loss").get<double>();
      result.stopped_early = state.at("stopped_early");
      for (const auto& entry : state.at("log")) result.log.push_back(from_json(entry));
      log::info("resuming {} after epoch {}", last_path, start_epoch);
    }
  }
  const bool has_validation = !validation.empty();
  if (!has_validation)
    log::warn("no validation videos: best.actrec is chosen by training accuracy");

  std::vector<size_t> order(train.size());
  for (int epoch = start_epoch; epoch < config.epochs && !result.stopped_early; ++epoch) {
    const auto began = std::chrono::steady_clock::now();
    // Every epoch draws from its own seed, so a resumed run repeats an uninterrupted one.
    std::mt19937_64 rng(static_cast<uint64_t>(config.seed) * 1000003u +
                        static_cast<uint64_t>(epoch));
    torch::manual_seed(static_cast<uint64_t>(config.seed) * 7919u + static_cast<uint64_t>(epoch));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    EpochLog entry;
    entry.epoch = epoch + 1;
    entry.lr = learning_rate(config, epoch);
    set_learning_rate(*optimizer, entry.lr);
    model->train();
    double loss_sum = 0;
    int64_t frames = 0, correct = 0, steps = 0, clipped = 0;
    double norm_sum = 0;
    const torch::Tensor feature_std = model->named_buffers()["feature_std"];
    for (size_t first = 0; first < order.size(); first += static_cast<size_t>(config.batch_size)) {
      std::vector<const Sequence*> items;
      for (size_t i = first; i < std::min(order.size(), first + config.batch_size); ++i) {
        items.push_back(&train[order[i]]);
      }
      Batch batch = make_batch(items, config.augment, config, rng);
      if (config.augment && config.feature_noise > 0) {
        batch.features += torch::randn_like(batch.features) * feature_std * config.feature_noise;
      }
      for_each_chunk(
          model, batch.features, batch.targets, config.tbptt_steps,
          [&](const torch::Tensor& logits, const torch::Tensor& y) {
            const auto flat_logits = logits.reshape({-1, classes});
            const auto flat_targets = y.reshape({-1});
            const int64_t valid = (flat_targets >= 0).sum().item<int64_t>();
            const auto loss = torch::nn::functional::cross_entropy(
                flat_logits, flat_targets,
                torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-1).weight(weights));
            optimizer->zero_grad();
            loss.backward();
            const double norm = torch::nn::utils::clip_grad_norm_(
                model->parameters(), config.clip_norm > 0 ? config.clip_norm : INFINITY);
            optimizer->step();
            ++steps;
            norm_sum += norm;
            entry.grad_norm_max = std::max(entry.grad_norm_max, norm);
            if (config.clip_norm > 0 && norm > config.clip_norm) ++clipped;
            loss_sum += loss.item<double>() * static_cast<double>(valid);
            correct += (flat_logits.argmax(1).eq(flat_targets) & (flat_targets >= 0))
                           .sum()
                           .item<int64_t>();
            frames += valid;
          });
    }
    entry.train_loss = frames > 0 ? loss_sum / static_cast<double>(frames) : NAN;
    entry.train_accuracy =
        frames > 0 ? static_cast<double>(correct) / static_cast<double>(frames) : NAN;
    entry.grad_norm_mean = steps > 0 ? norm_sum / static_cast<double>(steps) : 0;
    entry.clipped_fraction =
        steps > 0 ? static_cast<double>(clipped) / static_cast<double>(steps) : 0;
    if (has_validation) {
      const Scores scores = evaluate(model, validation, weights);
      entry.val_loss = scores.loss;
      entry.val_accuracy = scores.accuracy;
    }
    entry.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    entry.frames_per_second = static_cast<double>(frames) / std::max(entry.seconds, 1e-9);
    const double accuracy = has_validation ? entry.val_accuracy : entry.train_accuracy;
    const double loss = has_validation ? entry.val_loss : entry.train_loss;
    entry.best = result.best_epoch == 0 || accuracy > result.best_accuracy + 1e-9 ||
                 (std::abs(accuracy - result.best_accuracy) <= 1e-9 && loss < best_loss);
    if (entry.best) {
      result.best_epoch = entry.epoch;
      result.best_accuracy = accuracy;
      best_loss = loss;
      epochs_without_gain = 0;
    } else {
      ++epochs_without_gain;
    }
    result.stopped_early = config.patience > 0 && epochs_without_gain >= config.patience;
    result.log.push_back(entry);

    nlohmann::json training = {
        {"epoch", entry.epoch},
        {"best_epoch", result.best_epoch},
        {"val_accuracy", has_validation ? nlohmann::json(entry.val_accuracy) : nlohmann::json()},
        {"train_accuracy", entry.train_accuracy},
        {"train_videos", train.size()},
        {"val_videos", validation.size()},
        {"train_config", config::to_yaml(config)}};
    info.training_json = training.dump();
    nlohmann::json state = {
        {"epochs_done", entry.epoch},
        {"epochs_without_gain", epochs_without_gain},
        {"best_epoch", result.best_epoch},
        {"best_accuracy", result.best_accuracy},
        {"best_loss", std::isfinite(best_loss) ? nlohmann::json(best_loss) : nlohmann::json()},
        {"stopped_early", result.stopped_early},
        {"log", nlohmann::json::array()}};
    for (const auto& e : result.log) state["log"].push_back(to_json(e));
    // best first: a kill between the two writes leaves last behind best, never ahead of it.
    if (entry.best) model::save_bundle(best_path, info, model, optimizer.get(), state.dump());
    model::save_bundle(last_path, info, model, optimizer.get(), state.dump());
    write_log_files(job.run_dir, result.log);
    if (on_epoch) on_epoch(entry);
  }
  return result;
}

}  // namespace actrec::train
