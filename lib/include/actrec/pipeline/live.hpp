#pragma once
#include <atomic>
#include <string>

#include "actrec/pipeline/online_labeler.hpp"
#include "actrec/video/frame_source.hpp"

namespace actrec::pipeline {

struct LiveOptions {
  bool realtime = false;  ///< a file source is played at its own frame rate, like a camera
  bool display = true;    ///< a window with label, confidence, fps and latency
  std::string jsonl;      ///< one JSON line per labelled frame: a path, "-" for stdout, "" none
  const std::atomic<bool>* stop = nullptr;  ///< set (e.g. by SIGINT) to end cleanly
};

struct LiveSummary {
  int64_t frames = 0;   ///< frames labelled
  int64_t dropped = 0;  ///< frames the capture thread replaced before they were labelled
  double seconds = 0;
  double latency_p50_ms = 0, latency_p95_ms = 0;  ///< decode to label
  bool thinned = false;  ///< the source was faster than the model's rate: frames sampled
};

/// Labels a stream as it comes. Live sources (cameras, streams, realtime files) feed a capture
/// thread where the newest frame wins, so no backlog builds up; a plain file drops nothing.
LiveSummary run_live(OnlineLabeler& labeler, const video::SourceSpec& source,
                     const LiveOptions& options);

}  // namespace actrec::pipeline
