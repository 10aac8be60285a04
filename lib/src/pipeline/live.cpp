#include "actrec/pipeline/live.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <optional>
#include <thread>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/quantiles.hpp"
#include "actrec/core/timer.hpp"
#include "actrec/pipeline/live_outputs.hpp"
#include "actrec/video/realtime_source.hpp"
#include "actrec/video/threaded_source.hpp"

namespace actrec::pipeline {

std::string latency_text(const LiveSummary& summary) {
  std::string text = fmt::format("latency p50 {:.0f} ms, p95 {:.0f} ms", summary.latency_p50_ms,
                                 summary.latency_p95_ms);
  if (summary.delay_frames > 0) {
    text += fmt::format(
        ", of which the smoothing's look-ahead p50 {:.0f} ms, p95 {:.0f} ms ({} steps at {:.3g} "
        "fps)",
        summary.smoothing_p50_ms, summary.smoothing_p95_ms, summary.delay_frames, summary.step_fps);
  }
  return text;
}

void check_camera_name(const std::string& name, const std::string& what) {
  const bool fits = !name.empty() && name.size() <= 64 &&
                    std::all_of(name.begin(), name.end(), [](unsigned char c) {
                      return std::isalnum(c) != 0 || c == '_' || c == '-';
                    });
  if (!fits) {
    throw ConfigError(fmt::format(
        "invalid {}: '{}': a camera name is 1 to 64 letters, digits, '_' or '-' (it names MQTT "
        "topics, Home Assistant ids and clip files), e.g. living_room",
        what, name));
  }
}

namespace {

// One live run: the connections its source goes through, and the figures.
class LiveRun {
 public:
  LiveRun(Labeler& labeler, const video::SourceSpec& spec, const LiveOptions& options)
      : labeler_(labeler),
        spec_(spec),
        options_(options),
        multi_(options.people.persons == config::Persons::multi),
        // Streams and cameras come back; a file that ends has ended.
        reconnects_(spec.kind == video::SourceKind::stream ||
                    spec.kind == video::SourceKind::camera),
        shown_source_(video::redact_credentials(spec.location)),
        outputs_(labeler.labels(), options,
                 options.name.empty() ? video::source_slug(spec) : options.name, shown_source_,
                 multi_) {}

  LiveSummary run();

 private:
  enum class Ended { stopped, finished, lost };

  // Opens the source once, taking at most `budget_s`. A stream is given --timeout to answer: one
  // that starts a moment later (a camera still booting) is waited for, not a failed try; a
  // refused connection returns at once, so it is tried again within that time.
  std::unique_ptr<video::FrameSource> open(
      double budget_s = std::numeric_limits<double>::infinity()) const {
    const double patience_s = std::min(options_.timeout_s, budget_s);
    const int64_t deadline_us = steady_now_us() + static_cast<int64_t>(patience_s * 1e6);
    for (;;) {
      video::SourceOptions source_options;
      source_options.stream_timeout_s = std::clamp(
          static_cast<double>(deadline_us - steady_now_us()) * 1e-6, 0.1, options_.timeout_s);
      try {
        std::unique_ptr<video::FrameSource> source = video::open_source(spec_, source_options);
        if (options_.realtime && !source->is_live()) {
          source = std::make_unique<video::RealtimeSource>(std::move(source));
        }
        return source;
      } catch (const InputError&) {
        const int64_t retry_us = steady_now_us() + 250000;
        if (spec_.kind != video::SourceKind::stream || stopped() || retry_us >= deadline_us) {
          throw;
        }
        while (!stopped() && steady_now_us() < retry_us) {
          std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
      }
    }
  }
  Ended connection(std::unique_ptr<video::FrameSource> inner, double first_fps, double downtime_s,
                   std::string& reason);
  Ended pump(video::ThreadedSource& source, StreamLabeler& stream, std::string& reason);
  void emit(std::vector<LabelledFrame> frames, int64_t final_at_us);
  LiveSummary finish(const Stopwatch& clock);
  bool stopped() const { return outputs_.quit() || (options_.stop && options_.stop->load()); }

  Labeler& labeler_;
  video::SourceSpec spec_;
  const LiveOptions& options_;
  const bool multi_, reconnects_;
  const std::string shown_source_;
  LiveOutputs outputs_;

  LiveSummary summary_;
  // Bounded: a camera may run for days.
  StreamingQuantiles latencies_, smoothing_waits_;
  const video::ThreadedSource* source_ = nullptr;  // the connection now, for its drop count
  int64_t dropped_before_ = 0;                     // by earlier connections
  int64_t last_arrival_us_ = 0;                    // of the newest frame read
  double first_fps_ = 0;                           // what the source claimed at first
  // Frames delivered (index) over time (timestamps), for the rate delivered: per connection
  // since its first frame read, and in all.
  std::optional<std::pair<int64_t, int64_t>> connection_first_;
  std::pair<int64_t, int64_t> connection_span_{0, 0};
  int64_t delivered_frames_ = 0, delivered_us_ = 0;

  // One stream of labels across connections: frame indices, times and ids go on, and a fall
  // seen before the source was lost still stands (StreamLabeler::reconnect).
  std::unique_ptr<StreamLabeler> stream_;
  int64_t last_time_us_ = 0;  // of the last frame emitted
};

LiveSummary LiveRun::run() {
  Stopwatch clock;
  const video::Reconnector reconnector([this](double budget_s) { return open(budget_s); },
                                       options_.reconnect, shown_source_);
  const auto failed = [this](int attempt, const std::string& error, double wait_s) {
    // The first tries, then one line every minute or so: a camera may be away for hours.
    if (attempt <= 3 || attempt % 8 == 0) {
      log::warn("{}: try {} failed ({}); next in {:.1f} s", shown_source_, attempt, error, wait_s);
    }
  };
  std::unique_ptr<video::FrameSource> inner;
  if (spec_.kind == video::SourceKind::stream) {
    // A network camera may still be booting when this starts (after a power cut, say): it is
    // waited for as for one that dropped, and every failed try says why.
    video::Reconnection first;
    try {
      first = reconnector.reconnect(steady_now_us(), options_.stop, failed);
    } catch (const InputError& e) {  // down longer than --max-downtime: said after the figures
      summary_.error = e.what();
    }
    if (!first.source) return finish(clock);
    inner = std::move(first.source);
  } else {
    inner = open();  // a camera or file that is not there is a mistake: said at once (exit 3)
  }
  const double source_fps = first_fps_ = inner->fps();
  int64_t last_frame_us = steady_now_us();
  for (double downtime_s = 0;;) {
    outputs_.connected(source_fps);
    std::string reason;
    const Ended ended = connection(std::move(inner), source_fps, downtime_s, reason);
    if (ended != Ended::lost) break;
    // The connection is gone: say so everywhere, then open it again.
    last_frame_us = std::max(last_frame_us, last_arrival_us_);
    outputs_.stream_lost(reason, static_cast<double>(last_time_us_) * 1e-6);
    log::warn("{}: stream lost ({}); opening it again{}", shown_source_, reason,
              options_.reconnect.max_downtime_s >= 0
                  ? fmt::format(" for up to {:g} s", options_.reconnect.max_downtime_s)
                  : "");
    video::Reconnection back;
    try {
      back = reconnector.reconnect(last_frame_us, options_.stop, failed);
    } catch (const InputError& e) {  // down longer than --max-downtime: said after the figures
      summary_.error = e.what();
    }
    if (!back.source) break;  // stopped while waiting, or gave up
    ++summary_.reconnects;
    summary_.downtime_s += back.downtime_s;
    downtime_s = back.downtime_s;
    outputs_.stream_back(back.downtime_s, back.attempts,
                         static_cast<double>(last_time_us_) * 1e-6 + downtime_s);
    log::info("{}: stream back after {:.1f} s ({} tries)", shown_source_, back.downtime_s,
              back.attempts);
    inner = std::move(back.source);
    last_frame_us = steady_now_us();
  }
  return finish(clock);
}

LiveSummary LiveRun::finish(const Stopwatch& clock) {
  outputs_.finish();
  summary_.events = outputs_.events();
  summary_.output_error = outputs_.failures();
  summary_.clips = outputs_.clips();
  summary_.dropped = dropped_before_;
  summary_.seconds = clock.seconds();
  summary_.latency_p50_ms = latencies_.quantile(0.50);
  summary_.latency_p95_ms = latencies_.quantile(0.95);
  summary_.smoothing_p50_ms = smoothing_waits_.quantile(0.50);
  summary_.smoothing_p95_ms = smoothing_waits_.quantile(0.95);
  // Slower sources step the model at every frame, faster ones at the model's rate.
  const double delivered_fps = delivered_us_ > 0 ? static_cast<double>(delivered_frames_) * 1e6 /
                                                       static_cast<double>(delivered_us_)
                                                 : first_fps_;
  summary_.step_fps = std::min(delivered_fps, labeler_.model_fps());
  return summary_;
}

LiveRun::Ended LiveRun::connection(std::unique_ptr<video::FrameSource> inner, double first_fps,
                                   double downtime_s, std::string& reason) {
  features::FeatureExtractor& extractor = labeler_.extractor();
  const bool live = inner->is_live();
  const bool keep_image = outputs_.keeps_images();
  // Live: a queue of one, newest wins. Offline: a normal queue that blocks, so nothing is lost.
  video::ThreadedSource source(std::move(inner), live ? 1 : 8,
                               live ? QueuePolicy::drop_oldest : QueuePolicy::block,
                               [&extractor, keep_image](Frame& frame) {
                                 frame.prepared = extractor.prepare(frame.image);
                                 if (!keep_image) frame.image.release();
                               });
  source_ = &source;
  const bool first = !stream_;
  if (first) {
    stream_ = std::make_unique<StreamLabeler>(labeler_, source.fps(), source.frame_size(),
                                              options_.people, options_.fall_events);
    summary_.thinned = stream_->thins();
    summary_.delay_frames = stream_->delay_steps();
    if (summary_.thinned) {
      log::info(
          "{} delivers {:.3g} fps; the model steps at {:.3g} fps: frames are sampled to that "
          "spacing and the rest keep the last label",
          source.describe(), source.fps(), labeler_.model_fps());
    } else if (labeler_.model_fps() > 0 && source.fps() < labeler_.model_fps() / 1.1) {
      log::warn(
          "{} delivers {:.3g} fps, slower than the {:.3g} fps the model steps at: every frame "
          "is used, and motion is measured per second, but labels may be less reliable",
          source.describe(), source.fps(), labeler_.model_fps());
    }
    if (summary_.delay_frames > 0) {
      // In seconds only at the end: a stream's claimed rate may not be the one it delivers.
      log::info(
          "labels are smoothed: each is final {} model steps after its frame; the latency "
          "figures include that wait",
          summary_.delay_frames);
    }
  } else {
    // A new connection: people, recurrent states and smoothing start afresh.
    stream_->reconnect(source.fps(), source.frame_size(), downtime_s);
    if (std::abs(source.fps() - first_fps) > 0.01 * first_fps) {
      log::warn("{}: came back at {:.3g} fps instead of {:.3g}", shown_source_, source.fps(),
                first_fps);
    }
  }
  StreamLabeler& stream = *stream_;
  connection_first_.reset();
  connection_span_ = {0, 0};
  const Ended ended = pump(source, stream, reason);
  delivered_frames_ += connection_span_.first;
  delivered_us_ += connection_span_.second;
  // What the smoothing still held is final now: the connection ended.
  emit(stream.finish(), steady_now_us());
  dropped_before_ += source.dropped();
  source_ = nullptr;
  return ended;  // the source closes here, before anyone opens it again (a UDP port, a camera)
}

LiveRun::Ended LiveRun::pump(video::ThreadedSource& source, StreamLabeler& stream,
                             std::string& reason) {
  const double max_downtime_s = options_.reconnect.max_downtime_s;
  int64_t last_frame_us = steady_now_us();
  while (!stopped()) {
    // A bounded wait, so that a stop request ends a stream that has stopped delivering.
    bool timed_out = false;
    std::optional<Frame> frame;
    try {
      frame = source.read_for(std::chrono::milliseconds(200), timed_out);
    } catch (const InputError& e) {
      if (!reconnects_) throw;
      reason = e.what();  // a camera unplugged, a stream that cannot be decoded any more
      return Ended::lost;
    }
    if (timed_out) {
      // --max-downtime shorter than --timeout: the source's own wait would outlast it.
      const double quiet_s = static_cast<double>(steady_now_us() - last_frame_us) * 1e-6;
      if (reconnects_ && max_downtime_s >= 0 && quiet_s >= max_downtime_s) {
        reason = fmt::format("no frame for {:.1f} s", quiet_s);
        return Ended::lost;
      }
      continue;
    }
    if (!frame) {
      if (!reconnects_) return Ended::finished;
      reason = spec_.kind == video::SourceKind::stream
                   ? fmt::format("no frame for {:g} s, or the stream ended", options_.timeout_s)
                   : "the camera stopped delivering frames";
      return Ended::lost;
    }
    const int64_t arrival_us = frame->arrival_us;
    last_arrival_us_ = arrival_us;
    last_frame_us = steady_now_us();
    // The rate the source really delivers, from its timestamps and frame count (dropped
    // frames included): a stream's claim (MPEG-TS says 25 for anything) can be far off.
    if (!connection_first_) connection_first_ = {frame->index, frame->timestamp_us};
    connection_span_ = {frame->index - connection_first_->first,
                        frame->timestamp_us - connection_first_->second};
    // The frames this one makes final: the smoothing waited for it.
    emit(stream.push(std::move(*frame)), arrival_us);
  }
  return Ended::stopped;
}

void LiveRun::emit(std::vector<LabelledFrame> frames, int64_t final_at_us) {
  for (auto& frame : frames) {
    // From arrival to emission; the part of it spent waiting for the frame that made this
    // one's label final is the smoothing's.
    const double latency_ms = static_cast<double>(steady_now_us() - frame.arrival_us) / 1000.0;
    const double smoothing_ms =
        std::clamp(static_cast<double>(final_at_us - frame.arrival_us) / 1000.0, 0.0, latency_ms);
    latencies_.add(latency_ms);
    smoothing_waits_.add(smoothing_ms);
    ++summary_.frames;
    last_time_us_ = frame.timestamp_us;
    outputs_.frame(frame, latency_ms, smoothing_ms,
                   dropped_before_ + (source_ ? source_->dropped() : 0));
  }
}

}  // namespace

LiveSummary run_live(Labeler& labeler, const video::SourceSpec& spec, const LiveOptions& options) {
  if (!options.name.empty()) check_camera_name(options.name, "--name");
  return LiveRun(labeler, spec, options).run();
}

}  // namespace actrec::pipeline
