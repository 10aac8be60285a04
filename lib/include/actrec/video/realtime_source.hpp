#pragma once
#include <chrono>

#include "actrec/video/frame_source.hpp"

namespace actrec::video {

/// Plays a source at its own pace: each frame is released when its timestamp is due, as a
/// camera would deliver it. Stands in for a camera in tests and benchmarks (`live --realtime`).
class RealtimeSource : public FrameSource {
 public:
  explicit RealtimeSource(std::unique_ptr<FrameSource> inner);
  std::optional<Frame> read() override;
  double fps() const override { return inner_->fps(); }
  int64_t frame_count() const override { return inner_->frame_count(); }
  cv::Size frame_size() const override { return inner_->frame_size(); }
  std::string describe() const override { return inner_->describe() + ", played in real time"; }
  bool is_live() const override { return true; }

 private:
  std::unique_ptr<FrameSource> inner_;
  std::chrono::steady_clock::time_point start_;
  int64_t first_us_ = -1;
};

}  // namespace actrec::video
