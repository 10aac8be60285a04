#include "actrec/video/realtime_source.hpp"

#include <thread>

namespace actrec::video {

RealtimeSource::RealtimeSource(std::unique_ptr<FrameSource> inner) : inner_(std::move(inner)) {}

std::optional<Frame> RealtimeSource::read() {
  auto frame = inner_->read();
  if (!frame) return frame;
  if (first_us_ < 0) {
    first_us_ = frame->timestamp_us;
    start_ = std::chrono::steady_clock::now();
  }
  std::this_thread::sleep_until(start_ +
                                std::chrono::microseconds(frame->timestamp_us - first_us_));
  return frame;
}

}  // namespace actrec::video
