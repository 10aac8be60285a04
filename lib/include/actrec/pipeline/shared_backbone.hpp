#pragma once
// One pose network for several streams (the cameras of one process, the embedding API's
// streams): each stream asks for its frame's observation, and frames that wait at once go
// through in one pass where the network takes a batch. No thread of its own: whoever finds the
// network free runs what waits (the others' frames included) and hands each its result. The
// header needs no LibTorch.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "actrec/core/frame.hpp"
#include "actrec/features/feature_extractor.hpp"
#include "actrec/pipeline/motion_gate.hpp"

namespace actrec::pipeline {

class SharedBackbone {
 public:
  explicit SharedBackbone(features::FeatureExtractor& extractor);
  SharedBackbone(const SharedBackbone&) = delete;
  SharedBackbone& operator=(const SharedBackbone&) = delete;

  /// The observation of one prepared frame (extractor().prepare()) of `source` size, into
  /// `out`; blocks until its pass is done. Rethrows what that pass threw.
  /// Returns the seconds of network time this frame's share of its pass took.
  double infer(const cv::Mat& prepared, cv::Size source, std::vector<float>& out);

  /// extractor().prepare(bgr): for frames prepared only once they are to be looked at.
  cv::Mat prepare(const cv::Mat& bgr) const { return extractor_.prepare(bgr); }

  struct Counts {
    int64_t passes = 0, frames = 0;
  };
  Counts counts() const;

 private:
  struct Request {
    const cv::Mat* prepared;
    cv::Size source;
    std::vector<float>* out;
    double seconds = 0;
    bool done = false;
    std::exception_ptr error;
  };
  features::FeatureExtractor& extractor_;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::deque<Request*> waiting_;
  bool busy_ = false;
  Counts counts_;
};

/// How a stream's sampled frames become observations (StreamLabeler::Observe): the shared pose
/// network, behind a motion gate when there is one: a frame the gate passes over is nobody in
/// view, or the people followed where the network last saw them. `live` and the embedding API
/// both observe through it.
class FrameObserver {
 public:
  /// `dim`: values per observation; `gate`: null for none (every frame looked at).
  FrameObserver(SharedBackbone& backbone, int64_t dim, const config::GateConfig* gate);

  /// The observation of `frame` (whose `prepared` image is set, or its `image` to prepare when
  /// it is looked at; and `glimpse` with a gate), of `size`; `watching`: people are followed or a
  /// fall stands (StreamLabeler::watching()).
  void observe(const Frame& frame, cv::Size size, bool watching, std::vector<float>& out);

  /// How wide a frame's glimpse must be made (MotionGate::glimpse); 0: no gate, none needed.
  int glimpse_width() const { return gate_ ? gate_config_.width : 0; }
  const MotionGate* gate() const { return gate_ ? &*gate_ : nullptr; }
  /// The pose network's seconds for the last frame observed (0 when it did not look).
  double backbone_seconds() const { return backbone_seconds_; }
  /// The gate's decision time for the last frame observed.
  double gate_seconds() const { return gate_seconds_; }

 private:
  SharedBackbone& backbone_;
  int64_t dim_;
  config::GateConfig gate_config_;
  std::optional<MotionGate> gate_;
  std::vector<float> last_looked_;
  double backbone_seconds_ = 0, gate_seconds_ = 0;
};

}  // namespace actrec::pipeline
