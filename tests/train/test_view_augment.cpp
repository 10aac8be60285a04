#include <gtest/gtest.h>

#include <cmath>

#include "actrec/core/vec3.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/train/sequences.hpp"
#include "actrec/train/view_augment.hpp"

namespace actrec::train {
namespace {
using namespace features;
using vec3::Vec3;
using vec3::operator+;
using vec3::operator*;

// A bone's length in kBodyBones.
double length(int parent, int child) {
  for (const auto& bone : kBodyBones) {
    if (bone.parent == parent && bone.child == child) return bone.length;
  }
  ADD_FAILURE() << "no bone " << parent << "-" << child;
  return 0;
}

// A body in 3-D whose bones have exactly kBodyBones' lengths (metres; x right, y down, z away
// from the camera, the hip centre at 0), facing `facing` radians from the camera towards the
// image's right, leaning `lean` radians forward. Its left upper arm hangs straight down, across
// the line of sight, so that the scale is exact; everything else is in depth somewhat: knees
// bent back, thighs and the right upper arm forward, elbows bent forward, the nose in front.
std::array<Vec3, kKeypoints> body(double facing, double lean) {
  const Vec3 left{std::cos(facing), 0, std::sin(facing)}, up{0, -1, 0},
      front{std::sin(facing), 0, -std::cos(facing)};
  // (l, u, f) in the body's own axes -> the camera's.
  auto at = [&](double l, double u, double f) { return l * left + u * up + f * front; };
  auto bone = [&](const Vec3& from, double length, double l, double u, double f) {
    return from + length * vec3::unit(at(l, u, f));
  };
  std::array<Vec3, kKeypoints> k{};
  const Vec3 shoulders = length(-1, -2) * at(0, std::cos(lean), std::sin(lean));
  k[kLeftHip] = at(length(-1, kLeftHip), 0, 0);
  k[kRightHip] = at(-length(-1, kRightHip), 0, 0);
  k[kLeftShoulder] = shoulders + at(length(-2, kLeftShoulder), 0, 0);
  k[kRightShoulder] = shoulders + at(-length(-2, kRightShoulder), 0, 0);
  k[kNose] = bone(shoulders, length(-2, kNose), 0, 0.85, 0.5);
  k[kLeftEye] = bone(k[kNose], length(kNose, kLeftEye), 0.6, 0.5, -0.6);
  k[kRightEye] = bone(k[kNose], length(kNose, kRightEye), -0.6, 0.5, -0.6);
  k[kLeftEar] = bone(k[kNose], length(kNose, kLeftEar), 0.7, 0.1, -0.7);
  k[kRightEar] = bone(k[kNose], length(kNose, kRightEar), -0.7, 0.1, -0.7);
  // Straight down, in the image plane.
  k[kLeftElbow] = k[kLeftShoulder] + Vec3{0, length(kLeftShoulder, kLeftElbow), 0};
  k[kLeftWrist] = bone(k[kLeftElbow], length(kLeftElbow, kLeftWrist), 0.1, -0.3, 0.9);
  k[kRightElbow] = bone(k[kRightShoulder], length(kRightShoulder, kRightElbow), -0.1, -0.9, 0.4);
  k[kRightWrist] = bone(k[kRightElbow], length(kRightElbow, kRightWrist), 0, -0.2, 1);
  k[kLeftKnee] = bone(k[kLeftHip], length(kLeftHip, kLeftKnee), 0, -0.87, 0.5);
  k[kLeftAnkle] = bone(k[kLeftKnee], length(kLeftKnee, kLeftAnkle), 0, -0.94, -0.34);
  k[kRightKnee] = bone(k[kRightHip], length(kRightHip, kRightKnee), 0.05, -0.95, 0.3);
  k[kRightAnkle] = bone(k[kRightKnee], length(kRightKnee, kRightAnkle), 0, -0.9, -0.45);
  return k;
}

constexpr double kScale = 200;  // pixels per metre
// Taylor's lifting as it is: keypoints exact, the scale the largest ratio, no slack.
const LiftOptions kExact{0.2, 1.0, 1.0, false};
constexpr float kCentreX = 320, kCentreY = 200;

// One frame's pose: `body` seen by a scaled orthographic camera, every keypoint scoring 0.9.
std::vector<float> project(const std::array<Vec3, kKeypoints>& body) {
  std::vector<float> values(kPoseValues, 0.0f);
  Pose pose{values.data()};
  for (int k = 0; k < kKeypoints; ++k) {
    pose.x(k) = static_cast<float>(kCentreX + kScale * body[static_cast<size_t>(k)][0]);
    pose.y(k) = static_cast<float>(kCentreY + kScale * body[static_cast<size_t>(k)][1]);
    pose.score(k) = 0.9f;
  }
  box_from_keypoints(pose, 0.2f);
  return values;
}

std::vector<float> clip_of(const std::vector<std::array<Vec3, kKeypoints>>& bodies) {
  std::vector<float> poses;
  for (const auto& b : bodies) {
    const auto values = project(b);
    poses.insert(poses.end(), values.begin(), values.end());
  }
  return poses;
}

TEST(ViewAugment, LiftingRecoversEachBonesDepthUpToItsSign) {
  // A body lifted as it is drawn from several directions: each bone's depth is its length's
  // share that the image does not show, whatever the signs chosen.
  for (const double facing : {0.0, 0.7, 1.6, 2.5, -1.2}) {
    SCOPED_TRACE(facing);
    const auto truth = body(facing, 0.35);
    const std::vector<float> poses = clip_of({truth, truth, truth});
    std::mt19937_64 rng(3);
    const LiftedClip lifted = lift_clip(poses.data(), 3, 30, kExact, rng);
    ASSERT_EQ(lifted.frames.size(), 3u);
    EXPECT_NEAR(lifted.scale[1], kScale, 1e-3);
    const auto& z = lifted.frames[1];
    auto depth = [&](int k) {
      if (k >= 0) return static_cast<double>(z[static_cast<size_t>(k)][2]);
      return k == -1 ? 0.0 : (z[kLeftShoulder][2] + z[kRightShoulder][2]) / 2.0;
    };
    auto true_depth = [&](int k) {
      if (k >= 0) return kScale * truth[static_cast<size_t>(k)][2];
      return k == -1 ? 0.0 : kScale * (truth[kLeftShoulder][2] + truth[kRightShoulder][2]) / 2;
    };
    for (const auto& bone : kBodyBones) {
      EXPECT_NEAR(std::abs(depth(bone.child) - depth(bone.parent)),
                  std::abs(true_depth(bone.child) - true_depth(bone.parent)), 0.05)
          << kKeypointNames[static_cast<size_t>(bone.child < 0 ? 0 : bone.child)];
    }
  }
}

TEST(ViewAugment, SignsChosenByPlausibilityAreTheTrueOnesForAPlausibleBody) {
  // Turned towards the image's right (the nose says so), leaning forward, knees bent back,
  // arms in front: every keypoint's depth comes back with its sign.
  for (const double facing : {0.5, 1.0, -0.8, 2.4}) {
    SCOPED_TRACE(facing);
    const auto truth = body(facing, 0.35);
    const std::vector<float> poses = clip_of(std::vector(20, truth));
    std::mt19937_64 rng(5);
    const LiftedClip lifted = lift_clip(poses.data(), 20, 30, kExact, rng);
    for (int k = 0; k < kKeypoints; ++k) {
      EXPECT_NEAR(lifted.frames[10][static_cast<size_t>(k)][2],
                  kScale * truth[static_cast<size_t>(k)][2], 0.1)
          << kKeypointNames[static_cast<size_t>(k)];
    }
  }
}

TEST(ViewAugment, BonesAPoseNetworkMakesLongerOrShorterDoNotTurnOutOfTheImage) {
  // A body drawn flat across the line of sight, each bone 10% longer or shorter than the table
  // says (MoveNet's keypoints vary so): exact lifting reads the short ones as turned far out of
  // the image; the defaults leave the body flat.
  std::mt19937_64 draw(3);
  std::uniform_real_distribution<double> angle(-0.4, 0.4);
  std::vector<float> values(kPoseValues, 0.0f);
  Pose pose{values.data()};
  std::array<std::array<double, 2>, kKeypoints + 2> at{};  // then the two centres
  auto slot = [](int k) { return static_cast<size_t>(k >= 0 ? k : kKeypoints - 1 - k); };
  at[slot(-1)] = {320, 300};
  int index = 0;
  for (const auto& bone : kBodyBones) {
    const double stretch = index++ % 2 == 0 ? 1.1 : 0.9;
    const double a = angle(draw) + (bone.child == -2 || bone.child <= kRightShoulder ? M_PI : 0);
    const double dx = bone.child == kLeftHip || bone.child == kLeftShoulder     ? 1
                      : bone.child == kRightHip || bone.child == kRightShoulder ? -1
                                                                                : 0;
    const double length = stretch * kScale * bone.length;
    at[slot(bone.child)] = {
        at[slot(bone.parent)][0] + (dx != 0 ? dx * length : length * std::sin(a)),
        at[slot(bone.parent)][1] + (dx != 0 ? 0 : length * std::cos(a))};
  }
  for (int k = 0; k < kKeypoints; ++k) {
    pose.x(k) = static_cast<float>(at[static_cast<size_t>(k)][0]);
    pose.y(k) = static_cast<float>(at[static_cast<size_t>(k)][1]);
    pose.score(k) = 0.9f;
  }
  std::vector<float> poses;
  for (int f = 0; f < 10; ++f) poses.insert(poses.end(), values.begin(), values.end());
  auto deepest = [&](const LiftOptions& options) {
    std::mt19937_64 rng(1);
    const LiftedClip lifted = lift_clip(poses.data(), 10, 30, options, rng);
    double most = 0;
    for (const auto& p : lifted.frames[5])
      most = std::max(most, std::abs(static_cast<double>(p[2])));
    return most / (0.5 * kScale);  // in torso lengths
  };
  EXPECT_GT(deepest(kExact), 0.4);
  EXPECT_LT(deepest(LiftOptions{}), 0.1);
}

TEST(ViewAugment, NoTurnAndNoTiltChangesNothing) {
  std::vector<std::array<Vec3, kKeypoints>> bodies;
  for (int f = 0; f < 30; ++f) bodies.push_back(body(0.4 + 0.03 * f, 0.1));
  const std::vector<float> poses = clip_of(bodies);
  std::mt19937_64 rng(1);
  const LiftedClip lifted = lift_clip(poses.data(), 30, 30, kExact, rng);
  std::vector<float> viewed = poses;
  view_clip(lifted, 0, 0, viewed.data(), 30, 0.2);
  for (size_t i = 0; i < poses.size(); ++i) EXPECT_NEAR(viewed[i], poses[i], 1e-3) << i;
}

TEST(ViewAugment, HalfATurnShowsThePersonFromBehind) {
  // Facing the camera with the left wrist raised (on the image's right); turned half way round,
  // they face away: the same keypoints, mirrored about where they stand, so the left wrist is
  // now on the image's left. Depth does not matter to it.
  auto truth = body(0, 0);
  truth[kLeftWrist] = truth[kLeftElbow] + Vec3{0.05, -0.24, 0};
  const std::vector<float> poses = clip_of(std::vector(10, truth));
  std::mt19937_64 rng(2);
  const LiftedClip lifted = lift_clip(poses.data(), 10, 30, kExact, rng);
  std::vector<float> viewed = poses;
  view_clip(lifted, M_PI, 0, viewed.data(), 10, 0.2);
  const ConstPose before{poses.data() + 5 * kPoseValues};
  const Pose after{viewed.data() + 5 * kPoseValues};
  const float hip_x = (before.x(kLeftHip) + before.x(kRightHip)) / 2;
  EXPECT_GT(before.x(kLeftWrist), hip_x);
  EXPECT_LT(after.x(kLeftWrist), hip_x);
  for (int k = 0; k < kKeypoints; ++k) {
    EXPECT_NEAR(after.x(k), 2 * hip_x - before.x(k), 1e-3)
        << kKeypointNames[static_cast<size_t>(k)];
    EXPECT_NEAR(after.y(k), before.y(k), 1e-3);
    EXPECT_EQ(after.score(k), before.score(k));
  }
}

TEST(ViewAugment, AQuarterTurnShowsTheSideThatWasInDepth) {
  // Facing the camera, then turned a quarter to their right: seen from their left side, the
  // shoulders one behind the other and the forward-reaching right wrist out to the image's left.
  const auto truth = body(0, 0);
  const std::vector<float> poses = clip_of(std::vector(10, truth));
  std::mt19937_64 rng(2);
  const LiftedClip lifted = lift_clip(poses.data(), 10, 30, kExact, rng);
  std::vector<float> viewed = poses;
  view_clip(lifted, M_PI / 2, 0, viewed.data(), 10, 0.2);
  const Pose after{viewed.data() + 5 * kPoseValues};
  const double torso = 0.5 * kScale;
  EXPECT_LT(std::abs(after.x(kLeftShoulder) - after.x(kRightShoulder)), 0.05 * torso);
  const float hip_x = (after.x(kLeftHip) + after.x(kRightHip)) / 2;
  EXPECT_NEAR(after.x(kRightWrist) - hip_x, kScale * truth[kRightWrist][2], 0.1);
  EXPECT_LT(after.x(kRightWrist), hip_x - 0.3 * torso);
}

TEST(ViewAugment, SignsHoldFromFrameToFrame) {
  // A person turning slowly, seen with half a pixel of keypoint noise: the lifted depths move
  // smoothly (no bone flipping from front to back between frames) and keep their true sides.
  std::mt19937_64 noise_rng(7);
  std::normal_distribution<double> noise(0, 0.5);
  std::vector<std::array<Vec3, kKeypoints>> bodies;
  for (int f = 0; f < 60; ++f) bodies.push_back(body(0.5 + 0.01 * f, 0.3));
  std::vector<float> poses = clip_of(bodies);
  for (int64_t f = 0; f < 60; ++f) {
    Pose pose{poses.data() + f * kPoseValues};
    for (int k = 0; k < kKeypoints; ++k) {
      pose.x(k) += static_cast<float>(noise(noise_rng));
      pose.y(k) += static_cast<float>(noise(noise_rng));
    }
  }
  std::mt19937_64 rng(4);
  const LiftedClip lifted = lift_clip(poses.data(), 60, 30, kExact, rng);
  const double torso = 0.5 * kScale;
  for (size_t f = 1; f < 60; ++f) {
    for (int k = kLeftShoulder; k < kKeypoints; ++k) {
      EXPECT_LT(std::abs(lifted.frames[f][static_cast<size_t>(k)][2] -
                         lifted.frames[f - 1][static_cast<size_t>(k)][2]),
                0.25 * torso)
          << "frame " << f << " " << kKeypointNames[static_cast<size_t>(k)];
    }
    // Facing the camera half-turned to the image's right: the left side is away, the thighs
    // come forward (towards the camera) and the shins go back.
    EXPECT_GT(lifted.frames[f][kLeftHip][2], 0) << f;
    EXPECT_LT(lifted.frames[f][kLeftKnee][2] - lifted.frames[f][kLeftHip][2], 0) << f;
    EXPECT_GT(lifted.frames[f][kLeftAnkle][2] - lifted.frames[f][kLeftKnee][2], 0) << f;
  }
}

TEST(ViewAugment, UnseenKeypointsStayUnseen) {
  auto values = project(body(0.3, 0.1));
  Pose pose{values.data()};
  pose.score(kLeftWrist) = 0;
  pose.score(kRightAnkle) = 0.1f;
  std::vector<float> poses;
  for (int f = 0; f < 10; ++f) poses.insert(poses.end(), values.begin(), values.end());
  std::mt19937_64 rng(9);
  const LiftedClip lifted = lift_clip(poses.data(), 10, 30, kExact, rng);
  std::vector<float> viewed = poses;
  view_clip(lifted, 1.0, 0.3, viewed.data(), 10, 0.2);
  const Pose after{viewed.data() + 3 * kPoseValues};
  EXPECT_EQ(after.score(kLeftWrist), 0);
  EXPECT_FLOAT_EQ(after.score(kRightAnkle), 0.1f);
  EXPECT_GT(std::abs(after.x(kLeftShoulder) - pose.x(kLeftShoulder)), 1);  // the rest moved
  // The box is around what is seen, the wrist and ankle left out.
  float right = 0;
  for (int k = 0; k < kKeypoints; ++k) {
    if (after.score(k) >= 0.2f) right = std::max(right, after.x(k));
  }
  EXPECT_FLOAT_EQ(after.box(2), right);
}

TEST(ViewAugment, TiltingDownShowsWhatIsNearLower) {
  // Looking down from above, a wrist reaching towards the camera drops in the image.
  const auto truth = body(0, 0);  // the right wrist reaches forward, towards the camera
  const std::vector<float> poses = clip_of(std::vector(10, truth));
  std::mt19937_64 rng(2);
  const LiftedClip lifted = lift_clip(poses.data(), 10, 30, kExact, rng);
  std::vector<float> viewed = poses;
  view_clip(lifted, 0, 0.5, viewed.data(), 10, 0.2);
  const ConstPose before{poses.data() + 5 * kPoseValues};
  const Pose after{viewed.data() + 5 * kPoseValues};
  const double hip_y = (before.y(kLeftHip) + before.y(kRightHip)) / 2;
  EXPECT_GT(after.y(kRightWrist) - hip_y, (before.y(kRightWrist) - hip_y) * std::cos(0.5) + 10);
}

TEST(ViewAugment, SequencesSeenFromAnotherAngleKeepTheirTargets) {
  // Through sample_sequence: with a turn of 0 the features are the clip's own; with turns, the
  // targets and frames are the same and the features differ.
  std::vector<std::array<Vec3, kKeypoints>> bodies;
  for (int f = 0; f < 60; ++f) bodies.push_back(body(0.2 + 0.02 * f, 0.2));
  data::ClipData clip;
  clip.name = "turning";
  clip.fps = 15;  // the model's rate: every frame is a step, whatever the sampler's phase
  clip.width = 640;
  clip.height = 480;
  clip.poses = clip_of(bodies);
  for (int f = 0; f < 60; ++f) {
    clip.timestamps_us.push_back(static_cast<int64_t>(std::llround(f * 1e6 / 15)));
    clip.targets.push_back(f < 30 ? 0 : 1);
  }
  config::AugmentConfig only_view;
  only_view.mirror = only_view.scale = only_view.rotate_deg = only_view.keypoint_dropout = 0;
  only_view.cut_lower_body = only_view.rate_jitter = 0;
  only_view.view = 1;
  only_view.yaw_deg = only_view.pitch_deg = 0;
  const auto plain = sample_sequence(clip, {}, 15);
  std::mt19937_64 rng(1);
  const auto unturned = sample_sequence(clip, {}, 15, &only_view, &rng);
  ASSERT_EQ(unturned.features.size(), plain.features.size());
  for (size_t i = 0; i < plain.features.size(); ++i)
    EXPECT_NEAR(unturned.features[i], plain.features[i], 1e-4);
  only_view.yaw_deg = 90;
  const auto turned = sample_sequence(clip, {}, 15, &only_view, &rng);
  EXPECT_EQ(turned.targets, plain.targets);
  EXPECT_EQ(turned.frames, plain.frames);
  double differs = 0;
  for (size_t i = 0; i < plain.features.size(); ++i)
    differs += std::abs(turned.features[i] - plain.features[i]);
  EXPECT_GT(differs, 1.0);
}

}  // namespace
}  // namespace actrec::train
