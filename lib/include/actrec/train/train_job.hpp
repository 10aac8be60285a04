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

struct TrainCallbacks {
  std::function<void(const std::string& split, int64_t frames)> on_frames;  ///< extraction
  std::function<void(const TrainPlan&)> on_start;
  std::function<void(const TrainState&)> on_epoch;
};

/// Reads `manifest_path` (DataError listing every problem), extracts or reuses the observations
/// of its `train` and `val` clips, writes run_dir/config.yaml and trains: run_dir/best.actrec
/// (best on validation; the last epoch without validation clips) and last.actrec (to resume
/// from with `resume`). With `init` (a bundle), fine-tunes it: its features, model, smoothing and
/// calibration, its classes first and any new ones the data has after them, its weights to start
/// from, train.finetune's epochs, learning rate and freezing; ModelError naming what differs when
/// the clips' observations are not what it learnt from.
TrainState train_from_manifest(const config::Config& config, const std::string& manifest_path,
                               const std::string& run_dir, bool resume,
                               const TrainCallbacks& callbacks = {}, const std::string& init = "");

}  // namespace actrec::train
