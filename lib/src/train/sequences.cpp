#include "actrec/train/sequences.hpp"

#include <algorithm>
#include <cmath>

#include "actrec/features/feature_builder.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/features/tracker.hpp"
#include "actrec/preprocess/frame_sampler.hpp"
#include "actrec/train/view_augment.hpp"

namespace actrec::train {
using features::kKeypoints;
using features::kPoseValues;

int64_t feature_dim(const config::FeaturesConfig& features, int64_t map_dim) {
  return features::FeatureBuilder(features, map_dim).dim();
}

namespace {

// How a frame edge cuts the body through a clip: which edge, and how much of the body (along
// the axis across that edge) is beyond it, at the start and at the end of the clip.
struct EdgeCut {
  int side = -1;  // -1: no cut; 0 left, 1 right, 2 top, 3 bottom
  double hidden_from = 0, hidden_to = 0;
};

// The changes drawn for one pass over a clip.
struct Draw {
  bool mirror = false;
  double scale_x = 1, scale_y = 1, angle = 0;
  bool cut_lower_body = false;
  EdgeCut edge;
  double jitter = 0;   // small: keypoint noise, a fraction of the body's height
  double rate = 1;     // > 1: the clip plays faster
  int skip = 0;        // frames dropped at the start (the sampler's phase)
  bool view = false;   // seen from another angle: turned by yaw, tilted by pitch (radians)
  double yaw = 0, pitch = 0;
};

Draw draw_changes(const config::AugmentConfig& augment, double source_fps, double model_fps,
                  std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto symmetric = [&](double range) { return range * (2 * unit(rng) - 1); };
  Draw draw;
  draw.mirror = unit(rng) < augment.mirror;
  draw.scale_x = 1 + symmetric(augment.scale);
  draw.scale_y = 1 + symmetric(augment.scale);
  draw.angle = symmetric(augment.rotate_deg) * M_PI / 180;
  draw.cut_lower_body = unit(rng) < augment.cut_lower_body;
  draw.rate = 1 + symmetric(augment.rate_jitter);
  const int per_step = std::max(1, static_cast<int>(std::floor(source_fps * draw.rate / model_fps)));
  draw.skip = static_cast<int>(unit(rng) * per_step);
  // Drawn last, so that the draws above stay what they were for a given seed.
  if (unit(rng) < augment.edge_cut) {
    draw.edge.side = static_cast<int>(unit(rng) * 4) % 4;
    const double part = 0.2 + 0.6 * unit(rng);  // of the body out of view at most
    switch (static_cast<int>(unit(rng) * 3) % 3) {
      case 0:  // partly out of view throughout
        draw.edge.hidden_from = draw.edge.hidden_to = part;
        break;
      case 1:  // entering: from mostly out of view to in view
        draw.edge.hidden_from = 0.9;
        draw.edge.hidden_to = 0;
        break;
      default:  // leaving
        draw.edge.hidden_from = 0;
        draw.edge.hidden_to = 0.9;
        break;
    }
  }
  if (unit(rng) < augment.small) draw.jitter = 0.01 + 0.05 * unit(rng);
  // Off, it draws nothing, so that runs without it are what they were.
  if (augment.view > 0 && unit(rng) < augment.view) {
    draw.view = true;
    draw.yaw = symmetric(augment.yaw_deg) * M_PI / 180;
    draw.pitch = symmetric(augment.pitch_deg) * M_PI / 180;
  }
  return draw;
}

// Moves one frame's pose as the draw says: about the frame's centre, mirrored, scaled, rotated.
void transform(float* values, const Draw& draw, double width, double height,
               double keypoint_dropout, double progress /* 0..1 through the clip */,
               std::mt19937_64& rng) {
  features::Pose pose{values};
  const double cx = width / 2, cy = height / 2;
  const double cos_a = std::cos(draw.angle), sin_a = std::sin(draw.angle);
  auto move = [&](float& x, float& y) {
    double dx = x - cx, dy = y - cy;
    if (draw.mirror) dx = -dx;
    dx *= draw.scale_x;
    dy *= draw.scale_y;
    x = static_cast<float>(cx + cos_a * dx - sin_a * dy);
    y = static_cast<float>(cy + sin_a * dx + cos_a * dy);
  };
  if (draw.mirror) {
    std::array<float, kPoseValues> copy;
    std::copy_n(values, kPoseValues, copy.begin());
    for (int k = 0; k < kKeypoints; ++k) {
      const int from = features::kMirroredKeypoint[static_cast<size_t>(k)];
      for (int part = 0; part < 3; ++part) values[3 * k + part] = copy[static_cast<size_t>(3 * from + part)];
    }
  }
  for (int k = 0; k < kKeypoints; ++k) move(pose.x(k), pose.y(k));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int k = 0; k < kKeypoints; ++k) {
    const bool lower = k >= features::kLeftKnee;
    if ((draw.cut_lower_body && lower) || (keypoint_dropout > 0 && unit(rng) < keypoint_dropout)) {
      pose.score(k) = 0;
    }
  }
  features::box_from_keypoints(pose, 0.2f);  // where the keypoints are now (pixels)
  const cv::Rect2f body = pose.rect();
  if (draw.jitter > 0 && body.height > 0) {
    // Seen small: each keypoint placed a little off, and hands, feet and face often lost.
    std::normal_distribution<double> noise(0.0, draw.jitter * body.height);
    for (int k = 0; k < kKeypoints; ++k) {
      pose.x(k) += static_cast<float>(noise(rng));
      pose.y(k) += static_cast<float>(noise(rng));
      const bool extremity = k <= features::kRightEar || k == features::kLeftWrist ||
                             k == features::kRightWrist || k >= features::kLeftAnkle;
      if (extremity && unit(rng) < 0.3) pose.score(k) = 0;
    }
  }
  if (draw.edge.side >= 0 && body.area() > 0) {
    // Beyond the edge's line nothing is seen: a share `hidden` of the body along the axis
    // across that edge.
    const double hidden = draw.edge.hidden_from + (draw.edge.hidden_to - draw.edge.hidden_from) * progress;
    for (int k = 0; k < kKeypoints; ++k) {
      const double x = pose.x(k), y = pose.y(k);
      bool out = false;
      switch (draw.edge.side) {
        case 0: out = x < body.x + hidden * body.width; break;
        case 1: out = x > body.x + (1 - hidden) * body.width; break;
        case 2: out = y < body.y + hidden * body.height; break;
        default: out = y > body.y + (1 - hidden) * body.height; break;
      }
      if (out) pose.score(k) = 0;
    }
  }
  features::box_from_keypoints(pose, 0.2f);  // the box of what is still seen
  pose.person_score() = 1.0f;  // (not a feature; box_from_keypoints set a mean score)
}

}  // namespace

SampledSequence sample_sequence(const data::ClipData& clip, const config::FeaturesConfig& features,
                                double model_fps, const config::AugmentConfig* augment,
                                std::mt19937_64* rng) {
  const bool augmenting = augment && augment->enabled && rng;
  const Draw draw = augmenting ? draw_changes(*augment, clip.fps, model_fps, *rng) : Draw{};
  features::FeatureBuilder builder(features, clip.map_dim);
  SampledSequence sequence;
  sequence.name = clip.name;
  sequence.dim = builder.dim();
  // A clip played `rate` times faster is a source of fps * rate whose timestamps shrink.
  preprocess::FrameSampler sampler(model_fps, clip.fps * draw.rate);
  std::array<float, kPoseValues> pose{};
  const bool has_pose = !clip.poses.empty();
  // Seen from another angle: the whole clip turned at once (lifting looks across frames).
  std::vector<float> viewed;
  if (has_pose && draw.view) {
    viewed = clip.poses;
    LiftOptions lifting;
    lifting.min_score = features.min_score;
    const LiftedClip lifted = lift_clip(clip.poses.data(), clip.frames(), clip.fps, lifting, *rng);
    view_clip(lifted, draw.yaw, draw.pitch, viewed.data(), clip.frames(), features.min_score);
  }
  const float* poses = viewed.empty() ? clip.poses.data() : viewed.data();
  for (int64_t f = draw.skip; f < clip.frames(); ++f) {
    const auto timestamp = static_cast<int64_t>(
        std::llround(static_cast<double>(clip.timestamps_us[static_cast<size_t>(f)]) / draw.rate));
    if (!sampler.take(timestamp)) continue;
    if (has_pose) {
      std::copy_n(poses + f * kPoseValues, kPoseValues, pose.begin());
      if (augmenting) {
        const double progress = static_cast<double>(f) / static_cast<double>(std::max<int64_t>(1, clip.frames() - 1));
        transform(pose.data(), draw, clip.width, clip.height, augment->keypoint_dropout, progress, *rng);
      }
    }
    const size_t at = sequence.features.size();
    sequence.features.resize(at + static_cast<size_t>(builder.dim()));
    builder.push(has_pose ? pose.data() : nullptr,
                 clip.map_dim > 0 ? clip.maps.data() + f * clip.map_dim : nullptr, timestamp,
                 sequence.features.data() + at);
    sequence.targets.push_back(clip.targets[static_cast<size_t>(f)]);
    sequence.frames.push_back(f);
  }
  return sequence;
}

}  // namespace actrec::train
