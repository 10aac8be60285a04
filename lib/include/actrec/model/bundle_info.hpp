#pragma once
// What a model bundle (.actrec) says about itself. No LibTorch: readable by any tool.
#include <cstdint>
#include <string>
#include <vector>

#include "actrec/config/inference.hpp"
#include "actrec/features/feature_extractor.hpp"

namespace actrec::model {

struct BundleInfo {
  std::vector<std::string> labels;  ///< class names, in output order
  std::string background;           ///< the background class ("" none)
  config::ModelConfig model;
  config::FeaturesConfig features;  ///< how its observations and features are made
  config::SmoothingConfig smoothing;
  /// The extractor its training observations came from: the backbone's recorded source, and
  /// what it made of features::probe_images() (checked again whenever the bundle is used).
  std::string backbone_source;
  std::vector<std::string> observation_names;
  std::vector<float> probe;
  int64_t feature_dim = 0;  ///< features per frame the model takes
  double fps = 0;           ///< the rate the model steps at (data.fps when it was trained)
  /// Confidences shown are softmax(logits / temperature): fitted on held-out predictions so
  /// that a label shown at 80% is right about 80% of the time (1: as trained). Labels, and
  /// smoothing, use the model's own probabilities.
  double temperature = 1.0;
  std::string training_json;  ///< how it was trained and how well it did (free-form JSON)
  /// SHA-256 of the weights as they were saved (save_bundle() records it, load_bundle() checks
  /// it); "" in bundles made before it was recorded.
  std::string weights_sha256;
};

/// Records in `info` what identifies `extractor`'s observations.
void set_extractor(BundleInfo& info, const features::ExtractorIdentity& extractor);

std::string bundle_info_to_json(const BundleInfo& info);
/// Throws ModelError naming `source` for malformed metadata.
BundleInfo bundle_info_from_json(const std::string& text, const std::string& source);

/// ModelError naming `bundle_path` and what differs unless `extractor` makes the observations
/// the bundle was trained on: the same preprocessing, the same backbone source where both say,
/// and observations of the probe images within kProbeTolerance. A backbone that finds more
/// people per frame than the bundle's (import-tfjs --people) matches when its first ones are
/// those. `feature_dim` is what this version makes of them per frame.
void check_features_match(const BundleInfo& info, const features::ExtractorIdentity& extractor,
                          int64_t feature_dim, const std::string& bundle_path);

/// Probe observations may differ by |a - b| <= abs + rel * |a| (pixels for coordinates): far
/// above what threads, batch sizes and CPU instruction sets change (docs/results.md), far below
/// what another backbone or preprocessing does.
struct ProbeTolerance {
  double abs, rel;
};
inline constexpr ProbeTolerance kProbeTolerance = {0.05, 1e-3};

}  // namespace actrec::model
