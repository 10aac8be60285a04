#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/progress.hpp"
#include "actrec/runtime/threads.hpp"
#include "actrec/train/clips.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

struct TrainOptions {
  std::string config;
  std::string manifest;
  std::string run_dir;
  bool resume = false;
};

int run_train(const TrainOptions& options, const Context& context) {
  const config::Config config = context.load_config(options.config);
  runtime::set_torch_threads(config.runtime.threads);
  train::DataProblems problems;
  const train::Manifest manifest = train::read_manifest(options.manifest, problems);
  problems.throw_if_any();
  const auto labels = train::label_set(manifest, config.data);
  if (train::clips_in_split(manifest, "train").empty()) {
    throw DataError(options.manifest + ": no clips in split 'train'");
  }
  features::FeatureExtractor extractor(config.features);
  const std::string cache = train::feature_cache_dir(config.train.cache_dir);
  log::info("features: {} ({} per frame), cache {}", extractor.backbone_path(), extractor.dim(),
            cache);
  const auto queue_size = static_cast<size_t>(config.video.queue_size);
  const auto train_clips = train::load_split(manifest, "train", labels, config.data, extractor,
                                             cache, queue_size, problems);
  const auto val_clips = train::load_split(manifest, "val", labels, config.data, extractor, cache,
                                           queue_size, problems);
  problems.throw_if_any();

  train::TrainJob job;
  job.model = config.model;
  job.train = config.train;
  job.run_dir = options.run_dir;
  job.resume = options.resume;
  job.info.labels = labels;
  job.info.background = config.data.background;
  job.info.features = config.features;
  job.info.fingerprint = extractor.fingerprint();
  job.info.feature_dim = extractor.dim();
  std::vector<double> rates;
  std::vector<train::Sequence> train_set, val_set;
  int64_t frames = 0;
  for (const auto& clip : train_clips) {
    train_set.push_back(clip.sequence);
    rates.push_back(clip.fps);
    frames += clip.sequence.features.size(0);
  }
  for (const auto& clip : val_clips) val_set.push_back(clip.sequence);
  std::sort(rates.begin(), rates.end());
  job.info.fps = rates[rates.size() / 2];
  std::filesystem::create_directories(options.run_dir);
  write_text_atomically(options.run_dir + "/config.yaml", config::to_yaml(config));
  log::info("training {} on {} videos ({} frames), validating on {}; {} classes: {}",
            config.model.cell, train_set.size(), frames, val_set.size(), labels.size(),
            fmt::join(labels, ", "));

  const auto result = train::train_labeler(job, train_set, val_set, [&](const train::EpochLog& e) {
    log::info(
        "epoch {:>3}/{}  loss {:.4f}  acc {:.3f}  val loss {:.4f}  val acc {:.3f}  grad "
        "{:.3g}/{:.3g} "
        "(clipped {:.0f}%)  {:.0f} frames/s  ETA {}{}",
        e.epoch, config.train.epochs, e.train_loss, e.train_accuracy, e.val_loss, e.val_accuracy,
        e.grad_norm_mean, e.grad_norm_max, 100 * e.clipped_fraction, e.frames_per_second,
        format_duration(e.seconds * (config.train.epochs - e.epoch)), e.best ? "  *best" : "");
  });
  log::info("{}: best epoch {} (accuracy {:.3f}){}; last: {}/last.actrec; log: {}/train_log.csv",
            options.run_dir + "/best.actrec", result.best_epoch, result.best_accuracy,
            result.stopped_early ? ", stopped early" : "", options.run_dir, options.run_dir);
  std::cout << options.run_dir << "/best.actrec\n";
  return 0;
}

}  // namespace

std::vector<Command> add_train_command(CLI::App& parent, Context& context) {
  auto options = std::make_shared<TrainOptions>();
  auto* app = parent.add_subcommand(
      "train",
      "Train a frame labeler on annotated clips (writes RUN_DIR/best.actrec, last.actrec)");
  app->add_option("-c,--config", options->config, "Config file (defaults suit small datasets)");
  app->add_option("--data", options->manifest, "Dataset manifest (video,split,annotation)")
      ->required()
      ->type_name("MANIFEST");
  app->add_option("-o,--output", options->run_dir, "Run folder")->required()->type_name("RUN_DIR");
  app->add_flag("--resume", options->resume,
                "Continue from RUN_DIR/last.actrec after an interruption");
  return {{app, [options, &context] { return run_train(*options, context); }}};
}

}  // namespace actrec::cli
