#pragma once
// One person's observations, frame after frame, into what the model takes per frame: features
// that do not depend on who, where or how fast. Causal (motion needs the frames before), so one
// builder per stream and person. No LibTorch.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "actrec/config/inference.hpp"
#include "actrec/features/pose.hpp"

namespace actrec::features {

/// Pose features, in units of the person's torso (shoulder centre to hip centre) so that size
/// and distance drop out, relative to the body centre so that position drops out, and motion
/// per second so that the frame rate drops out:
/// - each keypoint's x, y from the centre, and whether it was seen (score >= min_score; unseen
///   keypoints are 0, never trusted);
/// - each keypoint's velocity relative to the centre, and the centre's own velocity and speed,
///   smoothed with time constant motion_s;
/// - the torso's angle to the vertical (sin, cos; lying vs standing) and whether it was seen;
/// - the width and height of the seen keypoints, and the share of keypoints seen;
/// - the bend of knees, hips, elbows and shoulders (cosine), and the apparent length of thighs,
///   shins and arms (a limb pointing at the camera looks short).
/// The torso length falls back to the shoulder or hip width when the torso is not seen, then
/// to the last known length, and changes slowly (people do not change size quickly).
class FeatureBuilder {
 public:
  /// `map_dim`: appearance values per frame appended after the pose features (0: none).
  FeatureBuilder(const config::FeaturesConfig& config, int64_t map_dim);

  int64_t dim() const { return static_cast<int64_t>(names_.size()); }
  const std::vector<std::string>& names() const { return names_; }

  /// A new stream: no motion history.
  void reset();
  /// One frame at `timestamp_us`: `pose` (kPoseValues floats; null when no one was seen) and
  /// `map` (map_dim floats; null when there is none) -> dim() features in `out`.
  void push(const float* pose, const float* map, int64_t timestamp_us, float* out);

 private:
  bool use_pose_;
  int64_t map_dim_;
  double min_score_, motion_s_;
  std::vector<std::string> names_;
  // Motion state.
  bool has_previous_ = false;
  int64_t previous_us_ = 0;
  std::array<float, 2 * kKeypoints> previous_xy_{};
  std::array<bool, kKeypoints> previous_seen_{};
  std::array<float, 2 * kKeypoints> velocity_{};  // relative to the centre, torso units / s
  float centre_vx_ = 0, centre_vy_ = 0;
  double scale_ = 0;  // pixels per torso length; 0: not known yet
};

}  // namespace actrec::features
