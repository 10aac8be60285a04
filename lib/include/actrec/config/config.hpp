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

struct ModelConfig {
  std::string cell = "lstm";  ///< lstm | gru | rnn
  int hidden = 256;
  int layers = 1;
  double dropout = 0.0;
};

struct Config {
  RuntimeConfig runtime;
  VideoConfig video;
  ModelConfig model;
};

/// Loads `path` (empty: defaults only), then applies each override "dotted.key=value" in order.
/// Unknown keys, wrong types and out-of-range values throw ConfigError naming the key path and
/// file:line (or the override).
Config load(const std::string& path, const std::vector<std::string>& overrides = {});

/// Applies YAML `text` on top of `config`; `source` names it in error messages.
void apply_yaml(Config& config, const std::string& text, const std::string& source);

/// Applies one "dotted.key=value" override; the value is read as a YAML scalar.
void apply_override(Config& config, const std::string& assignment);

/// The whole configuration as YAML, every key present, each with a short comment.
std::string to_yaml(const Config& config);

}  // namespace actrec::config
