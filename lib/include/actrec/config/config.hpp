#pragma once
// The effective configuration: plain structs with defaults. Only config.cpp touches YAML.
#include <string>
#include <vector>

namespace actrec::config {

struct RuntimeConfig {
  int threads = 0;  ///< LibTorch intra-op threads; 0 = all cores
};

struct VideoConfig {
  int queue_size = 8;              ///< frames buffered between the decode thread and its consumer
  double image_folder_fps = 25.0;  ///< frame rate assumed for a folder of images
};

/// How frames become feature vectors: the backbone (a TorchScript image model), the input it
/// expects, and which of its outputs make the features.
struct FeaturesConfig {
  std::string backbone = "models/movenet-lightning.pt";  ///< relative: cwd, then the models folder
  int input_width = 192;
  int input_height = 192;
  std::string resize = "letterbox";   ///< stretch | letterbox | crop
  std::string color = "rgb";          ///< rgb | bgr
  std::string input_dtype = "int32";  ///< int32 | float32 (pixel values 0..255 either way)
  std::string input_layout = "nhwc";  ///< nhwc | nchw
  double input_scale = 1.0;           ///< float32 input: x * input_scale, then (x - mean) / std
  std::vector<double> mean = {0, 0, 0};
  std::vector<double> std = {1, 1, 1};
  std::string preset = "pose+appearance";  ///< pose | appearance | pose+appearance
  int pose_output = 0;  ///< index of a [.., 17, 3] (y, x, score) keypoint output; -1: none
  bool pose_position = false;  ///< pose features also hold the body's centre and size
  int map_output = 1;   ///< index of a feature map (or vector) output to average-pool; -1: none
  std::string map_layout = "nhwc";  ///< nhwc | nchw
  int batch_size = 8;  ///< frames per forward pass, where the backbone takes any batch size
};

struct ModelConfig {
  std::string cell = "lstm";  ///< lstm | gru | rnn
  int hidden = 256;
  int layers = 1;
  double dropout = 0.0;
  int projection = 0;  ///< project the normalised features to this size first; 0: no projection
};

/// How annotated clips become per-frame training targets.
struct DataConfig {
  std::vector<std::string> labels;        ///< the class list, in order; empty: inferred, sorted
  std::string background = "background";  ///< class of frames no segment covers; "": ignored
};

struct TrainConfig {
  int epochs = 60;
  int batch_size = 8;      ///< videos per step
  int tbptt_steps = 64;    ///< frames per truncated-BPTT chunk; 0: full BPTT over each video
  double clip_norm = 1.0;  ///< global gradient-norm clipping; 0: off
  std::string optimizer = "adam";  ///< adam | sgd
  double lr = 2e-3;
  double weight_decay = 1e-4;
  std::string schedule = "cosine";  ///< cosine | step | none
  int patience = 15;                ///< epochs without validation gain before stopping; 0: never
  int seed = 1;
  std::string class_weights = "auto";  ///< auto (inverse frequency) | none
  bool augment = true;                 ///< random temporal crops, frame-rate jitter, feature noise
  double min_crop = 0.5;               ///< shortest random crop, as a fraction of the video
  double rate_jitter = 0.2;            ///< frame-rate jitter: resample by a factor in [1-j, 1+j]
  double feature_noise = 0.05;         ///< Gaussian noise, in units of each feature's std
  std::string cache_dir;               ///< feature cache; "": RUN_DIR/features
};

struct Config {
  RuntimeConfig runtime;
  VideoConfig video;
  FeaturesConfig features;
  ModelConfig model;
  DataConfig data;
  TrainConfig train;
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
FeaturesConfig features_from_yaml(const std::string& text, const std::string& source);
ModelConfig model_from_yaml(const std::string& text, const std::string& source);

/// The whole configuration as YAML, every key present, each with a short comment.
std::string to_yaml(const Config& config);

}  // namespace actrec::config
