#pragma once
// Labels frames one at a time with a trained bundle, carrying the recurrent state: the piece
// `label` (files) and `live` (cameras) share, so that both give the same labels.
#include <memory>
#include <string>
#include <vector>

#include "actrec/core/frame.hpp"
#include "actrec/features/feature_extractor.hpp"

namespace actrec::pipeline {

struct FrameLabel {
  int64_t label = 0;
  double confidence = 0;
  std::vector<float> probabilities;  ///< one per class
  bool fresh = false;  ///< computed for this frame (false: held from the last sampled frame)
};

class OnlineLabeler {
 public:
  /// Loads the bundle and the backbone its features came from; ModelError when they differ.
  explicit OnlineLabeler(const std::string& bundle_path);
  ~OnlineLabeler();

  const std::vector<std::string>& labels() const;
  const std::string& background() const;
  double model_fps() const;  ///< the frame rate it was trained at
  features::FeatureExtractor& extractor();

  /// A new video or stream: the state starts from zero, frames are sampled for `source_fps`.
  void start(double source_fps);
  bool thins() const;  ///< the source is faster than the model's rate: some frames skipped

  /// Labels a frame whose `prepared` image is set (extractor().prepare()).
  FrameLabel push(const Frame& frame);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace actrec::pipeline
