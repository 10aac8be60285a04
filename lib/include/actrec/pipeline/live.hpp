#pragma once
#include <atomic>
#include <functional>
#include <string>

#include "actrec/config/inference.hpp"
#include "actrec/pipeline/labeler.hpp"
#include "actrec/video/frame_source.hpp"

namespace actrec::pipeline {

struct LiveOptions {
  bool realtime = false;  ///< a file source is played at its own frame rate, like a camera
  bool display = true;    ///< a window with labels, people, fps and latency
  std::string jsonl;      ///< one JSON line per labelled person and frame: a path, "-" for stdout
  const std::atomic<bool>* stop = nullptr;  ///< set (e.g. by SIGINT) to end cleanly
  config::PeopleConfig people;
};

struct LiveSummary {
  int64_t frames = 0;   ///< frames labelled
  int64_t dropped = 0;  ///< frames the capture thread replaced before they were labelled
  double seconds = 0;
  double latency_p50_ms = 0, latency_p95_ms = 0;  ///< decode to label
  bool thinned = false;  ///< the source was faster than the model's rate: frames sampled
  int64_t delay_frames = 0;  ///< model steps a label waits for smoothing (0: smoothing off)
};

/// Labels a stream as it comes. Live sources (cameras, streams, realtime files) feed a capture
/// thread where the newest frame wins, so no backlog builds up; a plain file drops nothing.
LiveSummary run_live(Labeler& labeler, const video::SourceSpec& source, const LiveOptions& options);

}  // namespace actrec::pipeline
