#include "actrec/pipeline/live_events.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ctime>

namespace actrec::pipeline {
// Divided by a power of ten, not multiplied by a step: 0.3, not 0.30000000000000004.
double rounded(double value, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

std::string utc_now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms);
}

LiveEvents::LiveEvents(std::vector<std::string> labels, std::string camera, double gone_after_s)
    : labels_(std::move(labels)), camera_(std::move(camera)), gone_after_s_(gone_after_s) {}

nlohmann::json LiveEvents::event(const char* kind, double time_s, int64_t frame) const {
  nlohmann::json line = {{"event", kind},
                         {"camera", camera_},
                         {"time", utc_now_iso8601()},
                         {"time_s", rounded(time_s, 3)}};
  if (frame >= 0) line["frame"] = frame;
  return line;
}

std::vector<nlohmann::json> LiveEvents::frame(const LabelledFrame& frame, double time_s) {
  std::vector<nlohmann::json> out;
  for (const auto& person : frame.people) {
    if (person.label < 0 || person.label >= static_cast<int64_t>(labels_.size())) continue;
    auto [it, first] = people_.try_emplace(person.person);
    Person& known = it->second;
    known.seen_s = time_s;
    known.in_view = !person.pose.empty();
    if (!first && known.label == person.label) continue;
    nlohmann::json line = event("label", time_s, frame.index);
    line["person"] = person.person;
    line["label"] = labels_[static_cast<size_t>(person.label)];
    line["previous"] = first || known.label < 0
                           ? nlohmann::json(nullptr)
                           : nlohmann::json(labels_[static_cast<size_t>(known.label)]);
    line["confidence"] = rounded(person.confidence, 4);
    known.label = person.label;
    out.push_back(std::move(line));
  }
  for (auto it = people_.begin(); it != people_.end();) {
    if (time_s - it->second.seen_s >= gone_after_s_) {
      nlohmann::json line = event("gone", time_s, frame.index);
      line["person"] = it->first;
      line["label"] = labels_[static_cast<size_t>(it->second.label)];
      line["down"] = is_down(it->first);
      out.push_back(std::move(line));
      it = people_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& happened : frame.events) {
    nlohmann::json line = event(to_string(happened.kind), time_s, happened.frame);
    line["person"] = happened.person;
    switch (happened.kind) {
      case PersonEvent::Kind::fall:
        line["start_s"] = rounded(happened.start_s, 3);
        line["end_s"] = rounded(happened.end_s, 3);
        line["confidence"] = rounded(happened.confidence, 4);
        down_.insert(happened.person);
        break;
      case PersonEvent::Kind::up:
        if (happened.identity_lost) line["identity_lost"] = true;
        down_.erase(happened.person);
        break;
      case PersonEvent::Kind::unseen:  // no evidence they got up: the fall stands
        break;
    }
    out.push_back(std::move(line));
  }
  return out;
}

std::vector<nlohmann::json> LiveEvents::stream_lost(const std::string& source,
                                                    const std::string& reason, double time_s) {
  std::vector<nlohmann::json> out;
  for (const auto& [id, person] : people_) {
    nlohmann::json line = event("gone", time_s);
    line["person"] = id;
    line["label"] = labels_[static_cast<size_t>(person.label)];
    line["down"] = is_down(id);
    out.push_back(std::move(line));
  }
  people_.clear();
  nlohmann::json line = event("stream_lost", time_s);
  line["source"] = source;
  line["reason"] = reason;
  out.push_back(std::move(line));
  return out;
}

nlohmann::json LiveEvents::stream_back(const std::string& source, double downtime_s, int attempts,
                                       double time_s) {
  nlohmann::json line = event("stream_back", time_s);
  line["source"] = source;
  line["downtime_s"] = rounded(downtime_s, 1);
  line["attempts"] = attempts;
  return line;
}

nlohmann::json LiveEvents::clip(int person, const std::string& path, bool written,
                                const std::string& error, double time_s) const {
  nlohmann::json line = event("clip", time_s);
  if (person >= 0) line["person"] = person;
  line["clip"] = path;
  line["written"] = written;
  if (!written) line["error"] = error;
  return line;
}

nlohmann::json LiveEvents::people() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [id, person] : people_) {
    if (!person.in_view) continue;
    list.push_back({{"person", id}, {"label", labels_[static_cast<size_t>(person.label)]}});
  }
  return {{"count", list.size()}, {"people", list}};
}

}  // namespace actrec::pipeline
