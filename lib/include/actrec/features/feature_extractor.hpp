#pragma once
// Frames -> feature vectors with a TorchScript image model. The header needs no LibTorch.
#include <memory>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "actrec/config/config.hpp"

namespace actrec::features {

/// The backbone file named by a config: as given (relative to the current directory), else in
/// $ACTREC_MODELS, else in the models/ folder of the checkout the running binary was built in.
/// Throws ModelError listing where it looked.
std::string resolve_model_path(const std::string& path);

struct StageSeconds {
  double preprocess = 0;
  double inference = 0;
};

class FeatureExtractor {
 public:
  /// Loads and checks the backbone (one trial pass on a blank frame). Throws ModelError naming
  /// the file when it cannot be loaded or its outputs do not fit the config, ConfigError when
  /// the config asks for an output the preset cannot use.
  explicit FeatureExtractor(const config::FeaturesConfig& config);
  ~FeatureExtractor();
  FeatureExtractor(const FeatureExtractor&) = delete;
  FeatureExtractor& operator=(const FeatureExtractor&) = delete;

  int64_t dim() const;
  const std::vector<std::string>& names() const;
  /// "sha256:<hex>" over the backbone file and every preprocessing setting: equal fingerprints
  /// mean equal features.
  const std::string& fingerprint() const;
  const std::string& backbone_path() const;
  const config::FeaturesConfig& config() const;
  /// Frames one forward pass takes (1 where the backbone bakes in batch size 1).
  int batch_size() const;

  /// A decoded BGR frame resized and ordered for the backbone. Thread-safe: decode threads call
  /// it so that preprocessing overlaps inference.
  cv::Mat prepare(const cv::Mat& frame) const;
  /// Appends dim() features per prepared frame to `out` (row-major).
  void infer(const std::vector<cv::Mat>& prepared, std::vector<float>& out);
  /// prepare() + infer().
  void extract(const std::vector<cv::Mat>& frames, std::vector<float>& out);

  StageSeconds seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace actrec::features
