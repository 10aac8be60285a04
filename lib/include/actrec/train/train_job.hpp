#pragma once
// `actrec train` as one library call: a manifest and a config in, a run folder out.
#include <functional>
#include <string>
#include <vector>

#include "actrec/config/config.hpp"
#include "actrec/train/train_state.hpp"

namespace actrec::train {

/// What a run is about to learn from, reported before the first epoch.
struct TrainPlan {
  std::vector<std::string> labels;
  size_t train_clips = 0, val_clips = 0;
  int64_t train_steps = 0;  ///< steps per epoch at the model's frame rate, before augmentation
  std::string backbone;
  int64_t feature_dim = 0;
  std::string cache_dir;
  int epochs = 0;        ///< train.epochs, or train.finetune.epochs when fine-tuning
  std::string cell;      ///< the recurrent cell (the bundle's when fine-tuning)
  std::string init;      ///< the bundle fine-tuned, or empty
};

/// What `actrec train` is asked for.
struct TrainRequest {
  std::string manifest;
  std::string run_dir;
  /// Continue the run in run_dir from its last.actrec; ConfigError when that run learnt from
  /// other data (another manifest, changed annotations) or another bundle.
  bool resume = false;
  /// Replace the run in run_dir. Without it or `resume`, a run_dir holding a run (best.actrec or
  /// last.actrec) is refused with ConfigError: a result is never written over unasked.
  bool overwrite = false;
  std::string init;  ///< the bundle to fine-tune, or empty
  /// With `init`: labels of the data the bundle does not know that become classes (after its
  /// own, in this order). Any other label it does not know is refused (DataError, each use with
  /// its file:line), but for one spelt like a class save case and spacing, which is that class.
  std::vector<std::string> new_classes;
};

struct TrainCallbacks {
  std::function<void(const std::string& split, int64_t frames)> on_frames;  ///< extraction
  std::function<void(const TrainPlan&)> on_start;
  std::function<void(const TrainState&)> on_epoch;
};

/// Reads the manifest (DataError listing every problem), extracts or reuses the observations
/// of its `train` and `val` clips, writes run_dir/config.yaml and run.json (what the run learns
/// from) and trains: run_dir/best.actrec (best on validation; the last epoch without validation
/// clips) and last.actrec (to resume from). With `init` (a bundle), fine-tunes it: its features,
/// model, smoothing and calibration, its classes first and the new classes asked for after
/// them, its weights to start from, train.finetune's epochs, learning rate and freezing;
/// ModelError naming what differs when the clips' observations are not what it learnt from.
TrainState train_from_manifest(const config::Config& config, const TrainRequest& request,
                               const TrainCallbacks& callbacks = {});

}  // namespace actrec::train
