#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "actrec/core/error.hpp"
#include "actrec/data/mocap.hpp"
#include "temp_dir.hpp"

namespace actrec::data {
namespace {

std::string mocap_dir() { return test::shared_dir() + "/datasets/cmu_mocap_subset"; }

// The first and the last label that is scored (not "-").
std::string first_scored(const std::vector<std::string>& labels) {
  return *std::find_if(labels.begin(), labels.end(), [](const auto& l) { return l != "-"; });
}
std::string last_scored(const std::vector<std::string>& labels) {
  return *std::find_if(labels.rbegin(), labels.rend(), [](const auto& l) { return l != "-"; });
}

std::vector<double> heights(const MocapClip& clip, int joint) {
  std::vector<double> out;
  for (const auto& joints : clip.joints) out.push_back(joints[static_cast<size_t>(joint)][1]);
  return out;
}

MocapClip read(const std::string& name, const std::string& description) {
  return read_mocap_clip(mocap_dir() + "/clips/" + name + ".txt",
                         read_mocap_skeleton(mocap_dir() + "/humanoid3d.txt"), description);
}

// The checks SOURCE.md gives for its forward kinematics.
TEST(Mocap, ForwardKinematicsPutTheWalkersNeckAndAnklesWhereTheSourceSays) {
  ACTREC_REQUIRE_SHARED();
  const MocapClip walk = read("02_01", "walk");
  EXPECT_EQ(walk.frames(), 85);
  EXPECT_NEAR(walk.fps, 30, 1e-6);
  for (const double neck : heights(walk, kMocapNeck)) {
    EXPECT_GT(neck, 1.30);
    EXPECT_LT(neck, 1.39);
  }
  for (const int ankle : {kMocapLeftAnkle, kMocapRightAnkle}) {
    auto h = heights(walk, ankle);
    std::sort(h.begin(), h.end());
    EXPECT_NEAR(h[h.size() / 2], 0.1, 0.04);  // on the ground most of the time
  }
}

TEST(Mocap, TheGetUpRisesFromLyingToStandingAndTheFallEndsLying) {
  ACTREC_REQUIRE_SHARED();
  const auto neck = heights(read("140_03", "Get Up Laying on Side"), kMocapNeck);
  EXPECT_NEAR(neck.front(), 0.16, 0.02);
  EXPECT_GT(*std::max_element(neck.end() - 30, neck.end()), 1.05);
  EXPECT_NEAR(heights(read("90_16", "fall on face"), kMocapNeck).back(), 0.32, 0.03);
}

TEST(Mocap, CocoKeypointsHangOnTheBodyTheRightWayRound) {
  ACTREC_REQUIRE_SHARED();
  const MocapClip walk = read("02_01", "walk");
  using namespace features;
  for (const auto& k : walk.keypoints) {
    EXPECT_GT(k[kNose][1], k[kLeftShoulder][1] + 0.1);  // the face above the shoulders
    EXPECT_LT(k[kLeftAnkle][1], k[kLeftKnee][1]);
    // The humanoid's right is +z in its own frame: the right shoulder is the left's mirror.
    const double across = std::hypot(k[kLeftShoulder][0] - k[kRightShoulder][0],
                                     k[kLeftShoulder][2] - k[kRightShoulder][2]);
    EXPECT_NEAR(across, 0.366, 0.01);
  }
  // Facing where it walks: the nose ahead of the neck along the path.
  const auto& first = walk.joints.front()[kMocapRoot];
  const auto& last = walk.joints.back()[kMocapRoot];
  const double dx = last[0] - first[0], dz = last[2] - first[2];
  const auto& k = walk.keypoints[40];
  const auto& neck = walk.joints[40][kMocapNeck];
  EXPECT_GT((k[kNose][0] - neck[0]) * dx + (k[kNose][2] - neck[2]) * dz, 0);
}

TEST(Mocap, TheFolderReadsWithCmusDescriptions) {
  ACTREC_REQUIRE_SHARED();
  const auto clips = read_mocap_folder(mocap_dir());
  ASSERT_EQ(clips.size(), 84u);
  std::map<std::string, std::string> described;
  for (const auto& clip : clips) described[clip.name] = clip.description;
  EXPECT_EQ(described["02_04"], "jump, balance");  // a quoted field with a comma
  EXPECT_EQ(described["90_17"], "BannanaPeelSlip");
}

TEST(Mocap, LabelsOfTheRealClipsFollowTheirMotion) {
  ACTREC_REQUIRE_SHARED();
  auto count = [](const std::vector<std::string>& labels, const std::string& label) {
    return std::count(labels.begin(), labels.end(), label);
  };
  const auto walk = mocap_labels(read("02_01", "walk"));
  EXPECT_GT(count(walk, "walking"), 70);
  EXPECT_GT(count(mocap_labels(read("09_02", "run")), "running"), 25);
  const auto fall = mocap_labels(read("90_17", "BannanaPeelSlip"));
  const auto first_fall = std::find(fall.begin(), fall.end(), "falling") - fall.begin();
  const auto falling = count(fall, "falling");
  EXPECT_GE(falling, 8);   // at least a quarter second at 30 fps
  EXPECT_LE(falling, 45);  // and not the lying after it
  EXPECT_EQ(last_scored(fall), "lying");
  EXPECT_EQ(fall[static_cast<size_t>(first_fall) - 20], "walking");
  const auto get_up = mocap_labels(read("140_03", "Get Up Laying on Side"));
  EXPECT_EQ(first_scored(get_up), "lying");
  EXPECT_EQ(last_scored(get_up), "standing");
  const auto down = mocap_labels(reversed(read("140_03", "Get Up Laying on Side")));
  EXPECT_EQ(first_scored(down), "standing");
  EXPECT_EQ(last_scored(down), "lying");
  EXPECT_GT(count(mocap_labels(read("13_39", "jump")), "jumping"), 10);
}

TEST(Mocap, OnlyTheClipsDescribedAsFallsHaveFallingInThem) {
  ACTREC_REQUIRE_SHARED();
  for (const auto& clip : read_mocap_folder(mocap_dir())) {
    const auto labels = mocap_labels(clip);
    const bool has_falling = std::find(labels.begin(), labels.end(), "falling") != labels.end();
    const bool described_as_fall = clip.name == "90_16" || clip.name == "90_17";
    EXPECT_EQ(has_falling, described_as_fall) << clip.name << " " << clip.description;
  }
}

// A made-up clip of the humanoid's main joints (the labels look at nothing else): the root at
// `root` (x, height, z), the torso tilted `tilt` radians forward (+x), the feet on the floor
// unless the root is higher than standing.
std::array<Point3, kMocapJoints> pose_at(const Point3& root, double tilt) {
  std::array<Point3, kMocapJoints> j{};
  j[kMocapRoot] = root;
  j[kMocapChest] = {root[0] + 0.236 * std::sin(tilt), root[1] + 0.236 * std::cos(tilt), root[2]};
  j[kMocapNeck] = {root[0] + 0.46 * std::sin(tilt), root[1] + 0.46 * std::cos(tilt), root[2]};
  const double feet = std::max(root[1] - 0.9, 0.0);
  j[kMocapLeftAnkle] = {root[0], 0.08 + feet, root[2] - 0.1};
  j[kMocapRightAnkle] = {root[0], 0.08 + feet, root[2] + 0.1};
  for (const int k :
       {kMocapLeftHip, kMocapLeftKnee, kMocapLeftShoulder, kMocapLeftElbow, kMocapLeftWrist,
        kMocapRightHip, kMocapRightKnee, kMocapRightShoulder, kMocapRightElbow, kMocapRightWrist}) {
    j[static_cast<size_t>(k)] = root;
  }
  return j;
}

MocapClip made_up(const std::string& description) {
  MocapClip clip;
  clip.name = "made_up";
  clip.description = description;
  clip.fps = 30;
  return clip;
}

// Walks at 1.2 m/s for 2 s, drops to the ground in half a second, lies still for 2 s.
MocapClip walk_then_drop(const std::string& description) {
  MocapClip clip = made_up(description);
  double x = 0;
  for (int f = 0; f < 60; ++f) clip.joints.push_back(pose_at({x += 0.04, 0.9, 0}, 0.05));
  for (int f = 1; f <= 15; ++f) {
    const double t = f / 15.0;
    clip.joints.push_back(pose_at({x += 0.02, 0.9 - 0.78 * t * t, 0}, 1.55 * t));
  }
  for (int f = 0; f < 60; ++f) clip.joints.push_back(pose_at({x, 0.12, 0}, 1.55));
  return clip;
}

TEST(Mocap, AFallIsWhereTheNeckDropsToTheGroundThenLying) {
  const auto labels = mocap_labels(walk_then_drop("fall on face"));
  ASSERT_EQ(labels.size(), 135u);
  for (int f = 10; f < 55; ++f) EXPECT_EQ(labels[static_cast<size_t>(f)], "walking") << f;
  for (int f = 62; f < 73; ++f) EXPECT_EQ(labels[static_cast<size_t>(f)], "falling") << f;
  for (int f = 85; f < 135; ++f) EXPECT_EQ(labels[static_cast<size_t>(f)], "lying") << f;
  EXPECT_LT(std::count(labels.begin(), labels.end(), "falling"), 20);
}

TEST(Mocap, TheSameDropNotDescribedAsAFallIsNeverFalling) {
  const auto labels = mocap_labels(walk_then_drop("Run Dive Over Roll Run"));
  EXPECT_EQ(std::count(labels.begin(), labels.end(), "falling"), 0);
  for (int f = 68; f < 73; ++f) EXPECT_EQ(labels[static_cast<size_t>(f)], "-") << f;
  EXPECT_EQ(labels.back(), "lying");
}

TEST(Mocap, JumpsRunsAndStandingByTheMotion) {
  MocapClip jump = made_up("jump");
  for (int f = 0; f < 30; ++f) jump.joints.push_back(pose_at({0, 0.9, 0}, 0.05));
  for (int f = 0; f < 12; ++f) {  // 0.4 s in the air, 30 cm up at the top
    const double up = 0.3 * std::sin(M_PI * f / 11);
    jump.joints.push_back(pose_at({0, 0.9 + up, 0}, 0.05));
  }
  for (int f = 0; f < 40; ++f) jump.joints.push_back(pose_at({0, 0.9, 0}, 0.05));
  auto labels = mocap_labels(jump);
  for (int f = 0; f < 20; ++f) EXPECT_EQ(labels[static_cast<size_t>(f)], "standing") << f;
  for (int f = 30; f < 42; ++f) EXPECT_EQ(labels[static_cast<size_t>(f)], "jumping") << f;
  for (int f = 55; f < 82; ++f) EXPECT_EQ(labels[static_cast<size_t>(f)], "standing") << f;
  jump.description = "soccer - kick ball";  // in the air, but not described as a jump
  labels = mocap_labels(jump);
  EXPECT_EQ(std::count(labels.begin(), labels.end(), "jumping"), 0);
  for (int f = 33; f < 39; ++f) EXPECT_EQ(labels[static_cast<size_t>(f)], "-") << f;

  MocapClip run = made_up("run");
  double x = 0;
  for (int f = 0; f < 45; ++f) run.joints.push_back(pose_at({x += 0.1, 0.9, 0}, 0.1));  // 3 m/s
  labels = mocap_labels(run);
  EXPECT_EQ(std::count(labels.begin(), labels.end(), "running"), 45);
}

TEST(Mocap, AClipThatIsNotOneIsRefusedNamingTheFileAndFrame) {
  test::TempDir dir;
  const std::string path = dir.path() + "/bad.txt";
  test::write_text(path, "{\"Frames\": [[0.0333, 0, 0.9, 0, 1, 0, 0, 0]]}");
  std::vector<MocapSkeletonJoint> skeleton(kMocapJoints);
  skeleton[1].type = "spherical";
  const std::string message =
      test::error_message<DataError>([&] { read_mocap_clip(path, skeleton, "walk"); });
  EXPECT_NE(message.find(path + ": frame 0 has 8 numbers, the skeleton needs 12"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace actrec::data
