#include "actrec/features/tracker.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace actrec::features {
namespace {

// Keypoint similarity uses COCO's per-keypoint spread (sigmas), how precisely people place them.
constexpr std::array<double, kKeypoints> kSigmas = {0.026, 0.025, 0.025, 0.035, 0.035, 0.079,
                                                    0.079, 0.072, 0.072, 0.062, 0.062, 0.107,
                                                    0.107, 0.087, 0.087, 0.089, 0.089};

double iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float overlap = (a & b).area();
  const float both = a.area() + b.area() - overlap;
  return both > 0 ? overlap / both : 0.0;
}

}  // namespace

double keypoint_similarity(ConstPose a, ConstPose b, float min_score) {
  const double area = std::max(1.0f, a.rect().area());
  double sum = 0;
  int shared = 0;
  for (int k = 0; k < kKeypoints; ++k) {
    if (a.score(k) < min_score || b.score(k) < min_score) continue;
    const double d2 = std::pow(a.x(k) - b.x(k), 2) + std::pow(a.y(k) - b.y(k), 2);
    const double spread = 2 * kSigmas[static_cast<size_t>(k)];
    sum += std::exp(-d2 / (2 * area * spread * spread));
    ++shared;
  }
  return shared > 0 ? sum / shared : 0.0;
}

Tracker::Tracker(const config::PeopleConfig& config) : config_(config) {}

std::vector<TrackedPerson> Tracker::update(const float* poses, int slots, int64_t timestamp_us,
                                           std::vector<int>* dropped) {
  // Tracks where they would be now, had they kept moving.
  std::vector<cv::Rect2f> predicted;
  for (const Track& track : tracks_) {
    const auto dt = static_cast<float>(timestamp_us - track.seen_us) * 1e-6f;
    predicted.push_back(track.box + cv::Point2f(track.vx * dt, track.vy * dt));
  }
  // Confident people match first and may start tracks; faint ones (a person half hidden, or far
  // away) only keep an existing track alive, so a flickering score neither breaks an id nor
  // invents a person.
  std::vector<int> confident, faint;
  for (int s = 0; s < slots; ++s) {
    const ConstPose pose{poses + s * kPoseValues};
    if (pose.rect().area() <= 0) continue;
    if (pose.person_score() >= config_.min_person_score) {
      confident.push_back(s);
    } else if (pose.person_score() >= config_.keep_person_score) {
      faint.push_back(s);
    }
  }
  std::vector<bool> track_taken(tracks_.size(), false);
  std::map<int, size_t> slot_track;
  const auto match = [&](const std::vector<int>& people) {
    std::vector<std::tuple<double, size_t, int>> pairs;  // greedy, most alike pairs first
    const float min_score = 0.2f;
    for (size_t t = 0; t < tracks_.size(); ++t) {
      if (track_taken[t]) continue;
      for (int s : people) {
        const ConstPose pose{poses + s * kPoseValues};
        const double alike =
            std::max(iou(predicted[t], pose.rect()),
                     keypoint_similarity(ConstPose{tracks_[t].pose.data()}, pose, min_score));
        if (alike >= config_.min_match) pairs.emplace_back(alike, t, s);
      }
    }
    std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
      return std::get<0>(a) > std::get<0>(b);
    });
    for (const auto& [alike, t, s] : pairs) {
      if (track_taken[t] || slot_track.count(s)) continue;
      track_taken[t] = true;
      slot_track[s] = t;
    }
  };
  match(confident);
  match(faint);
  std::vector<int> people = confident;
  for (int s : faint) {
    if (slot_track.count(s)) people.push_back(s);
  }
  std::vector<TrackedPerson> seen;
  for (int s : people) {
    const ConstPose pose{poses + s * kPoseValues};
    Track* track;
    if (auto it = slot_track.find(s); it != slot_track.end()) {
      track = &tracks_[it->second];
      const float dt = static_cast<float>(timestamp_us - track->seen_us) * 1e-6f;
      if (dt > 0) {  // a smoothed velocity: boxes jitter from frame to frame
        const cv::Point2f moved = (pose.rect().tl() + pose.rect().br() - track->box.tl() -
                                   track->box.br()) * 0.5f;
        track->vx = 0.5f * track->vx + 0.5f * moved.x / dt;
        track->vy = 0.5f * track->vy + 0.5f * moved.y / dt;
      }
    } else {
      tracks_.push_back({next_id_++, {}, {}, 0, 0, timestamp_us});
      track_taken.push_back(true);
      track = &tracks_.back();
    }
    track->box = pose.rect();
    std::copy_n(pose.v, kPoseValues, track->pose.begin());
    track->seen_us = timestamp_us;
    seen.push_back({track->id, s});
  }
  const auto max_age_us = static_cast<int64_t>(config_.max_age_s * 1e6);
  tracks_.erase(std::remove_if(tracks_.begin(), tracks_.end(),
                               [&](const Track& track) {
                                 const bool old = timestamp_us - track.seen_us > max_age_us;
                                 if (old && dropped) dropped->push_back(track.id);
                                 return old;
                               }),
                tracks_.end());
  std::sort(seen.begin(), seen.end(),
            [](const TrackedPerson& a, const TrackedPerson& b) { return a.id < b.id; });
  return seen;
}

int ProminentPerson::choose(const std::vector<TrackedPerson>& seen, const float* poses) {
  int slot = -1, best_id = -1, kept_slot = -1;
  double best = 0, kept = 0;
  for (const auto& person : seen) {
    const ConstPose pose{poses + person.slot * kPoseValues};
    const double weight = pose.rect().area() * pose.person_score();
    if (weight > best) {
      best = weight;
      best_id = person.id;
      slot = person.slot;
    }
    if (person.id == id_) {
      kept = weight;
      kept_slot = person.slot;
    }
  }
  if (kept_slot >= 0 && best <= 2 * kept) return kept_slot;
  id_ = best_id;
  return slot;
}

std::vector<int> main_person(const FeatureFile& observations, int slots,
                             const config::PeopleConfig& config) {
  const int64_t frames = observations.frames();
  if (slots <= 1) return std::vector<int>(static_cast<size_t>(frames), slots == 1 ? 0 : -1);
  Tracker tracker(config);
  ProminentPerson chooser;
  std::vector<int> slot_of;
  for (int64_t f = 0; f < frames; ++f) {
    const float* poses = observations.values.data() + f * observations.dim();
    const auto seen = tracker.update(poses, slots, observations.timestamps_us[static_cast<size_t>(f)]);
    slot_of.push_back(chooser.choose(seen, poses));
  }
  return slot_of;
}

}  // namespace actrec::features
