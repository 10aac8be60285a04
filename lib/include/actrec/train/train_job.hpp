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
};

struct TrainCallbacks {
  std::function<void(const std::string& split, int64_t frames)> on_frames;  ///< extraction
  std::function<void(const TrainPlan&)> on_start;
  std::function<void(const TrainState&)> on_epoch;
};

/// Reads `manifest_path` (DataError listing every problem), extracts or reuses the observations
/// of its `train` and `val` clips, writes run_dir/config.yaml and trains: run_dir/best.actrec
/// (best on validation) and last.actrec (to resume from with `resume`).
TrainState train_from_manifest(const config::Config& config, const std::string& manifest_path,
                               const std::string& run_dir, bool resume,
                               const TrainCallbacks& callbacks = {});

}  // namespace actrec::train
