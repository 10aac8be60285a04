#pragma once
// Motion capture of the DeepMimic 15-joint humanoid (the format of ../shared/datasets/
// cmu_mocap_subset: CMU clips retargeted, SOURCE.md there): joints placed by forward kinematics,
// COCO's 17 keypoints made from them, and per-frame labels of this project's vocabulary from a
// clip's description and its motion. What training makes of them is in train/mocap_views.hpp.
// No LibTorch.
#include <array>
#include <string>
#include <vector>

#include "actrec/features/pose.hpp"

namespace actrec::data {

using Point3 = std::array<double, 3>;  ///< metres; x forward, y up, z to the humanoid's right

/// The humanoid's joints, in the order of its skeleton file.
enum MocapJoint : int {
  kMocapRoot,
  kMocapChest,
  kMocapNeck,
  kMocapRightHip,
  kMocapRightKnee,
  kMocapRightAnkle,
  kMocapRightShoulder,
  kMocapRightElbow,
  kMocapRightWrist,
  kMocapLeftHip,
  kMocapLeftKnee,
  kMocapLeftAnkle,
  kMocapLeftShoulder,
  kMocapLeftElbow,
  kMocapLeftWrist,
};
constexpr int kMocapJoints = 15;

/// One clip: its joints and COCO keypoints per frame, in the capture's world.
struct MocapClip {
  std::string name;         ///< the file's stem, e.g. "02_01"
  std::string description;  ///< CMU's, e.g. "walk"
  double fps = 30;
  std::vector<std::array<Point3, kMocapJoints>> joints;
  /// COCO's keypoints: the humanoid's joints where it has them (hips a little wider, where a
  /// pose network puts them), the face placed on the head, which the neck's rotation carries.
  std::vector<std::array<Point3, features::kKeypoints>> keypoints;

  int64_t frames() const { return static_cast<int64_t>(joints.size()); }
};

/// One joint of the skeleton file (humanoid3d.txt).
struct MocapSkeletonJoint {
  std::string name, type;  ///< type: spherical (a quaternion), revolute (an angle), fixed, none
  int parent = -1;
  Point3 attach{};  ///< offset from the parent, in the parent's frame
};

/// The skeleton file: its 15 joints, checked to be the humanoid this module knows.
std::vector<MocapSkeletonJoint> read_mocap_skeleton(const std::string& path);

/// A motion file (JSON `Frames`: dt, root position, root quaternion w x y z, then each
/// non-fixed joint's quaternion or angle), placed by forward kinematics. DataError naming the
/// file and frame when it is not one.
MocapClip read_mocap_clip(const std::string& path, const std::vector<MocapSkeletonJoint>& skeleton,
                          const std::string& description);

/// Every clip that `folder`/clips.csv lists (clip,subject,trial,description), read from
/// `folder`/clips/ with `folder`/humanoid3d.txt.
std::vector<MocapClip> read_mocap_folder(const std::string& folder);

/// The clip played backwards (a get-up becomes a lying down).
MocapClip reversed(const MocapClip& clip, const std::string& suffix = " (reversed)");

/// The floor under the clip (metres, y): where the lower foot is in all but the lowest 5% of
/// frames, less an ankle's height (the captures stand at different heights).
double mocap_floor(const MocapClip& clip);

/// True when the description says the clip is a get-up from the ground.
bool is_get_up(const MocapClip& clip);

/// Per-frame labels ("-": not scored) from the description and the motion, with the floor the
/// feet stand on and the neck's height above it: `lying` still with the body low and level;
/// upright and on the feet, `standing`, `walking` or `running` by the root's speed over the
/// ground (under 0.25, 0.5 to 1.8, over 2 m/s); `jumping` about a flight of the feet that lifts
/// the body, in clips described as jumps, hops or leaps; `falling` from where the neck starts
/// dropping to where it stops, in clips described as falls or slips, and only there; anything
/// else (getting up, rolling, kicks, handstands, cartwheels, hanging from a bar) `-`.
std::vector<std::string> mocap_labels(const MocapClip& clip);

}  // namespace actrec::data
