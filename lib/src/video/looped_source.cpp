#include "actrec/video/looped_source.hpp"

#include <fmt/format.h>

namespace actrec::video {

LoopedSource::LoopedSource(SourceSpec spec, int loops)
    : spec_(std::move(spec)), loops_(std::max(1, loops)), inner_(open_source(spec_)) {}

int64_t LoopedSource::frame_count() const {
  const int64_t one = inner_->frame_count();
  return one < 0 ? -1 : one * loops_;
}

std::string LoopedSource::describe() const {
  return fmt::format("{} x{}", inner_->describe(), loops_);
}

std::optional<Frame> LoopedSource::read() {
  auto frame = inner_->read();
  while (!frame && ++pass_ < loops_) {
    // The next pass starts one frame period after the last frame of this one.
    offset_us_ = last_us_ + static_cast<int64_t>(1e6 / std::max(1e-3, inner_->fps()));
    inner_ = open_source(spec_);
    frame = inner_->read();
  }
  if (!frame) return frame;
  frame->index = index_++;
  frame->timestamp_us += offset_us_;
  last_us_ = frame->timestamp_us;
  return frame;
}

}  // namespace actrec::video
