#pragma once
// A clip's person seen from another angle, made from the 2-D keypoints alone: each frame lifted
// to 3-D with relative bone lengths known (Taylor, "Reconstruction of articulated objects from
// point correspondences in a single uncalibrated image", CVIU 2000: under scaled orthographic
// projection a bone of known length has a known depth up to its sign), turned about the vertical
// axis through the body, the camera tilted, and projected again. No LibTorch.
#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "actrec/features/pose.hpp"

namespace actrec::train {

/// One frame's keypoints in 3-D, in pixels of the frame: x right, y down, z away from the
/// camera, relative to nothing in particular (only differences within a frame mean anything).
/// An unseen keypoint keeps its 2-D place and the depth of the nearest seen one it hangs from.
using LiftedPose = std::array<std::array<float, 3>, features::kKeypoints>;

/// A whole clip lifted, with what turning it needs.
struct LiftedClip {
  std::vector<LiftedPose> frames;
  std::vector<bool> has_body;              ///< per frame: a torso or hips to turn about
  std::vector<std::array<float, 2>> root;  ///< per frame: the point turned about (hip centre)
  float pivot_x = 0, pivot_y = 0;          ///< the body's median place over the clip
  std::vector<float> scale;                ///< per frame: pixels per metre (smoothed)
};

/// How lifting reads a pose network's keypoints. Exact keypoints: {min_score, 1, 1, false}
/// (Taylor's solution as it is). A pose network's: the defaults.
struct LiftOptions {
  double min_score = 0.2;  ///< keypoints scoring lower are unseen
  /// The scale is this quantile of the frame's ratios of a bone's image length to its length in
  /// the body: 1 is Taylor's bound (the largest); 0.5, the median, lets a bone or two that the
  /// pose network placed long not stretch the whole body.
  double scale_quantile = 0.5;
  /// Bones looking at least this share of their full length count as across the line of sight
  /// (no depth): MoveNet makes the same bone 10-20% longer or shorter from frame to frame, which
  /// exact depths (slack 1) would read as the bone turned far out of the image.
  double slack = 0.9;
  /// A bone's full length is also at least the longest it looked within a second either way
  /// (this person's proportions, as this pose network places them).
  bool own_lengths = true;
};

/// Lifts every frame of `poses` ([frames x kPoseValues], pixels) to 3-D. The scale (pixels per
/// metre) comes from each frame's bones (LiftOptions), then a running median over a second
/// (people do not change size quickly); each bone's depth from its full and its image length. Each
/// bone's depth sign is chosen by plausibility: the nose in front of the shoulders, the torso
/// turned the way the nose says, leaning forward rather than back while upright, knees bending
/// backward and elbows forward, thighs and upper arms rather in front; evidence over half a second
/// either side, a change kept only when it is clear, and what no evidence decides drawn once per
/// clip from `rng`, so that the choices hold over time.
LiftedClip lift_clip(const float* poses, int64_t frames, double fps, const LiftOptions& options,
                     std::mt19937_64& rng);

/// Rewrites the x, y of `poses` ([frames x kPoseValues]) as `lifted` seen from another angle:
/// the body turned by `yaw` (radians) about the image's vertical axis through it (positive: a
/// person facing the camera turns to their right, to face the image's left; the same as the
/// camera going round them the other way), then the camera tilted by `pitch` (radians;
/// positive: looking down from above). The body's path across the frame turns with it about the
/// clip's pivot; depth is dropped (scaled orthographic). Scores stay as they were (unseen stays
/// unseen); boxes are re-fitted around the keypoints seen.
void view_clip(const LiftedClip& lifted, double yaw, double pitch, float* poses, int64_t frames,
               double min_score);

/// Relative lengths (metres, an adult's) of the bones lifting uses: parent and child keypoint
/// (-1: the hip centre, -2: the shoulder centre) and length.
struct BodyBone {
  int parent, child;
  double length;
};
extern const std::array<BodyBone, 18> kBodyBones;

}  // namespace actrec::train
