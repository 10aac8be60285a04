#pragma once
// The whole configuration, read from and written to YAML: the settings labelling needs
// (inference.hpp) and those training adds (training.hpp). Only config.cpp touches YAML; choices
// are parsed into enums there, once.
#include <string>
#include <vector>

#include "actrec/config/inference.hpp"
#include "actrec/config/training.hpp"

namespace actrec::config {

struct Config {
  RuntimeConfig runtime;
  VideoConfig video;
  FeaturesConfig features;
  ModelConfig model;
  DataConfig data;
  TrainConfig train;
  SmoothingConfig smoothing;
  PeopleConfig people;
  EventsConfig events;
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
std::string to_yaml(const EventsConfig& events);
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
