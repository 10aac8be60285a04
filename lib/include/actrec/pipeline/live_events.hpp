#pragma once
// What happens during a live run, as events rather than a line per frame: a person's label
// changing (or a person first seen), a person gone from view, a fall and the person up again
// (decided by the labeler), the stream lost and back. Each event is one JSON object:
//   {"event": KIND, "camera": NAME, "time": UTC ISO 8601 (ms), "time_s": the stream's clock,
//    "frame": its frame, ...}
// with, per kind:
//   label        person, label, previous (null when first seen), confidence
//   gone         person, label (the last one), down (their fall stands)
//   fall         person, start_s, end_s, confidence
//   unseen       person (who fell and is no longer seen: the fall stands)
//   up           person, identity_lost (when true: everyone in view was seen up, the person
//                who fell could no longer be told from others)
//   clip         person, clip (the path the fall event named), written, error (when not)
//   stream_lost  source, reason
//   stream_back  source, downtime_s, attempts
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "actrec/pipeline/labeler.hpp"

namespace actrec::pipeline {

class LiveEvents {
 public:
  /// `gone_after_s`: a person absent from the labelled frames this long (stream time) is gone.
  LiveEvents(std::vector<std::string> labels, std::string camera, double gone_after_s);

  /// The events `frame` brings; `time_s` is its time on the run's clock.
  std::vector<nlohmann::json> frame(const LabelledFrame& frame, double time_s);
  /// The stream stopped delivering: everyone followed so far is gone (a new connection follows
  /// people afresh, with new ids), then the stream_lost event.
  std::vector<nlohmann::json> stream_lost(const std::string& source, const std::string& reason,
                                          double time_s);
  nlohmann::json stream_back(const std::string& source, double downtime_s, int attempts,
                             double time_s);
  /// What became of the clip a fall event named: on disk whole, or not and why.
  nlohmann::json clip(int person, const std::string& path, bool written, const std::string& error,
                      double time_s) const;

  /// Someone fell and is not up again (FallEvents decides: only being seen up clears a fall).
  bool anyone_down() const { return !down_.empty(); }
  /// Whether person `id`'s fall stands (raised, not cleared).
  bool is_down(int id) const { return down_.count(id) > 0; }
  /// The people in view and their labels: {"count", "people": [{person, label}]}; it changes
  /// only when a label or who is in view does.
  nlohmann::json people() const;

 private:
  nlohmann::json event(const char* kind, double time_s, int64_t frame = -1) const;
  struct Person {
    int64_t label = -1;
    double seen_s = 0;     // last labelled frame they were in
    bool in_view = false;  // seen in it (single mode labels a frame where nobody is seen too)
  };
  std::vector<std::string> labels_;
  std::string camera_;
  double gone_after_s_;
  std::map<int, Person> people_;  // in view now
  std::set<int> down_;
};

/// `value` rounded to `digits` decimals, for JSON that people read.
double rounded(double value, int digits);

/// The wall clock now as UTC ISO 8601 with milliseconds: "2025-01-31T18:04:05.123Z".
std::string utc_now_iso8601();

}  // namespace actrec::pipeline
