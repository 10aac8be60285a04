#include "actrec/pipeline/live.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/highgui.hpp>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/quantiles.hpp"
#include "actrec/output/label_outputs.hpp"
#include "actrec/video/realtime_source.hpp"
#include "actrec/video/threaded_source.hpp"

namespace actrec::pipeline {

namespace {
int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

LiveSummary run_live(OnlineLabeler& labeler, const video::SourceSpec& spec,
                     const LiveOptions& options) {
  std::unique_ptr<video::FrameSource> inner = video::open_source(spec);
  if (options.realtime && !inner->is_live()) {
    inner = std::make_unique<video::RealtimeSource>(std::move(inner));
  }
  const bool live = inner->is_live();
  features::FeatureExtractor& extractor = labeler.extractor();
  const bool keep_image = options.display;
  // Live: a queue of one, newest wins. Offline: a normal queue that blocks, so nothing is lost.
  video::ThreadedSource source(std::move(inner), live ? 1 : 8,
                               live ? QueuePolicy::drop_oldest : QueuePolicy::block,
                               [&extractor, keep_image](Frame& frame) {
                                 frame.prepared = extractor.prepare(frame.image);
                                 if (!keep_image) frame.image.release();
                               });
  labeler.start(source.fps());
  LiveSummary summary;
  summary.thinned = labeler.thins();
  if (summary.thinned) {
    log::info(
        "{} delivers {:.3g} fps; the model was trained at {:.3g} fps: frames are sampled to "
        "that spacing and the rest keep the last label",
        source.describe(), source.fps(), labeler.model_fps());
  } else if (labeler.model_fps() > 0 && source.fps() < labeler.model_fps() / 1.1) {
    log::warn(
        "{} delivers {:.3g} fps, slower than the {:.3g} fps the model was trained at: "
        "motion looks faster to it, labels may be less reliable",
        source.describe(), source.fps(), labeler.model_fps());
  }
  std::ofstream file;
  std::ostream* jsonl = nullptr;
  if (options.jsonl == "-") {
    jsonl = &std::cout;
  } else if (!options.jsonl.empty()) {
    file.open(options.jsonl, std::ios::trunc);
    if (!file) throw Error("cannot write " + options.jsonl);
    jsonl = &file;
  }
  const auto& labels = labeler.labels();
  // Both stay bounded: a camera may run for days.
  StreamingQuantiles latencies;
  std::vector<int64_t> history;
  constexpr size_t kHistoryKept = 4096;  // the timeline strip shows at most one per pixel column
  const auto started = std::chrono::steady_clock::now();
  double shown_fps = 0;
  while (!(options.stop && options.stop->load())) {
    auto frame = source.read();
    if (!frame) break;
    const FrameLabel label = labeler.push(*frame);
    const double latency_ms = static_cast<double>(now_us() - frame->arrival_us) / 1000.0;
    latencies.add(latency_ms);
    ++summary.frames;
    const double time_s = static_cast<double>(frame->timestamp_us) * 1e-6;
    if (jsonl) {
      *jsonl << nlohmann::json{{"frame", frame->index},
                               {"time_s", std::round(time_s * 1000) / 1000},
                               {"label", labels[static_cast<size_t>(label.label)]},
                               {"confidence", std::round(label.confidence * 10000) / 10000},
                               {"latency_ms", std::round(latency_ms * 100) / 100},
                               {"dropped", source.dropped()}}
                    .dump()
             << "\n"
             << std::flush;
    }
    if (options.display) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      shown_fps = elapsed > 0 ? summary.frames / elapsed : 0;
      history.push_back(label.label);
      if (history.size() > 2 * kHistoryKept) {
        history.erase(history.begin(), history.end() - kHistoryKept);
      }
      output::draw_overlay(frame->image, labels[static_cast<size_t>(label.label)], label.confidence,
                           time_s, history,
                           fmt::format("{:.1f} fps  {:.0f} ms", shown_fps, latency_ms));
      cv::imshow("actrec live", frame->image);
      const int key = cv::waitKey(1);
      if (key == 'q' || key == 27) break;
    }
  }
  summary.dropped = source.dropped();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  summary.latency_p50_ms = latencies.quantile(0.50);
  summary.latency_p95_ms = latencies.quantile(0.95);
  if (options.display) cv::destroyAllWindows();
  return summary;
}

}  // namespace actrec::pipeline
