#pragma once
// Following people from frame to frame: each person found in a frame is matched to a track by
// box overlap or keypoint similarity; people who enter get new ids; a track unseen for longer
// than max_age_s is dropped. People scoring at least min_person_score match first and may start
// a track; those between keep_person_score and it may only continue one (two-stage matching as
// in ByteTrack, Zhang et al., ECCV 2022). No LibTorch.
#include <cstdint>
#include <vector>

#include "actrec/config/inference.hpp"
#include "actrec/features/feature_file.hpp"
#include "actrec/features/pose.hpp"

namespace actrec::features {

struct TrackedPerson {
  int id = 0;    ///< stable while the person stays in view (ids count up from 1, never reused)
  int slot = 0;  ///< where the person is among the frame's poses
};

class Tracker {
 public:
  explicit Tracker(const config::PeopleConfig& config);

  /// The people of one frame: `poses` holds `slots` poses of kPoseValues floats; those scoring
  /// below keep_person_score are nobody, and below min_person_score nobody new. Returns the tracks
  /// seen in this frame; the ids of tracks dropped (unseen too long) go to `dropped`.
  std::vector<TrackedPerson> update(const float* poses, int slots, int64_t timestamp_us,
                                    std::vector<int>* dropped = nullptr);
  /// Tracks alive (seen within max_age_s).
  size_t tracks() const { return tracks_.size(); }
  /// Drops every track without reporting it: people are followed afresh, with ids never used
  /// before.
  void forget() { tracks_.clear(); }

 private:
  struct Track {
    int id;
    cv::Rect2f box;
    std::array<float, kPoseValues> pose;
    float vx = 0, vy = 0;  // box centre velocity, pixels per second
    int64_t seen_us;
  };
  config::PeopleConfig config_;
  std::vector<Track> tracks_;
  int next_id_ = 1;
};

/// How alike two poses are, 0..1: COCO's object keypoint similarity over the keypoints both
/// show, at the scale of `a`'s box.
double keypoint_similarity(ConstPose a, ConstPose b, float min_score);

/// The one person whose activity single mode labels, chosen frame by frame as the stream
/// comes (causal): the most prominent (box area times score), kept while seen unless someone
/// twice as prominent appears.
class ProminentPerson {
 public:
  /// The slot of the person to label among those `seen` in this frame's `poses`; -1: nobody.
  int choose(const std::vector<TrackedPerson>& seen, const float* poses);

 private:
  int id_ = -1;
};

/// The pose slot of the person single mode labels in each frame of a clip (-1: nobody in view):
/// what training learns from is exactly what `label` and `live` label, people tracked with
/// `config` and chosen by ProminentPerson. With one slot, slot 0 throughout.
std::vector<int> main_person(const FeatureFile& observations, int slots,
                             const config::PeopleConfig& config);

}  // namespace actrec::features
