#include <gtest/gtest.h>

#include <cmath>

#include "actrec/features/feature_builder.hpp"

namespace actrec::features {
namespace {

// A standing person: torso (shoulder centre to hip centre) 100 px long, centred at (cx, cy).
std::vector<float> standing(float cx, float cy, float scale = 1.0f, float score = 0.9f) {
  const float offsets[17][2] = {{0, -130}, {-5, -135}, {5, -135}, {-12, -130}, {12, -130},
                                {-30, -50}, {30, -50},  {-35, 0},   {35, 0},    {-35, 45},
                                {35, 45},   {-18, 50},  {18, 50},   {-18, 130}, {18, 130},
                                {-18, 210}, {18, 210}};
  std::vector<float> values(kPoseValues, 0.0f);
  Pose pose{values.data()};
  for (int k = 0; k < kKeypoints; ++k) {
    pose.x(k) = cx + scale * offsets[k][0];
    pose.y(k) = cy + scale * offsets[k][1];
    pose.score(k) = score;
  }
  box_from_keypoints(pose, 0.2f);
  return values;
}

std::vector<float> features_of(FeatureBuilder& builder, const std::vector<float>& pose,
                               int64_t timestamp_us) {
  std::vector<float> out(static_cast<size_t>(builder.dim()));
  builder.push(pose.data(), nullptr, timestamp_us, out.data());
  return out;
}

float named(const FeatureBuilder& builder, const std::vector<float>& features,
            const std::string& name) {
  const auto& names = builder.names();
  const auto at = std::find(names.begin(), names.end(), name);
  EXPECT_NE(at, names.end()) << name;
  return features[static_cast<size_t>(at - names.begin())];
}

TEST(FeatureBuilder, SamePoseAnywhereAtAnySizeGivesTheSameFeatures) {
  const config::FeaturesConfig config;
  FeatureBuilder a(config, 0), b(config, 0);
  const auto here = features_of(a, standing(300, 200), 0);
  const auto there = features_of(b, standing(80, 500, 0.4f), 0);  // far off and small
  ASSERT_EQ(here.size(), there.size());
  for (size_t i = 0; i < here.size(); ++i) EXPECT_NEAR(here[i], there[i], 1e-4) << a.names()[i];
  EXPECT_NEAR(named(a, here, "pose.right_ankle.y"), 2.1, 1e-4);  // 210 px below the centre
  EXPECT_NEAR(named(a, here, "torso.cos"), 1.0, 1e-6);  // upright
  EXPECT_NEAR(named(a, here, "torso.sin"), 0.0, 1e-6);
  EXPECT_NEAR(named(a, here, "extent.height"), 3.45, 1e-4);  // eyes to ankles: 345 px
}

TEST(FeatureBuilder, UnseenKeypointsAreMaskedNotTrustedAndLegsDoNotSetTheScale) {
  const config::FeaturesConfig config;  // min_score 0.2
  FeatureBuilder whole(config, 0), cut(config, 0);
  auto legs_away = standing(300, 200);
  Pose pose{legs_away.data()};
  for (int k = kLeftKnee; k <= kRightAnkle; ++k) {
    pose.score(k) = 0.05f;  // out of view: the model says so with a low score
    pose.x(k) = 1e4f;       // ...and a position that means nothing
  }
  const auto a = features_of(whole, standing(300, 200), 0);
  const auto b = features_of(cut, legs_away, 0);
  EXPECT_EQ(named(cut, b, "seen.left_knee"), 0.0f);
  EXPECT_EQ(named(cut, b, "pose.left_knee.x"), 0.0f);
  EXPECT_EQ(named(whole, a, "seen.left_knee"), 1.0f);
  // The torso sets the scale, so the upper body reads the same with or without legs.
  for (const char* name : {"pose.left_wrist.x", "pose.left_wrist.y", "pose.nose.y"}) {
    EXPECT_NEAR(named(cut, b, name), named(whole, a, name), 1e-5) << name;
  }
  EXPECT_NEAR(named(cut, b, "seen.share"), 13.0 / 17, 1e-6);
}

TEST(FeatureBuilder, WithoutATorsoTheScaleFallsBackToShoulderWidthThenToTheLastOne) {
  const config::FeaturesConfig config;
  FeatureBuilder builder(config, 0);
  features_of(builder, standing(300, 200), 0);  // torso 100 px: the scale is known
  auto no_hips = standing(300, 200);
  Pose pose{no_hips.data()};
  pose.score(kLeftHip) = pose.score(kRightHip) = 0;
  const auto f = features_of(builder, no_hips, 66667);
  // Shoulders 60 px apart stand for a 78 px torso, followed slowly from the known 100 px.
  const double scale = std::exp(std::exp(-0.066667 / 0.5) * std::log(100.0) +
                                (1 - std::exp(-0.066667 / 0.5)) * std::log(78.0));
  EXPECT_NEAR(named(builder, f, "pose.left_wrist.y"), (245 - 150) / scale, 1e-3);
  EXPECT_EQ(named(builder, f, "torso.seen"), 0.0f);
}

TEST(FeatureBuilder, MotionIsPerSecondWhateverTheFrameRate) {
  // A person walking right at 150 px/s (1.5 torso lengths per second), seen at 15 and 30 fps.
  const config::FeaturesConfig config;
  for (double fps : {15.0, 30.0}) {
    SCOPED_TRACE(fps);
    FeatureBuilder builder(config, 0);
    std::vector<float> last;
    for (int f = 0; f <= static_cast<int>(2 * fps); ++f) {
      const double t = f / fps;
      last = features_of(builder, standing(static_cast<float>(100 + 150 * t), 200),
                         static_cast<int64_t>(std::llround(t * 1e6)));
    }
    EXPECT_NEAR(named(builder, last, "body.vx"), 1.5, 0.01);
    EXPECT_NEAR(named(builder, last, "body.vy"), 0.0, 1e-4);
    EXPECT_NEAR(named(builder, last, "motion.left_wrist.vx"), 0.0, 1e-3);  // moves with the body
  }
}

TEST(FeatureBuilder, AKeypointComingIntoViewDoesNotLookLikeMotion) {
  const config::FeaturesConfig config;
  FeatureBuilder builder(config, 0);
  auto before = standing(300, 200);
  Pose pose{before.data()};
  pose.score(kLeftHip) = 0;  // the centre is the shoulders' while one hip is unseen...
  features_of(builder, before, 0);
  const auto after = features_of(builder, standing(300, 200), 66667);  // ...then the torso's
  EXPECT_NEAR(named(builder, after, "body.vx"), 0.0, 1e-5);
  EXPECT_NEAR(named(builder, after, "body.vy"), 0.0, 1e-5);
}

TEST(FeatureBuilder, LyingIsATorsoAcrossTheVertical) {
  const config::FeaturesConfig config;
  FeatureBuilder builder(config, 0);
  std::vector<float> lying = standing(300, 200);
  Pose pose{lying.data()};
  for (int k = 0; k < kKeypoints; ++k) {  // rotated 90 degrees: head to the left
    const float dx = pose.x(k) - 300, dy = pose.y(k) - 200;
    pose.x(k) = 300 + dy;
    pose.y(k) = 200 - dx;
  }
  const auto f = features_of(builder, lying, 0);
  EXPECT_NEAR(named(builder, f, "torso.sin"), -1.0, 1e-5);
  EXPECT_NEAR(named(builder, f, "torso.cos"), 0.0, 1e-5);
  EXPECT_GT(named(builder, f, "extent.width"), named(builder, f, "extent.height"));
}

TEST(FeatureBuilder, JointAnglesAndLimbLengthsTellASeatedBodyFromAStandingOne) {
  const config::FeaturesConfig config;
  FeatureBuilder standing_builder(config, 0), seated_builder(config, 0);
  const auto upright = features_of(standing_builder, standing(300, 200), 0);
  EXPECT_NEAR(named(standing_builder, upright, "angle.left_knee"), -1.0, 1e-6);  // straight
  EXPECT_NEAR(named(standing_builder, upright, "length.left_shin"), 0.8, 1e-5);  // 80 px of 100
  auto seated = standing(300, 200);
  Pose pose{seated.data()};
  for (int k : {kLeftKnee, kRightKnee}) {  // thighs forward, seen from the side: horizontal
    pose.x(k) = pose.x(k == kLeftKnee ? kLeftHip : kRightHip) + 80;
    pose.y(k) = pose.y(kLeftHip);
  }
  for (int k : {kLeftAnkle, kRightAnkle}) {  // shins straight down from the knees
    pose.x(k) = pose.x(k == kLeftAnkle ? kLeftKnee : kRightKnee);
    pose.y(k) = pose.y(kLeftKnee) + 80;
  }
  const auto sat = features_of(seated_builder, seated, 0);
  EXPECT_NEAR(named(seated_builder, sat, "angle.left_knee"), 0.0, 1e-6);  // a right angle
  EXPECT_NEAR(named(seated_builder, sat, "angle.left_hip"), 0.0, 0.25);
}

TEST(FeatureBuilder, NobodySeenGivesZerosAndAppearancePassesThrough) {
  config::FeaturesConfig config;
  config.preset = config::Preset::pose_appearance;
  FeatureBuilder builder(config, 2);
  const float map[2] = {0.5f, -1.5f};
  std::vector<float> out(static_cast<size_t>(builder.dim()), 7.0f);
  builder.push(nullptr, map, 0, out.data());
  EXPECT_EQ(out[out.size() - 2], 0.5f);
  EXPECT_EQ(out.back(), -1.5f);
  for (size_t i = 0; i + 2 < out.size(); ++i) EXPECT_EQ(out[i], 0.0f) << builder.names()[i];
}

}  // namespace
}  // namespace actrec::features
