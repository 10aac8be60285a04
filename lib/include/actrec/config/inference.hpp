#pragma once
// What labelling needs to know: how frames become observations, the model's shape, smoothing,
// whose activity is labelled. Plain structs whose defaults are the recommended settings; only
// config.cpp touches YAML (config.hpp reads and writes them).
#include <string>
#include <utility>
#include <vector>

namespace actrec::config {

enum class ResizeMode {
  stretch,    ///< plain resize to the target size; aspect ratio not kept
  letterbox,  ///< scale to fit inside, pad with black, centred (what MoveNet demos do)
  crop,       ///< scale to cover, centre crop
};
enum class ColorOrder { rgb, bgr };
enum class PixelType { int32, float32 };
enum class Layout { nhwc, nchw };
/// Which backbone outputs make a frame's observation.
enum class Preset {
  pose,             ///< keypoints only: what generalises across people, rooms and cameras
  appearance,       ///< the pooled feature map only
  pose_appearance,  ///< both ("pose+appearance")
};
enum class Cell { lstm, gru, rnn, linear };
enum class Persons {
  single,  ///< one person per frame: the most prominent one
  multi,   ///< every person, tracked, each with its own recurrent state
};

const char* to_string(ResizeMode value);
const char* to_string(ColorOrder value);
const char* to_string(PixelType value);
const char* to_string(Layout value);
const char* to_string(Preset value);
const char* to_string(Cell value);
const char* to_string(Persons value);

struct RuntimeConfig {
  int threads = 0;  ///< LibTorch intra-op threads; 0 = all cores
};

struct VideoConfig {
  int queue_size = 8;              ///< frames buffered between the decode thread and its consumer
  double image_folder_fps = 25.0;  ///< frame rate assumed for a folder of images
};

/// How frames become observations (the backbone, the input it expects, the outputs used) and
/// observations become the model's per-frame features.
struct FeaturesConfig {
  std::string backbone = "models/movenet-multipose.pt";  ///< relative: cwd, then $ACTREC_MODELS
  int input_width = 256;   ///< MoveNet MultiPose takes any multiple of 32
  int input_height = 256;
  ResizeMode resize = ResizeMode::letterbox;
  ColorOrder color = ColorOrder::rgb;
  PixelType input_dtype = PixelType::int32;  ///< pixel values 0..255 either way
  Layout input_layout = Layout::nhwc;
  double input_scale = 1.0;  ///< float32 input: x * input_scale, then (x - mean) / std
  std::vector<double> mean = {0, 0, 0};
  std::vector<double> std = {1, 1, 1};
  Preset preset = Preset::pose;
  int pose_output = 0;  ///< index of the keypoint output ([..,17,3] or MultiPose [..,P,56]); -1 none
  int map_output = -1;  ///< index of a feature map (or vector) output to average-pool; -1: none
  Layout map_layout = Layout::nhwc;
  int batch_size = 8;       ///< frames per forward pass, where the backbone takes any batch size
  double min_score = 0.2;   ///< keypoints scoring lower are treated as unseen
  double motion_s = 0.2;    ///< time constant of the motion estimates, seconds
};

struct ModelConfig {
  Cell cell = Cell::lstm;
  int hidden = 64;
  int layers = 1;
  double dropout = 0.3;
  int projection = 0;  ///< project the normalised features to this size first; 0: no projection
};

/// Causal smoothing of the per-frame labels: a label change costs `switch_penalty` (in units of
/// log probability), decided with `delay_s` of look-ahead. live emits labels that much later.
struct SmoothingConfig {
  double switch_penalty = 4;  ///< 0: off (every frame its own most likely class)
  double delay_s = 0.5;
  /// "label=offset" entries: the offset is added to that class's log probability before the
  /// labels are decided (a decision threshold; e.g. "falling=-1" asks for more evidence).
  std::vector<std::string> class_bias;
};

/// Whose activity is labelled, and how people are followed from frame to frame.
struct PeopleConfig {
  Persons persons = Persons::single;
  double min_person_score = 0.15;  ///< people scoring lower are not labelled...
  double keep_person_score = 0.08;  ///< ...unless already followed and scoring at least this
  double max_age_s = 1.0;          ///< a track unseen this long is dropped
  double min_match = 0.2;          ///< box overlap (IoU) or keypoint similarity to keep an id
  /// The backbone's input when it looks for people in a frame, where its file takes several
  /// sizes (import-tfjs --input-multiple; features.input_* otherwise, and 0 means those too).
  /// Not part of what a bundle means: keypoints come in pixels of the frame at any size, and a
  /// bundle's probe observations are still made at features.input_*. A frame smaller than this
  /// is seen at its own size (rounded up to the file's multiple). 384x288 keeps a 4:3 frame's
  /// aspect: on vtest.avi it finds 0.83 of the people counted by eye against 0.66 at 256x256
  /// letterboxed, for 1.6 times the CPU (docs/results.md, "Seeing everyone").
  int input_width = 384;
  int input_height = 288;
};

/// Fall events: a `falling` run followed by the person staying down (lying, or the body low and
/// level) for `confirm_s` raises a fall; being up again for `up_s` clears it. A fall is never
/// claimed from a body the camera barely sees, nor inside a zone where lying is normal.
struct EventsConfig {
  std::string fall_label = "falling";  ///< the class whose runs may be falls
  double min_fall_s = 0.25;  ///< shorter falling runs are not falls
  double confirm_s = 2.0;    ///< down this long after the fall: an event (1 s: twice the false
                             ///< alarms on the held-out folds, docs/results.md)
  double up_s = 2.0;         ///< up this long after a fall: it clears
  /// Share of the body's keypoints seen below which `falling` is not claimed at all (its
  /// probability goes to the other classes): a body cut by the frame's edge or too small to see.
  double min_visible = 0.0;
  /// Polygons where falls are not raised (a bed, a sofa): "x,y x,y x,y ..." in pixels of the
  /// frame, or in fractions of its width and height when every value is at most 1.
  std::vector<std::string> zones;
};

/// `live` looks for motion before it runs the pose network: a frame where nothing moved since
/// the network last looked, with nobody followed, is not looked at; with people followed any
/// change is looked at, and people wholly still (someone lying after a fall) every
/// `still_interval_s`, their last pose held in between. `label` and `eval` look at every frame,
/// whatever this says.
struct GateConfig {
  bool enabled = true;
  int width = 160;                ///< frames are compared this wide, grey and blurred
  int threshold = 24;             ///< grey levels a pixel must change by to count as moving
  double min_share = 0.002;       ///< nobody followed: share of the pixels that must move
  double still_interval_s = 1.0;  ///< people followed and still: looked at this often
};

/// A zone's points ("x,y x,y ..."); empty when the text is not such a list.
std::vector<std::pair<double, double>> parse_polygon(const std::string& text);

}  // namespace actrec::config
