#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <iostream>

#include "actrec/core/log.hpp"
#include "actrec/core/progress.hpp"
#include "actrec/core/timer.hpp"
#include "actrec/output/training_log.hpp"
#include "actrec/core/threads.hpp"
#include "actrec/train/train_job.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

struct TrainOptions {
  std::string config;
  train::TrainRequest request;
};

int run_train(const TrainOptions& options, const Context& context) {
  const config::Config config = context.load_config(options.config);
  set_torch_threads(config.runtime.threads);
  std::unique_ptr<Progress> progress;
  std::string progress_split;
  train::TrainCallbacks callbacks;
  callbacks.on_frames = [&](const std::string& split, int64_t frames) {
    if (split != progress_split) {
      progress = std::make_unique<Progress>("features (" + split + ")", -1);
      progress_split = split;
    }
    progress->advance(frames - progress->done());
  };
  Stopwatch since_start;  // ETA from whole epochs as seen here, checkpoint writing included
  int epochs = config.train.epochs;
  int first_epoch = -1;
  bool validated = false;
  callbacks.on_start = [&](const train::TrainPlan& plan) {
    validated = plan.val_clips > 0;
    progress.reset();
    since_start.restart();
    log::info("features: {} ({} per frame), cache {}", plan.backbone, plan.feature_dim,
              plan.cache_dir);
    epochs = plan.epochs;
    log::info("{} {} on {} clips ({} steps), validating on {}; {} classes: {}",
              plan.init.empty() ? "training" : "fine-tuning " + plan.init + ":", plan.cell,
              plan.train_clips, plan.train_steps, plan.val_clips, plan.labels.size(),
              fmt::join(plan.labels, ", "));
  };
  callbacks.on_epoch = [&](const train::TrainState& state) {
    const train::EpochLog& e = state.log.back();
    output::write_training_log(options.request.run_dir, state.log);
    if (first_epoch < 0) first_epoch = e.epoch - 1;
    const double per_epoch = since_start.seconds() / (e.epoch - first_epoch);
    const std::string validation =
        std::isnan(e.val_accuracy)
            ? std::string("no validation")
            : fmt::format("val loss {:.4f}  val acc {:.3f}", e.val_loss, e.val_accuracy);
    log::info(
        "epoch {:>3}/{}  loss {:.4f}  acc {:.3f}  {}  grad {:.3g}/{:.3g} (clipped {:.0f}%)  "
        "{:.0f} frames/s  ETA {}{}",
        e.epoch, epochs, e.train_loss, e.train_accuracy, validation, e.grad_norm_mean,
        e.grad_norm_max, 100 * e.clipped_fraction, e.frames_per_second,
        format_duration(per_epoch * (epochs - e.epoch)), e.best ? "  *best" : "");
  };
  const auto state = train::train_from_manifest(config, options.request, callbacks);
  if (state.best_epoch > 0 && !(state.best_accuracy > 0)) {
    log::warn(
        "{}/best.actrec labels none of the {} frames right (accuracy {:.3f}): do not use it "
        "as it is (the warnings above may say why)",
        options.request.run_dir, validated ? "validation" : "training", state.best_accuracy);
  }
  log::info(
      "{}/best.actrec: best epoch {} (accuracy {:.3f}){}; last: {}/last.actrec; log: "
      "{}/train_log.csv",
      options.request.run_dir, state.best_epoch, state.best_accuracy,
      state.stopped_early ? ", stopped early" : "", options.request.run_dir,
      options.request.run_dir);
  std::cout << options.request.run_dir << "/best.actrec\n";
  return 0;
}

}  // namespace

std::vector<Command> add_train_command(CLI::App& parent, Context& context) {
  auto options = std::make_shared<TrainOptions>();
  auto* app = parent.add_subcommand(
      "train",
      "Train a frame labeler on annotated clips (writes RUN_DIR/best.actrec, last.actrec)");
  app->add_option("-c,--config", options->config,
                  "Config file; without one, the recommended settings (actrec config show)")
      ->type_name("FILE");
  app->add_option("--data", options->request.manifest, "Dataset manifest (video,split,annotation)")
      ->required()
      ->type_name("MANIFEST");
  app->add_option("-o,--output", options->request.run_dir, "Run folder")
      ->required()
      ->type_name("RUN_DIR");
  auto* resume = app->add_flag("--resume", options->request.resume,
                               "Continue the run in RUN_DIR (the same data) from its last.actrec "
                               "after an interruption");
  app->add_flag("--overwrite", options->request.overwrite,
                "Replace the run in RUN_DIR (without this or --resume, a RUN_DIR holding "
                "best.actrec or last.actrec is refused)")
      ->excludes(resume);
  auto* init = app->add_option("--init", options->request.init,
                               "Fine-tune this bundle on the data instead of starting from "
                               "nothing: its features, model and classes, train.finetune.* "
                               "settings")
                   ->type_name("BUNDLE");
  app->add_option("--new-class", options->request.new_classes,
                  "With --init: a label of the data the bundle does not know that becomes a class "
                  "(repeatable); other labels it does not know are refused")
      ->type_name("NAME")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->needs(init);
  return {{app, [options, &context] { return run_train(*options, context); }}};
}

}  // namespace actrec::cli
