#pragma once
// Whether a live frame is worth the pose network: most of the time most cameras see rooms where
// nothing moves, and the network is what costs. A cheap difference of small grey images against
// the last frame the network looked at decides (as Frigate looks for motion before detecting);
// people followed but still, someone lying after a fall among them, are still looked at, less
// often, so that what is decided about them does not change. No LibTorch.
#include <cstdint>
#include <opencv2/core/mat.hpp>

#include "actrec/config/inference.hpp"

namespace actrec::pipeline {

class MotionGate {
 public:
  enum class Decision {
    look,    ///< run the pose network on this frame
    nobody,  ///< nothing moved and nobody is followed: nobody is in view
    hold,    ///< nothing moved and people are followed: their last poses hold
  };

  explicit MotionGate(const config::GateConfig& config);

  /// The small grey, blurred copy of a BGR frame that decide() compares: cheap enough for the
  /// decode thread.
  static cv::Mat glimpse(const cv::Mat& bgr, int width);

  /// For the glimpse of a frame at `timestamp_us`: `watching` when people are followed or a
  /// fall stands (they are looked at every still_interval_s even without motion). A frame
  /// looked at becomes the new reference, so slow changes add up until they count.
  Decision decide(const cv::Mat& glimpse, int64_t timestamp_us, bool watching);

  struct Counts {
    int64_t looked = 0, nobody = 0, held = 0;
  };
  const Counts& counts() const { return counts_; }

 private:
  config::GateConfig config_;
  cv::Mat reference_;         // the glimpse of the last frame looked at
  int64_t looked_at_us_ = 0;  // when that was
  Counts counts_;
};

}  // namespace actrec::pipeline
