#pragma once
// Where a live run's labelled frames go: one JSON line per person and frame, the event lines
// (live_events.hpp), MQTT with Home Assistant's sensors, the live page, a clip of each fall and
// the window. It is fed frames whose labels are final and told when the stream is lost and
// back; it knows nothing of sources, so tests feed it frames (and falls) they make themselves.
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "actrec/core/timer.hpp"
#include "actrec/output/label_outputs.hpp"
#include "actrec/pipeline/labeler.hpp"
#include "actrec/pipeline/live.hpp"
#include "actrec/pipeline/live_events.hpp"

namespace actrec::output {
class LiveMqtt;
class LiveServer;
class EventClipRecorder;
}  // namespace actrec::output

namespace actrec::pipeline {

class LiveOutputs {
 public:
  /// Opens what `options` asks for (files, the MQTT connection); the page, when there is one,
  /// is `server`, which several cameras may share. `name` is the camera's short name, `source`
  /// its location fit to show (no credentials). ConfigError for a bad address or --jsonl and
  /// --events on one file; Error when a file cannot be had.
  LiveOutputs(const std::vector<std::string>& labels, const LiveOptions& options, std::string name,
              std::string source, bool multi, output::LiveServer* server = nullptr);
  /// Writes the clips still waiting, says "offline" over MQTT.
  ~LiveOutputs();
  LiveOutputs(const LiveOutputs&) = delete;
  LiveOutputs& operator=(const LiveOutputs&) = delete;

  /// The source delivers, at `fps` (clips are written at that rate).
  void connected(double fps);
  /// A frame whose labels are final (drawn on, where images are kept): its latency, the
  /// smoothing's part of it, and the frames dropped so far.
  void frame(LabelledFrame& frame, double latency_ms, double smoothing_ms, int64_t dropped);
  /// The stream stopped delivering at `time_s` (the time of the last frame emitted).
  void stream_lost(const std::string& reason, double time_s);
  void stream_back(double downtime_s, int attempts, double time_s);
  /// Waits until every clip asked for is written.
  void finish();

  /// "" when every line was written; else which files failed, why, and how much was lost.
  std::string failures() const;
  /// The time each stage took per frame lately (ms), for the page: {"decode": 4.1, ...}.
  void stages(nlohmann::json figures) { stages_ = std::move(figures); }
  bool keeps_images() const { return keep_images_; }  ///< frames need their image kept
  bool quit() const { return quit_; }                 ///< q or Esc in the window
  int64_t events() const { return events_emitted_; }
  int64_t clips() const;
  bool anyone_down() const { return events_.anyone_down(); }

 private:
  class Lines;
  void emit_event(nlohmann::json line);
  void report_clips();  // a `clip` event for each clip finished, written or not
  void publish_state(bool now);

  std::vector<std::string> labels_;
  const LiveOptions& options_;
  std::string name_, source_;
  bool multi_;
  std::unique_ptr<Lines> jsonl_, events_out_;
  LiveEvents events_;
  std::unique_ptr<output::LiveMqtt> mqtt_;
  output::LiveServer* server_;  // shared by the process's cameras; null: no page
  std::unique_ptr<output::EventClipRecorder> clips_;
  bool keep_images_ = false, online_ = false, quit_ = false;
  int64_t events_emitted_ = 0;
  std::map<std::string, int> clip_people_;  // clips asked for and not finished: whose fall
  int64_t clips_failed_ = 0;
  std::string last_clip_error_;
  // All bounded: a camera may run for days.
  output::LabelHistory history_;
  RateMeter rate_;
  nlohmann::json recent_events_ = nlohmann::json::array();  // the page's list, newest last
  nlohmann::json people_ = nlohmann::json::array();         // the newest frame's
  nlohmann::json stages_;
  int64_t state_published_us_ = 0, last_index_ = -1;
  double last_latency_ms_ = 0, last_time_s_ = 0;
};

}  // namespace actrec::pipeline
