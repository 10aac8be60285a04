#include "actrec/features/feature_builder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace actrec::features {
namespace {

// Typical adult proportions, for a torso length when only widths are seen: shoulder-centre to
// hip-centre is about 1.3 shoulder widths and 1.9 hip widths (keypoint to keypoint).
constexpr double kTorsoPerShoulderWidth = 1.3;
constexpr double kTorsoPerHipWidth = 1.9;
// A person's apparent size changes with distance, not from one frame to the next: the torso
// length follows its measurements with this time constant.
constexpr double kScaleTimeConstant_s = 0.5;
constexpr float kMaxPosition = 6, kMaxVelocity = 30, kMaxExtent = 10;

// Joints whose bend tells postures apart (a knee or hip angle: standing vs sitting seen from the
// side), as the cosine of the angle between the two limbs that meet there.
struct Joint {
  const char* name;
  int a, at, b;
};
constexpr Joint kJoints[] = {{"left_knee", kLeftHip, kLeftKnee, kLeftAnkle},
                             {"right_knee", kRightHip, kRightKnee, kRightAnkle},
                             {"left_hip", kLeftShoulder, kLeftHip, kLeftKnee},
                             {"right_hip", kRightShoulder, kRightHip, kRightKnee},
                             {"left_elbow", kLeftShoulder, kLeftElbow, kLeftWrist},
                             {"right_elbow", kRightShoulder, kRightElbow, kRightWrist},
                             {"left_shoulder", kLeftHip, kLeftShoulder, kLeftElbow},
                             {"right_shoulder", kRightHip, kRightShoulder, kRightElbow}};
// Limbs whose apparent length tells what the camera sees end on (a thigh pointing at the camera
// while seated looks short beside its shin), in torso lengths.
struct Limb {
  const char* name;
  int a, b;
};
constexpr Limb kLimbs[] = {{"left_thigh", kLeftHip, kLeftKnee},     {"right_thigh", kRightHip, kRightKnee},
                           {"left_shin", kLeftKnee, kLeftAnkle},    {"right_shin", kRightKnee, kRightAnkle},
                           {"left_upper_arm", kLeftShoulder, kLeftElbow},
                           {"right_upper_arm", kRightShoulder, kRightElbow},
                           {"left_forearm", kLeftElbow, kLeftWrist}, {"right_forearm", kRightElbow, kRightWrist}};

float clamp(double value, float limit) {
  return static_cast<float>(std::clamp(value, -static_cast<double>(limit),
                                       static_cast<double>(limit)));
}

}  // namespace

FeatureBuilder::FeatureBuilder(const config::FeaturesConfig& config, int64_t map_dim)
    : use_pose_(config.preset != config::Preset::appearance),
      map_dim_(map_dim),
      min_score_(config.min_score),
      motion_s_(config.motion_s) {
  if (use_pose_) {
    for (const auto keypoint : kKeypointNames) {
      names_.push_back(fmt::format("pose.{}.x", keypoint));
      names_.push_back(fmt::format("pose.{}.y", keypoint));
    }
    for (const auto keypoint : kKeypointNames) names_.push_back(fmt::format("seen.{}", keypoint));
    for (const auto keypoint : kKeypointNames) {
      names_.push_back(fmt::format("motion.{}.vx", keypoint));
      names_.push_back(fmt::format("motion.{}.vy", keypoint));
    }
    for (const char* name : {"body.vx", "body.vy", "body.speed", "torso.sin", "torso.cos",
                             "torso.seen", "extent.width", "extent.height", "seen.share"}) {
      names_.push_back(name);
    }
    for (const auto& joint : kJoints) names_.push_back(fmt::format("angle.{}", joint.name));
    for (const auto& limb : kLimbs) names_.push_back(fmt::format("length.{}", limb.name));
  }
  for (int64_t i = 0; i < map_dim_; ++i) names_.push_back(fmt::format("appearance.{}", i));
}

void FeatureBuilder::reset() {
  has_previous_ = false;
  velocity_.fill(0);
  centre_vx_ = centre_vy_ = 0;
  scale_ = 0;
}

void FeatureBuilder::push(const float* values, const float* map, int64_t timestamp_us,
                          float* out) {
  std::fill(out, out + dim(), 0.0f);
  if (map) std::copy_n(map, map_dim_, out + (dim() - map_dim_));
  if (!use_pose_) return;
  float* position = out;
  float* seen_out = out + 2 * kKeypoints;
  float* motion = out + 3 * kKeypoints;
  float* body = out + 5 * kKeypoints;

  std::array<bool, kKeypoints> seen{};
  std::array<float, 2 * kKeypoints> xy{};
  int seen_count = 0;
  if (values) {
    const ConstPose pose{values};
    for (int k = 0; k < kKeypoints; ++k) {
      seen[k] = pose.score(k) >= min_score_;
      xy[2 * k] = pose.x(k);
      xy[2 * k + 1] = pose.y(k);
      seen_count += seen[k];
    }
  }
  auto mean_of = [&](int a, int b, double& x, double& y) {
    const int n = seen[a] + seen[b];
    if (n == 0) return false;
    x = ((seen[a] ? xy[2 * a] : 0.0) + (seen[b] ? xy[2 * b] : 0.0)) / n;
    y = ((seen[a] ? xy[2 * a + 1] : 0.0) + (seen[b] ? xy[2 * b + 1] : 0.0)) / n;
    return true;
  };
  auto distance = [&](int a, int b) {
    return std::hypot(xy[2 * a] - xy[2 * b], xy[2 * a + 1] - xy[2 * b + 1]);
  };
  double sx = 0, sy = 0, hx = 0, hy = 0;
  const bool shoulders = mean_of(kLeftShoulder, kRightShoulder, sx, sy);
  const bool hips = mean_of(kLeftHip, kRightHip, hx, hy);
  const bool torso = shoulders && hips && std::hypot(sx - hx, sy - hy) > 1e-3;

  // How long the torso looks now, with fallbacks; then followed slowly.
  const double dt_s = has_previous_ ? static_cast<double>(timestamp_us - previous_us_) * 1e-6 : 0;
  double measured = 0;
  if (torso) {
    measured = std::hypot(sx - hx, sy - hy);
  } else if (seen[kLeftShoulder] && seen[kRightShoulder]) {
    measured = kTorsoPerShoulderWidth * distance(kLeftShoulder, kRightShoulder);
  } else if (seen[kLeftHip] && seen[kRightHip]) {
    measured = kTorsoPerHipWidth * distance(kLeftHip, kRightHip);
  }
  if (measured > 1e-3) {
    if (scale_ <= 0 || dt_s <= 0) {
      scale_ = measured;
    } else {
      const double keep = std::exp(-dt_s / kScaleTimeConstant_s);
      scale_ = std::exp(keep * std::log(scale_) + (1 - keep) * std::log(measured));
    }
  }
  if (scale_ <= 0 && seen_count > 0) {  // nothing to measure a torso by: a quarter of the extent
    double top = 1e30, bottom = -1e30;
    for (int k = 0; k < kKeypoints; ++k) {
      if (!seen[k]) continue;
      top = std::min<double>(top, xy[2 * k + 1]);
      bottom = std::max<double>(bottom, xy[2 * k + 1]);
    }
    scale_ = std::max(1.0, (bottom - top) / 4);
  }
  const double scale = scale_ > 0 ? scale_ : 1.0;

  // The centre: between shoulders and hips where both are seen, else whichever is, else the
  // mean of what is seen.
  double cx = 0, cy = 0;
  if (shoulders && hips) {
    cx = (sx + hx) / 2;
    cy = (sy + hy) / 2;
  } else if (hips || shoulders) {
    cx = hips ? hx : sx;
    cy = hips ? hy : sy;
  } else if (seen_count > 0) {
    for (int k = 0; k < kKeypoints; ++k) {
      if (!seen[k]) continue;
      cx += xy[2 * k] / seen_count;
      cy += xy[2 * k + 1] / seen_count;
    }
  }
  double left = 1e30, right = -1e30, top = 1e30, bottom = -1e30;
  for (int k = 0; k < kKeypoints; ++k) {
    if (!seen[k]) continue;
    position[2 * k] = clamp((xy[2 * k] - cx) / scale, kMaxPosition);
    position[2 * k + 1] = clamp((xy[2 * k + 1] - cy) / scale, kMaxPosition);
    seen_out[k] = 1;
    left = std::min<double>(left, xy[2 * k]);
    right = std::max<double>(right, xy[2 * k]);
    top = std::min<double>(top, xy[2 * k + 1]);
    bottom = std::max<double>(bottom, xy[2 * k + 1]);
  }

  // Motion from the keypoints seen in both frames: the centre's as their mean displacement (a
  // keypoint appearing or vanishing moves nothing), each keypoint's relative to it.
  if (!has_previous_ || dt_s <= 0 || dt_s > 1.0) {
    velocity_.fill(0);
    centre_vx_ = centre_vy_ = 0;
  } else {
    const double keep = std::exp(-dt_s / motion_s_);
    double dx = 0, dy = 0;
    int common = 0;
    for (int k = 0; k < kKeypoints; ++k) {
      if (!seen[k] || !previous_seen_[k]) continue;
      dx += xy[2 * k] - previous_xy_[2 * k];
      dy += xy[2 * k + 1] - previous_xy_[2 * k + 1];
      ++common;
    }
    if (common > 0) {
      dx /= common;
      dy /= common;
    }
    const double per_second = 1.0 / (scale * dt_s);
    centre_vx_ = static_cast<float>(keep * centre_vx_ + (1 - keep) * dx * per_second);
    centre_vy_ = static_cast<float>(keep * centre_vy_ + (1 - keep) * dy * per_second);
    for (int k = 0; k < kKeypoints; ++k) {
      for (int axis = 0; axis < 2; ++axis) {
        float& v = velocity_[2 * k + axis];
        if (seen[k] && previous_seen_[k]) {
          const double moved = xy[2 * k + axis] - previous_xy_[2 * k + axis] - (axis ? dy : dx);
          v = static_cast<float>(keep * v + (1 - keep) * moved * per_second);
        } else {
          v = static_cast<float>(keep * v);
        }
      }
    }
  }
  for (int i = 0; i < 2 * kKeypoints; ++i) motion[i] = clamp(velocity_[i], kMaxVelocity);
  body[0] = clamp(centre_vx_, kMaxVelocity);
  body[1] = clamp(centre_vy_, kMaxVelocity);
  body[2] = clamp(std::hypot(centre_vx_, centre_vy_), kMaxVelocity);
  if (torso) {  // image y points down: upright is (sin, cos) = (0, 1)
    const double length = std::hypot(sx - hx, sy - hy);
    body[3] = static_cast<float>((sx - hx) / length);
    body[4] = static_cast<float>((hy - sy) / length);
    body[5] = 1;
  }
  if (seen_count > 0) {
    body[6] = clamp((right - left) / scale, kMaxExtent);
    body[7] = clamp((bottom - top) / scale, kMaxExtent);
  }
  body[8] = static_cast<float>(seen_count) / kKeypoints;
  float* angles = body + 9;
  for (const auto& joint : kJoints) {
    const double ax = xy[2 * joint.a] - xy[2 * joint.at], ay = xy[2 * joint.a + 1] - xy[2 * joint.at + 1];
    const double bx = xy[2 * joint.b] - xy[2 * joint.at], by = xy[2 * joint.b + 1] - xy[2 * joint.at + 1];
    const double norms = std::hypot(ax, ay) * std::hypot(bx, by);
    const bool known = seen[joint.a] && seen[joint.at] && seen[joint.b] && norms > 1e-6;
    *angles++ = known ? static_cast<float>((ax * bx + ay * by) / norms) : 0.0f;  // unseen: 90 deg
  }
  for (const auto& limb : kLimbs) {
    *angles++ = seen[limb.a] && seen[limb.b] ? clamp(distance(limb.a, limb.b) / scale, kMaxExtent)
                                             : 0.0f;
  }

  has_previous_ = true;
  previous_us_ = timestamp_us;
  previous_xy_ = xy;
  previous_seen_ = seen;
}

}  // namespace actrec::features
