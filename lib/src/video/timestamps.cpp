#include "actrec/video/timestamps.hpp"

#include <algorithm>
#include <cmath>

namespace actrec::video {

MonotonicTimestamps::MonotonicTimestamps(double fps) : fps_(fps > 0 ? fps : 25.0) {}

int64_t MonotonicTimestamps::next(int64_t index, double reported_us) {
  const bool sane = std::isfinite(reported_us) && reported_us >= 0 &&
                    (last_us_ < 0 || std::llround(reported_us) > last_us_);
  const int64_t candidate =
      sane ? std::llround(reported_us) : std::llround(static_cast<double>(index) * 1e6 / fps_);
  last_us_ = std::max(candidate, last_us_);
  return last_us_;
}

}  // namespace actrec::video
