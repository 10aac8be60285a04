#pragma once
// actrec's embedding API: label the activity of the people in your own frames, from your own
// loop (a robot, a camera pipeline, a GStreamer app). One header; it needs the C++17 standard
// library and OpenCV's core module only, and the CMake package (find_package(actrec)) brings
// both. docs/api.md has a complete example.
//
//   const actrec::Labeler labeler = actrec::Labeler::open();  // the installed default model
//   actrec::StreamOptions options;
//   options.fps = 30;
//   actrec::Stream camera = labeler.stream(options);
//   for (...) for (const auto& frame : camera.push(bgr, time_s)) use(frame.people);
//   for (const auto& frame : camera.finish()) use(frame.people);
//
// Lifetimes: a Labeler is a handle to a loaded model (bundle + backbone); copies share it, and
// every Stream keeps what it was made from alive, so a Labeler may go before its Streams.
// Threading: a Labeler is immutable once open and may be used from any number of threads; each
// Stream belongs to one thread at a time (frames of streams that wait at once go through the
// pose network in one batch; streams take turns at the model; frames are prepared in parallel).
// Everything throws actrec::Error subclasses (actrec/core/error.hpp): ModelError (a model that
// cannot be found, loaded or does not fit), InputError (a frame that cannot be labelled),
// ConfigError (a bad option).
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "actrec/core/error.hpp"

#if defined(__GNUC__)
#define ACTREC_API __attribute__((visibility("default")))
#else
#define ACTREC_API
#endif

namespace actrec {

/// The library's version, "MAJOR.MINOR.PATCH".
ACTREC_API const char* version();

/// The model file `path` names: as given (from the current folder), else, for a relative path,
/// its file name in $ACTREC_MODELS, then in the installed `<prefix>/share/actrec/models`.
/// Throws ModelError naming every place it looked.
ACTREC_API std::string find_model(const std::string& path);

/// Whose activity a stream labels.
enum class Persons {
  single,  ///< the most prominent person: exactly one PersonResult per frame (maybe unseen)
  multi,   ///< everyone in view, each followed with an id of their own
};

/// How labels are smoothed over time.
enum class Smoothing {
  bundle,  ///< as the bundle says (the shipped model: a fixed look-ahead of 0.5 s)
  off,     ///< each frame's most likely label; final as soon as its frame is labelled
};

struct LabelerOptions {
  /// LibTorch intra-op threads: 0 one per core, -1 leave as they are. Process-wide (LibTorch
  /// has one pool): the last Labeler opened sets it for all.
  int threads = 0;
  Smoothing smoothing = Smoothing::bundle;
};

/// COCO's 17 keypoints, in this order.
inline constexpr int kKeypoints = 17;
inline constexpr std::array<const char*, kKeypoints> kKeypointNames = {
    "nose",           "left_eye",   "right_eye",   "left_ear",   "right_ear",   "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip",      "left_knee",  "right_knee",  "left_ankle", "right_ankle"};

struct Keypoint {
  float x = 0, y = 0;  ///< pixels of the frame pushed
  float score = 0;     ///< 0..1; under about 0.2 the point is a guess
};

/// One person's label in one frame.
struct PersonResult {
  int id = 0;         ///< track id, stable while the person stays in view (multi); 0 in single
  bool seen = false;  ///< false: nobody seen (single mode); box and keypoints are then zero
  cv::Rect2f box;     ///< pixels of the frame pushed
  float score = 0;    ///< how sure the pose network is that this is a person
  std::array<Keypoint, kKeypoints> keypoints{};
  int label = 0;           ///< index into Labeler::labels()
  std::string label_name;  ///< Labeler::labels()[label]
  /// The probability of `label`, calibrated as the bundle says (`actrec calibrate`): 0.8 is
  /// right about 80% of the time on the clips it was calibrated on.
  double confidence = 0;
  std::vector<float> probabilities;  ///< one per label, calibrated, summing to 1
  float visible = 0;                 ///< share of the body's 17 keypoints seen (0: nobody seen)
  bool at_edge = false;  ///< the box touches the frame's edge: the person is partly out of view
};

/// Something that happened to a person, decided with the labels of the frame that carries it.
struct Event {
  enum class Kind {
    fall,    ///< fell (a falling run) and stayed down
    up,      ///< seen up again after a fall: only this clears it
    unseen,  ///< the person who fell is no longer seen: the fall stands
  };
  Kind kind = Kind::fall;
  int person = 0;         ///< PersonResult::id
  int64_t frame = 0;      ///< the frame (FrameResult::frame) that shows it best
  double start_s = 0;     ///< a fall: when the falling run began
  double end_s = 0;       ///< a fall: when staying down confirmed it; up, unseen: when
  double confidence = 0;  ///< a fall: the mean confidence of its falling run
  /// up: the person's identity was lost (their track ended while unseen), so the fall cleared
  /// when everyone in view was seen up rather than that person.
  bool identity_lost = false;
};
ACTREC_API const char* to_string(Event::Kind kind);  ///< "fall", "up", "unseen"

/// A frame whose labels are final.
struct FrameResult {
  int64_t frame = 0;  ///< which push() it came from: 0 for the stream's first, then 1, 2, ...
  double time_s = 0;  ///< the time given to that push()
  std::vector<PersonResult> people;  ///< single: exactly one; multi: one per person in view
  std::vector<Event> events;
  cv::Mat image;  ///< a copy of the frame pushed, with StreamOptions::keep_images; else empty
};

using ResultCallback = std::function<void(const FrameResult&)>;

struct StreamOptions {
  /// The source's nominal frame rate. The model steps at its own rate (Labeler::model_fps());
  /// frames in between get the labels of the step before. 0: unknown (frames are then chosen by
  /// their timestamps alone; give the rate to label exactly as `actrec label` does).
  double fps = 0;
  Persons persons = Persons::single;
  /// Keep a copy of each frame in its FrameResult (labels are final later than the frame came:
  /// what you need to draw them on it).
  bool keep_images = false;
  /// When set, push() and finish() hand each FrameResult to it (on the calling thread, in
  /// order) and return nothing.
  ResultCallback on_result;
  /// Polygons where falls are not raised (a bed, a sofa), in pixels of the frames pushed, or in
  /// fractions of their width and height when every value is at most 1 (`events.zones`).
  std::vector<std::vector<cv::Point2f>> zones;
  /// Look for motion before the pose network runs, as `actrec live` does: a frame where nothing
  /// moved, with nobody followed, is not looked at; people followed but still are looked at
  /// once a second (gate.still_interval_s) with their pose held between. Off: every frame
  /// looked at, as `actrec label` does.
  bool motion_gate = false;
  /// The config file's `people`, `events` and `gate` settings, "section.key=value" as
  /// `actrec --set` takes them (the value read as YAML): e.g. "events.up_s=3",
  /// "people.max_age_s=2", "gate.threshold=16". The same keys, defaults and meaning as for
  /// `actrec live` (`actrec config show`); `persons`, `zones` and `motion_gate` above win.
  /// ConfigError names a key that is not one of them or a value that does not fit.
  std::vector<std::string> settings;
};

class Stream;

/// A loaded model: a bundle (.actrec) and the backbone its observations came from. A cheap,
/// copyable handle; immutable once open.
class ACTREC_API Labeler {
 public:
  /// Loads `bundle` (empty: the shipped default model, `default.actrec`), found as
  /// find_model() says, with the backbone it names, found the same way, and checks that the
  /// backbone makes the observations the bundle was trained on. ModelError otherwise.
  static Labeler open(const std::string& bundle = "", const LabelerOptions& options = {});

  const std::vector<std::string>& labels() const;  ///< class names, in the model's order
  double model_fps() const;                        ///< the rate the model steps at
  double delay_s() const;  ///< how long after its frame a label is final (smoothing look-ahead)
  const std::string& bundle_path() const;    ///< where the bundle was found
  const std::string& backbone_path() const;  ///< where its backbone was found

  /// A new stream (one camera, one video) labelled by this model.
  Stream stream(const StreamOptions& options = {}) const;

 private:
  friend class Stream;
  struct Impl;
  explicit Labeler(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

/// One source of frames, labelled frame after frame with its own state (people followed, each
/// person's recurrent state and smoothing). Movable, not copyable; one thread at a time.
class ACTREC_API Stream {
 public:
  Stream(Stream&&) noexcept;
  Stream& operator=(Stream&&) noexcept;
  ~Stream();

  /// Labels `bgr` (8-bit BGR; grey and BGRA are converted; any size, even changing from frame
  /// to frame), taken at `time_s` seconds on the caller's clock, which should increase. Returns
  /// the frames whose labels became final, oldest first: with smoothing, frames up to
  /// Labeler::delay_s() older than this one. The image is not kept (unless keep_images).
  /// A time equal to the last one is a repeated frame: it gets that frame's labels, and the
  /// model does not step. A time earlier than the last is a clock that went back: the stream
  /// carries on as if the frame came one frame period (1 / fps) after the last one. Frames
  /// the caller skips are simply absent: times may jump ahead; a person unseen for a second
  /// loses their id. InputError for an empty image, a depth other than 8-bit or a time that is
  /// not finite.
  std::vector<FrameResult> push(const cv::Mat& bgr, double time_s);
  /// The frames still waiting, at the end of the stream; the stream takes no frames after it.
  std::vector<FrameResult> finish();

  int64_t frames() const;  ///< frames pushed so far
  size_t people() const;   ///< people followed now

 private:
  friend class Labeler;
  struct Impl;
  explicit Stream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace actrec
