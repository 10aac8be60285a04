#include "actrec/preprocess/frame_sampler.hpp"

namespace actrec::preprocess {

FrameSampler::FrameSampler(double model_fps, double source_fps) {
  if (model_fps > 0 && source_fps > model_fps * 1.1) period_us_ = 1e6 / model_fps;
}

bool FrameSampler::take(int64_t timestamp_us) {
  if (period_us_ <= 0) return true;
  const auto t = static_cast<double>(timestamp_us);
  // A quarter of the model's period of slack, so that rounding of timestamps (and a source's
  // jitter) does not skip a frame that is due.
  if (next_due_us_ >= 0 && t + 0.25 * period_us_ < next_due_us_) return false;
  // Due: schedule the next one; after a gap, start again from here rather than catch up.
  next_due_us_ = next_due_us_ < 0 || t - next_due_us_ > period_us_ ? t + period_us_
                                                                    : next_due_us_ + period_us_;
  return true;
}

}  // namespace actrec::preprocess
