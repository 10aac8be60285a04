#pragma once
// `actrec eval` as one library call: a bundle scored on annotated clips, every frame labelled
// exactly as `actrec label` labels it (from the observations in the feature cache).
#include <functional>
#include <string>
#include <vector>

#include "actrec/config/config.hpp"
#include "actrec/eval/metrics.hpp"

namespace actrec::pipeline {

struct ClipResult {
  std::string video;
  std::vector<int64_t> predicted, truth;  ///< per frame
  std::vector<double> confidence;         ///< per frame, of the predicted label (calibrated)
  /// Per frame, the model's own probabilities (before calibration): what calibration fits.
  std::vector<std::vector<float>> probabilities;
  int64_t falls = 0;  ///< fall events raised
};

struct EvaluationResult {
  eval::Evaluation evaluation;
  std::vector<ClipResult> clips;
};

/// Scores `bundle_path` on the `split` clips of `manifest_path` (DataError listing every
/// problem; ModelError when the bundle does not fit the backbone). `config` gives the cache,
/// threads and queue sizes, and with `smoothing` set, the smoothing to use instead of the
/// bundle's; `on_frames` reports extraction progress.
EvaluationResult evaluate(const std::string& bundle_path, const std::string& manifest_path,
                          const std::string& split, const config::Config& config,
                          const config::SmoothingConfig* smoothing = nullptr,
                          const std::function<void(int64_t frames)>& on_frames = {});

}  // namespace actrec::pipeline
