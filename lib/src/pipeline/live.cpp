#include "actrec/pipeline/live.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/highgui.hpp>
#include <opencv2/imgcodecs.hpp>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/quantiles.hpp"
#include "actrec/core/timer.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/output/event_clips.hpp"
#include "actrec/output/label_outputs.hpp"
#include "actrec/output/live_mqtt.hpp"
#include "actrec/output/live_server.hpp"
#include "actrec/pipeline/live_events.hpp"
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

namespace {

double rounded(double value, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

std::string hex_colour(const cv::Scalar& bgr) {
  return fmt::format("#{:02x}{:02x}{:02x}", static_cast<int>(bgr[2]), static_cast<int>(bgr[1]),
                     static_cast<int>(bgr[0]));
}

// An output of JSON lines: a file, or stdout for "-".
class LineWriter {
 public:
  explicit LineWriter(const std::string& target) {
    if (target == "-") {
      out_ = &std::cout;
    } else if (!target.empty()) {
      file_.open(target, std::ios::trunc);
      if (!file_) throw Error("cannot write " + target + ": cannot create the file");
      out_ = &file_;
    }
  }
  explicit operator bool() const { return out_ != nullptr; }
  void write(const nlohmann::json& line) { *out_ << line.dump() << '\n'; }
  void flush() {
    if (out_) *out_ << std::flush;
  }

 private:
  std::ofstream file_;
  std::ostream* out_ = nullptr;
};

// One live run: its outputs, and the connections its source goes through.
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
        name_(options.name.empty() ? video::source_slug(spec) : options.name),
        shown_source_(video::redact_credentials(spec.location)),
        jsonl_(options.jsonl),
        events_out_(options.events),
        events_(labeler.labels(), name_, options.people.max_age_s) {
    if (options.jsonl == "-" && options.events == "-") {
      throw ConfigError(
          "invalid --events: -: --jsonl already writes to stdout, and it carries "
          "every event line too");
    }
  }

  LiveSummary run();

 private:
  enum class Ended { stopped, finished, lost };

  std::unique_ptr<video::FrameSource> open() const {
    video::SourceOptions source_options;
    source_options.stream_timeout_s = options_.timeout_s;
    std::unique_ptr<video::FrameSource> source = video::open_source(spec_, source_options);
    if (options_.realtime && !source->is_live()) {
      source = std::make_unique<video::RealtimeSource>(std::move(source));
    }
    return source;
  }
  void start_outputs();
  Ended connection(std::unique_ptr<video::FrameSource> inner, bool first, double first_fps,
                   std::string& reason);
  LiveSummary finish(const Stopwatch& clock);
  Ended pump(video::ThreadedSource& source, StreamLabeler& stream, std::string& reason);
  void emit(std::vector<LabelledFrame> frames, int64_t final_at_us);
  void emit_event(nlohmann::json line);
  void publish_state(bool now);
  bool stopped() const { return quit_ || (options_.stop && options_.stop->load()); }

  Labeler& labeler_;
  video::SourceSpec spec_;
  const LiveOptions& options_;
  const bool multi_, reconnects_;
  const std::string name_, shown_source_;
  LineWriter jsonl_, events_out_;
  LiveEvents events_;
  std::unique_ptr<output::LiveMqtt> mqtt_;
  std::unique_ptr<output::LiveServer> server_;
  std::unique_ptr<output::EventClipRecorder> clips_;
  bool keep_images_ = false;

  LiveSummary summary_;
  // All bounded: a camera may run for days.
  StreamingQuantiles latencies_, smoothing_waits_;
  output::LabelHistory history_;
  RateMeter rate_;
  nlohmann::json recent_events_ = nlohmann::json::array();  // the page's list, newest last
  int64_t state_published_us_ = 0;
  double last_latency_ms_ = 0;
  bool online_ = false, quit_ = false;
  const video::ThreadedSource* source_ = nullptr;  // the connection now, for its drop count
  int64_t dropped_before_ = 0;                     // by earlier connections
  int64_t last_arrival_us_ = 0;                    // of the newest frame read

  // Frame indices, times and person ids go on across connections: each new connection's own
  // start from zero, and are moved past what earlier ones emitted.
  int64_t index_offset_ = 0, time_offset_us_ = 0;
  int id_offset_ = 0;
  int64_t last_index_ = -1, last_time_us_ = 0;
  int max_id_ = 0;
  nlohmann::json people_ = nlohmann::json::array();  // the newest frame's, for the page
};

void LiveRun::start_outputs() {
  if (!options_.mqtt.empty()) {
    output::LiveMqttOptions mqtt;
    std::tie(mqtt.broker.host, mqtt.broker.port) =
        output::parse_host_port(options_.mqtt, 1883, "--mqtt");
    mqtt.broker.user = options_.mqtt_user;
    mqtt.broker.password = options_.mqtt_password;
    mqtt.broker.client_id = fmt::format("actrec-{}-{}", name_, ::getpid());
    mqtt.prefix = options_.mqtt_topic.empty() ? "actrec/" + name_ : options_.mqtt_topic;
    mqtt.camera = name_;
    mqtt.discovery = options_.mqtt_discovery;
    mqtt_ = std::make_unique<output::LiveMqtt>(mqtt);
    log::info("publishing to MQTT broker {} under {}/", mqtt_->client().address(), mqtt.prefix);
  }
  if (!options_.serve.empty()) {
    // A bare port listens on this machine only: the page shows the camera to whoever reaches it.
    const bool bare = options_.serve.find_first_not_of("0123456789") == std::string::npos;
    const auto [host, port] = output::parse_host_port(
        bare ? "127.0.0.1:" + options_.serve : options_.serve, 0, "--serve", true);
    server_ = std::make_unique<output::LiveServer>(host, port);
    log::info("serving the live page at {}", server_->url());
    if (options_.on_serving) options_.on_serving(server_->url());
  }
  keep_images_ = options_.display || server_;
}

LiveSummary LiveRun::run() {
  Stopwatch clock;
  start_outputs();
  const video::Reconnector reconnector([this] { return open(); }, options_.reconnect,
                                       shown_source_);
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
    video::Reconnection first = reconnector.reconnect(steady_now_us(), options_.stop, failed);
    if (!first.source) return finish(clock);
    inner = std::move(first.source);
  } else {
    inner = open();  // a camera or file that is not there is a mistake: said at once (exit 3)
  }
  const double source_fps = inner->fps();
  if (!options_.clips.empty()) {
    clips_ = std::make_unique<output::EventClipRecorder>(
        options_.clips, std::clamp(source_fps, 1.0, 30.0), options_.clip_before_s,
        options_.clip_after_s);
    keep_images_ = true;
  }
  online_ = true;
  if (mqtt_) mqtt_->online(true);
  int64_t last_frame_us = steady_now_us();
  for (bool first = true;; first = false) {
    std::string reason;
    const Ended ended = connection(std::move(inner), first, source_fps, reason);
    if (ended != Ended::lost) break;
    // The connection is gone: say so everywhere, then open it again.
    last_frame_us = std::max(last_frame_us, last_arrival_us_);
    if (clips_) clips_->flush();
    const double lost_s = static_cast<double>(last_time_us_) * 1e-6;
    for (auto& line : events_.stream_lost(shown_source_, reason, lost_s)) emit_event(line);
    online_ = false;
    if (mqtt_) mqtt_->online(false);
    publish_state(true);
    log::warn("{}: stream lost ({}); opening it again{}", shown_source_, reason,
              options_.reconnect.max_downtime_s >= 0
                  ? fmt::format(" for up to {:g} s", options_.reconnect.max_downtime_s)
                  : "");
    jsonl_.flush();
    events_out_.flush();
    video::Reconnection back = reconnector.reconnect(last_frame_us, options_.stop, failed);
    if (!back.source) break;  // stopped while waiting
    ++summary_.reconnects;
    summary_.downtime_s += back.downtime_s;
    // The new connection's frames and people follow on from the last ones emitted.
    index_offset_ = last_index_ + 1;
    time_offset_us_ = last_time_us_ + static_cast<int64_t>(back.downtime_s * 1e6);
    id_offset_ = max_id_;
    emit_event(events_.stream_back(shown_source_, back.downtime_s, back.attempts,
                                   static_cast<double>(time_offset_us_) * 1e-6));
    online_ = true;
    if (mqtt_) mqtt_->online(true);
    log::info("{}: stream back after {:.1f} s ({} tries)", shown_source_, back.downtime_s,
              back.attempts);
    inner = std::move(back.source);
    last_frame_us = steady_now_us();
  }
  return finish(clock);
}

LiveSummary LiveRun::finish(const Stopwatch& clock) {
  jsonl_.flush();
  events_out_.flush();
  if (clips_) {
    clips_->flush();
    clips_->wait();
    summary_.clips = clips_->written();
  }
  summary_.dropped = dropped_before_;
  summary_.seconds = clock.seconds();
  summary_.latency_p50_ms = latencies_.quantile(0.50);
  summary_.latency_p95_ms = latencies_.quantile(0.95);
  summary_.smoothing_p50_ms = smoothing_waits_.quantile(0.50);
  summary_.smoothing_p95_ms = smoothing_waits_.quantile(0.95);
  if (options_.display) cv::destroyAllWindows();
  return summary_;
}

LiveRun::Ended LiveRun::connection(std::unique_ptr<video::FrameSource> inner, bool first,
                                   double first_fps, std::string& reason) {
  features::FeatureExtractor& extractor = labeler_.extractor();
  const bool live = inner->is_live();
  const bool keep_image = keep_images_;
  // Live: a queue of one, newest wins. Offline: a normal queue that blocks, so nothing is lost.
  video::ThreadedSource source(std::move(inner), live ? 1 : 8,
                               live ? QueuePolicy::drop_oldest : QueuePolicy::block,
                               [&extractor, keep_image](Frame& frame) {
                                 frame.prepared = extractor.prepare(frame.image);
                                 if (!keep_image) frame.image.release();
                               });
  source_ = &source;
  // A new connection is a new stream: people, recurrent states and smoothing start afresh.
  StreamLabeler stream(labeler_, source.fps(), source.frame_size(), options_.people);
  if (first) {
    summary_.thinned = stream.thins();
    summary_.delay_frames = stream.delay_steps();
    summary_.step_fps = std::min(source.fps(), labeler_.model_fps());
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
      log::info(
          "labels are smoothed: each is final {} model steps ({:.2f} s at {:.3g} fps) after "
          "its frame; the latency includes that wait",
          summary_.delay_frames, summary_.delay_frames / summary_.step_fps, summary_.step_fps);
    }
  } else if (std::abs(source.fps() - first_fps) > 0.01 * first_fps) {
    log::warn("{}: came back at {:.3g} fps instead of {:.3g}", shown_source_, source.fps(),
              first_fps);
  }
  const Ended ended = pump(source, stream, reason);
  emit(stream.finish(), steady_now_us());
  dropped_before_ += source.dropped();
  source_ = nullptr;
  return ended;  // the source closes here, before anyone opens it again (a UDP port, a camera)
}

LiveRun::Ended LiveRun::pump(video::ThreadedSource& source, StreamLabeler& stream,
                             std::string& reason) {
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
    if (timed_out) continue;
    if (!frame) {
      if (!reconnects_) return Ended::finished;
      reason = spec_.kind == video::SourceKind::stream
                   ? fmt::format("no frame for {:g} s, or the stream ended", options_.timeout_s)
                   : "the camera stopped delivering frames";
      return Ended::lost;
    }
    const int64_t arrival_us = frame->arrival_us;
    last_arrival_us_ = arrival_us;
    // The frames this one makes final: the smoothing waited for it.
    emit(stream.push(std::move(*frame)), arrival_us);
  }
  return Ended::stopped;
}

void LiveRun::emit_event(nlohmann::json line) {
  ++summary_.events;
  const std::string text = line.dump();
  if (jsonl_) jsonl_.write(line);
  if (events_out_) events_out_.write(line);
  if (mqtt_) mqtt_->event(text);
  recent_events_.push_back(std::move(line));
  if (recent_events_.size() > 20) recent_events_.erase(recent_events_.begin());
  if (mqtt_) mqtt_->person_down(events_.anyone_down());
  publish_state(true);
}

void LiveRun::publish_state(bool now) {
  if (!server_) return;
  const int64_t now_us = steady_now_us();
  if (!now && now_us - state_published_us_ < 100000) return;  // ten a second is plenty
  state_published_us_ = now_us;
  nlohmann::json state = {{"camera", name_},
                          {"source", shown_source_},
                          {"online", online_},
                          {"fps", rounded(rate_.rate(now_us), 1)},
                          {"latency_ms", rounded(last_latency_ms_, 1)},
                          {"frame", last_index_},
                          {"time_s", rounded(static_cast<double>(last_time_us_) * 1e-6, 3)},
                          {"people", people_},
                          {"person_down", events_.anyone_down()},
                          {"events", recent_events_}};
  server_->state(state.dump());
}

void LiveRun::emit(std::vector<LabelledFrame> frames, int64_t final_at_us) {
  const auto& labels = labeler_.labels();
  for (auto& frame : frames) {
    const int64_t now_us = steady_now_us();
    const double latency_ms = static_cast<double>(now_us - frame.arrival_us) / 1000.0;
    const double smoothing_ms =
        std::clamp(static_cast<double>(final_at_us - frame.arrival_us) / 1000.0, 0.0, latency_ms);
    latencies_.add(latency_ms);
    smoothing_waits_.add(smoothing_ms);
    last_latency_ms_ = latency_ms;
    rate_.tick(now_us);
    ++summary_.frames;
    frame.index += index_offset_;
    frame.timestamp_us += time_offset_us_;
    last_index_ = frame.index;
    last_time_us_ = frame.timestamp_us;
    if (multi_) {
      for (auto& person : frame.people) person.person += id_offset_;
      for (auto& event : frame.events) event.person += id_offset_;
      for (const auto& person : frame.people) max_id_ = std::max(max_id_, person.person);
    }
    for (auto& event : frame.events) {
      event.frame += index_offset_;
      event.start_s += static_cast<double>(time_offset_us_) * 1e-6;
      event.end_s += static_cast<double>(time_offset_us_) * 1e-6;
    }
    const double time_s = static_cast<double>(frame.timestamp_us) * 1e-6;
    if (jsonl_) {
      const int64_t dropped = dropped_before_ + (source_ ? source_->dropped() : 0);
      for (const auto& person : frame.people) {
        nlohmann::json line = {{"frame", frame.index},
                               {"time_s", rounded(time_s, 3)},
                               {"label", labels[static_cast<size_t>(person.label)]},
                               {"confidence", rounded(person.confidence, 4)},
                               {"latency_ms", rounded(latency_ms, 2)},
                               {"smoothing_ms", rounded(smoothing_ms, 2)},
                               {"dropped", dropped}};
        if (multi_) {
          line["person"] = person.person;
          if (!person.pose.empty()) {
            const cv::Rect2f box = features::ConstPose{person.pose.data()}.rect();
            line["box"] = {std::round(box.x), std::round(box.y), std::round(box.width),
                           std::round(box.height)};
          }
        }
        jsonl_.write(line);
      }
    }
    for (auto& line : events_.frame(frame, time_s)) {
      if (clips_ && line["event"] == "fall") {
        std::string stamp = line["time"].get<std::string>().substr(0, 19);
        stamp.erase(
            std::remove_if(stamp.begin(), stamp.end(), [](char c) { return c == '-' || c == ':'; }),
            stamp.end());
        line["clip"] = clips_->record(
            fmt::format("{}-{}-fall-{}.mp4", name_, stamp, line["person"].get<int>()),
            line["start_s"].get<double>(), line["end_s"].get<double>());
      }
      emit_event(std::move(line));
    }
    if (mqtt_) mqtt_->people(events_.people().dump());
    people_ = nlohmann::json::array();
    for (const auto& person : frame.people) {
      if (person.pose.empty() && multi_) continue;
      people_.push_back({{"person", person.person},
                         {"label", labels[static_cast<size_t>(person.label)]},
                         {"confidence", rounded(person.confidence, 2)},
                         {"colour", hex_colour(output::class_colour(person.label))},
                         {"seen", !person.pose.empty()}});
    }
    if (keep_images_ && !frame.image.empty()) {
      std::vector<output::PersonFrame> people;
      for (const auto& person : frame.people) {
        people.push_back({person.person, person.pose.empty() ? nullptr : person.pose.data(),
                          person.label, person.confidence, person.probabilities.data()});
      }
      if (!multi_ && !people.empty()) history_.add(people[0].label);
      output::draw_overlay(frame.image, labels, people, time_s, history_, multi_,
                           fmt::format("{:.1f} fps  {:.0f} ms", rate_.rate(now_us), latency_ms));
      if (options_.display) {
        cv::imshow("actrec live", frame.image);
        const int key = cv::waitKey(1);
        if (key == 'q' || key == 27) quit_ = true;
      }
      if (clips_ || (server_ && server_->viewers() > 0)) {
        auto jpeg = std::make_shared<std::vector<unsigned char>>();
        cv::imencode(".jpg", frame.image, *jpeg, {cv::IMWRITE_JPEG_QUALITY, 80});
        const output::Jpeg shared = std::move(jpeg);
        if (clips_) clips_->add(time_s, shared);
        if (server_) server_->frame(shared);
      }
    }
    publish_state(false);
  }
  if (!frames.empty()) {
    jsonl_.flush();
    events_out_.flush();
  }
}

}  // namespace

LiveSummary run_live(Labeler& labeler, const video::SourceSpec& spec, const LiveOptions& options) {
  return LiveRun(labeler, spec, options).run();
}

}  // namespace actrec::pipeline
