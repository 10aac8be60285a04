#pragma once
// Motion capture as a pose network would see it from a camera that was never there: COCO
// keypoints of a data::MocapClip projected by a virtual pinhole camera (placed anywhere around
// the person, at any height, looking at them), with MoveNet-like faults (jitter in proportion to
// the body's size in the image, keypoints lost or scored low, more often at the extremities, for
// small people and behind the body). A clip, so made, trains like an extracted one. No LibTorch.
#include <random>
#include <string>
#include <vector>

#include "actrec/data/clips.hpp"
#include "actrec/data/mocap.hpp"

namespace actrec::train {

/// A pinhole camera in the capture's world (metres, y up).
struct VirtualCamera {
  data::Point3 position{};
  data::Point3 forward{0, 0, 1}, right{-1, 0, 0}, down{0, -1, 0};  ///< unit axes
  double focal_px = 500;
  int width = 640, height = 480;
};

/// A camera drawn for `clip`: around the person's path at any angle, 0.5 to 3 m above the
/// floor, far enough for the path to fit a field of view of 50 to 90 degrees (and 2.5 to 8 m
/// more), looking at the middle of the path (tilted down at most 45 degrees, a few degrees off
/// aim), 640x480 or 1280x720.
VirtualCamera random_camera(const data::MocapClip& clip, std::mt19937_64& rng);

/// Where `point` lands in the camera's image (pixels); false behind the camera.
bool project(const VirtualCamera& camera, const data::Point3& point, double& x, double& y);

/// `clip` through `camera` as extracted observations would hold it (poses of one person per
/// frame, pixels, scores), with `labels` (class indices, -1: not scored) as targets. The faults
/// are drawn from `rng`: jitter of 0.5 to 2% of the body's height (and a slow drift as large),
/// keypoints lost (score under 0.2) 1 to 5% of the time, more for wrists and ankles, for a
/// body under 100 pixels, and for a keypoint hidden behind the torso; the face scored low from
/// behind; a keypoint outside the image lost.
data::ClipData render_clip(const data::MocapClip& clip, const std::vector<int64_t>& labels,
                           const VirtualCamera& camera, std::mt19937_64& rng);

/// Mocap clips ready to train on: each with its labels as class indices of `classes` (labels
/// not among them are not scored), get-ups also played backwards (lying down).
struct MocapSet {
  std::vector<data::MocapClip> clips;
  std::vector<std::vector<int64_t>> targets;
};
MocapSet mocap_set(const std::string& folder, const std::vector<std::string>& classes);

}  // namespace actrec::train
