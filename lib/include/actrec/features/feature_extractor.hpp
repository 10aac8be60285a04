#pragma once
// Frames -> what a TorchScript backbone sees in them: an observation per frame, the poses of up
// to persons() people (kPoseValues floats each, in pixels of the source frame) and/or the
// backbone's pooled feature map. What a model takes per frame is computed from observations by
// FeatureBuilder (feature_builder.hpp). The header needs no LibTorch.
#include <memory>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "actrec/config/inference.hpp"

namespace actrec::features {

struct StageSeconds {
  double preprocess = 0;
  double inference = 0;
};

/// What decides an extractor's observations, and what it makes of a few fixed images: enough to
/// tell whether a model trained on one extractor's observations may run on another's.
struct ExtractorIdentity {
  config::FeaturesConfig config;
  /// What the backbone file says it was made from (the converter records the source model's
  /// hash and the outputs taken); "" when it says nothing.
  std::string backbone_source;
  std::vector<std::string> names;  ///< one per observation value
  std::vector<float> probe;        ///< observations of probe_images(), [probes x names]
};

/// A few images drawn in code, the same on every machine: figures standing, reaching and lying
/// on a textured background (BGR, 320x240).
std::vector<cv::Mat> probe_images();

class FeatureExtractor {
 public:
  /// Loads and checks the backbone (it runs on the probe images, at features.input_*). Frames
  /// are then seen at `people`.input_* where the backbone's file takes several sizes (else at
  /// features.input_*). Throws ModelError naming the file when it cannot be loaded or its
  /// outputs do not fit the config, ConfigError when the config asks for an output the preset
  /// cannot use or a frame size the file does not take.
  explicit FeatureExtractor(const config::FeaturesConfig& config,
                            const config::PeopleConfig& people = {});
  ~FeatureExtractor();
  FeatureExtractor(const FeatureExtractor&) = delete;
  FeatureExtractor& operator=(const FeatureExtractor&) = delete;

  int64_t dim() const;  ///< observation values per frame
  int persons() const;  ///< pose slots per frame (0 when the preset uses no pose)
  const std::vector<std::string>& names() const;
  /// "sha256:<hex>" over the backbone's source (or the file's bytes, when it records none),
  /// every setting that changes observations, the size frames are seen at and the people a
  /// frame holds: equal fingerprints mean equal observations. Keys the feature cache.
  const std::string& fingerprint() const;
  const ExtractorIdentity& identity() const;
  const std::string& backbone_path() const;
  const config::FeaturesConfig& config() const;
  /// Frames one forward pass takes (1 where the backbone bakes in batch size 1).
  int batch_size() const;

  /// The backbone's input size for frames (features.input_* or people.input_*, above); where
  /// the file takes several sizes, a smaller frame is seen at its own size rounded up to the
  /// file's multiple, not blown up.
  cv::Size input_size() const;
  /// A decoded BGR frame resized and ordered for the backbone. Thread-safe: decode threads call
  /// it so that preprocessing overlaps inference.
  cv::Mat prepare(const cv::Mat& frame) const;
  /// Appends dim() observation values per prepared frame to `out` (row-major); `source` is the
  /// size of the frames they were prepared from (keypoints are mapped back to its pixels).
  void infer(const std::vector<cv::Mat>& prepared, cv::Size source, std::vector<float>& out);
  /// The same with each frame's own source size (`sources`: one per prepared frame).
  void infer(const std::vector<cv::Mat>& prepared, const std::vector<cv::Size>& sources,
             std::vector<float>& out);
  /// prepare() + infer() (frames of any size).
  void extract(const std::vector<cv::Mat>& frames, std::vector<float>& out);

  StageSeconds seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace actrec::features
