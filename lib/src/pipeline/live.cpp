#include "actrec/pipeline/live.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/highgui.hpp>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/quantiles.hpp"
#include "actrec/core/timer.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/output/label_outputs.hpp"
#include "actrec/video/realtime_source.hpp"
#include "actrec/video/threaded_source.hpp"

namespace actrec::pipeline {

LiveSummary run_live(Labeler& labeler, const video::SourceSpec& spec, const LiveOptions& options) {
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
  const bool multi = options.people.persons == config::Persons::multi;
  StreamLabeler stream(labeler, source.fps(), source.frame_size(), options.people);
  LiveSummary summary;
  summary.thinned = stream.thins();
  summary.delay_frames = stream.delay_steps();
  if (summary.thinned) {
    log::info(
        "{} delivers {:.3g} fps; the model steps at {:.3g} fps: frames are sampled to that "
        "spacing and the rest keep the last label",
        source.describe(), source.fps(), labeler.model_fps());
  } else if (labeler.model_fps() > 0 && source.fps() < labeler.model_fps() / 1.1) {
    log::warn(
        "{} delivers {:.3g} fps, slower than the {:.3g} fps the model steps at: every frame is "
        "used, and motion is measured per second, but labels may be less reliable",
        source.describe(), source.fps(), labeler.model_fps());
  }
  if (summary.delay_frames > 0) {
    log::info("labels are smoothed: each is final {} model steps ({:.2f} s) after its frame",
              summary.delay_frames, summary.delay_frames / labeler.model_fps());
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
  // All bounded: a camera may run for days.
  StreamingQuantiles latencies;
  output::LabelHistory history;
  RateMeter rate;
  Stopwatch clock;
  bool quit = false;
  auto show = [&](std::vector<LabelledFrame> frames) {
    for (auto& frame : frames) {
      const double latency_ms = static_cast<double>(steady_now_us() - frame.arrival_us) / 1000.0;
      latencies.add(latency_ms);
      rate.tick();
      ++summary.frames;
      const double time_s = static_cast<double>(frame.timestamp_us) * 1e-6;
      if (jsonl) {
        for (const auto& person : frame.people) {
          nlohmann::json line = {{"frame", frame.index},
                                 {"time_s", std::round(time_s * 1000) / 1000},
                                 {"label", labels[static_cast<size_t>(person.label)]},
                                 {"confidence", std::round(person.confidence * 10000) / 10000},
                                 {"latency_ms", std::round(latency_ms * 100) / 100},
                                 {"dropped", source.dropped()}};
          if (multi) {
            line["person"] = person.person;
            if (!person.pose.empty()) {
              const cv::Rect2f box = features::ConstPose{person.pose.data()}.rect();
              line["box"] = {std::round(box.x), std::round(box.y), std::round(box.width),
                             std::round(box.height)};
            }
          }
          *jsonl << line.dump() << "\n";
        }
        *jsonl << std::flush;
      }
      if (options.display && !frame.image.empty()) {
        std::vector<output::PersonFrame> people;
        for (const auto& person : frame.people) {
          people.push_back({person.person, person.pose.empty() ? nullptr : person.pose.data(),
                            person.label, person.confidence, person.probabilities.data()});
        }
        if (!multi && !people.empty()) history.add(people[0].label);
        output::draw_overlay(frame.image, labels, people, time_s, history, multi,
                             fmt::format("{:.1f} fps  {:.0f} ms", rate.rate(), latency_ms));
        cv::imshow("actrec live", frame.image);
        const int key = cv::waitKey(1);
        if (key == 'q' || key == 27) quit = true;
      }
    }
  };
  while (!quit && !(options.stop && options.stop->load())) {
    // A bounded wait, so that a stop request ends a stream that has stopped delivering.
    bool timed_out = false;
    auto frame = source.read_for(std::chrono::milliseconds(200), timed_out);
    if (timed_out) continue;
    if (!frame) break;
    show(stream.push(std::move(*frame)));
  }
  show(stream.finish());
  summary.dropped = source.dropped();
  summary.seconds = clock.seconds();
  summary.latency_p50_ms = latencies.quantile(0.50);
  summary.latency_p95_ms = latencies.quantile(0.95);
  if (options.display) cv::destroyAllWindows();
  return summary;
}

}  // namespace actrec::pipeline
