#pragma once
#include <cstdint>

namespace actrec::preprocess {

/// Chooses, by timestamp, which frames a model trained at `model_fps` should see from a source
/// delivering `source_fps`: a faster source is thinned to the model's spacing; a source within
/// 10% of it, or slower (frames cannot be invented), passes every frame.
class FrameSampler {
 public:
  FrameSampler(double model_fps, double source_fps);
  bool take(int64_t timestamp_us);
  bool thins() const { return period_us_ > 0; }

 private:
  double period_us_ = 0;  // 0: take every frame
  double next_due_us_ = -1;
};

}  // namespace actrec::preprocess
