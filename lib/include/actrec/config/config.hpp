#pragma once
// The effective configuration: plain structs whose defaults are the recommended settings (the
// ones models/default.actrec was trained with). Only config.cpp touches YAML; choices are parsed
// into enums there, once.
#include <string>
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
enum class Optimizer { adam, sgd };
enum class Schedule { cosine, step, none };
enum class ClassWeights { inverse_frequency, none };
/// How training sequences are cut and where the loss falls.
enum class Recipe {
  tbptt,    ///< random crops, truncated BPTT in chunks, loss on every frame
  windows,  ///< short windows from a zero state, loss on their last steps (MiniROAD)
};
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
const char* to_string(Optimizer value);
const char* to_string(Schedule value);
const char* to_string(ClassWeights value);
const char* to_string(Recipe value);
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
  Cell cell = Cell::gru;
  int hidden = 64;
  int layers = 1;
  double dropout = 0.3;
  int projection = 0;  ///< project the normalised features to this size first; 0: no projection
};

/// How annotated clips become per-frame training targets.
struct DataConfig {
  std::vector<std::string> labels;        ///< the class list, in order; empty: inferred, sorted
  std::string background = "background";  ///< class of frames no segment covers; "": ignored
  double fps = 15;  ///< the model steps at this rate: faster sources are sampled down to it
};

/// Keypoint augmentation at training time; each applied per clip with its own draw.
struct AugmentConfig {
  bool enabled = true;
  double mirror = 0.5;             ///< probability of a left-right mirror (sides swapped)
  double scale = 0.2;              ///< scale by a factor in [1-s, 1+s]
  double rotate_deg = 10;          ///< rotate by up to this many degrees
  double keypoint_dropout = 0.05;  ///< probability that a keypoint is unseen in a frame
  double cut_lower_body = 0.15;    ///< probability that a clip shows no knees and ankles
  double rate_jitter = 0.25;       ///< speed change: time stretched by a factor in [1-j, 1+j]
  double min_crop = 0.5;           ///< tbptt recipe: shortest random crop, fraction of a clip
  double feature_noise = 0.05;     ///< Gaussian noise, in units of each feature's std
};

struct TrainConfig {
  Recipe recipe = Recipe::tbptt;
  int epochs = 60;
  int batch_size = 8;      ///< sequences per step
  int tbptt_steps = 64;    ///< tbptt: frames per truncated-BPTT chunk; 0: full BPTT
  int window = 48;         ///< windows: frames per window
  int loss_steps = 16;     ///< windows: the loss is on this many last frames of each window
  double clip_norm = 1.0;  ///< global gradient-norm clipping; 0: off
  Optimizer optimizer = Optimizer::adam;
  double lr = 2e-3;
  double weight_decay = 1e-4;
  Schedule schedule = Schedule::cosine;
  int patience = 20;  ///< epochs without validation gain before stopping; 0: never
  int seed = 1;
  ClassWeights class_weights = ClassWeights::none;  ///< tune.sh: better than inverse frequency
  AugmentConfig augment;
  std::string cache_dir;  ///< feature cache; "": $XDG_CACHE_HOME or ~/.cache/actrec/features
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
};

struct Config {
  RuntimeConfig runtime;
  VideoConfig video;
  FeaturesConfig features;
  ModelConfig model;
  DataConfig data;
  TrainConfig train;
  SmoothingConfig smoothing;
  PeopleConfig people;
};

/// Loads `path` (empty: defaults only), then applies each override "dotted.key=value" in order.
/// Unknown keys, wrong types and out-of-range values throw ConfigError naming the key path and
/// file:line (or the override).
Config load(const std::string& path, const std::vector<std::string>& overrides = {});

/// Applies YAML `text` on top of `config`; `source` names it in error messages.
void apply_yaml(Config& config, const std::string& text, const std::string& source);

/// Applies one "dotted.key=value" override; the value is read as a YAML scalar.
void apply_override(Config& config, const std::string& assignment);

/// One section as YAML, and back (for files that carry their own settings, e.g. model bundles).
std::string to_yaml(const FeaturesConfig& features);
std::string to_yaml(const ModelConfig& model);
std::string to_yaml(const TrainConfig& train);
std::string to_yaml(const SmoothingConfig& smoothing);
FeaturesConfig features_from_yaml(const std::string& text, const std::string& source);
ModelConfig model_from_yaml(const std::string& text, const std::string& source);
SmoothingConfig smoothing_from_yaml(const std::string& text, const std::string& source);

/// The whole configuration as YAML, every key present, each with a short comment.
std::string to_yaml(const Config& config);

/// How dataset importers turn the labels a dataset uses into a vocabulary (`data import
/// --labels MAP.yaml`):
///   labels:            # source label (or glob pattern, first match wins) -> vocabulary label
///     Walking: walking
///     "Fall*": falling
///     Reading: ~       # dropped: its time counts only where another label covers it
///   precedence: [falling, lying, sitting]   # overlapping labels: the earlier listed wins
struct LabelMap {
  std::vector<std::pair<std::string, std::string>> rules;  ///< in file order; "" = dropped
  std::vector<std::string> precedence;
};

/// ConfigError naming file:line for anything but the two keys above with strings in them.
LabelMap load_label_map(const std::string& path);

/// Keys whose values differ between `a` and `b` ("resize: letterbox vs stretch"), for messages.
/// Leaves out where the backbone file is and how many frames go per pass.
std::vector<std::string> extraction_differences(const FeaturesConfig& a, const FeaturesConfig& b);
/// The same for two model sections ("hidden: 64 vs 128").
std::vector<std::string> differences(const ModelConfig& a, const ModelConfig& b);

}  // namespace actrec::config
