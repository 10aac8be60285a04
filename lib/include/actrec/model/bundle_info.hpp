#pragma once
// What a model bundle (.actrec) says about itself. No LibTorch: readable by any tool.
#include <cstdint>
#include <string>
#include <vector>

#include "actrec/config/config.hpp"

namespace actrec::model {

struct BundleInfo {
  std::vector<std::string> labels;  ///< class names, in output order
  std::string background;           ///< the background class ("" none)
  config::ModelConfig model;
  config::FeaturesConfig features;  ///< how the features it expects are made
  std::string fingerprint;          ///< of the extractor those features came from
  int64_t feature_dim = 0;
  double fps = 0;             ///< the frame rate of the videos it was trained on
  std::string training_json;  ///< how it was trained and how well it did (free-form JSON)
};

std::string bundle_info_to_json(const BundleInfo& info);
/// Throws ModelError naming `source` for malformed metadata.
BundleInfo bundle_info_from_json(const std::string& text, const std::string& source);

/// ModelError naming `bundle_path` unless features from an extractor with `fingerprint` and
/// `dim` are the ones the bundle was trained on.
void check_features_match(const BundleInfo& info, const std::string& fingerprint, int64_t dim,
                          const std::string& bundle_path);

}  // namespace actrec::model
