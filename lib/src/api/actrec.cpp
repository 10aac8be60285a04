// The embedding API (actrec/actrec.hpp): a facade over pipeline::Labeler and StreamLabeler that
// takes BGR frames and the caller's clock and gives values that hold no internal type.
#include "actrec/actrec.hpp"

#include <fmt/format.h>

#include <cmath>
#include <deque>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "actrec/config/config.hpp"
#include "actrec/core/model_paths.hpp"
#include "actrec/core/threads.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/model/smoother.hpp"
#include "actrec/pipeline/labeler.hpp"
#include "actrec/pipeline/shared_backbone.hpp"

namespace actrec {

static_assert(kKeypoints == features::kKeypoints, "the API's keypoints are the pose model's");

const char* version() { return ACTREC_VERSION; }

std::string find_model(const std::string& path) { return find_model_file(path); }

const char* to_string(Event::Kind kind) {
  switch (kind) {
    case Event::Kind::fall:
      return "fall";
    case Event::Kind::up:
      return "up";
    case Event::Kind::unseen:
      return "unseen";
  }
  return "?";
}

struct Labeler::Impl {
  // Not const only because StreamLabeler takes it so; nothing changes it once open() returns.
  std::shared_ptr<pipeline::Labeler> model;
  std::string bundle_path;
  double delay_s = 0;
  // The pose network the streams share, as `live`'s cameras do: one pass at a time, frames
  // that wait at once in one batch.
  std::unique_ptr<pipeline::SharedBackbone> backbone;
};

Labeler::Labeler(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Labeler Labeler::open(const std::string& bundle, const LabelerOptions& options) {
  if (options.threads < -1) {
    throw ConfigError(fmt::format("invalid labeler option: threads: expected -1, 0 or more, got {}",
                                  options.threads));
  }
  if (options.threads >= 0) set_torch_threads(options.threads);
  auto impl = std::make_shared<Impl>();
  impl->bundle_path = find_model_file(bundle.empty() ? kDefaultBundle : bundle);
  impl->model = std::make_shared<pipeline::Labeler>(impl->bundle_path);
  impl->backbone = std::make_unique<pipeline::SharedBackbone>(impl->model->extractor());
  if (options.smoothing == Smoothing::off) {
    config::SmoothingConfig off = impl->model->info().smoothing;
    off.switch_penalty = 0;
    impl->model->set_smoothing(off);
  }
  const double fps = impl->model->model_fps();
  impl->delay_s =
      fps > 0 ? static_cast<double>(model::delay_steps(impl->model->info().smoothing, fps)) / fps
              : 0.0;
  return Labeler(std::move(impl));
}

const std::vector<std::string>& Labeler::labels() const { return impl_->model->labels(); }
double Labeler::model_fps() const { return impl_->model->model_fps(); }
double Labeler::delay_s() const { return impl_->delay_s; }
const std::string& Labeler::bundle_path() const { return impl_->bundle_path; }
const std::string& Labeler::backbone_path() const {
  return impl_->model->extractor().backbone_path();
}

namespace {

PersonResult person_result(const pipeline::PersonLabel& person,
                           const std::vector<std::string>& labels) {
  PersonResult result;
  result.id = person.person;
  result.label = static_cast<int>(person.label);
  result.label_name = labels.at(static_cast<size_t>(person.label));
  result.confidence = person.confidence;
  result.probabilities = person.probabilities;
  result.visible = person.visible;
  result.at_edge = person.at_edge;
  result.seen = !person.pose.empty();
  if (result.seen) {
    const features::ConstPose pose{person.pose.data()};
    for (int k = 0; k < kKeypoints; ++k) {
      result.keypoints[static_cast<size_t>(k)] = {pose.x(k), pose.y(k), pose.score(k)};
    }
    result.box = pose.rect();
    result.score = pose.person_score();
  }
  return result;
}

Event event_of(const pipeline::PersonEvent& event) {
  Event result;
  switch (event.kind) {
    case pipeline::PersonEvent::Kind::fall:
      result.kind = Event::Kind::fall;
      break;
    case pipeline::PersonEvent::Kind::up:
      result.kind = Event::Kind::up;
      break;
    case pipeline::PersonEvent::Kind::unseen:
      result.kind = Event::Kind::unseen;
      break;
  }
  result.person = event.person;
  result.frame = event.frame;
  result.start_s = event.start_s;
  result.end_s = event.end_s;
  result.confidence = event.confidence;
  result.identity_lost = event.identity_lost;
  return result;
}

}  // namespace

struct Stream::Impl {
  std::shared_ptr<const Labeler::Impl> owner;  // keeps the model alive as long as the stream
  StreamOptions options;
  config::Config config;  // its people, events and gate sections: the stream's settings
  double source_fps = 0;
  // Made with the first frame, whose size zones in fractions scale to.
  std::unique_ptr<pipeline::StreamLabeler> stream;
  std::optional<pipeline::FrameObserver> observer;
  int64_t period_us = 0;  // one frame at the source's rate (the model's when it is unknown)

  // The caller's frames whose labels are not final yet, oldest first. A repeated frame (its
  // time equal to the one before) never reaches the StreamLabeler: it takes the labels of the
  // frame before it when those are final.
  struct Pending {
    int64_t frame = 0;
    double time_s = 0;
    bool repeat = false;
    cv::Mat image;  // keep_images only
  };
  std::deque<Pending> pending;
  FrameResult last;  // the last final frame (no image): what a repeat of it gets

  int64_t pushed = 0;
  bool finished = false;
  // The caller's clock and the stream's (microseconds): the same spacing, from 0, except that
  // a clock that goes back is carried on from the last time.
  bool started = false;
  int64_t last_caller_us = 0, last_us = 0, offset_us = 0;

  FrameResult repeat_of_last(Pending&& entry) const {
    FrameResult result = last;
    result.frame = entry.frame;
    result.time_s = entry.time_s;
    result.events.clear();  // they happened once, with the frame repeated
    result.image = std::move(entry.image);
    return result;
  }

  // Final frames from the StreamLabeler, each followed by the repeats of it that wait.
  void collect(std::vector<pipeline::LabelledFrame>&& done, std::vector<FrameResult>& out) {
    const auto& labels = owner->model->labels();
    for (auto& labelled : done) {
      if (pending.empty() || pending.front().repeat || pending.front().frame != labelled.index) {
        throw std::logic_error("actrec::Stream: a final frame that is not the next one waiting");
      }
      FrameResult result;
      result.frame = pending.front().frame;
      result.time_s = pending.front().time_s;
      for (const auto& person : labelled.people)
        result.people.push_back(person_result(person, labels));
      for (const auto& event : labelled.events) result.events.push_back(event_of(event));
      last = result;
      result.image = std::move(pending.front().image);
      pending.pop_front();
      out.push_back(std::move(result));
      while (!pending.empty() && pending.front().repeat) {
        out.push_back(repeat_of_last(std::move(pending.front())));
        pending.pop_front();
      }
    }
  }

  std::vector<FrameResult> hand_over(std::vector<FrameResult>&& out) const {
    if (!options.on_result) return std::move(out);
    for (const auto& result : out) options.on_result(result);
    return {};
  }
};

Stream::Stream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Stream::Stream(Stream&&) noexcept = default;
Stream& Stream::operator=(Stream&&) noexcept = default;
Stream::~Stream() = default;

Stream Labeler::stream(const StreamOptions& options) const {
  if (!std::isfinite(options.fps) || options.fps < 0) {
    throw ConfigError(
        fmt::format("invalid stream option: fps: expected a frame rate, or 0 when unknown, got {}",
                    options.fps));
  }
  auto impl = std::make_unique<Stream::Impl>();
  impl->owner = impl_;
  impl->options = options;
  config::Config& config = impl->config;
  for (const auto& setting : options.settings) {
    const std::string key = setting.substr(0, setting.find('='));
    if (key.rfind("people.", 0) != 0 && key.rfind("events.", 0) != 0 &&
        key.rfind("gate.", 0) != 0) {
      throw ConfigError(fmt::format(
          "invalid stream option: settings: \"{}\": only people.*, events.* and gate.* keys "
          "belong to a stream",
          setting));
    }
    config::apply_override(config, setting);
  }
  config.people.persons =
      options.persons == Persons::multi ? config::Persons::multi : config::Persons::single;
  for (const auto& zone : options.zones) {
    std::string points;
    for (const auto& point : zone)
      points += fmt::format("{}{},{}", points.empty() ? "" : " ", point.x, point.y);
    if (zone.size() < 3 || config::parse_polygon(points).size() != zone.size()) {
      throw ConfigError(fmt::format(
          "invalid stream option: zones: each zone needs 3 or more finite points, got \"{}\"",
          points));
    }
    config.events.zones.push_back(points);
  }
  config.gate.enabled = options.motion_gate;
  // An unknown rate is taken as a fast one: the model then takes the frames its own rate
  // needs, by timestamp, whatever the source delivers.
  impl->source_fps = options.fps > 0 ? options.fps : 1e6;
  impl->observer.emplace(*impl_->backbone, impl_->model->extractor().dim(),
                         config.gate.enabled ? &config.gate : nullptr);
  const double period_fps = options.fps > 0 ? options.fps : model_fps();
  impl->period_us = std::max<int64_t>(1, std::llround(1e6 / period_fps));
  return Stream(std::move(impl));
}

std::vector<FrameResult> Stream::push(const cv::Mat& bgr, double time_s) {
  Impl& s = *impl_;
  const int64_t n = s.pushed;
  if (s.finished) {
    throw InputError(fmt::format("cannot label frame {}: the stream was finished", n));
  }
  if (bgr.empty()) throw InputError(fmt::format("cannot label frame {}: the image is empty", n));
  const int channels = bgr.channels();
  if (bgr.depth() != CV_8U || (channels != 1 && channels != 3 && channels != 4)) {
    throw InputError(fmt::format(
        "cannot label frame {}: expected an 8-bit BGR, BGRA or grey image, got {} channels of "
        "OpenCV depth {}",
        n, channels, bgr.depth()));
  }
  if (!std::isfinite(time_s)) {
    throw InputError(
        fmt::format("cannot label frame {}: its time is not a number ({})", n, time_s));
  }
  const int64_t caller_us = std::llround(time_s * 1e6);
  ++s.pushed;
  Impl::Pending entry{n, time_s, false, s.options.keep_images ? bgr.clone() : cv::Mat()};
  std::vector<FrameResult> out;

  if (s.started && caller_us == s.last_caller_us) {
    // A repeated frame: nothing new to see, the model does not step.
    entry.repeat = true;
    if (s.pending.empty()) {
      out.push_back(s.repeat_of_last(std::move(entry)));
    } else {
      s.pending.push_back(std::move(entry));
    }
    return s.hand_over(std::move(out));
  }
  if (!s.started) {
    s.offset_us = -caller_us;
  } else if (caller_us < s.last_caller_us) {
    s.offset_us = s.last_us + s.period_us - caller_us;
  }
  s.started = true;
  s.last_caller_us = caller_us;
  s.last_us = caller_us + s.offset_us;

  Frame frame;
  frame.index = n;
  frame.timestamp_us = s.last_us;
  frame.size = bgr.size();
  if (!s.stream) {
    s.stream = std::make_unique<pipeline::StreamLabeler>(*s.owner->model, s.source_fps, frame.size,
                                                         s.config.people, s.config.events);
  }
  // Prepared here, outside the turn at the backbone: preparing reads nothing shared.
  cv::Mat converted;
  if (channels != 3)
    cv::cvtColor(bgr, converted, channels == 1 ? cv::COLOR_GRAY2BGR : cv::COLOR_BGRA2BGR);
  const cv::Mat& colour = channels == 3 ? bgr : converted;
  if (const int width = s.observer->glimpse_width(); width > 0) {
    // Prepared only if the gate lets the pose network look at it.
    frame.glimpse = pipeline::MotionGate::glimpse(colour, width);
    frame.image = colour;
  } else {
    frame.prepared = s.owner->model->extractor().prepare(colour);
  }
  s.pending.push_back(std::move(entry));
  std::vector<pipeline::LabelledFrame> done;
  try {
    pipeline::StreamLabeler& stream = *s.stream;
    done = stream.push(std::move(frame),
                       [&](const Frame& f, cv::Size size, std::vector<float>& observation) {
                         s.observer->observe(f, size, stream.watching(), observation);
                       });
  } catch (...) {
    s.pending.pop_back();  // never labelled: the frames after it do not wait for it
    throw;
  }
  s.collect(std::move(done), out);
  return s.hand_over(std::move(out));
}

std::vector<FrameResult> Stream::finish() {
  Impl& s = *impl_;
  if (s.finished) return {};
  s.finished = true;
  if (!s.stream) return {};  // no frame came
  std::vector<pipeline::LabelledFrame> done = s.stream->finish();
  std::vector<FrameResult> out;
  s.collect(std::move(done), out);
  return s.hand_over(std::move(out));
}

int64_t Stream::frames() const { return impl_->pushed; }
size_t Stream::people() const { return impl_->stream ? impl_->stream->tracks() : 0; }

}  // namespace actrec
