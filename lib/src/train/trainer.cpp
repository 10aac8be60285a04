#include "actrec/train/trainer.hpp"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/json_text.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/timer.hpp"
#include "actrec/model/bundle.hpp"

namespace actrec::train {
namespace fs = std::filesystem;
using config::Recipe;

Sequence to_tensors(const SampledSequence& sampled) {
  Sequence sequence;
  sequence.name = sampled.name;
  sequence.features =
      torch::from_blob(const_cast<float*>(sampled.features.data()), {sampled.steps(), sampled.dim},
                       torch::kFloat32)
          .clone();
  sequence.targets = torch::tensor(sampled.targets, torch::kInt64);
  return sequence;
}

TrainingData fixed_data(std::vector<Sequence> train, std::vector<Sequence> validation) {
  TrainingData data;
  data.plain = std::move(train);
  data.validation = std::move(validation);
  data.epoch = [plain = data.plain](std::mt19937_64&) { return plain; };
  return data;
}

namespace {

struct Batch {
  torch::Tensor features;  // [B, T, F], zero-padded
  torch::Tensor targets;   // [B, T], -1 on padding and unscored steps
};

Batch stack(const std::vector<torch::Tensor>& features, const std::vector<torch::Tensor>& targets) {
  int64_t longest = 0;
  for (const auto& x : features) longest = std::max(longest, x.size(0));
  const auto count = static_cast<int64_t>(features.size());
  Batch batch{torch::zeros({count, longest, features[0].size(1)}),
              torch::full({count, longest}, -1, torch::kInt64)};
  for (int64_t b = 0; b < count; ++b) {
    const int64_t length = features[static_cast<size_t>(b)].size(0);
    batch.features[b].slice(0, 0, length).copy_(features[static_cast<size_t>(b)]);
    batch.targets[b].slice(0, 0, length).copy_(targets[static_cast<size_t>(b)]);
  }
  return batch;
}

// The tbptt recipe's pieces: each sequence, randomly cropped (with augmentation on).
std::vector<std::pair<torch::Tensor, torch::Tensor>> crops(const std::vector<Sequence>& sequences,
                                                           const config::TrainConfig& config,
                                                           std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<std::pair<torch::Tensor, torch::Tensor>> pieces;
  for (const auto& sequence : sequences) {
    const int64_t steps = sequence.features.size(0);
    int64_t start = 0, length = steps;
    if (config.augment.enabled && config.augment.min_crop < 1) {
      const double fraction = config.augment.min_crop + (1 - config.augment.min_crop) * unit(rng);
      length = std::clamp<int64_t>(std::llround(steps * fraction), std::min<int64_t>(2, steps), steps);
      start = static_cast<int64_t>(unit(rng) * static_cast<double>(steps - length + 1));
    }
    pieces.push_back({sequence.features.slice(0, start, start + length),
                      sequence.targets.slice(0, start, start + length)});
  }
  return pieces;
}

// The windows recipe's pieces (MiniROAD, Ahn et al., ICCV 2023): about one window per `window`
// steps of each sequence, at random places; only the last `loss_steps` of each are scored.
std::vector<std::pair<torch::Tensor, torch::Tensor>> windows(
    const std::vector<Sequence>& sequences, const config::TrainConfig& config,
    std::mt19937_64& rng) {
  std::vector<std::pair<torch::Tensor, torch::Tensor>> pieces;
  for (const auto& sequence : sequences) {
    const int64_t steps = sequence.features.size(0);
    const int64_t count = std::max<int64_t>(1, steps / config.window);
    for (int64_t i = 0; i < count; ++i) {
      // The window ends anywhere; it starts at most `window` steps earlier (or at the start).
      const int64_t end = std::uniform_int_distribution<int64_t>(1, steps)(rng);
      const int64_t start = std::max<int64_t>(0, end - config.window);
      auto targets = sequence.targets.slice(0, start, end).clone();
      const int64_t unscored = std::max<int64_t>(0, end - start - config.loss_steps);
      targets.slice(0, 0, unscored).fill_(-1);
      pieces.push_back({sequence.features.slice(0, start, end), targets});
    }
  }
  return pieces;
}

torch::Tensor class_weights(const std::vector<Sequence>& train, int64_t classes,
                            config::ClassWeights mode) {
  if (mode == config::ClassWeights::none) return {};
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
  switch (config.schedule) {
    case config::Schedule::cosine:
      return config.lr * 0.5 * (1 + std::cos(M_PI * epoch / config.epochs));
    case config::Schedule::step:
      return config.lr * std::pow(0.1, epoch / std::max(1, config.epochs / 3));
    case config::Schedule::none:
      break;
  }
  return config.lr;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(model::RecurrentLabeler& model,
                                                        const config::TrainConfig& config) {
  if (config.optimizer == config::Optimizer::sgd) {
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

torch::Tensor cross_entropy(const torch::Tensor& logits, const torch::Tensor& targets,
                            const torch::Tensor& weights) {
  return torch::nn::functional::cross_entropy(
      logits, targets,
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-1).weight(weights));
}

struct Scores {
  double loss = NAN, accuracy = NAN;
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
    loss += cross_entropy(logits, sequence.targets, weights).item<double>() * static_cast<double>(n);
    correct += (logits.argmax(1).eq(sequence.targets) & valid).sum().item<int64_t>();
    frames += n;
  }
  if (frames == 0) return {};
  return {loss / static_cast<double>(frames),
          static_cast<double>(correct) / static_cast<double>(frames)};
}

}  // namespace

std::vector<std::pair<torch::Tensor, torch::Tensor>> training_pieces(
    const std::vector<Sequence>& sequences, const config::TrainConfig& config,
    std::mt19937_64& rng) {
  return config.recipe == Recipe::windows ? windows(sequences, config, rng)
                                          : crops(sequences, config, rng);
}

void for_each_chunk(model::RecurrentLabeler& model, const torch::Tensor& features,
                    const torch::Tensor& targets, int64_t chunk,
                    const std::function<void(const torch::Tensor&, const torch::Tensor&)>& learn) {
  const int64_t length = features.size(1);
  if (chunk <= 0) chunk = length;
  model::RecurrentState state;  // each sequence starts from zeros
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

EpochLog run_epoch(model::RecurrentLabeler& model, torch::optim::Optimizer& optimizer,
                   const std::vector<Sequence>& sequences, const config::TrainConfig& config,
                   const torch::Tensor& class_weights, std::mt19937_64& rng) {
  auto pieces = training_pieces(sequences, config, rng);
  std::shuffle(pieces.begin(), pieces.end(), rng);
  // Windows start from zeros and are short: one chunk each. tbptt carries the state on.
  const int64_t chunk = config.recipe == Recipe::windows ? 0 : config.tbptt_steps;
  const torch::Tensor feature_std = model->named_buffers()["feature_std"];
  model->train();
  EpochLog entry;
  double loss_sum = 0, norm_sum = 0;
  int64_t frames = 0, correct = 0, steps = 0, clipped = 0;
  const auto batch_size = static_cast<size_t>(config.batch_size);
  for (size_t first = 0; first < pieces.size(); first += batch_size) {
    std::vector<torch::Tensor> xs, ys;
    for (size_t i = first; i < std::min(pieces.size(), first + batch_size); ++i) {
      xs.push_back(pieces[i].first);
      ys.push_back(pieces[i].second);
    }
    Batch batch = stack(xs, ys);
    if (config.augment.enabled && config.augment.feature_noise > 0) {
      batch.features += torch::randn_like(batch.features) * feature_std * config.augment.feature_noise;
    }
    for_each_chunk(model, batch.features, batch.targets, chunk,
                   [&](const torch::Tensor& logits, const torch::Tensor& y) {
                     const auto flat_logits = logits.reshape({-1, logits.size(-1)});
                     const auto flat_targets = y.reshape({-1});
                     const int64_t valid = (flat_targets >= 0).sum().item<int64_t>();
                     const auto loss = cross_entropy(flat_logits, flat_targets, class_weights);
                     optimizer.zero_grad();
                     loss.backward();
                     const double norm = torch::nn::utils::clip_grad_norm_(
                         model->parameters(), config.clip_norm > 0 ? config.clip_norm : INFINITY);
                     optimizer.step();
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
  const auto per = [](double a, int64_t b) { return b > 0 ? a / static_cast<double>(b) : NAN; };
  entry.train_loss = per(loss_sum, frames);
  entry.train_accuracy = per(static_cast<double>(correct), frames);
  entry.grad_norm_mean = steps > 0 ? norm_sum / static_cast<double>(steps) : 0;
  entry.clipped_fraction = steps > 0 ? static_cast<double>(clipped) / static_cast<double>(steps) : 0;
  entry.frames_per_second = static_cast<double>(frames);  // a count until the caller times it
  return entry;
}

TrainState restore_checkpoint(const TrainJob& job, model::RecurrentLabeler& model,
                              torch::optim::Optimizer& optimizer) {
  const std::string last_path = job.run_dir + "/last.actrec";
  if (!job.resume || !fs::exists(last_path)) return {};
  model::Bundle last = model::load_bundle(last_path);
  if (last.info.labels != job.info.labels || last.info.feature_dim != job.info.feature_dim ||
      last.info.observation_names != job.info.observation_names ||
      last.info.backbone_source != job.info.backbone_source) {
    throw ModelError("cannot resume: " + last_path + ": it was trained on other labels or features");
  }
  if (const auto changed = config::differences(last.info.model, job.model); !changed.empty()) {
    std::string list;
    for (const auto& difference : changed) list += (list.empty() ? "" : "; ") + ("model." + difference);
    throw ConfigError("cannot resume: " + last_path + ": the model config changed since it was "
                      "saved (" + list + ", saved first): resume with the same config, or train "
                      "into a new run folder");
  }
  {
    torch::NoGradGuard no_grad;
    auto parameters = last.model->named_parameters();
    for (auto& item : model->named_parameters()) item.value().copy_(parameters[item.key()]);
    auto buffers = last.model->named_buffers();
    for (auto& item : model->named_buffers()) item.value().copy_(buffers[item.key()]);
  }
  std::string state_text;
  if (!model::load_training_state(last_path, optimizer, state_text)) return {};
  TrainState state = TrainState::from_json(state_text, last_path);
  log::info("resuming {} after epoch {}", last_path, state.epochs_done);
  return state;
}

namespace {

// Fine-tuning: `model` (shaped for the bundle's classes and any new ones after them) takes the
// bundle's weights and normalisation; output rows of new classes keep their fresh start.
void start_from(model::RecurrentLabeler& model, const model::Bundle& bundle, config::Freeze freeze) {
  torch::NoGradGuard no_grad;
  auto theirs = bundle.model->named_parameters();
  for (auto& item : model->named_parameters()) {
    const torch::Tensor* source = theirs.find(item.key());
    if (!source) continue;
    torch::Tensor mine = item.value();
    if (mine.sizes() == source->sizes()) {
      mine.copy_(*source);
    } else if (item.key().rfind("head.", 0) == 0 && mine.size(0) > source->size(0)) {
      mine.slice(0, 0, source->size(0)).copy_(*source);  // the bundle's classes come first
    } else {
      throw ModelError("cannot fine-tune: " + item.key() + " has another shape in the bundle");
    }
    if (freeze == config::Freeze::recurrent && item.key().rfind("head.", 0) != 0) {
      mine.set_requires_grad(false);
    }
  }
  auto buffers = bundle.model->named_buffers();
  for (auto& item : model->named_buffers()) {
    if (const torch::Tensor* source = buffers.find(item.key())) item.value().copy_(*source);
  }
}

}  // namespace

TrainState train_labeler(const TrainJob& job, const TrainingData& data,
                         const std::function<void(const TrainState&)>& on_epoch) {
  if (data.plain.empty()) throw DataError("cannot train: no training videos");
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
  if (job.init) {
    start_from(model, *job.init, config.finetune.freeze);
  } else {
    // Normalise features with the training frames' statistics; stored in the model.
    std::vector<torch::Tensor> all;
    for (const auto& sequence : data.plain) all.push_back(sequence.features);
    const auto frames = torch::cat(all, 0);
    model->set_normalization(frames.mean(0), frames.std(0));
  }
  auto optimizer = make_optimizer(model, config);
  const torch::Tensor weights = class_weights(data.plain, classes, config.class_weights);
  TrainState state = restore_checkpoint(job, model, *optimizer);
  const bool has_validation = !data.validation.empty();
  if (!has_validation) {
    log::warn("no validation clips: best.actrec is the last epoch's model (nothing to choose an "
              "epoch by)");
  }

  for (int epoch = state.epochs_done; epoch < config.epochs && !state.stopped_early; ++epoch) {
    Stopwatch watch;
    // Every epoch draws from its own seed, so a resumed run repeats an uninterrupted one.
    std::mt19937_64 rng(static_cast<uint64_t>(config.seed) * 1000003u +
                        static_cast<uint64_t>(epoch));
    torch::manual_seed(static_cast<uint64_t>(config.seed) * 7919u + static_cast<uint64_t>(epoch));
    const double lr = learning_rate(config, epoch);
    set_learning_rate(*optimizer, lr);
    const std::vector<Sequence> sequences = data.epoch(rng);
    EpochLog entry = run_epoch(model, *optimizer, sequences, config, weights, rng);
    entry.epoch = epoch + 1;
    entry.lr = lr;
    if (has_validation) {
      const Scores scores = evaluate(model, data.validation, weights);
      entry.val_loss = scores.loss;
      entry.val_accuracy = scores.accuracy;
    }
    entry.seconds = watch.seconds();
    entry.frames_per_second /= std::max(entry.seconds, 1e-9);
    const double accuracy = has_validation ? entry.val_accuracy : entry.train_accuracy;
    const double loss = has_validation ? entry.val_loss : entry.train_loss;
    entry.best = !has_validation || state.best_epoch == 0 ||
                 accuracy > state.best_accuracy + 1e-9 ||
                 (std::abs(accuracy - state.best_accuracy) <= 1e-9 && loss < state.best_loss);
    if (entry.best) {
      state.best_epoch = entry.epoch;
      state.best_accuracy = accuracy;
      state.best_loss = loss;
      state.epochs_without_gain = 0;
    } else {
      ++state.epochs_without_gain;
    }
    state.epochs_done = entry.epoch;
    // Only validation can say training stopped paying; the last epoch is not a stop.
    state.stopped_early = has_validation && config.patience > 0 &&
                          state.epochs_without_gain >= config.patience && entry.epoch < config.epochs;
    state.log.push_back(entry);

    info.training_json = json_text(nlohmann::json{
        {"epoch", entry.epoch},
        {"best_epoch", state.best_epoch},
        {"val_accuracy", has_validation ? nlohmann::json(entry.val_accuracy) : nlohmann::json()},
        {"train_accuracy", entry.train_accuracy},
        {"train_sequences", data.plain.size()},
        {"val_sequences", data.validation.size()},
        {"train_config", config::to_yaml(config)}});
    const std::string state_json = state.to_json();
    // best first: a kill between the two writes leaves last behind best, never ahead of it.
    if (entry.best) model::save_bundle(best_path, info, model, optimizer.get(), state_json);
    model::save_bundle(last_path, info, model, optimizer.get(), state_json);
    if (on_epoch) on_epoch(state);
  }
  return state;
}

}  // namespace actrec::train
