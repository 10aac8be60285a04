#pragma once
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "actrec/config/inference.hpp"
#include "actrec/pipeline/labeler.hpp"
#include "actrec/video/frame_source.hpp"
#include "actrec/video/reconnector.hpp"

namespace actrec::pipeline {

struct LiveOptions {
  bool realtime = false;  ///< a file source is played at its own frame rate, like a camera
  bool display = true;    ///< a window with labels, people, fps and latency
  /// One JSON line per labelled person and frame, and the event lines these cannot show
  /// (stream_lost, stream_back, fall, up; see live_events.hpp): a path, "-" for stdout.
  std::string jsonl;
  std::string events;                       ///< the event lines only: a path, "-" for stdout
  const std::atomic<bool>* stop = nullptr;  ///< set (e.g. by SIGINT) to end cleanly
  config::PeopleConfig people;
  config::EventsConfig fall_events;  ///< when falls are raised (zones, confirmation)
  /// The camera's short name in events, topics and clip names; empty: made of the source.
  std::string name;
  /// Streams: how long opening, and then each read, may wait before the stream counts as lost.
  double timeout_s = 5.0;
  /// Streams and cameras that stop delivering are opened again as this says (files end).
  video::ReconnectPolicy reconnect;

  std::string mqtt;                              ///< broker as HOST[:PORT]; empty: no MQTT
  std::string mqtt_topic;                        ///< topic prefix; empty: "actrec/<name>"
  std::string mqtt_discovery = "homeassistant";  ///< Home Assistant's prefix; empty: none
  std::string mqtt_user, mqtt_password;

  std::string serve;  ///< the live page on [ADDR:]PORT (ADDR 127.0.0.1 unless given); empty: none
  /// Beyond loopback, the token the page's requests carry; empty: one made up and shown in the
  /// address passed to on_serving (and logged).
  std::string serve_token;
  std::function<void(const std::string& url)> on_serving;  ///< called once the page is up

  std::string clips;  ///< a folder for a short MP4 of each fall; empty: none
  double clip_before_s = 5, clip_after_s = 5;

  /// Looks for motion before the pose network (live sources only: a file played as it is, not
  /// in real time, gets every frame looked at, as `label` does).
  config::GateConfig gate;
};

/// Milliseconds a camera's frames spent per stage, on average (the pose network's time per
/// frame it looked at), and what the motion gate decided.
struct StageFigures {
  double decode_ms = 0;    ///< the decode thread's CPU time: decoding and preparing
  double gate_ms = 0;      ///< the motion gate (its glimpse and its decision)
  double backbone_ms = 0;  ///< the pose network, per frame it looked at
  double model_ms = 0;     ///< tracking, features and the recurrent model
  double outputs_ms = 0;   ///< lines, events, the page, clips
  int64_t looked = 0, nobody = 0, held = 0;  ///< the gate's decisions (all 0: no gate)
};

struct LiveSummary {
  int64_t frames = 0;   ///< frames labelled
  int64_t dropped = 0;  ///< frames the capture thread replaced before they were labelled
  double seconds = 0;
  /// From a frame's arrival (decoded) to its label's emission, the smoothing's wait included.
  double latency_p50_ms = 0, latency_p95_ms = 0;
  /// The part of the latency a frame waited for the later frames the smoothing looks ahead to.
  double smoothing_p50_ms = 0, smoothing_p95_ms = 0;
  bool thinned = false;      ///< the source was faster than the model's rate: frames sampled
  int64_t delay_frames = 0;  ///< model steps a label waits for smoothing (0: smoothing off)
  double step_fps = 0;       ///< the rate the model stepped at on this source
  int reconnects = 0;        ///< times the source was lost and opened again
  double downtime_s = 0;     ///< seconds without frames in all, between loss and reconnect
  int64_t events = 0;        ///< event lines emitted
  int64_t clips = 0;         ///< event clips written
  /// Outputs that could not be written (a full disk): which, why, how much was lost; "" none.
  std::string output_error;
  /// Why the run ended early: the source was down longer than allowed (its InputError); "".
  std::string error;
  std::string name;  ///< the camera's
  StageFigures stages;
  bool interrupted = false;  ///< ended by a stop request rather than by its source
};

/// "decode 3.1 ms, gate 0.2 ms, backbone 24 ms, model 1.1 ms, outputs 0.4 ms a frame; the pose
/// network looked at 120 of 800 frames (nobody in view: 600, people still: 80)".
std::string stage_text(const LiveSummary& summary);

/// A camera's name names MQTT topics, Home Assistant ids and clip files: 1 to 64 of A-Z a-z
/// 0-9 _ -. ConfigError naming `what` (the option or key that gave it) otherwise.
void check_camera_name(const std::string& name, const std::string& what);

/// "latency p50 828 ms, p95 901 ms, of which the smoothing's look-ahead p50 800 ms (8 steps at
/// 10 fps)": the smoothing's share stated as a part of the figure, never added to it.
std::string latency_text(const LiveSummary& summary);

/// Labels a stream as it comes. Live sources (cameras, streams, realtime files) feed a capture
/// thread where the newest frame wins, so no backlog builds up; a plain file drops nothing. A
/// stream or camera that stops delivering is opened again (options.reconnect), people are then
/// followed afresh; once it has been down longer than allowed, the run ends with the figures
/// so far and `error` saying so.
LiveSummary run_live(Labeler& labeler, const video::SourceSpec& source, const LiveOptions& options);

/// One camera of a process that watches several: its source and its options (the process's,
/// with its own settings over them; options.name is its name). `settings` says what it was
/// made of (a reload restarts a camera whose settings changed).
struct CameraSpec {
  video::SourceSpec source;
  LiveOptions options;
  std::string settings;
};
/// The cameras a reload finds (the cameras file read again); throws Error to keep those running.
using CameraLoader = std::function<std::vector<CameraSpec>()>;

/// Watches several cameras in one process with one model: a thread each (decoding, the motion
/// gate, tracking and the recurrent model, outputs), the pose network shared by all (frames that
/// wait at once go through in one pass where it takes a batch), one page for all (`common`'s
/// --serve). A camera that fails or ends stops alone; `common.stop` stops all. When
/// `reload_requested` is set (SIGHUP), `reload` gives the cameras wanted now: those gone or
/// changed stop, new ones start, the others go on untouched. Returns each camera's figures, in
/// the order they ended.
std::vector<LiveSummary> run_cameras(Labeler& labeler, const std::vector<CameraSpec>& cameras,
                                     const LiveOptions& common, const CameraLoader& reload = {},
                                     std::atomic<bool>* reload_requested = nullptr);

}  // namespace actrec::pipeline
