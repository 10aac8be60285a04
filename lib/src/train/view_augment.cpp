#include "actrec/train/view_augment.hpp"

#include <algorithm>
#include <cmath>

#include "actrec/core/vec3.hpp"

namespace actrec::train {
using namespace features;

namespace {

constexpr int kHipCentre = -1, kShoulderCentre = -2;

}  // namespace

// Proportions between COCO's keypoints as MoveNet places them (metres for a torso of 0.5 m;
// only the ratios matter): the 75th percentile, over the frames of upright people in the
// shippable data with every body keypoint seen, of each bone's image length over the torso's
// (a bone looks its full length across the line of sight, shorter otherwise; MoveNet's own
// lengths vary by 10-20%). Parents come before children.
const std::array<BodyBone, 18> kBodyBones = {{
    {kHipCentre, kShoulderCentre, 0.50},
    {kHipCentre, kLeftHip, 0.11},
    {kHipCentre, kRightHip, 0.11},
    {kShoulderCentre, kLeftShoulder, 0.18},
    {kShoulderCentre, kRightShoulder, 0.18},
    {kShoulderCentre, kNose, 0.22},
    {kNose, kLeftEye, 0.05},
    {kNose, kRightEye, 0.05},
    {kNose, kLeftEar, 0.105},
    {kNose, kRightEar, 0.105},
    {kLeftShoulder, kLeftElbow, 0.315},
    {kLeftElbow, kLeftWrist, 0.26},
    {kRightShoulder, kRightElbow, 0.315},
    {kRightElbow, kRightWrist, 0.26},
    {kLeftHip, kLeftKnee, 0.46},
    {kLeftKnee, kLeftAnkle, 0.425},
    {kRightHip, kRightKnee, 0.46},
    {kRightKnee, kRightAnkle, 0.425},
}};

namespace {

using Vec = vec3::Vec3;
using namespace vec3;

// Bone indices in kBodyBones that lifting treats specially.
constexpr int kTorsoBone = 0, kLeftHipBone = 1, kRightHipBone = 2, kLeftShoulderBone = 3,
              kRightShoulderBone = 4, kNoseBone = 5;
// Limbs: upper and lower bone, and whether the joint between bends forward (elbow) or back.
struct Limb {
  int upper, lower;
  bool bends_forward;
};
constexpr Limb kLimbs[] = {{10, 11, true}, {12, 13, true}, {14, 15, false}, {16, 17, false}};

// One frame in 2-D: each keypoint and the two centres, where seen.
struct Frame2d {
  std::array<double, kKeypoints + 2> x{}, y{};
  std::array<bool, kKeypoints + 2> seen{};

  static int slot(int keypoint) { return keypoint >= 0 ? keypoint : kKeypoints - 1 - keypoint; }
  bool has(int keypoint) const { return seen[static_cast<size_t>(slot(keypoint))]; }
  double px(int keypoint) const { return x[static_cast<size_t>(slot(keypoint))]; }
  double py(int keypoint) const { return y[static_cast<size_t>(slot(keypoint))]; }
  double length(const BodyBone& bone) const {
    return std::hypot(px(bone.child) - px(bone.parent), py(bone.child) - py(bone.parent));
  }
};

Frame2d frame_2d(const float* values, double min_score) {
  const ConstPose pose{values};
  Frame2d frame;
  for (int k = 0; k < kKeypoints; ++k) {
    frame.seen[static_cast<size_t>(k)] = pose.score(k) >= min_score;
    frame.x[static_cast<size_t>(k)] = pose.x(k);
    frame.y[static_cast<size_t>(k)] = pose.y(k);
  }
  auto centre = [&](int which, int a, int b) {
    const auto slot = static_cast<size_t>(Frame2d::slot(which));
    frame.seen[slot] = frame.has(a) && frame.has(b);
    frame.x[slot] = (frame.px(a) + frame.px(b)) / 2;
    frame.y[slot] = (frame.py(a) + frame.py(b)) / 2;
  };
  centre(kHipCentre, kLeftHip, kRightHip);
  centre(kShoulderCentre, kLeftShoulder, kRightShoulder);
  return frame;
}

// The frame's scale (pixels per metre) by Taylor's bound: no bone can look longer than its
// length times the scale, so the scale is at least the largest ratio; with one bone across the
// line of sight, it is that ratio (`quantile` 1). A lower quantile of the ratios (the median:
// 0.5) is what a pose network's keypoints allow: one bone placed long does not stretch the
// whole body, and most of a body's bones are across the line of sight most of the time. 0 when
// no bone is seen. Face bones are too short to tell.
double frame_scale(const Frame2d& frame, double quantile) {
  std::vector<double> ratios;
  for (const auto& bone : kBodyBones) {
    if (bone.parent == kNose || bone.child == kNose) continue;
    if (frame.has(bone.parent) && frame.has(bone.child))
      ratios.push_back(frame.length(bone) / bone.length);
  }
  if (ratios.empty()) return 0;
  std::sort(ratios.begin(), ratios.end());
  return ratios[static_cast<size_t>(
      std::lround(quantile * static_cast<double>(ratios.size() - 1)))];
}

// Running median over `half` frames either side, of the frames that have a value (> 0).
std::vector<double> running_median(const std::vector<double>& values, int64_t half) {
  const auto n = static_cast<int64_t>(values.size());
  std::vector<double> out(values.size(), 0), window;
  for (int64_t f = 0; f < n; ++f) {
    window.clear();
    for (int64_t g = std::max<int64_t>(0, f - half); g <= std::min(n - 1, f + half); ++g) {
      if (values[static_cast<size_t>(g)] > 0) window.push_back(values[static_cast<size_t>(g)]);
    }
    if (window.empty()) continue;
    const auto middle = window.begin() + static_cast<std::ptrdiff_t>(window.size() / 2);
    std::nth_element(window.begin(), middle, window.end());
    out[static_cast<size_t>(f)] = *middle;
  }
  return out;
}

// A sign that holds over time: per-frame evidence (positive for +1; NaN where a frame has
// none) averaged over `half` frames either side; the sign changes only where that mean is
// clearly the other way, and starts as the first clear mean says, or `fallback` if none is.
std::vector<int> steady_signs(const std::vector<double>& evidence, int64_t half, double clear,
                              int fallback) {
  const auto n = static_cast<int64_t>(evidence.size());
  std::vector<double> mean(evidence.size(), 0);
  for (int64_t f = 0; f < n; ++f) {
    double sum = 0;
    int count = 0;
    for (int64_t g = std::max<int64_t>(0, f - half); g <= std::min(n - 1, f + half); ++g) {
      if (std::isnan(evidence[static_cast<size_t>(g)])) continue;
      sum += evidence[static_cast<size_t>(g)];
      ++count;
    }
    if (count >= 3) mean[static_cast<size_t>(f)] = sum / count;
  }
  int sign = fallback;
  for (int64_t f = 0; f < n; ++f) {
    if (std::abs(mean[static_cast<size_t>(f)]) > clear) {
      sign = mean[static_cast<size_t>(f)] > 0 ? 1 : -1;
      break;
    }
  }
  std::vector<int> signs(evidence.size());
  for (int64_t f = 0; f < n; ++f) {
    if (std::abs(mean[static_cast<size_t>(f)]) > clear)
      sign = mean[static_cast<size_t>(f)] > 0 ? 1 : -1;
    signs[static_cast<size_t>(f)] = sign;
  }
  return signs;
}

// The depth of each bone's child below its parent, up to sign: what is left of the bone's full
// length (times `slack`) once its image length is taken off. 0 for bones not seen whole.
std::array<double, kBodyBones.size()> depth_magnitudes(
    const Frame2d& frame, const std::array<double, kBodyBones.size()>& full, double slack) {
  std::array<double, kBodyBones.size()> depth{};
  for (size_t b = 0; b < kBodyBones.size(); ++b) {
    const auto& bone = kBodyBones[b];
    if (!frame.has(bone.parent) || !frame.has(bone.child)) continue;
    const double most = slack * full[b], seen = frame.length(bone);
    depth[b] = std::sqrt(std::max(0.0, most * most - seen * seen));
  }
  return depth;
}

// What one frame's body says about its turn and lean, before any sign is chosen: the image's
// left-right vector (left minus right, shoulders and hips together), the depth of the left side
// (up to sign), the torso in the image.
struct Axes {
  bool lateral = false, torso = false;
  double lx = 0, ly = 0, lz = 0;  // lz: magnitude only
  double ux = 0, uy = 0;          // shoulder centre minus hip centre
};

Axes body_axes(const Frame2d& frame, const std::array<double, kBodyBones.size()>& depth) {
  Axes axes;
  if (frame.has(kLeftShoulder) && frame.has(kRightShoulder)) {
    axes.lateral = true;
    axes.lx += frame.px(kLeftShoulder) - frame.px(kRightShoulder);
    axes.ly += frame.py(kLeftShoulder) - frame.py(kRightShoulder);
    axes.lz += 2 * depth[kLeftShoulderBone];
  }
  if (frame.has(kLeftHip) && frame.has(kRightHip)) {
    axes.lateral = true;
    axes.lx += frame.px(kLeftHip) - frame.px(kRightHip);
    axes.ly += frame.py(kLeftHip) - frame.py(kRightHip);
    axes.lz += 2 * depth[kLeftHipBone];
  }
  if (frame.has(kShoulderCentre) && frame.has(kHipCentre)) {
    axes.torso = true;
    axes.ux = frame.px(kShoulderCentre) - frame.px(kHipCentre);
    axes.uy = frame.py(kShoulderCentre) - frame.py(kHipCentre);
  }
  return axes;
}

// Upright enough that "up" in the image is the body's up (the torso within 45 degrees of it).
bool upright(const Axes& axes) { return axes.torso && -axes.uy > std::abs(axes.ux); }

// The turn's evidence: the nose lies towards where the body faces. With the left side's depth
// of sign s, a body upright in the image faces (s * lz, 0, -lx): its nose is to the image's
// right of the shoulders when s > 0.
double turn_evidence(const Frame2d& frame, const Axes& axes, double unit_length) {
  if (!axes.lateral || !upright(axes) || !frame.has(kNose) || !frame.has(kShoulderCentre))
    return NAN;
  return axes.lz * (frame.px(kNose) - frame.px(kShoulderCentre)) / (unit_length * unit_length);
}

// The lean's evidence: upright people lean forward more than back (bending, sitting down,
// falling forward). The torso's depth of sign s gives a lean s * (-lx) * depth towards the
// front the hips face.
double lean_evidence(const Axes& axes, double torso_depth, double unit_length) {
  if (!axes.lateral || !axes.torso) return NAN;
  const double tilt = std::atan2(std::abs(axes.ux), -axes.uy);  // from upright, in the image
  if (!(tilt < 70 * M_PI / 180)) return NAN;
  return -axes.lx * torso_depth / (unit_length * unit_length);
}

// Lifting one frame once its turn and lean are fixed: every keypoint's depth, limbs chosen by
// plausibility (given the previous frame's choices, kept unless another is clearly better).
class FrameLifter {
 public:
  explicit FrameLifter(std::mt19937_64& rng) {
    std::uniform_int_distribution<int> coin(0, 1);
    for (auto& choice : limb_choice_) choice = coin(rng) ? 3 : 0;  // what no evidence decides
  }

  LiftedPose lift(const Frame2d& frame, const std::array<double, kBodyBones.size()>& depth,
                  const Axes& axes, int turn, int lean) {
    std::array<Vec, kKeypoints + 2> at{};
    std::array<bool, kKeypoints + 2> known{};
    auto set = [&](int keypoint, const Vec& value) {
      at[static_cast<size_t>(Frame2d::slot(keypoint))] = value;
      known[static_cast<size_t>(Frame2d::slot(keypoint))] = true;
    };
    auto get = [&](int keypoint) { return at[static_cast<size_t>(Frame2d::slot(keypoint))]; };
    auto is_known = [&](int keypoint) {
      return known[static_cast<size_t>(Frame2d::slot(keypoint))];
    };
    auto image = [&](int keypoint) { return Vec{frame.px(keypoint), frame.py(keypoint), 0}; };
    // Where the child of bone `b` is with depth sign `sign` (its parent known).
    auto child_at = [&](size_t b, int sign) {
      const auto& bone = kBodyBones[b];
      Vec p = image(bone.child);
      p[2] = get(bone.parent)[2] + sign * depth[b];
      return p;
    };

    // The trunk: the hip centre at depth 0 (or the shoulder centre, without hips), the torso
    // leaning as `lean` says, left sides at depth sign `turn`.
    if (frame.has(kHipCentre)) {
      set(kHipCentre, image(kHipCentre));
      if (frame.has(kShoulderCentre)) set(kShoulderCentre, child_at(kTorsoBone, lean));
    } else if (frame.has(kShoulderCentre)) {
      set(kShoulderCentre, image(kShoulderCentre));
    }
    for (const auto& [b, sign] :
         {std::pair{kLeftHipBone, turn}, std::pair{kRightHipBone, -turn},
          std::pair{kLeftShoulderBone, turn}, std::pair{kRightShoulderBone, -turn}}) {
      if (is_known(kBodyBones[static_cast<size_t>(b)].parent) &&
          frame.has(kBodyBones[static_cast<size_t>(b)].child)) {
        set(kBodyBones[static_cast<size_t>(b)].child, child_at(static_cast<size_t>(b), sign));
      }
    }
    // Where the body faces: left cross up, or upright in the image without a torso.
    const Vec left{axes.lx, axes.ly, turn * axes.lz};
    const Vec up = is_known(kShoulderCentre) && is_known(kHipCentre)
                       ? get(kShoulderCentre) - get(kHipCentre)
                       : Vec{0, -1, 0};
    const Vec front = axes.lateral ? unit(cross(left, up)) : Vec{0, 0, 0};
    const Vec side = unit(left);
    // Where the hips and shoulders face over the ground: what limbs bend and reach towards
    // (the chest's own front tips down as the torso leans).
    const Vec ahead = axes.lateral ? unit(cross(left, Vec{0, -1, 0})) : Vec{0, 0, 0};

    // The rest hang from the trunk; each sign the more plausible one.
    auto place = [&](size_t b, const auto& score) {
      const auto& bone = kBodyBones[b];
      if (!is_known(bone.parent) || !frame.has(bone.child)) return;
      const Vec plus = child_at(b, 1), minus = child_at(b, -1);
      set(bone.child,
          score(plus - get(bone.parent)) >= score(minus - get(bone.parent)) ? plus : minus);
    };
    place(kNoseBone, [&](const Vec& offset) { return dot(offset, front); });  // the face in front
    for (size_t b = kNoseBone + 1; b < kNoseBone + 5; ++b) {
      const int child = kBodyBones[b].child;
      const double towards = child == kLeftEye || child == kLeftEar ? 1 : -1;
      place(b, [&](const Vec& offset) { return towards * dot(offset, side) - dot(offset, front); });
    }
    for (size_t l = 0; l < std::size(kLimbs); ++l) {
      place_limb(l, frame, depth, ahead, get, is_known, set, child_at);
    }

    LiftedPose pose{};
    for (int k = 0; k < kKeypoints; ++k) {
      pose[static_cast<size_t>(k)] = {static_cast<float>(frame.px(k)),
                                      static_cast<float>(frame.py(k)), 0.0f};
    }
    // Unseen keypoints: the depth of the nearest known one they hang from.
    for (const auto& bone : kBodyBones) {
      if (bone.child < 0) continue;
      const double parent_z = bone.parent >= 0 ? pose[static_cast<size_t>(bone.parent)][2]
                                               : (is_known(bone.parent) ? get(bone.parent)[2] : 0);
      pose[static_cast<size_t>(bone.child)][2] =
          static_cast<float>(is_known(bone.child) ? get(bone.child)[2] : parent_z);
    }
    return pose;
  }

 private:
  // A limb's two signs (choice bit 1: upper, bit 0: lower; set = +1): knees bend back and elbows
  // forward; thighs and upper arms more often forward than back, forearms forward, shins back.
  template <typename Get, typename Known, typename Set, typename ChildAt>
  void place_limb(size_t l, const Frame2d& frame,
                  const std::array<double, kBodyBones.size()>& depth, const Vec& front,
                  const Get& get, const Known& is_known, const Set& set, const ChildAt& child_at) {
    const Limb& limb = kLimbs[l];
    const auto& upper = kBodyBones[static_cast<size_t>(limb.upper)];
    const auto& lower = kBodyBones[static_cast<size_t>(limb.lower)];
    if (!is_known(upper.parent) || !frame.has(upper.child)) return;
    const bool has_lower = frame.has(lower.child);
    const Vec root = get(upper.parent);
    auto score = [&](int choice) {
      const Vec joint = child_at(static_cast<size_t>(limb.upper), choice & 2 ? 1 : -1);
      double value = 0.3 * dot(unit(joint - root), front);
      if (has_lower) {
        // Which way the joint bends (the lower limb's turn off the upper's line) is a
        // constraint, not a preference: met (within 60 degrees of the right way) it counts in
        // full, whatever the angle, and in full from a bend of 30 degrees; where two choices
        // both meet it, the reach decides.
        Vec end = Vec{frame.px(lower.child), frame.py(lower.child), 0};
        end[2] = joint[2] + (choice & 1 ? 1 : -1) * depth[static_cast<size_t>(limb.lower)];
        const Vec bend = unit(end - joint) - unit(joint - root);
        const double amount = std::min(1.0, norm(bend) / 0.52);  // |bend| = 2 sin(angle / 2)
        const double way = (limb.bends_forward ? 1 : -1) * dot(unit(bend), front);
        value += amount * std::clamp(2 * way, -1.0, 1.0);
        // And the lower limb's own way, the way its joint bends: wrists more often in front of
        // the elbows (reaching, holding), ankles behind the knees (walking, squatting, kneeling).
        value += 0.3 * (limb.bends_forward ? 1 : -1) * dot(unit(end - joint), front);
      }
      return value;
    };
    int& chosen = limb_choice_[l];
    int best = chosen;
    for (int choice = 0; choice < 4; ++choice) {
      if (score(choice) > score(best)) best = choice;
    }
    // The first time, the best; then a change only where it is clearly better.
    if (!placed_[l] || score(best) > score(chosen) + kLimbMargin) chosen = best;
    placed_[l] = true;
    const Vec joint = child_at(static_cast<size_t>(limb.upper), chosen & 2 ? 1 : -1);
    set(upper.child, joint);
    if (has_lower) set(lower.child, child_at(static_cast<size_t>(limb.lower), chosen & 1 ? 1 : -1));
  }

  static constexpr double kLimbMargin = 0.15;
  std::array<int, std::size(kLimbs)> limb_choice_{};
  std::array<bool, std::size(kLimbs)> placed_{};
};

}  // namespace

LiftedClip lift_clip(const float* poses, int64_t frames, double fps, const LiftOptions& options,
                     std::mt19937_64& rng) {
  LiftedClip clip;
  std::vector<Frame2d> frame(static_cast<size_t>(frames));
  std::vector<double> scales(static_cast<size_t>(frames));
  for (int64_t f = 0; f < frames; ++f) {
    frame[static_cast<size_t>(f)] = frame_2d(poses + f * kPoseValues, options.min_score);
    scales[static_cast<size_t>(f)] =
        frame_scale(frame[static_cast<size_t>(f)], options.scale_quantile);
  }
  const auto second = static_cast<int64_t>(std::lround(std::max(1.0, fps)));
  clip.scale.resize(static_cast<size_t>(frames));
  const std::vector<double> scale = running_median(scales, second / 2);
  std::copy(scale.begin(), scale.end(), clip.scale.begin());

  // Each bone's full length in the image: the body's proportions at that scale, or what the
  // bone itself showed within a second either way if that is longer (this person's, and this
  // pose network's, proportions), up to a third longer (not a keypoint placed far off).
  std::vector<std::array<double, kBodyBones.size()>> full(static_cast<size_t>(frames));
  for (int64_t f = 0; f < frames; ++f) {
    for (size_t b = 0; b < kBodyBones.size(); ++b) {
      double& length = full[static_cast<size_t>(f)][b];
      const double proportional = scale[static_cast<size_t>(f)] * kBodyBones[b].length;
      length = proportional;
      if (!options.own_lengths) continue;
      for (int64_t g = std::max<int64_t>(0, f - second); g <= std::min(frames - 1, f + second);
           ++g) {
        const Frame2d& other = frame[static_cast<size_t>(g)];
        if (other.has(kBodyBones[b].parent) && other.has(kBodyBones[b].child)) {
          length = std::max(length, std::min(other.length(kBodyBones[b]), 1.33 * proportional));
        }
      }
    }
  }
  // Depths up to sign; then the turn and the lean from their evidence over time.
  std::vector<std::array<double, kBodyBones.size()>> depth(static_cast<size_t>(frames));
  std::vector<Axes> axes(static_cast<size_t>(frames));
  std::vector<double> turn_for(static_cast<size_t>(frames)), lean_for(static_cast<size_t>(frames));
  for (size_t f = 0; f < frame.size(); ++f) {
    depth[f] = depth_magnitudes(frame[f], full[f], options.slack);
    axes[f] = body_axes(frame[f], depth[f]);
    const double unit_length = std::max(1e-6, scale[f] * 0.5);  // a torso, in pixels
    turn_for[f] = turn_evidence(frame[f], axes[f], unit_length);
    lean_for[f] = lean_evidence(axes[f], depth[f][kTorsoBone], unit_length);
  }
  std::uniform_int_distribution<int> coin(0, 1);
  const int turn_fallback = coin(rng) ? 1 : -1, lean_fallback = coin(rng) ? 1 : -1;
  const std::vector<int> turn = steady_signs(turn_for, second / 2, 0.02, turn_fallback);
  const std::vector<int> lean = steady_signs(lean_for, second / 2, 0.02, lean_fallback);

  FrameLifter lifter(rng);
  clip.frames.resize(static_cast<size_t>(frames));
  clip.has_body.resize(static_cast<size_t>(frames));
  clip.root.resize(static_cast<size_t>(frames));
  std::vector<float> xs, ys;
  for (size_t f = 0; f < frame.size(); ++f) {
    clip.frames[f] = lifter.lift(frame[f], depth[f], axes[f], turn[f], lean[f]);
    const int root = frame[f].has(kHipCentre) ? kHipCentre : kShoulderCentre;
    clip.has_body[f] = frame[f].has(root);
    clip.root[f] = {static_cast<float>(frame[f].px(root)), static_cast<float>(frame[f].py(root))};
    if (clip.has_body[f]) {
      xs.push_back(clip.root[f][0]);
      ys.push_back(clip.root[f][1]);
    }
  }
  if (!xs.empty()) {
    std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(xs.size() / 2), xs.end());
    std::nth_element(ys.begin(), ys.begin() + static_cast<std::ptrdiff_t>(ys.size() / 2), ys.end());
    clip.pivot_x = xs[xs.size() / 2];
    clip.pivot_y = ys[ys.size() / 2];
  }
  return clip;
}

void view_clip(const LiftedClip& lifted, double yaw, double pitch, float* poses, int64_t frames,
               double min_score) {
  const double cy = std::cos(yaw), sy = std::sin(yaw), cp = std::cos(pitch), sp = std::sin(pitch);
  for (int64_t f = 0; f < frames && f < static_cast<int64_t>(lifted.frames.size()); ++f) {
    const auto at = static_cast<size_t>(f);
    if (!lifted.has_body[at]) continue;
    const auto& body = lifted.frames[at];
    const float root_x = lifted.root[at][0], root_y = lifted.root[at][1];  // at depth 0
    const double new_root_x = lifted.pivot_x + cy * (root_x - lifted.pivot_x);
    const double new_root_y = lifted.pivot_y + cp * (root_y - lifted.pivot_y);
    Pose pose{poses + f * kPoseValues};
    for (int k = 0; k < kKeypoints; ++k) {
      const double x = body[static_cast<size_t>(k)][0] - root_x;
      const double y = body[static_cast<size_t>(k)][1] - root_y;
      const double z = body[static_cast<size_t>(k)][2];
      const double turned_x = cy * x + sy * z, turned_z = -sy * x + cy * z;
      const double tilted_y = cp * y - sp * turned_z;
      pose.x(k) = static_cast<float>(new_root_x + turned_x);
      pose.y(k) = static_cast<float>(new_root_y + tilted_y);
    }
    const float person = pose.person_score();
    box_from_keypoints(pose, static_cast<float>(min_score));
    pose.person_score() = person;
  }
}

}  // namespace actrec::train
