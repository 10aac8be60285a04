#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "actrec/features/pose.hpp"
#include "actrec/train/mocap_views.hpp"
#include "temp_dir.hpp"

namespace actrec::train {
namespace {
using data::Point3;
using namespace features;

// The humanoid standing still at the origin, facing +x (its right is +z), for `frames` frames.
data::MocapClip standing(int frames) {
  data::MocapClip clip;
  clip.name = "standing";
  clip.description = "stand";
  clip.fps = 30;
  std::array<Point3, data::kMocapJoints> joints{};
  joints[data::kMocapRoot] = {0, 0.9, 0};
  joints[data::kMocapNeck] = {0, 1.36, 0};
  joints[data::kMocapLeftAnkle] = {0, 0.08, -0.1};
  joints[data::kMocapRightAnkle] = {0, 0.08, 0.1};
  std::array<Point3, kKeypoints> k{};
  k[kNose] = {0.1, 1.53, 0};
  k[kLeftEye] = {0.085, 1.57, -0.033};
  k[kRightEye] = {0.085, 1.57, 0.033};
  k[kLeftEar] = {0, 1.54, -0.075};
  k[kRightEar] = {0, 1.54, 0.075};
  for (const double side : {-1.0, 1.0}) {
    const int s = side < 0 ? 0 : 1;  // COCO: left first
    k[static_cast<size_t>(kLeftShoulder + s)] = {0, 1.38, side * 0.18};
    k[static_cast<size_t>(kLeftElbow + s)] = {0, 1.11, side * 0.2};
    k[static_cast<size_t>(kLeftWrist + s)] = {0.02, 0.86, side * 0.2};
    k[static_cast<size_t>(kLeftHip + s)] = {0, 0.9, side * 0.13};
    k[static_cast<size_t>(kLeftKnee + s)] = {0, 0.49, side * 0.1};
    k[static_cast<size_t>(kLeftAnkle + s)] = {0, 0.08, side * 0.1};
  }
  for (int f = 0; f < frames; ++f) {
    clip.joints.push_back(joints);
    clip.keypoints.push_back(k);
  }
  return clip;
}

// A camera at `position` looking along +x, level.
VirtualCamera looking_along_x(const Point3& position) {
  VirtualCamera camera;
  camera.position = position;
  camera.forward = {1, 0, 0};
  camera.right = {0, 0, 1};
  camera.down = {0, -1, 0};
  camera.focal_px = 500;
  return camera;
}

TEST(MocapViews, APinholeProjection) {
  const VirtualCamera camera = looking_along_x({-5, 1.5, 0});
  double x = 0, y = 0;
  ASSERT_TRUE(project(camera, {0, 0.9, 0}, x, y));
  EXPECT_NEAR(x, 320, 1e-9);
  EXPECT_NEAR(y, 240 + 500 * 0.6 / 5, 1e-9);
  ASSERT_TRUE(project(camera, {0, 1.5, 1}, x, y));
  EXPECT_NEAR(x, 320 + 100, 1e-9);  // the humanoid's right, seen from behind: the image's right
  EXPECT_FALSE(project(camera, {-6, 1.5, 0}, x, y));  // behind the camera
}

TEST(MocapViews, CamerasAreAllAroundAtPeoplesHeightsAndSeeThePerson) {
  const data::MocapClip clip = standing(5);
  std::mt19937_64 rng(11);
  int quadrants[4] = {0, 0, 0, 0}, wide = 0;
  for (int i = 0; i < 400; ++i) {
    const VirtualCamera camera = random_camera(clip, rng);
    const double floor = data::mocap_floor(clip);
    EXPECT_GE(camera.position[1] - floor, 0.5);
    EXPECT_LE(camera.position[1] - floor, 3.0);
    EXPECT_LE(std::asin(-camera.forward[1]), 45 * M_PI / 180 + 1e-9);  // at most 45 deg down
    double x = 0, y = 0;
    ASSERT_TRUE(project(camera, {0, 0.9, 0}, x, y));
    EXPECT_GT(x, 0);
    EXPECT_LT(x, camera.width);
    EXPECT_GT(y, 0);
    EXPECT_LT(y, camera.height);
    const double angle = std::atan2(camera.position[2], camera.position[0]);
    ++quadrants[static_cast<int>((angle + M_PI) / (M_PI / 2)) % 4];
    wide += camera.width == 1280;
  }
  for (const int n : quadrants) EXPECT_GT(n, 60);
  EXPECT_GT(wide, 150);
  EXPECT_LT(wide, 250);
}

TEST(MocapViews, TheSameSeedGivesTheSameViewAnotherSeedAnother) {
  const data::MocapClip clip = standing(20);
  const std::vector<int64_t> labels(20, 3);
  auto render = [&](uint64_t seed) {
    std::mt19937_64 rng(seed);
    return render_clip(clip, labels, random_camera(clip, rng), rng);
  };
  const data::ClipData a = render(5), b = render(5), c = render(6);
  EXPECT_EQ(a.poses, b.poses);
  EXPECT_NE(a.poses, c.poses);
  EXPECT_EQ(a.targets, labels);
  EXPECT_EQ(a.frames(), 20);
  EXPECT_EQ(a.timestamps_us[3], 100000);
}

// Over many views of someone standing still: how far keypoints wander (in body heights) and how
// often each is lost (scored under 0.2).
struct Faults {
  double jitter = 0;  // mean over views of the shoulders' spread, in body heights
  std::array<double, kKeypoints> lost{};
};

Faults faults(const data::MocapClip& clip,
              const std::function<VirtualCamera(std::mt19937_64&)>& camera_for, int views) {
  Faults out;
  std::mt19937_64 rng(3);
  const std::vector<int64_t> labels(static_cast<size_t>(clip.frames()), 0);
  int64_t frames = 0;
  for (int v = 0; v < views; ++v) {
    const VirtualCamera camera = camera_for(rng);
    const data::ClipData seen = render_clip(clip, labels, camera, rng);
    const double depth = std::abs(camera.position[0]) + std::abs(camera.position[2]);
    const double body_px = camera.focal_px * 1.7 / std::max(depth, 0.1);
    double mean = 0, spread = 0;
    for (int64_t f = 0; f < seen.frames(); ++f)
      mean += seen.poses[static_cast<size_t>(f * kPoseValues + 3 * kLeftShoulder)];
    mean /= static_cast<double>(seen.frames());
    for (int64_t f = 0; f < seen.frames(); ++f) {
      const double d = seen.poses[static_cast<size_t>(f * kPoseValues + 3 * kLeftShoulder)] - mean;
      spread += d * d;
      const ConstPose pose{seen.poses.data() + f * kPoseValues};
      for (int k = 0; k < kKeypoints; ++k) out.lost[static_cast<size_t>(k)] += pose.score(k) < 0.2f;
    }
    out.jitter += std::sqrt(spread / static_cast<double>(seen.frames())) / body_px / views;
    frames += seen.frames();
  }
  for (double& n : out.lost) n /= static_cast<double>(frames);
  return out;
}

TEST(MocapViews, FaultsAreAPoseNetworksJitteredAndLostMostAtTheExtremities) {
  const data::MocapClip clip = standing(60);
  // From behind, 4 m away, at chest height.
  const Faults behind = faults(
      clip,
      [](std::mt19937_64&) {
        return looking_along_x({-4, 1.3, 0});
      },
      40);
  EXPECT_GT(behind.jitter, 0.003);
  EXPECT_LT(behind.jitter, 0.03);
  const double torso = (behind.lost[kLeftShoulder] + behind.lost[kRightShoulder] +
                        behind.lost[kLeftHip] + behind.lost[kRightHip]) /
                       4;
  const double ends = (behind.lost[kLeftWrist] + behind.lost[kRightWrist] +
                       behind.lost[kLeftAnkle] + behind.lost[kRightAnkle]) /
                      4;
  EXPECT_GT(torso, 0.01);
  EXPECT_LT(torso, 0.15);
  EXPECT_GT(ends, torso + 0.03);
  // The face: lost more often seen from behind (that camera looks along +x, the way the
  // humanoid faces) than from in front.
  const Faults front = faults(
      clip,
      [](std::mt19937_64&) {
        VirtualCamera camera = looking_along_x({4, 1.3, 0});
        camera.forward = {-1, 0, 0};
        camera.right = {0, 0, -1};
        return camera;
      },
      40);
  EXPECT_GT(behind.lost[kNose], front.lost[kNose] + 0.3);
}

TEST(MocapViews, TheSetLabelsEveryClipAndPlaysGetUpsBackwards) {
  ACTREC_REQUIRE_SHARED();
  const std::vector<std::string> classes = {"background", "falling", "jumping",  "lying",
                                            "running",    "sitting", "standing", "walking"};
  const MocapSet set = mocap_set(test::shared_dir() + "/datasets/cmu_mocap_subset", classes);
  ASSERT_EQ(set.clips.size(), 84u + 5u);
  int with_falling = 0, reversed_get_ups = 0;
  for (size_t c = 0; c < set.clips.size(); ++c) {
    ASSERT_EQ(static_cast<int64_t>(set.targets[c].size()), set.clips[c].frames());
    for (const int64_t t : set.targets[c]) EXPECT_TRUE(t >= -1 && t < 8);
    with_falling += std::count(set.targets[c].begin(), set.targets[c].end(), 1) > 0;
    if (set.clips[c].name.find("reversed") != std::string::npos) {
      ++reversed_get_ups;
      // Standing first, lying last (frames not scored between and about them).
      const auto& t = set.targets[c];
      EXPECT_EQ(*std::find_if(t.begin(), t.end(), [](int64_t v) { return v >= 0; }), 6)
          << set.clips[c].name;
      EXPECT_EQ(*std::find_if(t.rbegin(), t.rend(), [](int64_t v) { return v >= 0; }), 3)
          << set.clips[c].name;
    }
  }
  EXPECT_EQ(with_falling, 2);
  EXPECT_EQ(reversed_get_ups, 5);
}

}  // namespace
}  // namespace actrec::train
