#include <gtest/gtest.h>

#include <cmath>

#include "actrec/features/feature_builder.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/train/sequences.hpp"

namespace actrec::train {
namespace {
using namespace features;

// A 30 fps clip of one person walking right at 90 px/s with the left wrist raised, 640x480.
data::ClipData walking_clip(int frames) {
  data::ClipData clip;
  clip.name = "walk";
  clip.fps = 30;
  clip.width = 640;
  clip.height = 480;
  for (int f = 0; f < frames; ++f) {
    clip.timestamps_us.push_back(static_cast<int64_t>(std::llround(f * 1e6 / 30)));
    std::vector<float> values(kPoseValues, 0.0f);
    Pose pose{values.data()};
    const float cx = 100 + 3.0f * f;
    for (int k = 0; k < kKeypoints; ++k) {
      const bool left = k % 2 == 1;  // COCO's left parts have odd indices
      pose.x(k) = cx + (k == 0 ? 0.0f : left ? -20.0f : 20.0f);
      pose.y(k) = 200.0f + 12 * k;
      pose.score(k) = 0.9f;
    }
    pose.y(kLeftWrist) = 120;  // raised
    box_from_keypoints(pose, 0.2f);
    clip.poses.insert(clip.poses.end(), values.begin(), values.end());
    clip.targets.push_back(f < frames / 2 ? 0 : 1);
  }
  return clip;
}

float value(const SampledSequence& sequence, int64_t step, const std::string& name) {
  const FeatureBuilder builder({}, 0);
  const auto& names = builder.names();
  const auto at = std::find(names.begin(), names.end(), name) - names.begin();
  return sequence.features[static_cast<size_t>(step * sequence.dim + at)];
}

TEST(Sequences, SampledToTheModelsRateWithTheirFramesAndTargets) {
  const data::ClipData clip = walking_clip(60);  // 2 s at 30 fps
  const auto sequence = sample_sequence(clip, {}, 15);
  ASSERT_EQ(sequence.steps(), 30);  // 2 s at 15 fps
  EXPECT_EQ(sequence.frames[1], 2);
  EXPECT_EQ(sequence.targets.front(), 0);
  EXPECT_EQ(sequence.targets.back(), 1);
  EXPECT_EQ(sequence.dim, feature_dim({}, 0));
  EXPECT_NEAR(value(sequence, 29, "body.vx"), 90.0 / 72, 0.01);  // a torso of 72 px
}

TEST(Sequences, MirroringSwapsSidesSoTheRaisedWristIsTheRightOne) {
  const data::ClipData clip = walking_clip(30);
  config::AugmentConfig mirror_only;
  mirror_only.mirror = 1;
  mirror_only.scale = mirror_only.rotate_deg = mirror_only.keypoint_dropout = 0;
  mirror_only.cut_lower_body = mirror_only.rate_jitter = 0;
  std::mt19937_64 rng(1);
  const auto plain = sample_sequence(clip, {}, 15);
  const auto mirrored = sample_sequence(clip, {}, 15, &mirror_only, &rng);
  // Frames may start later (the sampler's phase); compare a step's own frame.
  const int64_t step = 5;
  const int64_t plain_step =
      std::find(plain.frames.begin(), plain.frames.end(), mirrored.frames[step]) - plain.frames.begin();
  ASSERT_LT(plain_step, plain.steps());
  EXPECT_NEAR(value(mirrored, step, "pose.right_wrist.y"), value(plain, plain_step, "pose.left_wrist.y"), 1e-5);
  EXPECT_NEAR(value(mirrored, step, "pose.right_wrist.x"), -value(plain, plain_step, "pose.left_wrist.x"), 1e-5);
  EXPECT_LT(value(mirrored, step, "body.vx"), 0);  // walking left now
}

TEST(Sequences, LegsCutAwayAndTimeStretchedAsDrawn) {
  const data::ClipData clip = walking_clip(90);
  config::AugmentConfig legs_and_pace;
  legs_and_pace.mirror = legs_and_pace.scale = legs_and_pace.rotate_deg = 0;
  legs_and_pace.keypoint_dropout = 0;
  legs_and_pace.cut_lower_body = 1;
  legs_and_pace.rate_jitter = 0.5;
  bool faster = false, slower = false;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::mt19937_64 rng(seed);
    const auto sequence = sample_sequence(clip, {}, 15, &legs_and_pace, &rng);
    EXPECT_EQ(value(sequence, 3, "seen.left_ankle"), 0.0f);
    EXPECT_EQ(value(sequence, 3, "seen.left_hip"), 1.0f);
    // A clip played faster walks faster and is over in fewer steps.
    const float speed = value(sequence, sequence.steps() - 1, "body.vx");
    const float plain_speed = value(sample_sequence(clip, {}, 15), 40, "body.vx");
    if (speed > plain_speed * 1.1) {
      faster = true;
      EXPECT_LT(sequence.steps(), 45);
    }
    if (speed < plain_speed / 1.1) {
      slower = true;
      EXPECT_GT(sequence.steps(), 45);
    }
  }
  EXPECT_TRUE(faster && slower);
}

config::AugmentConfig only(double config::AugmentConfig::*change) {
  config::AugmentConfig augment;
  augment.mirror = augment.scale = augment.rotate_deg = augment.keypoint_dropout = 0;
  augment.cut_lower_body = augment.rate_jitter = 0;
  augment.edge_cut = augment.small = 0;
  augment.*change = 1;
  return augment;
}

TEST(Sequences, FrameEdgesCutTheBodyOrItEntersAndLeavesAcrossThem) {
  // Each draw hides part of the body beyond one edge: throughout, or less and less (entering),
  // or more and more (leaving); the labels stay the clip's own.
  const data::ClipData clip = walking_clip(90);
  const auto augment = only(&config::AugmentConfig::edge_cut);
  bool partly = false, entering = false, leaving = false;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    std::mt19937_64 rng(seed);
    const auto sequence = sample_sequence(clip, {}, 15, &augment, &rng);
    const float first = value(sequence, 0, "seen.share"), last = value(sequence, sequence.steps() - 1, "seen.share");
    EXPECT_LT(std::min(first, last), 0.99f) << seed;  // something is always cut
    partly = partly || (first < 0.99f && std::abs(first - last) < 0.2f);
    entering = entering || first < last - 0.5f;
    leaving = leaving || last < first - 0.5f;
    for (int64_t step = 0; step < sequence.steps(); ++step) {
      EXPECT_EQ(sequence.targets[static_cast<size_t>(step)],
                clip.targets[static_cast<size_t>(sequence.frames[static_cast<size_t>(step)])]);
    }
  }
  EXPECT_TRUE(partly && entering && leaving);
}

TEST(Sequences, SmallPeopleAreJitteredAndLoseTheirExtremities) {
  const data::ClipData clip = walking_clip(60);
  const auto augment = only(&config::AugmentConfig::small);
  std::mt19937_64 rng(3);
  const auto small = sample_sequence(clip, {}, 15, &augment, &rng);
  const auto plain = sample_sequence(clip, {}, 15);
  double moved = 0, lost = 0;
  for (int64_t step = 0; step < small.steps(); ++step) {
    moved += std::abs(value(small, step, "pose.nose.y") - value(plain, step, "pose.nose.y"));
    lost += 1 - value(small, step, "seen.share");
  }
  EXPECT_GT(moved / static_cast<double>(small.steps()), 0.01);  // torso lengths, on average
  EXPECT_GT(lost, 0);
  EXPECT_EQ(value(small, 2, "seen.left_hip"), 1.0f);  // the trunk stays seen
}

}  // namespace
}  // namespace actrec::train
