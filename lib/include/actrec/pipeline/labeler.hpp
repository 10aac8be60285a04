#pragma once
// Labelling frames as they come, with a trained bundle: the piece `label` (files), `live`
// (cameras) and `eval` share, so that they give the same labels. A Labeler holds what is loaded
// once (the bundle's model, the backbone); a StreamLabeler what each stream carries (frame
// sampling, people tracked, and per person the motion history, recurrent state and smoothing).
// Several streams share one Labeler. The header needs no LibTorch.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actrec/config/inference.hpp"
#include "actrec/core/frame.hpp"
#include "actrec/features/feature_extractor.hpp"
#include "actrec/model/bundle_info.hpp"

namespace actrec::pipeline {

class Labeler {
 public:
  /// Loads the bundle (found as core/model_paths.hpp says) and the backbone its observations
  /// came from, which looks for people at `people`.input_* where it can (FeatureExtractor);
  /// ModelError when what the backbone makes is not what the bundle was trained on (see
  /// model::check_features_match).
  explicit Labeler(const std::string& bundle, const config::PeopleConfig& people = {});
  ~Labeler();
  Labeler(const Labeler&) = delete;
  Labeler& operator=(const Labeler&) = delete;

  const model::BundleInfo& info() const;
  const std::vector<std::string>& labels() const;
  const std::string& background() const;
  double model_fps() const;  ///< the rate the model steps at
  features::FeatureExtractor& extractor();
  /// Smooths streams started from now on as `smoothing` says, instead of as the bundle does.
  void set_smoothing(const config::SmoothingConfig& smoothing);

 private:
  friend class StreamLabeler;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One person's label in one frame.
struct PersonLabel {
  int person = 0;           ///< track id (multi); 0 for the one person of single mode
  std::vector<float> pose;  ///< kPoseValues floats (pixels of the frame); empty: none seen
  int64_t label = 0;
  double confidence = 0;  ///< calibrated probability of `label` (the bundle's temperature)
  std::vector<float> probabilities;  ///< one per class, calibrated
  float visible = 0;                 ///< share of the body's 17 keypoints seen (0: nobody seen)
  bool at_edge = false;              ///< the box touches the frame's edge: partly out of view
};

/// Something that happened to a person, decided with the labels of the frame that carries it.
struct PersonEvent {
  enum class Kind {
    fall,    ///< fell (a falling run) and stayed down: what an alarm is raised for
    up,      ///< seen up again after a fall: what clears the alarm
    unseen,  ///< the person who fell is no longer seen: the fall stands
  };
  Kind kind = Kind::fall;
  int person = 0;         ///< track id (0 in single mode)
  int64_t frame = 0;      ///< index of the frame that shows it best (a fall: its first frame)
  double start_s = 0;     ///< a fall: when the falling run began
  double end_s = 0;       ///< a fall: when staying down confirmed it; up, unseen: when it happened
  double confidence = 0;  ///< a fall: the mean confidence of its falling run
  /// up: the person's identity was lost (their track ended, or the stream reconnected), so the
  /// fall cleared when everyone in view was seen up, not that person.
  bool identity_lost = false;
};
const char* to_string(PersonEvent::Kind kind);  ///< "fall", "up", "unseen"

/// A frame whose labels are final.
struct LabelledFrame {
  int64_t index = 0;
  int64_t timestamp_us = 0;
  int64_t arrival_us = 0;           ///< when it was decoded (steady clock), for latency
  cv::Mat image;                    ///< the decoded frame, where the caller kept it
  std::vector<PersonLabel> people;  ///< single mode: exactly one; multi: one per person seen
  std::vector<PersonEvent> events;  ///< events decided with this frame's labels
};

class StreamLabeler {
 public:
  /// A new stream of `frame_size` frames at `source_fps`: frames are sampled to the model's rate
  /// by timestamp; `people` says whose activity is labelled, `events` when a fall is raised
  /// (and from how much of a body a fall may be claimed at all).
  StreamLabeler(Labeler& labeler, double source_fps, cv::Size frame_size,
                const config::PeopleConfig& people, const config::EventsConfig& events = {});
  ~StreamLabeler();
  StreamLabeler(const StreamLabeler&) = delete;
  StreamLabeler& operator=(const StreamLabeler&) = delete;

  bool thins() const;  ///< the source is faster than the model's rate: some frames are held
  /// Frames a label waits for the smoothing's look-ahead (0 when smoothing is off).
  int64_t delay_steps() const;
  size_t tracks() const;  ///< people followed now

  /// A frame whose `prepared` image is set (extractor().prepare()); the backbone runs when the
  /// frame is sampled. Returns the frames whose labels became final, in order (with smoothing,
  /// earlier frames than this one).
  std::vector<LabelledFrame> push(Frame frame);
  /// What a sampled frame's observation is: `observation` filled with the extractor's dim()
  /// values for `frame`, whose image is `size`. push(Frame) runs the labeler's extractor; a
  /// caller may look otherwise (a motion gate, a backbone several streams share).
  using Observe =
      std::function<void(const Frame& frame, cv::Size size, std::vector<float>& observation)>;
  /// push(Frame) with `observe` asked for the observation, only when the frame is sampled.
  std::vector<LabelledFrame> push(Frame frame, const Observe& observe);
  /// Whether people are followed now or a fall stands: what a motion gate keeps looking at.
  bool watching() const;
  /// The same for a frame whose observation was made before (the feature cache): the
  /// extractor's dim() values.
  std::vector<LabelledFrame> push_observation(int64_t index, int64_t timestamp_us,
                                              const float* observation);
  /// The frames still waiting, at the end of the stream.
  std::vector<LabelledFrame> finish();
  /// The source was lost and delivers again (a new connection at `source_fps`, `frame_size`).
  /// Returns the frames still waiting, as finish() does, then follows people afresh: new ids
  /// (never one used before), recurrent states and smoothing from zero; in multi mode a fall
  /// that stands waits for everyone in view to be up (FallEvents::identity_lost). Frame indices
  /// and times go on from the last frame pushed: the next frame pushed is the one after it,
  /// `gap_s` later, whatever index and time its new source gives it.
  std::vector<LabelledFrame> reconnect(double source_fps, cv::Size frame_size, double gap_s);
  /// Falls raised and not cleared, by person id.
  std::vector<int> standing_falls() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace actrec::pipeline
