#include "actrec/pipeline/live.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/quantiles.hpp"
#include "actrec/core/timer.hpp"
#include "actrec/output/live_server.hpp"
#include "actrec/output/mqtt_client.hpp"
#include "actrec/pipeline/live_outputs.hpp"
#include "actrec/pipeline/motion_gate.hpp"
#include "actrec/pipeline/shared_backbone.hpp"
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

std::string stage_text(const LiveSummary& summary) {
  const StageFigures& f = summary.stages;
  std::string text = fmt::format(
      "decode {:.1f} ms, gate {:.2f} ms, pose network {:.1f} ms, model {:.1f} ms, outputs {:.1f} "
      "ms a frame",
      f.decode_ms, f.gate_ms, f.backbone_ms, f.model_ms, f.outputs_ms);
  const int64_t gated = f.looked + f.nobody + f.held;
  if (gated > 0) {
    text += fmt::format(
        "; the pose network looked at {} of {} frames (nobody in view: {}, people still: {})",
        f.looked, gated, f.nobody, f.held);
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

// Seconds spent per frame in each stage of a camera's run: totals for the summary and a moving
// mean for the page.
class StageClock {
 public:
  void add(const char* stage, double seconds, int64_t frames = 1) {
    Figure& f = figures_[stage];
    f.seconds += seconds;
    f.frames += frames;
    const double ms = frames > 0 ? 1000 * seconds / static_cast<double>(frames) : 0;
    f.recent_ms = f.frames == frames ? ms : 0.95 * f.recent_ms + 0.05 * ms;
  }
  double mean_ms(const char* stage) const {
    const auto it = figures_.find(stage);
    return it == figures_.end() || it->second.frames == 0
               ? 0
               : 1000 * it->second.seconds / static_cast<double>(it->second.frames);
  }
  nlohmann::json recent() const {
    nlohmann::json json = nlohmann::json::object();
    for (const char* stage : kStages) {
      if (const auto it = figures_.find(stage); it != figures_.end()) {
        json[stage] = rounded(it->second.recent_ms, 2);
      }
    }
    return json;
  }
  static constexpr const char* kStages[] = {"decode", "gate", "backbone", "model", "outputs"};

 private:
  struct Figure {
    double seconds = 0, recent_ms = 0;
    int64_t frames = 0;
  };
  std::map<std::string, Figure> figures_;
};

// One camera's live run: the connections its source goes through, and the figures.
class LiveRun {
 public:
  LiveRun(Labeler& labeler, SharedBackbone& backbone, output::LiveServer* server,
          const video::SourceSpec& spec, const LiveOptions& options)
      : labeler_(labeler),
        backbone_(backbone),
        spec_(spec),
        options_(options),
        multi_(options.people.persons == config::Persons::multi),
        // Streams and cameras come back; a file that ends has ended.
        reconnects_(spec.kind == video::SourceKind::stream ||
                    spec.kind == video::SourceKind::camera),
        shown_source_(video::redact_credentials(spec.location)),
        name_(options.name.empty() ? video::source_slug(spec) : options.name),
        outputs_(labeler.labels(), options, name_, shown_source_, multi_, server) {}

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
  SharedBackbone& backbone_;
  video::SourceSpec spec_;
  const LiveOptions& options_;
  const bool multi_, reconnects_;
  const std::string shown_source_, name_;
  LiveOutputs outputs_;
  // The pose network behind the motion gate, which is on for live sources (a file played as it
  // is gets every frame looked at, exactly as `label` does).
  std::optional<FrameObserver> observer_;
  StageClock stages_;
  int64_t stages_published_us_ = 0;
  std::atomic<int64_t> glimpse_ns_{0};  // the decode thread's share of the gate, not yet counted
  std::atomic<int64_t> glimpse_connection_ns_{0};    // all of it, this connection
  std::pair<double, int64_t> decode_counted_{0, 0};  // this connection's, in stages_ already
  // The decode thread's work since it was last counted (less the gate's glimpses) into stages_.
  void count_decoding() {
    if (!source_) return;
    const double seconds =
        source_->decode_seconds() - static_cast<double>(glimpse_connection_ns_.load()) * 1e-9;
    const int64_t frames = source_->decoded();
    if (frames > decode_counted_.second) {
      stages_.add("decode", seconds - decode_counted_.first, frames - decode_counted_.second);
      decode_counted_ = {seconds, frames};
    }
  }

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
  const bool live_source = spec_.kind != video::SourceKind::file || options_.realtime;
  observer_.emplace(backbone_, labeler_.extractor().dim(), live_source ? &options_.gate : nullptr);
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
  summary_.stages.decode_ms = stages_.mean_ms("decode");
  summary_.stages.gate_ms = stages_.mean_ms("gate");
  summary_.stages.backbone_ms = stages_.mean_ms("backbone");
  summary_.stages.model_ms = stages_.mean_ms("model");
  summary_.stages.outputs_ms = stages_.mean_ms("outputs");
  if (const MotionGate* gate = observer_->gate()) {
    summary_.stages.looked = gate->counts().looked;
    summary_.stages.nobody = gate->counts().nobody;
    summary_.stages.held = gate->counts().held;
  }
  summary_.name = name_;
  summary_.interrupted = stopped();
  return summary_;
}

LiveRun::Ended LiveRun::connection(std::unique_ptr<video::FrameSource> inner, double first_fps,
                                   double downtime_s, std::string& reason) {
  features::FeatureExtractor& extractor = labeler_.extractor();
  const bool live = inner->is_live();
  const bool keep_image = outputs_.keeps_images();
  const int glimpse_width = observer_->glimpse_width();
  // Live: a queue of one, newest wins. Offline: a normal queue that blocks, so nothing is lost.
  video::ThreadedSource source(std::move(inner), live ? 1 : 8,
                               live ? QueuePolicy::drop_oldest : QueuePolicy::block,
                               [this, &extractor, keep_image, glimpse_width](Frame& frame) {
                                 if (glimpse_width == 0) {
                                   frame.prepared = extractor.prepare(frame.image);
                                   if (!keep_image) frame.image.release();
                                   return;
                                 }
                                 // Behind a gate a frame is prepared only once it is to be looked
                                 // at (FrameObserver, from the image): most frames of a still
                                 // room never are.
                                 Stopwatch watch;
                                 frame.glimpse = MotionGate::glimpse(frame.image, glimpse_width);
                                 const auto ns = static_cast<int64_t>(watch.seconds() * 1e9);
                                 glimpse_ns_ += ns;
                                 glimpse_connection_ns_ += ns;
                               });
  source_ = &source;
  glimpse_connection_ns_ = 0;
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
  count_decoding();
  source_ = nullptr;
  decode_counted_ = {0, 0};
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
    Stopwatch watch;
    double observed_s = 0;
    auto done =
        stream.push(std::move(*frame), [&](const Frame& f, cv::Size size, std::vector<float>& out) {
          observer_->observe(f, size, stream.watching(), out);
          observed_s = observer_->backbone_seconds() + observer_->gate_seconds();
          if (observer_->backbone_seconds() > 0) {
            stages_.add("backbone", observer_->backbone_seconds());
          }
          if (observer_->glimpse_width() > 0) {
            const double glimpse_s = static_cast<double>(glimpse_ns_.exchange(0)) * 1e-9;
            stages_.add("gate", observer_->gate_seconds() + glimpse_s);
          }
        });
    stages_.add("model", std::max(0.0, watch.seconds() - observed_s));
    emit(std::move(done), arrival_us);
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
    Stopwatch watch;
    if (const int64_t now = steady_now_us(); now - stages_published_us_ > 1'000'000) {
      count_decoding();
      outputs_.stages(stages_.recent());  // once a second is plenty for the page
      stages_published_us_ = now;
    }
    outputs_.frame(frame, latency_ms, smoothing_ms,
                   dropped_before_ + (source_ ? source_->dropped() : 0));
    stages_.add("outputs", watch.seconds());
  }
}

}  // namespace

namespace {

// The page of a run, when its options ask for one: a bare port listens on this machine only.
std::unique_ptr<output::LiveServer> open_page(const LiveOptions& options) {
  if (options.serve.empty()) return nullptr;
  const auto [host, port] = output::serve_address(options.serve);
  auto server = std::make_unique<output::LiveServer>(host, port, options.serve_token);
  log::info("serving the live page at {}", server->url());
  if (options.on_serving) options.on_serving(server->url());
  return server;
}

// One camera of several: its run on a thread of its own, stopped by its own flag.
struct CameraThread {
  CameraSpec spec;
  std::atomic<bool> stop{false};
  std::atomic<bool> done{false};
  LiveSummary summary;
  std::exception_ptr error;
  std::thread thread;
};

}  // namespace

LiveSummary run_live(Labeler& labeler, const video::SourceSpec& spec, const LiveOptions& options) {
  if (!options.name.empty()) check_camera_name(options.name, "--name");
  SharedBackbone backbone(labeler.extractor());
  const auto page = open_page(options);
  return LiveRun(labeler, backbone, page.get(), spec, options).run();
}

std::vector<LiveSummary> run_cameras(Labeler& labeler, const std::vector<CameraSpec>& cameras,
                                     const LiveOptions& common, const CameraLoader& reload,
                                     std::atomic<bool>* reload_requested) {
  std::set<std::string> names;
  for (const auto& camera : cameras) {
    check_camera_name(camera.options.name, "camera name");
    if (!names.insert(camera.options.name).second) {
      throw ConfigError("invalid cameras: " + camera.options.name + ": named twice");
    }
  }
  SharedBackbone backbone(labeler.extractor());
  const auto page = open_page(common);
  std::map<std::string, std::unique_ptr<CameraThread>> running;
  std::vector<LiveSummary> finished;
  const auto start = [&](const CameraSpec& spec) {
    auto camera = std::make_unique<CameraThread>();
    camera->spec = spec;
    camera->spec.options.stop = &camera->stop;
    camera->spec.options.display = false;  // one window for several cameras would be a mess
    CameraThread& c = *camera;
    c.thread = std::thread([&labeler, &backbone, &page, &c] {
      try {
        c.summary = LiveRun(labeler, backbone, page.get(), c.spec.source, c.spec.options).run();
      } catch (...) {
        c.error = std::current_exception();
      }
      c.done = true;
    });
    running[spec.options.name] = std::move(camera);
  };
  const auto stop = [&](const std::string& name) {
    CameraThread& c = *running.at(name);
    c.stop = true;
    c.thread.join();
    if (c.error) {
      try {
        std::rethrow_exception(c.error);
      } catch (const std::exception& e) {
        c.summary.error = e.what();  // a camera that failed ends alone: the others go on
      }
    }
    c.summary.name = name;
    finished.push_back(std::move(c.summary));
    running.erase(name);
    if (page) page->remove(name);
  };
  for (const auto& camera : cameras) start(camera);
  while (!running.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (common.stop && common.stop->load()) {
      for (auto& [name, camera] : running) camera->stop = true;
    }
    if (reload && reload_requested && reload_requested->exchange(false)) {
      std::vector<CameraSpec> wanted;
      try {
        wanted = reload();
      } catch (const Error& e) {
        log::warn("reload: {}; the cameras go on as they were", e.what());
        continue;
      }
      std::map<std::string, const CameraSpec*> by_name;
      for (const auto& spec : wanted) by_name[spec.options.name] = &spec;
      std::vector<std::string> gone;
      for (const auto& [name, camera] : running) {
        const auto it = by_name.find(name);
        if (it == by_name.end() || it->second->settings != camera->spec.settings) {
          gone.push_back(name);
        }
      }
      for (const auto& name : gone) {
        log::info("reload: camera {} {}", name, by_name.count(name) ? "changed" : "removed");
        stop(name);
      }
      for (const auto& spec : wanted) {
        if (!running.count(spec.options.name)) {
          log::info("reload: camera {} started", spec.options.name);
          start(spec);
        }
      }
    }
    std::vector<std::string> ended;
    for (const auto& [name, camera] : running) {
      if (camera->done) ended.push_back(name);
    }
    for (const auto& name : ended) stop(name);
  }
  const auto counts = backbone.counts();
  log::info(
      "pose network: {} frames in {} passes ({:.2f} frames a pass, at most {})", counts.frames,
      counts.passes,
      static_cast<double>(counts.frames) / static_cast<double>(std::max<int64_t>(1, counts.passes)),
      labeler.extractor().batch_size());
  return finished;
}

}  // namespace actrec::pipeline
