#include <gtest/gtest.h>

#include "actrec/preprocess/frame_sampler.hpp"

namespace actrec::preprocess {
namespace {

TEST(FrameSampler, ThinsFasterSourcesToTheModelsSpacing) {
  preprocess::FrameSampler same(25, 25), slower(25, 15), faster(25, 50);
  EXPECT_FALSE(same.thins());
  EXPECT_FALSE(slower.thins());
  int taken = 0;
  for (int f = 0; f < 100; ++f) taken += faster.take(f * 20000) ? 1 : 0;  // 50 fps for 2 s
  EXPECT_EQ(taken, 50);
  preprocess::FrameSampler thirty(25, 30);
  taken = 0;
  for (int f = 0; f < 300; ++f) taken += thirty.take(f * 1000000 / 30) ? 1 : 0;  // 10 s
  EXPECT_NEAR(taken, 250, 2);
}

}  // namespace
}  // namespace actrec::preprocess
