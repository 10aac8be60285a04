#include "actrec/video/timestamps.hpp"

#include <algorithm>
#include <cmath>

namespace actrec::video {

MonotonicTimestamps::MonotonicTimestamps(double fps) : fps_(fps > 0 ? fps : 25.0) {}

int64_t MonotonicTimestamps::next(int64_t index, double reported_us) {
  const bool sane = std::isfinite(reported_us) && reported_us >= 0 &&
                    (last_us_ < 0 || std::llround(reported_us) > last_us_);
  int64_t candidate;
  if (sane) {
    candidate = std::llround(reported_us);
  } else if (last_us_ < 0) {
    candidate = std::llround(static_cast<double>(index) * 1e6 / fps_);
  } else {
    // On from the last time at the last spacing: after a gap in the stream's timestamps, index
    // / fps would lag behind (decoders flushing the last frames of an H.264 file report none).
    candidate = last_us_ + (step_us_ > 0 ? step_us_ : std::llround(1e6 / fps_));
  }
  if (last_us_ >= 0 && candidate > last_us_) step_us_ = candidate - last_us_;
  last_us_ = std::max(candidate, last_us_);
  return last_us_;
}

}  // namespace actrec::video
