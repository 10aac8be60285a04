#include "actrec/pipeline/labeler.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>

#include "actrec/core/error.hpp"
#include "actrec/core/model_paths.hpp"
#include "actrec/eval/calibration.hpp"
#include "actrec/features/feature_builder.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/features/tracker.hpp"
#include "actrec/model/bundle.hpp"
#include "actrec/model/smoother.hpp"
#include "actrec/pipeline/fall_events.hpp"
#include "actrec/preprocess/frame_sampler.hpp"

namespace actrec::pipeline {
using features::kPoseValues;

const char* to_string(PersonEvent::Kind kind) {
  switch (kind) {
    case PersonEvent::Kind::fall:
      return "fall";
    case PersonEvent::Kind::up:
      return "up";
    case PersonEvent::Kind::unseen:
      return "unseen";
  }
  return "?";
}

struct Labeler::Impl {
  model::Bundle bundle;
  // Streams of one labeler may push from threads of their own (cameras, the embedding API):
  // they take turns at the recurrent model, which is shared.
  std::mutex model_turn;
  std::unique_ptr<features::FeatureExtractor> extractor;
  int persons = 0;      // pose slots per observation
  int64_t map_dim = 0;  // appearance values per observation
};

Labeler::Labeler(const std::string& bundle_name, const config::PeopleConfig& people)
    : impl_(std::make_unique<Impl>()) {
  const std::string bundle_path = find_model_file(bundle_name);
  impl_->bundle = model::load_bundle(bundle_path);
  impl_->extractor =
      std::make_unique<features::FeatureExtractor>(impl_->bundle.info.features, people);
  impl_->persons = impl_->extractor->persons();
  impl_->map_dim = impl_->extractor->dim() - int64_t{impl_->persons} * kPoseValues;
  const int64_t feature_dim =
      features::FeatureBuilder(impl_->bundle.info.features, impl_->map_dim).dim();
  model::check_features_match(impl_->bundle.info, impl_->extractor->identity(), feature_dim,
                              bundle_path);
  model::class_bias(impl_->bundle.info.smoothing, impl_->bundle.info.labels);  // checks labels
}

Labeler::~Labeler() = default;
const model::BundleInfo& Labeler::info() const { return impl_->bundle.info; }
const std::vector<std::string>& Labeler::labels() const { return impl_->bundle.info.labels; }
const std::string& Labeler::background() const { return impl_->bundle.info.background; }
double Labeler::model_fps() const { return impl_->bundle.info.fps; }
features::FeatureExtractor& Labeler::extractor() { return *impl_->extractor; }
void Labeler::set_smoothing(const config::SmoothingConfig& smoothing) {
  model::class_bias(smoothing, impl_->bundle.info.labels);  // a label it does not know: refused
  impl_->bundle.info.smoothing = smoothing;
}

namespace detail {

// One person followed through a stream.
struct Track {
  Track(const model::BundleInfo& info, int64_t map_dim, int64_t delay,
        const std::vector<double>& bias)
      : builder(info.features, map_dim),
        smoother(static_cast<int64_t>(info.labels.size()), info.smoothing.switch_penalty, delay,
                 bias) {}

  features::FeatureBuilder builder;
  model::RecurrentState state;
  model::Smoother smoother;
  // Model steps whose label is not final yet, each with the frames (by the stream's own
  // sequence number) that follow it unsampled.
  struct Step {
    std::vector<float> probabilities, pose;
    std::vector<int64_t> frames;
    float visible = 0;
    bool at_edge = false;
  };
  std::deque<Step> pending;
  // The last final step: what frames after it get until the next step is final (probabilities
  // calibrated).
  int64_t label = 0;
  std::vector<float> probabilities, pose;
  float visible = 0;
  bool at_edge = false;
};

}  // namespace detail
using detail::Track;

struct StreamLabeler::Impl {
  Impl(Labeler::Impl& labeler, double source_fps, cv::Size size, const config::PeopleConfig& who,
       const config::EventsConfig& when)
      : shared(labeler),
        frame_size(size),
        people(who),
        events(when),
        sampler(labeler.bundle.info.fps, source_fps),
        tracker(who),
        delay(model::delay_steps(labeler.bundle.info.smoothing, labeler.bundle.info.fps)),
        bias(model::class_bias(labeler.bundle.info.smoothing, labeler.bundle.info.labels)),
        falls(when, labeler.bundle.info.labels, size, who.max_age_s),
        fall_class([&] {
          const auto& labels = labeler.bundle.info.labels;
          const auto at = std::find(labels.begin(), labels.end(), when.fall_label);
          return at == labels.end() ? int64_t{-1} : at - labels.begin();
        }()) {}

  Labeler::Impl& shared;
  cv::Size frame_size;
  config::PeopleConfig people;
  config::EventsConfig events;
  preprocess::FrameSampler sampler;
  features::Tracker tracker;
  int64_t delay;
  std::vector<double> bias;
  FallEvents falls;
  int64_t fall_class;  // -1: the model has no class for falls
  std::map<int, Track> tracks;
  std::vector<int> active;  // the people of the last sampled frame: unsampled frames show them
  // Frames some of whose people's labels are not final, found by a sequence number the stream
  // gives each frame it is pushed: never by Frame::index, which live sources leave gaps in
  // (dropped frames) and embedders may repeat.
  std::deque<LabelledFrame> waiting;
  std::deque<int> missing;              // per waiting frame: labels still to come
  int64_t first_waiting = 0;            // sequence number of waiting.front()
  int64_t next_sequence = 0;            // of the next frame pushed
  features::ProminentPerson prominent;  // single mode with several people: the one labelled
  // Indices and times go on across reconnections: what is added to the new source's own.
  int64_t index_offset = 0, time_offset_us = 0;
  int64_t last_index = -1, last_timestamp_us = 0;
  std::optional<int64_t> rebase_gap_us;  // set by reconnect() until the next frame comes
  int64_t last_seen_us = -1;             // the last sampled frame in which anyone was seen

  // The frame's index and time on the stream's own clock, which goes on across reconnections.
  void continue_clock(int64_t& index, int64_t& timestamp_us) {
    if (rebase_gap_us) {
      index_offset = last_index + 1 - index;
      time_offset_us = last_timestamp_us + *rebase_gap_us - timestamp_us;
      rebase_gap_us.reset();
    }
    index += index_offset;
    timestamp_us += time_offset_us;
    last_index = index;
    last_timestamp_us = timestamp_us;
  }

  std::vector<LabelledFrame> flush_all() {
    for (auto& [id, t] : tracks) finalise(id, t, t.smoother.flush());
    return ready();
  }

  bool multi() const { return people.persons == config::Persons::multi; }

  Track& track(int id) {
    auto it = tracks.find(id);
    if (it == tracks.end()) {
      it = tracks
               .emplace(std::piecewise_construct, std::forward_as_tuple(id),
                        std::forward_as_tuple(shared.bundle.info, shared.map_dim, delay, bias))
               .first;
    }
    return it->second;
  }

  // Queues `frame` until its people's labels are final; returns its sequence number.
  int64_t open_frame(const Frame& frame, const std::vector<int>& ids) {
    LabelledFrame labelled;
    labelled.index = frame.index;
    labelled.timestamp_us = frame.timestamp_us;
    labelled.arrival_us = frame.arrival_us;
    labelled.image = frame.image;
    for (int id : ids) labelled.people.push_back({id, {}, -1, 0, {}});
    waiting.push_back(std::move(labelled));
    missing.push_back(static_cast<int>(ids.size()));
    return next_sequence++;
  }

  // The final label of track `id`'s last step (t.label and the rest) for a waiting frame.
  void fill(int64_t sequence, int id, const Track& t) {
    const int64_t at = sequence - first_waiting;
    if (at < 0 || at >= static_cast<int64_t>(waiting.size())) {
      throw std::logic_error("StreamLabeler: a label for a frame that is not waiting");
    }
    for (auto& person : waiting[static_cast<size_t>(at)].people) {
      if (person.person != id) continue;
      person.label = t.label;
      person.confidence = t.probabilities[static_cast<size_t>(t.label)];
      person.probabilities = t.probabilities;
      person.pose = t.pose;
      person.visible = t.visible;
      person.at_edge = t.at_edge;
      --missing[static_cast<size_t>(at)];
    }
  }

  void finalise(int id, Track& t, const std::vector<int64_t>& labels) {
    const double temperature = shared.bundle.info.temperature;
    for (int64_t label : labels) {
      Track::Step step = std::move(t.pending.front());
      t.pending.pop_front();
      t.label = label;
      // Shown as calibrated; decided (smoothing) on the model's own.
      t.probabilities = temperature == 1.0
                            ? std::move(step.probabilities)
                            : eval::with_temperature(step.probabilities, temperature);
      t.pose = std::move(step.pose);
      t.visible = step.visible;
      t.at_edge = step.at_edge;
      for (int64_t sequence : step.frames) fill(sequence, id, t);
    }
  }

  std::vector<LabelledFrame> ready() {
    std::vector<LabelledFrame> out;
    while (!waiting.empty() && missing.front() == 0) {
      falls.watch(waiting.front());
      out.push_back(std::move(waiting.front()));
      waiting.pop_front();
      missing.pop_front();
      ++first_waiting;
    }
    return out;
  }

  // Who is labelled in a sampled frame, and where each is among its poses (-1: nobody seen).
  std::vector<std::pair<int, int>> people_in(const float* observation, int64_t timestamp_us) {
    const int slots = shared.persons;
    if (!multi()) {
      if (slots <= 1) return {{0, slots == 1 ? 0 : -1}};
      // Several people, one labelled: chosen as training chose (features::main_person).
      return {{0, prominent.choose(tracker.update(observation, slots, timestamp_us), observation)}};
    }
    std::vector<int> dropped;
    const auto seen = tracker.update(observation, slots, timestamp_us, &dropped);
    for (int id : dropped) {
      if (auto it = tracks.find(id); it != tracks.end()) {
        finalise(id, it->second, it->second.smoother.flush());
        tracks.erase(it);  // its state is freed: memory stays flat however many come and go
      }
      falls.gone(id);
    }
    std::vector<std::pair<int, int>> people_seen;
    for (const auto& person : seen) people_seen.push_back({person.id, person.slot});
    // People out of view in this frame (not dropped yet): what they had pending is final now.
    for (int id : active) {
      const bool here = std::any_of(people_seen.begin(), people_seen.end(),
                                    [&](const auto& p) { return p.first == id; });
      if (!here && tracks.count(id)) finalise(id, tracks.at(id), tracks.at(id).smoother.flush());
    }
    return people_seen;
  }

  // How much of a person the camera sees: the share of keypoints seen, and whether the box
  // touches an edge of the frame (cut by it).
  std::pair<float, bool> visibility(const float* pose, cv::Size size) const {
    if (!pose) return {0.0f, false};
    const features::ConstPose view{pose};
    int seen = 0;
    for (int k = 0; k < features::kKeypoints; ++k) {
      seen += view.score(k) >= shared.bundle.info.features.min_score;
    }
    const cv::Rect2f box = view.rect();
    const float margin_x = std::max(2.0f, 0.01f * static_cast<float>(size.width));
    const float margin_y = std::max(2.0f, 0.01f * static_cast<float>(size.height));
    const bool at_edge = size.area() > 0 && (box.x <= margin_x || box.y <= margin_y ||
                                             box.x + box.width >= size.width - margin_x ||
                                             box.y + box.height >= size.height - margin_y);
    return {static_cast<float>(seen) / features::kKeypoints, at_edge};
  }

  std::vector<LabelledFrame> sampled(const Frame& frame, const float* observation, cv::Size size) {
    const auto people_seen = people_in(observation, frame.timestamp_us);
    std::vector<int> ids;
    for (const auto& p : people_seen) ids.push_back(p.first);
    const int64_t sequence = open_frame(frame, ids);
    active = ids;
    if (ids.empty()) return ready();
    // Features of everyone in view, then one model step for all of them together.
    const float* map = shared.map_dim > 0 ? observation + shared.persons * kPoseValues : nullptr;
    const int64_t dim = shared.bundle.info.feature_dim;
    std::vector<float> features(ids.size() * static_cast<size_t>(dim));
    std::vector<Track*> stepping;
    for (size_t i = 0; i < people_seen.size(); ++i) {
      Track& t = track(people_seen[i].first);
      const float* pose =
          people_seen[i].second >= 0 ? observation + people_seen[i].second * kPoseValues : nullptr;
      t.builder.push(pose, map, frame.timestamp_us, features.data() + i * dim);
      Track::Step next;
      if (pose) next.pose.assign(pose, pose + kPoseValues);
      next.frames = {sequence};
      std::tie(next.visible, next.at_edge) = visibility(pose, size);
      if (next.visible > 0) last_seen_us = frame.timestamp_us;
      t.pending.push_back(std::move(next));
      stepping.push_back(&t);
    }
    step(features, stepping);
    for (size_t i = 0; i < stepping.size(); ++i) {
      Track& t = *stepping[i];
      Track::Step& last = t.pending.back();
      // A fall is not claimed from a body the camera barely sees: its probability goes to the
      // other classes before anything is decided.
      if (fall_class >= 0 && last.visible < events.min_visible) {
        float& fall = last.probabilities[static_cast<size_t>(fall_class)];
        const float rest = 1.0f - fall;
        fall = 0;
        if (rest > 0) {
          for (float& p : last.probabilities) p /= rest;
        }
      }
      finalise(ids[i], t, t.smoother.push(last.probabilities.data()));
    }
    return ready();
  }

  std::vector<LabelledFrame> held(const Frame& frame) {
    std::vector<int> ids;
    for (int id : active) {
      if (tracks.count(id)) ids.push_back(id);
    }
    const int64_t sequence = open_frame(frame, ids);
    for (int id : ids) {
      Track& t = tracks.at(id);
      if (t.pending.empty()) {
        fill(sequence, id, t);
      } else {
        t.pending.back().frames.push_back(sequence);
      }
    }
    return ready();
  }

  // One recurrent step for several people: their states stacked along the batch dimension.
  void step(const std::vector<float>& features, const std::vector<Track*>& stepping) {
    std::lock_guard<std::mutex> turn(shared.model_turn);
    c10::InferenceMode inference;
    model::RecurrentLabeler& model = shared.bundle.model;
    const auto n = static_cast<int64_t>(stepping.size());
    const torch::Tensor x = torch::from_blob(const_cast<float*>(features.data()),
                                             {n, shared.bundle.info.feature_dim}, torch::kFloat32);
    const auto& options = model->options();
    const bool lstm = options.cell() == config::Cell::lstm;
    auto zeros = [&] { return torch::zeros({options.num_layers(), 1, options.hidden_size()}); };
    std::vector<torch::Tensor> hs, cs;
    for (Track* t : stepping) {
      hs.push_back(t->state.empty() ? zeros() : t->state.h);
      if (lstm) cs.push_back(t->state.empty() ? zeros() : t->state.c);
    }
    model::RecurrentState state{torch::cat(hs, 1), lstm ? torch::cat(cs, 1) : torch::Tensor()};
    const torch::Tensor probabilities = torch::softmax(model->step(x, state), 1).contiguous();
    for (int64_t i = 0; i < n; ++i) {
      Track& t = *stepping[static_cast<size_t>(i)];
      if (state.h.defined()) {
        t.state = {state.h.slice(1, i, i + 1).clone(),
                   lstm ? state.c.slice(1, i, i + 1).clone() : torch::Tensor()};
      }
      const float* p = probabilities[i].data_ptr<float>();
      t.pending.back().probabilities.assign(p, p + probabilities.size(1));
    }
  }
};

StreamLabeler::StreamLabeler(Labeler& labeler, double source_fps, cv::Size frame_size,
                             const config::PeopleConfig& people, const config::EventsConfig& events)
    : impl_(std::make_unique<Impl>(*labeler.impl_, source_fps, frame_size, people, events)) {}

StreamLabeler::~StreamLabeler() = default;
bool StreamLabeler::thins() const { return impl_->sampler.thins(); }
int64_t StreamLabeler::delay_steps() const { return impl_->delay; }
size_t StreamLabeler::tracks() const { return impl_->tracks.size(); }

std::vector<LabelledFrame> StreamLabeler::push(Frame frame) {
  return push(std::move(frame), [this](const Frame& f, cv::Size size, std::vector<float>& out) {
    impl_->shared.extractor->infer({f.prepared}, size, out);
  });
}

std::vector<LabelledFrame> StreamLabeler::push(Frame frame, const Observe& observe) {
  Impl& impl = *impl_;
  impl.continue_clock(frame.index, frame.timestamp_us);
  if (!impl.sampler.take(frame.timestamp_us)) return impl.held(frame);
  std::vector<float> observation;
  // Keypoints in the pixels of this frame: a stream's frames may change size.
  const cv::Size size = !frame.image.empty()    ? frame.image.size()
                        : frame.size.area() > 0 ? frame.size
                                                : impl.frame_size;
  observe(frame, size, observation);
  frame.prepared.release();
  frame.glimpse.release();
  return impl.sampled(frame, observation.data(), size);
}

bool StreamLabeler::watching() const {
  const Impl& impl = *impl_;
  const bool seen_lately =
      impl.last_seen_us >= 0 && impl.last_timestamp_us - impl.last_seen_us <=
                                    static_cast<int64_t>(impl.people.max_age_s * 1e6);
  return seen_lately || !impl.falls.standing().empty();
}

std::vector<LabelledFrame> StreamLabeler::push_observation(int64_t index, int64_t timestamp_us,
                                                           const float* observation) {
  Impl& impl = *impl_;
  Frame frame;
  frame.index = index;
  frame.timestamp_us = timestamp_us;
  impl.continue_clock(frame.index, frame.timestamp_us);
  if (!impl.sampler.take(timestamp_us)) return impl.held(frame);
  return impl.sampled(frame, observation, impl.frame_size);
}

std::vector<LabelledFrame> StreamLabeler::finish() { return impl_->flush_all(); }

std::vector<LabelledFrame> StreamLabeler::reconnect(double source_fps, cv::Size frame_size,
                                                    double gap_s) {
  Impl& impl = *impl_;
  std::vector<LabelledFrame> out = impl.flush_all();
  impl.tracks.clear();
  impl.active.clear();
  impl.tracker.forget();
  impl.prominent = {};
  impl.sampler = preprocess::FrameSampler(impl.shared.bundle.info.fps, source_fps);
  impl.frame_size = frame_size;
  impl.falls.resize(frame_size);
  // Single mode's one person stays who they were: nobody tells one person from another there.
  if (impl.multi()) impl.falls.identity_lost();
  impl.rebase_gap_us = static_cast<int64_t>(std::max(0.0, gap_s) * 1e6);
  return out;
}

std::vector<int> StreamLabeler::standing_falls() const { return impl_->falls.standing(); }

}  // namespace actrec::pipeline
