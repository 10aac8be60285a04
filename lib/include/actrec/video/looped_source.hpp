#pragma once
#include <memory>

#include "actrec/video/frame_source.hpp"

namespace actrec::video {

/// A file played `loops` times over as one long stream: indices and timestamps go on from pass
/// to pass. Stands in for hours of video in memory and throughput measurements.
class LoopedSource : public FrameSource {
 public:
  LoopedSource(SourceSpec spec, int loops);
  std::optional<Frame> read() override;
  double fps() const override { return inner_->fps(); }
  int64_t frame_count() const override;
  cv::Size frame_size() const override { return inner_->frame_size(); }
  std::string describe() const override;

 private:
  SourceSpec spec_;
  int loops_, pass_ = 0;
  std::unique_ptr<FrameSource> inner_;
  int64_t index_ = 0, offset_us_ = 0, last_us_ = 0;
};

}  // namespace actrec::video
