#include <gtest/gtest.h>

#include "actrec/core/error.hpp"
#include "actrec/model/smoother.hpp"

namespace actrec::model {
namespace {

// Labels from probabilities where class `c` has 0.9 (two classes).
std::vector<int64_t> run(Smoother& smoother, const std::vector<int>& classes) {
  std::vector<int64_t> out;
  for (int c : classes) {
    const float p[2] = {c == 0 ? 0.9f : 0.1f, c == 0 ? 0.1f : 0.9f};
    for (int64_t label : smoother.push(p)) out.push_back(label);
  }
  for (int64_t label : smoother.flush()) out.push_back(label);
  return out;
}

TEST(Smoother, OffItIsTheArgmaxOfEachStepAtOnce) {
  Smoother off(2, 0, 5);
  EXPECT_EQ(off.delay(), 0);
  const float p[2] = {0.2f, 0.8f};
  EXPECT_EQ(off.push(p), std::vector<int64_t>{1});  // no waiting
  EXPECT_EQ(run(off, {0, 1, 0, 0}), (std::vector<int64_t>{0, 1, 0, 0}));
}

TEST(Smoother, ABlipShorterThanThePenaltyIsSmoothedAwayALongRunIsKept) {
  // A switch costs 5; one step of the other class gains log(0.9/0.1) = 2.2: not worth two
  // switches. Three steps gain 6.6: worth it.
  Smoother blip(2, 5, 4);
  EXPECT_EQ(run(blip, {0, 0, 0, 1, 0, 0, 0}), (std::vector<int64_t>(7, 0)));
  Smoother run_of_three(2, 5, 4);
  EXPECT_EQ(run(run_of_three, {0, 0, 0, 1, 1, 1, 1, 1}),
            (std::vector<int64_t>{0, 0, 0, 1, 1, 1, 1, 1}));
}

TEST(Smoother, EachLabelIsFinalExactlyDelayStepsLater) {
  Smoother smoother(2, 5, 3);
  const float p[2] = {0.9f, 0.1f};
  for (int step = 0; step < 3; ++step) EXPECT_TRUE(smoother.push(p).empty());
  for (int step = 3; step < 10; ++step) EXPECT_EQ(smoother.push(p).size(), 1u);
  EXPECT_EQ(smoother.flush().size(), 3u);
}

TEST(Smoother, AClassBiasAsksForMoreEvidence) {
  // Class 1 at 0.6 wins every step; a bias of -1 on it (log odds 0.4) lets class 0 win.
  Smoother plain(2, 0, 0), biased(2, 0, 0, {0.0, -1.0});
  const float p[2] = {0.4f, 0.6f};
  EXPECT_EQ(plain.push(p), std::vector<int64_t>{1});
  EXPECT_EQ(biased.push(p), std::vector<int64_t>{0});
  config::SmoothingConfig config;
  config.class_bias = {"falling=-1.5"};
  EXPECT_EQ(class_bias(config, {"walking", "falling"}), (std::vector<double>{0, -1.5}));
  config.class_bias = {"flaling=-1"};
  EXPECT_THROW(class_bias(config, {"walking", "falling"}), ConfigError);
}

TEST(Smoother, DelayInStepsFromSeconds) {
  config::SmoothingConfig config;
  config.switch_penalty = 3;
  config.delay_s = 0.5;
  EXPECT_EQ(delay_steps(config, 15), 8);  // 7.5 rounds to 8
  config.switch_penalty = 0;
  EXPECT_EQ(delay_steps(config, 15), 0);
}

}  // namespace
}  // namespace actrec::model
