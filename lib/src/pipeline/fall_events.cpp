#include "actrec/pipeline/fall_events.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "actrec/features/pose.hpp"

namespace actrec::pipeline {
namespace {
constexpr double kTimeSlack = 1e-9;  // sums of frame periods miss round figures by that much
}

FallEvents::FallEvents(const config::EventsConfig& config, const std::vector<std::string>& labels,
                       cv::Size frame_size, double unseen_after_s)
    : config_(config), unseen_after_s_(unseen_after_s) {
  auto index = [&](const std::string& name) -> int64_t {
    const auto at = std::find(labels.begin(), labels.end(), name);
    return at == labels.end() ? -1 : at - labels.begin();
  };
  fall_ = index(config.fall_label);
  lying_ = index("lying");
  for (const auto& text : config.zones) zone_points_.push_back(config::parse_polygon(text));
  resize(frame_size);
}

void FallEvents::resize(cv::Size frame_size) {
  zones_.clear();
  for (const auto& points : zone_points_) {
    const bool fractions = std::all_of(points.begin(), points.end(),
                                       [](const auto& p) { return p.first <= 1 && p.second <= 1; });
    std::vector<cv::Point2f> polygon;
    for (const auto& [x, y] : points) {
      polygon.emplace_back(static_cast<float>(fractions ? x * frame_size.width : x),
                           static_cast<float>(fractions ? y * frame_size.height : y));
    }
    zones_.push_back(std::move(polygon));
  }
}

bool FallEvents::in_zone(cv::Point2f point) const {
  return std::any_of(zones_.begin(), zones_.end(), [&](const auto& zone) {
    return cv::pointPolygonTest(zone, point, false) >= 0;
  });
}

bool FallEvents::is_down(const PersonLabel& person) const {
  if (person.label == lying_ || person.label == fall_) return true;
  if (person.pose.empty()) return false;
  const features::ConstPose pose{person.pose.data()};
  const float seen = 0.2f;
  auto mid = [&](int a, int b, cv::Point2f& out) {
    if (pose.score(a) < seen || pose.score(b) < seen) return false;
    out = {(pose.x(a) + pose.x(b)) / 2, (pose.y(a) + pose.y(b)) / 2};
    return true;
  };
  cv::Point2f shoulders, hips;
  if (mid(features::kLeftShoulder, features::kRightShoulder, shoulders) &&
      mid(features::kLeftHip, features::kRightHip, hips)) {
    const cv::Point2f torso = shoulders - hips;
    if (std::abs(torso.x) > std::abs(torso.y)) return true;  // more than 45 degrees from upright
  }
  const cv::Rect2f box = pose.rect();
  return person.visible >= 0.5f && box.width > box.height;  // a body seen lying along the floor
}

std::vector<int> FallEvents::standing() const {
  std::vector<int> ids;
  for (const auto& [id, w] : watches_) {
    if (w.fallen) ids.push_back(id);
  }
  for (const auto& [id, said] : orphans_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void FallEvents::UpClock::seen_up(double now) {
  if (last_s >= 0) up_s += now - last_s;
  last_s = now;
}

PersonEvent FallEvents::event(PersonEvent::Kind kind, int person, int64_t frame, double time_s) {
  PersonEvent event;
  event.kind = kind;
  event.person = person;
  event.frame = frame;
  event.end_s = time_s;
  return event;
}

void FallEvents::gone(int id) {
  const auto it = watches_.find(id);
  if (it == watches_.end()) return;
  if (it->second.fallen) orphans_.emplace(id, it->second.said_unseen);
  watches_.erase(it);
}

void FallEvents::identity_lost() {
  // The stream_lost that comes with a new connection already says everyone is gone.
  for (const auto& [id, w] : watches_) {
    if (w.fallen) orphans_.emplace(id, true);
  }
  watches_.clear();
  everyone_up_ = UpClock{};
}

void FallEvents::watch(LabelledFrame& frame) {
  if (fall_ < 0) return;
  const double now = static_cast<double>(frame.timestamp_us) * 1e-6;
  std::vector<int> seen;
  for (const auto& person : frame.people) {
    if (person.pose.empty()) continue;  // single mode's frame where nobody is seen
    seen.push_back(person.person);
    watch_person(frame, person, watches_[person.person], now);
  }
  for (auto& [id, w] : watches_) {
    if (std::find(seen.begin(), seen.end(), id) == seen.end()) watch_unseen(frame, id, w, now);
  }
  watch_orphans(frame, now);
}

void FallEvents::watch_unseen(LabelledFrame& frame, int id, Watch& w, double now) {
  // Not seeing a person is no evidence: a falling run neither grows nor ends, nobody is up.
  if (!w.fallen) return;
  w.up.unseen();
  if (!w.said_unseen && w.seen_s >= 0 && now - w.seen_s >= unseen_after_s_ - kTimeSlack) {
    frame.events.push_back(event(PersonEvent::Kind::unseen, id, frame.index, now));
    w.said_unseen = true;
  }
}

void FallEvents::watch_orphans(LabelledFrame& frame, double now) {
  if (orphans_.empty()) return;
  for (auto& [id, said] : orphans_) {
    if (!said) frame.events.push_back(event(PersonEvent::Kind::unseen, id, frame.index, now));
    said = true;
  }
  bool anyone = false, anyone_down = false;
  for (const auto& person : frame.people) {
    if (person.pose.empty()) continue;
    anyone = true;
    anyone_down = anyone_down || is_down(person);
  }
  if (!anyone) {
    everyone_up_.unseen();
  } else if (anyone_down) {
    everyone_up_.seen_down();
  } else {
    everyone_up_.seen_up(now);
  }
  if (everyone_up_.up_s < config_.up_s - kTimeSlack) return;
  for (const auto& [id, said] : orphans_) {
    PersonEvent up = event(PersonEvent::Kind::up, id, frame.index, now);
    up.identity_lost = true;
    frame.events.push_back(up);
  }
  orphans_.clear();
  everyone_up_ = UpClock{};
}

void FallEvents::watch_person(LabelledFrame& frame, const PersonLabel& person, Watch& w,
                              double now) {
  w.seen_s = now;
  w.said_unseen = false;
  const bool falling = person.label == fall_;
  const bool down = is_down(person);
  if (w.fallen) {
    if (down) {
      w.up.seen_down();
    } else {
      w.up.seen_up(now);
    }
    if (w.up.up_s >= config_.up_s - kTimeSlack) {
      frame.events.push_back(event(PersonEvent::Kind::up, person.person, frame.index, now));
      w = Watch{};
      w.seen_s = now;
    }
    return;
  }
  if (falling) {
    if (w.run_start_s < 0 || w.run_end_s >= 0) {  // a new run (or one resumed: start again)
      w = Watch{};
      w.seen_s = now;
      w.run_start_s = now;
      w.run_frame = frame.index;
    }
    w.run_confidence += person.confidence;
    ++w.run_frames;
    // A run that goes on is the person down too: models trained on labels that call the
    // lying after a fall `falling` (UP-Fall's, GMDCSA24's own) never end the run.
    if (now - w.run_start_s < config_.min_fall_s + config_.confirm_s) return;
  } else {
    if (w.run_start_s < 0) return;
    if (w.run_end_s < 0) {
      w.run_end_s = now;
      if (w.run_end_s - w.run_start_s < config_.min_fall_s) {  // a blip, not a fall
        w = Watch{};
        w.seen_s = now;
        return;
      }
    }
    if (!down) {  // up again at once: a stumble, or sitting down quickly
      w = Watch{};
      w.seen_s = now;
      return;
    }
    if (w.down_since_s < 0) w.down_since_s = now;
    if (now - w.down_since_s < config_.confirm_s) return;
  }
  const cv::Rect2f box = features::ConstPose{person.pose.data()}.rect();
  const cv::Point2f centre(box.x + box.width / 2, box.y + box.height / 2);
  if (in_zone(centre)) {  // lying down where that is normal
    w = Watch{};
    w.seen_s = now;
    return;
  }
  PersonEvent fall = event(PersonEvent::Kind::fall, person.person, w.run_frame, now);
  fall.start_s = w.run_start_s;
  fall.confidence = w.run_confidence / static_cast<double>(std::max<int64_t>(1, w.run_frames));
  frame.events.push_back(fall);
  w = Watch{};
  w.seen_s = now;
  w.fallen = true;
}

}  // namespace actrec::pipeline
