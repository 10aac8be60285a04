#include <gtest/gtest.h>

#include "actrec/core/timer.hpp"

namespace actrec {
namespace {

TEST(RateMeter, AMovingWindowNotAnAverageSinceTheStart) {
  RateMeter meter(1.0);
  int64_t now = 0;
  for (int i = 0; i < 300; ++i) meter.tick(now += 10000);  // 100 per second for 3 s
  EXPECT_NEAR(meter.rate(now), 100, 1);
  for (int i = 0; i < 100; ++i) meter.tick(now += 50000);  // then 20 per second for 5 s
  EXPECT_NEAR(meter.rate(now), 20, 0.5);  // the slowdown shows; the first 3 s are forgotten
  EXPECT_EQ(meter.rate(now + 5000000), 0);  // nothing for a while
}

TEST(StageTimes, MeanPerItemInTheOrderStagesFirstRan) {
  StageTimes times;
  times.add("decode", 0.010);
  times.add("model", 0.004, 2);
  times.add("decode", 0.030);
  EXPECT_DOUBLE_EQ(times.mean_ms("decode"), 20);
  EXPECT_DOUBLE_EQ(times.mean_ms("model"), 2);
  EXPECT_DOUBLE_EQ(times.seconds("decode"), 0.040);
  EXPECT_EQ(times.summary(), "decode 20.00 ms, model 2.00 ms");
}

}  // namespace
}  // namespace actrec
