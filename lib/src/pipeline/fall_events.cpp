#include "actrec/pipeline/fall_events.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "actrec/features/pose.hpp"

namespace actrec::pipeline {

FallEvents::FallEvents(const config::EventsConfig& config, const std::vector<std::string>& labels,
                       cv::Size frame_size)
    : config_(config) {
  auto index = [&](const std::string& name) -> int64_t {
    const auto at = std::find(labels.begin(), labels.end(), name);
    return at == labels.end() ? -1 : at - labels.begin();
  };
  fall_ = index(config.fall_label);
  lying_ = index("lying");
  for (const auto& text : config.zones) {
    auto points = config::parse_polygon(text);
    const bool fractions = std::all_of(points.begin(), points.end(), [](const auto& p) {
      return p.first <= 1 && p.second <= 1;
    });
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

void FallEvents::gone(int id) { gone_.push_back(id); }

void FallEvents::watch(LabelledFrame& frame) {
  const double now = static_cast<double>(frame.timestamp_us) * 1e-6;
  for (int id : gone_) {
    if (auto it = watches_.find(id); it != watches_.end()) {
      if (it->second.fallen) {
        PersonEvent up;
        up.kind = PersonEvent::Kind::up;
        up.person = id;
        up.frame = frame.index;
        up.end_s = now;
        up.left_view = true;
        frame.events.push_back(up);
      }
      watches_.erase(it);
    }
  }
  gone_.clear();
  if (fall_ < 0) return;
  for (const auto& person : frame.people) {
    Watch& w = watches_[person.person];
    const bool falling = person.label == fall_;
    const bool down = is_down(person);
    if (w.fallen) {
      if (down) {
        w.up_since_s = -1;
      } else if (w.up_since_s < 0) {
        w.up_since_s = now;
      }
      if (w.up_since_s >= 0 && now - w.up_since_s >= config_.up_s) {
        PersonEvent up;
        up.kind = PersonEvent::Kind::up;
        up.person = person.person;
        up.frame = frame.index;
        up.end_s = now;
        frame.events.push_back(up);
        w = Watch{};
      }
      continue;
    }
    if (falling) {
      if (w.run_start_s < 0 || w.run_end_s >= 0) {  // a new run (or one resumed: start again)
        w = Watch{};
        w.run_start_s = now;
        w.run_frame = frame.index;
      }
      w.run_confidence += person.confidence;
      ++w.run_frames;
      // A run that goes on is the person down too: models trained on labels that call the
      // lying after a fall `falling` (UP-Fall's, GMDCSA24's own) never end the run.
      if (now - w.run_start_s < config_.min_fall_s + config_.confirm_s) continue;
    } else {
      if (w.run_start_s < 0) continue;
      if (w.run_end_s < 0) {
        w.run_end_s = now;
        if (w.run_end_s - w.run_start_s < config_.min_fall_s) {  // a blip, not a fall
          w = Watch{};
          continue;
        }
      }
      if (!down) {  // up again at once: a stumble, or sitting down quickly
        w = Watch{};
        continue;
      }
      if (w.down_since_s < 0) w.down_since_s = now;
      if (now - w.down_since_s < config_.confirm_s) continue;
    }
    const cv::Rect2f box =
        person.pose.empty() ? cv::Rect2f() : features::ConstPose{person.pose.data()}.rect();
    const cv::Point2f centre(box.x + box.width / 2, box.y + box.height / 2);
    if (!person.pose.empty() && in_zone(centre)) {  // lying down where that is normal
      w = Watch{};
      continue;
    }
    PersonEvent fall;
    fall.kind = PersonEvent::Kind::fall;
    fall.person = person.person;
    fall.frame = w.run_frame;
    fall.start_s = w.run_start_s;
    fall.end_s = now;
    fall.confidence = w.run_confidence / static_cast<double>(std::max<int64_t>(1, w.run_frames));
    frame.events.push_back(fall);
    w = Watch{};
    w.fallen = true;
  }
}

}  // namespace actrec::pipeline
