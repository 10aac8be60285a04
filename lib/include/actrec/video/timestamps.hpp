#pragma once
#include <cstdint>

namespace actrec::video {

/// Turns the timestamps a source reports into ones that never decrease: the container's value
/// where it is sane (finite, not negative, later than the previous one), else the previous
/// time plus the previous spacing (index / fps before any time is known).
class MonotonicTimestamps {
 public:
  explicit MonotonicTimestamps(double fps);
  /// `reported_us`: the source's own timestamp in microseconds, negative or NaN when it has none.
  int64_t next(int64_t index, double reported_us);

 private:
  double fps_;
  int64_t last_us_ = -1;
  int64_t step_us_ = 0;  // the spacing of the last two timestamps
};

}  // namespace actrec::video
