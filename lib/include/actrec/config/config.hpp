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
  GateConfig gate;
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

/// What `live` does besides labelling: where events, lines and clips go, MQTT, the page, how
/// long a stream may be away. The command line's flags for one camera; the `live:` section of a
/// cameras file (and of each camera in it) for several.
struct LiveConfig {
  std::string events_file;  ///< event lines, appended ("-": stdout)
  std::string jsonl_file;   ///< a line per labelled person and frame, appended ("-": stdout)
  std::string clips;        ///< a folder for a clip of each fall
  double clip_before_s = 5, clip_after_s = 5;
  std::string mqtt;        ///< broker HOST[:PORT]
  std::string mqtt_topic;  ///< topic prefix; "": actrec/NAME
  std::string mqtt_discovery = "homeassistant";
  std::string mqtt_user;       ///< the password comes from $ACTREC_MQTT_PASSWORD
  std::string serve;           ///< the page, [ADDR:]PORT: the process's, one for all cameras
  double timeout_s = 5;        ///< a stream's wait to open and for each frame
  double max_downtime_s = -1;  ///< give up a stream down this long; negative: never
};

/// One camera of a cameras file: its name (the key it is given under, [A-Za-z0-9_-]), its
/// source, and the file's settings with the camera's own over them.
struct CameraConfig {
  std::string name, source;
  bool realtime = false;  ///< a file source played at its own rate, as a camera
  Config config;
  LiveConfig live;
  /// What the camera is made of (its entry and the file's other settings): a reload restarts
  /// a camera whose settings changed, and leaves the others alone.
  std::string settings;
};

/// `live --cameras FILE.yaml`: any config section (the settings of every camera), a `live:`
/// section, and `cameras:` mapping each name to `source:` (with `realtime: true`, a file played
/// as a camera) and, optionally, what differs for it:
/// `persons:` (people.persons), `zones:` (events.zones), `clips:` (live.clips), and `people:`,
/// `events:`, `gate:`, `live:` sections. `overrides` (--set) apply to every camera. ConfigError
/// naming file:line and the key path for anything else, a camera without a source, a name that
/// is not [A-Za-z0-9_-], or no camera at all.
struct CamerasFile {
  Config config;
  LiveConfig live;
  std::vector<CameraConfig> cameras;
};
CamerasFile load_cameras(const std::string& path, const std::vector<std::string>& overrides = {});

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
