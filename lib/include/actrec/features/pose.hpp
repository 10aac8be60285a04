#pragma once
// People as pose models see them: COCO's 17 keypoints, a box and a score, in pixels of the
// frame they were found in. Stored as a fixed run of floats (feature files, tensors).
#include <array>
#include <opencv2/core/types.hpp>
#include <string_view>
#include <utility>

namespace actrec::features {

constexpr int kKeypoints = 17;

enum Keypoint : int {
  kNose,
  kLeftEye,
  kRightEye,
  kLeftEar,
  kRightEar,
  kLeftShoulder,
  kRightShoulder,
  kLeftElbow,
  kRightElbow,
  kLeftWrist,
  kRightWrist,
  kLeftHip,
  kRightHip,
  kLeftKnee,
  kRightKnee,
  kLeftAnkle,
  kRightAnkle,
};

extern const std::array<std::string_view, kKeypoints> kKeypointNames;
/// The same part on the other side of the body (itself for the nose): what a mirror swaps.
extern const std::array<int, kKeypoints> kMirroredKeypoint;
/// Keypoints joined by a bone, for drawing skeletons.
extern const std::array<std::pair<int, int>, 16> kBones;

/// Floats per person: x, y, score for each keypoint, then the box x0, y0, x1, y1 and the
/// person's score. Coordinates are pixels of the source frame.
constexpr int kPoseValues = 3 * kKeypoints + 5;

/// One person, viewing (or filling) kPoseValues floats that live elsewhere.
template <typename Float>
struct BasicPose {
  Float* v;
  Float& x(int k) const { return v[3 * k]; }
  Float& y(int k) const { return v[3 * k + 1]; }
  Float& score(int k) const { return v[3 * k + 2]; }
  Float& box(int i) const { return v[3 * kKeypoints + i]; }  ///< 0..3: x0, y0, x1, y1
  Float& person_score() const { return v[kPoseValues - 1]; }
  cv::Rect2f rect() const { return {box(0), box(1), box(2) - box(0), box(3) - box(1)}; }
};
using Pose = BasicPose<float>;
using ConstPose = BasicPose<const float>;

/// Sets the box of `pose` around its keypoints scoring at least `min_score` (an empty box at
/// the origin when none does) and its score to their mean score.
void box_from_keypoints(Pose pose, float min_score);

}  // namespace actrec::features
