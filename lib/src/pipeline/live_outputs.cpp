#include "actrec/pipeline/live_outputs.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <opencv2/highgui.hpp>
#include <opencv2/imgcodecs.hpp>

#include "actrec/core/append_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/json_text.hpp"
#include "actrec/core/log.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/output/event_clips.hpp"
#include "actrec/output/live_mqtt.hpp"
#include "actrec/output/live_server.hpp"

namespace actrec::pipeline {
namespace {

std::string hex_colour(const cv::Scalar& bgr) {
  return fmt::format("#{:02x}{:02x}{:02x}", static_cast<int>(bgr[2]), static_cast<int>(bgr[1]),
                     static_cast<int>(bgr[0]));
}

}  // namespace

// An output of JSON lines, appended to: a file, or stdout for "-". A line that cannot be written
// is said at once on stderr (then once a minute while it goes on) and counted; the run goes on,
// for the other outputs may still reach someone, and ends with an error (run_live).
class LiveOutputs::Lines {
 public:
  explicit Lines(const std::string& target) : file_(target) {}
  void write(const nlohmann::json& line) {
    try {
      file_.write_line(json_text(line));
      if (lost_ > 0) log::info("{}: writing again after {} lines were lost", file_.path(), lost_);
      lost_ = 0;
    } catch (const Error& e) {
      ++lost_, ++lost_in_all_;
      error_ = e.what();
      const int64_t now = steady_now_us();
      if (lost_ == 1 || now - warned_us_ > 60'000'000) {
        log::warn("{} ({} lines lost so far)", error_, lost_in_all_);
        warned_us_ = now;
      }
    }
  }
  /// "" when every line was written; else what went wrong and how much was lost.
  std::string failure() const {
    return lost_in_all_ == 0 ? "" : fmt::format("{} ({} lines lost)", error_, lost_in_all_);
  }

 private:
  AppendFile file_;
  int64_t lost_ = 0, lost_in_all_ = 0, warned_us_ = 0;
  std::string error_;
};

LiveOutputs::LiveOutputs(const std::vector<std::string>& labels, const LiveOptions& options,
                         std::string name, std::string source, bool multi,
                         output::LiveServer* server)
    : labels_(labels),
      options_(options),
      name_(std::move(name)),
      source_(std::move(source)),
      multi_(multi),
      events_(labels, name_, options.people.max_age_s),
      server_(server) {
  if (!options.jsonl.empty() && !options.events.empty() &&
      same_output(options.jsonl, options.events)) {
    throw ConfigError(fmt::format(
        "invalid --events: {}: --jsonl writes there too, and their lines would mix; give each "
        "its own file",
        options.events));
  }
  if (!options.jsonl.empty()) jsonl_ = std::make_unique<Lines>(options.jsonl);
  if (!options.events.empty()) events_out_ = std::make_unique<Lines>(options.events);
  if (!options.mqtt.empty()) {
    output::LiveMqttOptions mqtt;
    std::tie(mqtt.broker.host, mqtt.broker.port) =
        output::parse_host_port(options.mqtt, 1883, "--mqtt");
    mqtt.broker.user = options.mqtt_user;
    mqtt.broker.password = options.mqtt_password;
    mqtt.broker.client_id = fmt::format("actrec-{}-{}", name_, ::getpid());
    mqtt.prefix = options.mqtt_topic.empty() ? "actrec/" + name_ : options.mqtt_topic;
    mqtt.camera = name_;
    mqtt.discovery = options.mqtt_discovery;
    mqtt_ = std::make_unique<output::LiveMqtt>(mqtt);
    // A broker on the network answers in milliseconds: waiting a little keeps the first events.
    // One that is not up yet is tried again in the background (the client says so).
    if (mqtt_->client().wait_connected(2.0)) {
      log::info("publishing to MQTT broker {} under {}/", mqtt_->client().address(), mqtt.prefix);
    }
  }
  if (server_ && !options.clips.empty()) server_->clips(name_, options.clips);
  keep_images_ = options.display || server_ || !options.clips.empty();
  publish_state(true);
}

LiveOutputs::~LiveOutputs() = default;

void LiveOutputs::connected(double fps) {
  if (!clips_ && !options_.clips.empty()) {
    clips_ = std::make_unique<output::EventClipRecorder>(
        options_.clips, std::clamp(fps, 1.0, 30.0), options_.clip_before_s, options_.clip_after_s);
  }
  online_ = true;
  if (mqtt_) mqtt_->online(true);
  publish_state(true);
}

int64_t LiveOutputs::clips() const { return clips_ ? clips_->written() : 0; }

std::string LiveOutputs::failures() const {
  std::vector<std::string> failed;
  for (const auto* lines : {jsonl_.get(), events_out_.get()}) {
    if (lines && !lines->failure().empty()) failed.push_back(lines->failure());
  }
  if (clips_failed_ > 0) {
    failed.push_back(fmt::format("{} event clip{} not written (the last: {})", clips_failed_,
                                 clips_failed_ == 1 ? "" : "s", last_clip_error_));
  }
  return fmt::format("{}", fmt::join(failed, "; "));
}

void LiveOutputs::finish() {
  if (clips_) {
    clips_->flush();
    clips_->wait();
    report_clips();
  }
  if (options_.display) cv::destroyAllWindows();
}

void LiveOutputs::stream_lost(const std::string& reason, double time_s) {
  if (clips_) clips_->flush();  // a clip ends where the stream did
  for (auto& line : events_.stream_lost(source_, reason, time_s)) emit_event(std::move(line));
  online_ = false;
  people_ = nlohmann::json::array();
  if (mqtt_) {
    mqtt_->people(json_text(events_.people()));
    mqtt_->online(false);
  }
  publish_state(true);
}

void LiveOutputs::stream_back(double downtime_s, int attempts, double time_s) {
  emit_event(events_.stream_back(source_, downtime_s, attempts, time_s));
}

void LiveOutputs::emit_event(nlohmann::json line) {
  ++events_emitted_;
  // The per-frame lines say every label already: of the events they carry only what they
  // cannot show (the stream lost and back, falls and ups).
  const std::string& kind = line["event"].get_ref<const std::string&>();
  if (jsonl_ && kind != "label" && kind != "gone") jsonl_->write(line);
  if (events_out_) events_out_->write(line);
  if (mqtt_) {
    mqtt_->event(json_text(line));
    mqtt_->person_down(events_.anyone_down());
  }
  recent_events_.push_back(std::move(line));
  if (recent_events_.size() > 20) recent_events_.erase(recent_events_.begin());
  publish_state(true);
}

void LiveOutputs::publish_state(bool now) {
  if (!server_) return;
  const int64_t now_us = steady_now_us();
  if (!now && now_us - state_published_us_ < 100000) return;  // ten a second is plenty
  state_published_us_ = now_us;
  nlohmann::json state = {{"camera", name_},
                          {"source", source_},
                          {"online", online_},
                          {"fps", rounded(rate_.rate(now_us), 1)},
                          {"latency_ms", rounded(last_latency_ms_, 1)},
                          {"frame", last_index_},
                          {"time_s", rounded(last_time_s_, 3)},
                          {"people", people_},
                          {"person_down", events_.anyone_down()},
                          {"events", recent_events_}};
  if (!stages_.empty()) state["stages"] = stages_;
  server_->state(name_, json_text(state));
}

void LiveOutputs::frame(LabelledFrame& frame, double latency_ms, double smoothing_ms,
                        int64_t dropped) {
  const int64_t now_us = steady_now_us();
  rate_.tick(now_us);
  last_latency_ms_ = latency_ms;
  last_index_ = frame.index;
  const double time_s = static_cast<double>(frame.timestamp_us) * 1e-6;
  last_time_s_ = time_s;
  if (jsonl_) {
    for (const auto& person : frame.people) {
      nlohmann::json line = {{"frame", frame.index},
                             {"time_s", rounded(time_s, 3)},
                             {"label", labels_[static_cast<size_t>(person.label)]},
                             {"confidence", rounded(person.confidence, 4)},
                             {"visible", rounded(person.visible, 2)},
                             {"edge", person.at_edge},
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
      jsonl_->write(line);
    }
  }
  // Drawn and kept before the events: a fall's clip needs the frame that decided it.
  if (keep_images_ && !frame.image.empty()) {
    std::vector<output::PersonFrame> people;
    for (const auto& person : frame.people) {
      people.push_back({person.person, person.pose.empty() ? nullptr : person.pose.data(),
                        person.label, person.confidence, person.probabilities.data(),
                        person.visible, person.at_edge, events_.is_down(person.person)});
    }
    if (!multi_ && !people.empty()) history_.add(people[0].label);
    output::draw_overlay(frame.image, labels_, people, time_s, history_, multi_,
                         fmt::format("{:.1f} fps  {:.0f} ms", rate_.rate(now_us), latency_ms));
    if (options_.display) {
      cv::imshow("actrec live", frame.image);
      const int key = cv::waitKey(1);
      if (key == 'q' || key == 27) quit_ = true;
    }
    // Encoded once for whoever needs it, and only then: nobody may be watching the page.
    if (clips_ || (server_ && server_->viewers(name_) > 0)) {
      auto jpeg = std::make_shared<std::vector<unsigned char>>();
      cv::imencode(".jpg", frame.image, *jpeg, {cv::IMWRITE_JPEG_QUALITY, 80});
      const output::Jpeg shared = std::move(jpeg);
      if (clips_) clips_->add(time_s, shared);
      if (server_) server_->frame(name_, shared);
    }
  }
  people_ = nlohmann::json::array();
  for (const auto& person : frame.people) {
    if (multi_ && person.pose.empty()) continue;  // followed but not seen in this frame
    people_.push_back({{"person", person.person},
                       {"label", labels_[static_cast<size_t>(person.label)]},
                       {"confidence", rounded(person.confidence, 2)},
                       {"colour", hex_colour(output::class_colour(person.label))}});
  }
  for (auto& line : events_.frame(frame, time_s)) {
    if (clips_ && line["event"] == "fall") {
      std::string stamp = line["time"].get<std::string>().substr(0, 19);  // 2025-01-31T18:04:05
      stamp.erase(
          std::remove_if(stamp.begin(), stamp.end(), [](char c) { return c == '-' || c == ':'; }),
          stamp.end());
      line["clip"] =
          clips_->record(fmt::format("{}-{}-fall-{}.mp4", name_, stamp, line["person"].get<int>()),
                         line["start_s"].get<double>(), line["end_s"].get<double>());
      clip_people_[line["clip"]] = line["person"];
    }
    emit_event(std::move(line));
  }
  if (clips_) report_clips();
  if (mqtt_) mqtt_->people(json_text(events_.people()));
  publish_state(false);
}

void LiveOutputs::report_clips() {
  for (const auto& outcome : clips_->take_outcomes()) {
    const auto person = clip_people_.find(outcome.path);
    emit_event(events_.clip(person == clip_people_.end() ? -1 : person->second, outcome.path,
                            outcome.written, outcome.error, last_time_s_));
    if (person != clip_people_.end()) clip_people_.erase(person);
    if (!outcome.written) {
      ++clips_failed_;
      last_clip_error_ = outcome.error;
    }
  }
}

}  // namespace actrec::pipeline
