#include "actrec/train/mocap_views.hpp"

#include <algorithm>
#include <cmath>

#include "actrec/core/vec3.hpp"
#include "actrec/features/pose.hpp"

namespace actrec::train {
using data::Point3;
using namespace features;
using namespace vec3;

namespace {

double radians(double degrees) { return degrees * M_PI / 180; }

bool extremity(int k) {
  return k == kLeftWrist || k == kRightWrist || k == kLeftAnkle || k == kRightAnkle;
}

}  // namespace

VirtualCamera random_camera(const data::MocapClip& clip, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit_draw(0.0, 1.0);
  auto between = [&](double a, double b) { return a + (b - a) * unit_draw(rng); };
  // The path's middle and reach over the ground.
  double x0 = 1e30, x1 = -1e30, z0 = 1e30, z1 = -1e30;
  for (const auto& joints : clip.joints) {
    x0 = std::min(x0, joints[data::kMocapRoot][0]);
    x1 = std::max(x1, joints[data::kMocapRoot][0]);
    z0 = std::min(z0, joints[data::kMocapRoot][2]);
    z1 = std::max(z1, joints[data::kMocapRoot][2]);
  }
  const double cx = (x0 + x1) / 2, cz = (z0 + z1) / 2;
  const double reach = std::hypot(x1 - x0, z1 - z0) / 2 + 1.0;  // an arm's and a stride's room
  const double floor = data::mocap_floor(clip);

  VirtualCamera camera;
  const bool wide = unit_draw(rng) < 0.5;
  camera.width = wide ? 1280 : 640;
  camera.height = wide ? 720 : 480;
  const double fov = radians(between(50, 90));
  camera.focal_px = camera.width / 2.0 / std::tan(fov / 2);
  const double distance = std::max(2.5, reach / std::tan(fov / 2)) + between(0, 5.5);
  const double angle = between(0, 2 * M_PI);
  camera.position = {cx + distance * std::cos(angle), floor + between(0.5, 3.0),
                     cz + distance * std::sin(angle)};
  const Point3 aim{cx, floor + 0.9 + between(-0.2, 0.2), cz};
  // Looking at the middle of the path, at most 45 degrees down, a few degrees off aim.
  const Point3 towards = aim - camera.position;
  const double yaw = std::atan2(towards[2], towards[0]) + radians(between(-4, 4));
  const double pitch = std::clamp(
      std::atan2(-towards[1], std::hypot(towards[0], towards[2])) + radians(between(-4, 4)),
      radians(-20), radians(45));
  camera.forward = {std::cos(pitch) * std::cos(yaw), -std::sin(pitch),
                    std::cos(pitch) * std::sin(yaw)};
  camera.right = unit(cross(camera.forward, {0, 1, 0}), {0, 0, 1});
  camera.down = cross(camera.forward, camera.right);
  return camera;
}

bool project(const VirtualCamera& camera, const Point3& point, double& x, double& y) {
  const Point3 p = point - camera.position;
  const double depth = dot(p, camera.forward);
  if (depth < 0.1) return false;
  x = camera.width / 2.0 + camera.focal_px * dot(p, camera.right) / depth;
  y = camera.height / 2.0 + camera.focal_px * dot(p, camera.down) / depth;
  return true;
}

namespace {

// Inside the quadrilateral of shoulders and hips (as drawn, either winding), a little shrunk.
bool inside_torso(const std::array<double, 2 * kKeypoints>& xy, double x, double y) {
  const int corners[4] = {kLeftShoulder, kRightShoulder, kRightHip, kLeftHip};
  double cx = 0, cy = 0;
  for (const int c : corners) {
    cx += xy[2 * c] / 4;
    cy += xy[2 * c + 1] / 4;
  }
  int sign = 0;
  for (int i = 0; i < 4; ++i) {
    const int a = corners[i], b = corners[(i + 1) % 4];
    // Shrunk by a fifth towards the middle.
    const double ax = cx + 0.8 * (xy[2 * a] - cx), ay = cy + 0.8 * (xy[2 * a + 1] - cy);
    const double bx = cx + 0.8 * (xy[2 * b] - cx), by = cy + 0.8 * (xy[2 * b + 1] - cy);
    const double side = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    const int s = side > 0 ? 1 : -1;
    if (sign == 0) sign = s;
    if (s != sign) return false;
  }
  return true;
}

}  // namespace

data::ClipData render_clip(const data::MocapClip& clip, const std::vector<int64_t>& labels,
                           const VirtualCamera& camera, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit_draw(0.0, 1.0);
  auto between = [&](double a, double b) { return a + (b - a) * unit_draw(rng); };
  std::normal_distribution<double> normal(0.0, 1.0);
  data::ClipData out;
  out.name = clip.name + " (virtual camera)";
  out.fps = clip.fps;
  out.width = camera.width;
  out.height = camera.height;
  out.targets = labels;
  out.targets.resize(static_cast<size_t>(clip.frames()), -1);
  out.poses.assign(static_cast<size_t>(clip.frames() * kPoseValues), 0.0f);

  // This view's faults.
  const double jitter = between(0.005, 0.02);  // of the body's height
  const double lost = between(0.01, 0.05);     // a keypoint's chance to be lost in a frame
  const double keep_drift = std::exp(-1.0 / (0.3 * clip.fps));  // drift's time constant 0.3 s
  std::array<double, 2 * kKeypoints> drift{};
  std::array<bool, kKeypoints> was_lost{};
  bool person_was_missed = false;

  for (int64_t f = 0; f < clip.frames(); ++f) {
    out.timestamps_us.push_back(
        static_cast<int64_t>(std::llround(static_cast<double>(f) * 1e6 / clip.fps)));
    const auto& keypoints = clip.keypoints[static_cast<size_t>(f)];
    const auto& joints = clip.joints[static_cast<size_t>(f)];
    Pose pose{out.poses.data() + f * kPoseValues};
    // The body's height in the image, as if standing where its root is.
    const double root_depth = dot(joints[data::kMocapRoot] - camera.position, camera.forward);
    const double body_px = camera.focal_px * 1.7 / std::max(0.1, root_depth);
    std::array<double, 2 * kKeypoints> xy{};
    std::array<bool, kKeypoints> in_front{};
    for (int k = 0; k < kKeypoints; ++k) {
      in_front[static_cast<size_t>(k)] =
          project(camera, keypoints[static_cast<size_t>(k)], xy[2 * k], xy[2 * k + 1]);
    }
    auto depth_of = [&](int k) {
      return dot(keypoints[static_cast<size_t>(k)] - camera.position, camera.forward);
    };
    const double torso_depth = (depth_of(kLeftShoulder) + depth_of(kRightShoulder) +
                                depth_of(kLeftHip) + depth_of(kRightHip)) /
                               4;
    const bool facing_away = depth_of(kNose) > (depth_of(kLeftEar) + depth_of(kRightEar)) / 2;
    // A pose network misses a person now and then, for a frame or a few.
    const bool missed = unit_draw(rng) < (person_was_missed ? 0.5 : 0.01);
    person_was_missed = missed;
    for (int k = 0; k < kKeypoints; ++k) {
      const auto i = static_cast<size_t>(k);
      const double noise = jitter * body_px * (extremity(k) ? 1.5 : 1.0);
      for (int axis = 0; axis < 2; ++axis) {
        double& d = drift[static_cast<size_t>(2 * k + axis)];
        d = keep_drift * d +
            std::sqrt(1 - keep_drift * keep_drift) * jitter * body_px * normal(rng);
      }
      const double x = xy[2 * k] + drift[2 * i] + noise * normal(rng);
      const double y = xy[2 * k + 1] + drift[2 * i + 1] + noise * normal(rng);
      double chance = lost + (extremity(k) ? 0.05 : 0) + (extremity(k) && body_px < 100 ? 0.3 : 0);
      const bool torso_point = k >= kLeftShoulder && k <= kRightShoulder;
      if (!torso_point && (k < kLeftHip || k > kRightHip) && depth_of(k) > torso_depth + 0.05 &&
          inside_torso(xy, xy[2 * k], xy[2 * k + 1])) {
        chance += 0.5;  // behind the body
      }
      if (facing_away && k <= kRightEar) chance += k <= kRightEye ? 0.6 : 0.2;
      if (was_lost[i]) chance = std::max(chance, 0.6);  // a lost keypoint tends to stay lost
      const bool in_image =
          in_front[i] && x >= 0 && y >= 0 && x < camera.width && y < camera.height;
      const bool lose = missed || !in_image || unit_draw(rng) < chance;
      was_lost[i] = lose;
      pose.x(k) = static_cast<float>(x);
      pose.y(k) = static_cast<float>(y);
      pose.score(k) = static_cast<float>(lose ? between(0.0, 0.18) : between(0.35, 0.95));
    }
    box_from_keypoints(pose, 0.2f);
  }
  return out;
}

MocapSet mocap_set(const std::string& folder, const std::vector<std::string>& classes) {
  MocapSet set;
  auto add = [&](data::MocapClip clip) {
    std::vector<int64_t> targets;
    for (const auto& label : data::mocap_labels(clip)) {
      const auto found = std::find(classes.begin(), classes.end(), label);
      targets.push_back(found == classes.end() ? -1 : found - classes.begin());
    }
    set.clips.push_back(std::move(clip));
    set.targets.push_back(std::move(targets));
  };
  for (auto& clip : data::read_mocap_folder(folder)) {
    if (data::is_get_up(clip)) add(data::reversed(clip));  // lying down
    add(std::move(clip));
  }
  return set;
}

}  // namespace actrec::train
