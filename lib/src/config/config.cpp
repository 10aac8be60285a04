#include "actrec/config/config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "actrec/core/error.hpp"

namespace actrec::config {
namespace {

}  // namespace

std::vector<std::pair<double, double>> parse_polygon(const std::string& text) {
  std::vector<std::pair<double, double>> points;
  std::istringstream in(text);
  for (std::string point; in >> point;) {
    const auto comma = point.find(',');
    char* end = nullptr;
    const std::string xs = comma == std::string::npos ? "" : point.substr(0, comma);
    const std::string ys = comma == std::string::npos ? "" : point.substr(comma + 1);
    const double x = std::strtod(xs.c_str(), &end);
    if (xs.empty() || *end) return {};
    const double y = std::strtod(ys.c_str(), &end);
    if (ys.empty() || *end || !std::isfinite(x) || !std::isfinite(y) || x < 0 || y < 0) return {};
    points.push_back({x, y});
  }
  return points;
}

namespace {

// A bound as people write it: 1e+09, 0.001, 60; never hundreds of digits.
std::string number_text(double value) { return fmt::format("{:g}", value); }

// Constraints a field's value must meet; each returns an empty string or the reason it fails.
struct AtLeast {
  double min;
  std::string check(double v) const {
    return v >= min ? "" : "must be at least " + number_text(min);
  }
};
struct Between {
  double min, max;
  std::string check(double v) const {
    return v >= min && v <= max ? ""
                                : "must be between " + number_text(min) + " and " + number_text(max);
  }
};
struct AnyString {
  std::string check(const std::string&) const { return ""; }
};
struct AnyBool {
  std::string check(bool) const { return ""; }
};
struct AnyList {
  std::string check(const std::vector<std::string>&) const { return ""; }
};
struct NonEmpty {
  std::string check(const std::string& v) const { return v.empty() ? "must not be empty" : ""; }
};
struct OneOf {
  std::vector<std::string> choices;
  std::string check(const std::string& v) const {
    std::string list;
    for (const auto& c : choices) {
      if (c == v) return "";
      list += (list.empty() ? "" : ", ") + c;
    }
    return "must be one of: " + list;
  }
};

// "name=number" entries.
struct Assignments {
  std::string check(const std::vector<std::string>& entries) const {
    for (const auto& entry : entries) {
      const auto equals = entry.find('=');
      char* end = nullptr;
      const std::string number = equals == std::string::npos ? "" : entry.substr(equals + 1);
      const double value = std::strtod(number.c_str(), &end);
      if (equals == 0 || equals == std::string::npos || number.empty() ||
          end != number.c_str() + number.size() || !std::isfinite(value)) {
        return "entries must read NAME=NUMBER, got '" + entry + "'";
      }
    }
    return "";
  }
};

struct Numbers {
  size_t count;
  bool positive = false;
  std::string check(const std::vector<double>& v) const {
    if (v.size() != count) return "must be a list of " + std::to_string(count) + " numbers";
    for (double x : v) {
      if (positive && !(x > 0)) return "must hold positive numbers";
    }
    return "";
  }
};

// The name of each choice, in one table per enum: parsing and printing both read it.
template <typename E>
struct Names;
#define ACTREC_NAMES(E, ...)                                       \
  template <>                                                      \
  struct Names<E> {                                                \
    static constexpr std::pair<const char*, E> table[] = __VA_ARGS__; \
  };
ACTREC_NAMES(ResizeMode, {{"stretch", ResizeMode::stretch},
                          {"letterbox", ResizeMode::letterbox},
                          {"crop", ResizeMode::crop}})
ACTREC_NAMES(ColorOrder, {{"rgb", ColorOrder::rgb}, {"bgr", ColorOrder::bgr}})
ACTREC_NAMES(PixelType, {{"int32", PixelType::int32}, {"float32", PixelType::float32}})
ACTREC_NAMES(Layout, {{"nhwc", Layout::nhwc}, {"nchw", Layout::nchw}})
ACTREC_NAMES(Preset, {{"pose", Preset::pose},
                      {"appearance", Preset::appearance},
                      {"pose+appearance", Preset::pose_appearance}})
ACTREC_NAMES(Cell, {{"lstm", Cell::lstm}, {"gru", Cell::gru}, {"rnn", Cell::rnn},
                    {"linear", Cell::linear}})
ACTREC_NAMES(Optimizer, {{"adam", Optimizer::adam}, {"sgd", Optimizer::sgd}})
ACTREC_NAMES(Schedule,
             {{"cosine", Schedule::cosine}, {"step", Schedule::step}, {"none", Schedule::none}})
ACTREC_NAMES(ClassWeights,
             {{"auto", ClassWeights::inverse_frequency}, {"none", ClassWeights::none}})
ACTREC_NAMES(Recipe, {{"tbptt", Recipe::tbptt}, {"windows", Recipe::windows}})
ACTREC_NAMES(Freeze, {{"none", Freeze::none}, {"recurrent", Freeze::recurrent}})
ACTREC_NAMES(Persons, {{"single", Persons::single}, {"multi", Persons::multi}})
#undef ACTREC_NAMES

template <typename E>
const char* name_of(E value) {
  for (const auto& [name, entry] : Names<E>::table) {
    if (entry == value) return name;
  }
  return "?";
}

// An enum field: read and written by name, any listed name accepted.
struct Choice {};

// The schema, written once and walked by every visitor: reader, writer.
template <typename V>
void describe(V& v, RuntimeConfig& c) {
  v.field("threads", c.threads, "LibTorch intra-op threads; 0 = all cores", AtLeast{0});
}
template <typename V>
void describe(V& v, VideoConfig& c) {
  v.field("queue_size", c.queue_size, "frames buffered between decoding and processing",
          Between{1, 1024});
  v.field("image_folder_fps", c.image_folder_fps, "frame rate assumed for a folder of images",
          Between{0.001, 10000});
}
template <typename V>
void describe(V& v, FeaturesConfig& c) {
  v.field("backbone", c.backbone, "TorchScript image model (relative: cwd, then $ACTREC_MODELS)",
          NonEmpty{});
  v.field("input_width", c.input_width, "backbone input width", Between{1, 8192});
  v.field("input_height", c.input_height, "backbone input height", Between{1, 8192});
  v.field("resize", c.resize, "stretch | letterbox | crop", Choice{});
  v.field("color", c.color, "channel order the backbone expects: rgb | bgr", Choice{});
  v.field("input_dtype", c.input_dtype, "int32 | float32", Choice{});
  v.field("input_layout", c.input_layout, "nhwc | nchw", Choice{});
  v.field("input_scale", c.input_scale, "float32 input: pixel * input_scale, then (x - mean) / std",
          Between{1e-9, 1e9});
  v.field("mean", c.mean, "per-channel mean (in the backbone's colour order)", Numbers{3});
  v.field("std", c.std, "per-channel standard deviation", Numbers{3, true});
  v.field("preset", c.preset, "what makes the features: pose | appearance | pose+appearance",
          Choice{});
  v.field("pose_output", c.pose_output, "output index of the keypoints; -1 none",
          Between{-1, 64});
  v.field("map_output", c.map_output, "output index of the feature map to pool; -1 none",
          Between{-1, 64});
  v.field("map_layout", c.map_layout, "layout of that map: nhwc | nchw", Choice{});
  v.field("batch_size", c.batch_size, "frames per pass where the backbone takes any batch",
          Between{1, 1024});
  v.field("min_score", c.min_score, "keypoints scoring lower are treated as unseen",
          Between{0, 1});
  v.field("motion_s", c.motion_s, "time constant of motion estimates, seconds",
          Between{0.001, 10});
}
template <typename V>
void describe(V& v, ModelConfig& c) {
  v.field("cell", c.cell, "recurrent cell: lstm | gru | rnn; linear = no recurrence (baseline)",
          Choice{});
  v.field("hidden", c.hidden, "hidden state size", Between{1, 65536});
  v.field("layers", c.layers, "stacked recurrent layers", Between{1, 16});
  v.field("dropout", c.dropout, "dropout on the input, between layers, before the head",
          Between{0, 0.95});
  v.field("projection", c.projection, "project features to this size first; 0 = none",
          Between{0, 65536});
}
template <typename V>
void describe(V& v, DataConfig& c) {
  v.field("labels", c.labels, "class list in order; [] = inferred from the data, sorted",
          AnyList{});
  v.field("background", c.background, "class for frames no segment covers; '' = ignore them",
          AnyString{});
  v.field("fps", c.fps, "the model's frame rate: faster sources are sampled down to it",
          Between{0.1, 1000});
}
template <typename V>
void describe(V& v, AugmentConfig& c) {
  v.field("enabled", c.enabled, "augment at all", AnyBool{});
  v.field("mirror", c.mirror, "probability of a left-right mirror", Between{0, 1});
  v.field("scale", c.scale, "scale by a factor in [1-s, 1+s]", Between{0, 0.9});
  v.field("rotate_deg", c.rotate_deg, "rotate by up to this many degrees", Between{0, 180});
  v.field("keypoint_dropout", c.keypoint_dropout, "probability a keypoint is unseen in a frame",
          Between{0, 1});
  v.field("cut_lower_body", c.cut_lower_body, "probability a clip shows no knees and ankles",
          Between{0, 1});
  v.field("edge_cut", c.edge_cut,
          "probability a frame edge cuts the body (out of view in part, entering or leaving)",
          Between{0, 1});
  v.field("small", c.small, "probability the person is seen small (jittered, extremities lost)",
          Between{0, 1});
  v.field("view", c.view,
          "probability a clip is seen from another angle (lifted to 3-D, turned, projected)",
          Between{0, 1});
  v.field("yaw_deg", c.yaw_deg, "view: turn about the vertical by up to this, degrees",
          Between{0, 180});
  v.field("pitch_deg", c.pitch_deg, "view: tilt the camera by up to this, degrees", Between{0, 80});
  v.field("rate_jitter", c.rate_jitter, "speed change: time stretched by [1-j, 1+j]",
          Between{0, 0.9});
  v.field("min_crop", c.min_crop, "tbptt: shortest random crop, fraction of a clip",
          Between{0.05, 1});
  v.field("feature_noise", c.feature_noise, "Gaussian noise in feature std units", Between{0, 10});
}
template <typename V>
void describe(V& v, MocapConfig& c) {
  v.field("folder", c.folder,
          "motion capture to mix in (clips.csv, clips/: cmu_mocap_subset's format); '' = none",
          AnyString{});
  v.field("share", c.share, "mocap sequences' share of each epoch (fresh virtual cameras)",
          Between{0, 0.95});
}
template <typename V>
void describe(V& v, FinetuneConfig& c) {
  v.field("epochs", c.epochs, "--init: passes over the videos (replaces train.epochs)",
          Between{1, 100000});
  v.field("lr", c.lr, "--init: learning rate (replaces train.lr)", Between{1e-9, 100});
  v.field("freeze", c.freeze, "--init: what stays as it was: none | recurrent (the cell)",
          Choice{});
}
template <typename V>
void describe(V& v, TrainConfig& c) {
  v.field("recipe", c.recipe, "tbptt (crops, truncated BPTT) | windows (zero state, last steps)",
          Choice{});
  v.field("epochs", c.epochs, "passes over the training videos", Between{1, 100000});
  v.field("batch_size", c.batch_size, "sequences per step", Between{1, 4096});
  v.field("tbptt_steps", c.tbptt_steps, "tbptt: chunk in frames; 0 = full BPTT",
          Between{0, 1000000});
  v.field("window", c.window, "windows: frames per window", Between{2, 100000});
  v.field("loss_steps", c.loss_steps, "windows: loss on this many last frames", Between{1, 100000});
  v.field("clip_norm", c.clip_norm, "clip gradients to this global norm; 0 = off", AtLeast{0});
  v.field("optimizer", c.optimizer, "adam | sgd", Choice{});
  v.field("lr", c.lr, "learning rate", Between{1e-9, 100});
  v.field("weight_decay", c.weight_decay, "L2 weight decay", Between{0, 10});
  v.field("schedule", c.schedule, "learning-rate schedule: cosine | step | none", Choice{});
  v.field("patience", c.patience, "stop after this many epochs without gain; 0 = never",
          Between{0, 100000});
  v.field("seed", c.seed, "random seed: same seed, same run", AtLeast{0});
  v.field("class_weights", c.class_weights, "auto (inverse frequency) | none", Choice{});
  v.section("augment", c.augment);
  v.section("mocap", c.mocap);
  v.section("finetune", c.finetune);
  v.field("cache_dir", c.cache_dir, "feature cache folder; '' = ~/.cache/actrec/features",
          AnyString{});
}
template <typename V>
void describe(V& v, SmoothingConfig& c) {
  v.field("switch_penalty", c.switch_penalty,
          "cost of a label change in log probability; 0 = no smoothing", Between{0, 1000});
  v.field("delay_s", c.delay_s, "look-ahead before a label is final, seconds", Between{0, 60});
  v.field("class_bias", c.class_bias, "label=offset added to its log probability, e.g. falling=-1",
          Assignments{});
}
template <typename V>
void describe(V& v, PeopleConfig& c) {
  v.field("persons", c.persons, "single (the most prominent person) | multi (everyone, tracked)",
          Choice{});
  v.field("min_person_score", c.min_person_score, "people scoring lower start no track",
          Between{0, 1});
  v.field("keep_person_score", c.keep_person_score,
          "a person already followed stays followed down to this score", Between{0, 1});
  v.field("max_age_s", c.max_age_s, "a person unseen this long loses their id", Between{0, 3600});
  v.field("min_match", c.min_match, "least box overlap or keypoint similarity to keep an id",
          Between{0, 1});
  v.field("input_width", c.input_width,
          "backbone input width when looking for people, where its file takes several sizes; "
          "0 = features.input_width",
          Between{0, 8192});
  v.field("input_height", c.input_height,
          "backbone input height when looking for people; 0 = features.input_height",
          Between{0, 8192});
}
// "x,y x,y x,y ...": at least three points of finite numbers, not negative.
struct Polygons {
  std::string check(const std::vector<std::string>& zones) const {
    for (const auto& zone : zones) {
      if (parse_polygon(zone).size() < 3) {
        return "each zone must read 'x,y x,y x,y ...' (three points or more, pixels or "
               "fractions), got '" + zone + "'";
      }
    }
    return "";
  }
};

template <typename V>
void describe(V& v, EventsConfig& c) {
  v.field("fall_label", c.fall_label, "the class whose runs may be falls", NonEmpty{});
  v.field("min_fall_s", c.min_fall_s, "shorter falling runs are not falls", Between{0, 60});
  v.field("confirm_s", c.confirm_s, "down this long after falling raises a fall event",
          Between{0, 600});
  v.field("up_s", c.up_s, "up this long after a fall clears it", Between{0, 600});
  v.field("min_visible", c.min_visible,
          "share of the body's keypoints seen below which falling is not claimed", Between{0, 1});
  v.field("zones", c.zones,
          "polygons where falls are not raised: 'x,y x,y x,y ...' in pixels or fractions",
          Polygons{});
}
template <typename V>
void describe(V& v, GateConfig& c) {
  v.field("enabled", c.enabled,
          "live: look for motion first; label and eval look at every frame whatever this says",
          AnyBool{});
  v.field("width", c.width, "frames are compared this many pixels wide, grey and blurred",
          Between{16, 1920});
  v.field("threshold", c.threshold, "grey levels a pixel must change by to count as moving",
          Between{1, 255});
  v.field("min_share", c.min_share,
          "nobody followed: share of the pixels that must move to count as motion", Between{0, 1});
  v.field("still_interval_s", c.still_interval_s,
          "people followed but still are looked at this often (their pose held between)",
          Between{0, 3600});
}
template <typename V>
void describe(V& v, Config& c) {
  v.section("runtime", c.runtime);
  v.section("video", c.video);
  v.section("features", c.features);
  v.section("model", c.model);
  v.section("data", c.data);
  v.section("train", c.train);
  v.section("smoothing", c.smoothing);
  v.section("people", c.people);
  v.section("events", c.events);
  v.section("gate", c.gate);
}

template <typename T>
struct is_vector : std::false_type {};
template <typename T>
struct is_vector<std::vector<T>> : std::true_type {};

template <typename T>
const char* type_name() {
  if constexpr (std::is_same_v<T, std::vector<std::string>>) return "a list of strings";
  if constexpr (is_vector<T>::value) return "a list of numbers";
  if constexpr (std::is_same_v<T, bool>) return "true or false";
  if constexpr (std::is_integral_v<T>) return "an integer";
  if constexpr (std::is_floating_point_v<T>) return "a number";
  return "a string";
}

// A whole decimal integer ("010" is ten, as YAML 1.2 reads it); false for anything else.
template <typename T>
bool read_decimal(const std::string& text, T& value) {
  const char* begin = text.data() + (!text.empty() && text[0] == '+' ? 1 : 0);
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(begin, end, value);
  return begin != end && error == std::errc() && stop == end;
}

std::string text_of(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

class Reader {
 public:
  /// `lines`: whether node marks are lines of `source` (not so for a --set value).
  Reader(YAML::Node node, std::string source, bool lines, const std::string& path)
      : node_(std::move(node)),
        source_(std::move(source)),
        lines_(lines),
        prefix_(path.empty() ? "" : path + ".") {
    if (node_ && !node_.IsNull() && !node_.IsMap()) fail(node_, path, "expected a mapping");
  }

  template <typename T, typename Constraint>
  void field(const char* key, T& value, const char*, const Constraint& constraint) {
    known_.insert(key);
    const YAML::Node child = lookup(key);
    if (!child) return;
    const std::string path = prefix_ + key;
    if constexpr (std::is_enum_v<T>) {
      std::string names;
      for (const auto& [name, entry] : Names<T>::table) {
        if (child.IsScalar() && child.Scalar() == name) {
          value = entry;
          return;
        }
        names += (names.empty() ? "" : ", ") + std::string(name);
      }
      fail(child, path, "must be one of: " + names + ", got '" + text_of(child) + "'");
    } else {
      read_value(child, path, value, constraint);
    }
  }

  template <typename T, typename Constraint>
  void read_value(const YAML::Node& child, const std::string& path, T& value,
                  const Constraint& constraint) {
    const bool shape_ok = is_vector<T>::value ? child.IsSequence() : child.IsScalar();
    if (!shape_ok) fail(child, path, std::string("expected ") + type_name<T>());
    T parsed{};
    bool read = true;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      read = read_decimal(child.Scalar(), parsed);  // yaml-cpp reads "010" as octal 8
    } else {
      try {
        parsed = child.as<T>();
      } catch (const YAML::Exception&) {
        read = false;
      }
    }
    if (!read) {
      fail(child, path,
           std::string("expected ") + type_name<T>() + ", got '" + text_of(child) + "'");
    }
    if (std::string reason = constraint.check(parsed); !reason.empty()) {
      fail(child, path, reason + ", got '" + text_of(child) + "'");
    }
    value = parsed;
  }

  template <typename Section>
  void section(const char* key, Section& section) {
    known_.insert(key);
    const YAML::Node child = lookup(key);
    if (!child) return;
    Reader reader(child, source_, lines_, prefix_ + key);
    describe(reader, section);
    reader.reject_unknown();
  }

  /// A key read by someone else: known here, not read.
  void skip(const char* key) { known_.insert(key); }

  void reject_unknown() const {
    if (!node_ || !node_.IsMap()) return;
    for (const auto& entry : node_) {
      const std::string key = entry.first.Scalar();
      if (known_.count(key)) continue;
      std::string list;
      for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
      fail(entry.first, prefix_ + key, "unknown key (known here: " + list + ")");
    }
  }

 private:
  YAML::Node lookup(const char* key) const {
    if (!node_ || !node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& const_node = node_;  // const lookup never inserts
    return const_node[key];
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& path,
                         const std::string& reason) const {
    const int line = at.Mark().line;
    const std::string where =
        lines_ && line >= 0 ? source_ + ":" + std::to_string(line + 1) : source_;
    throw ConfigError("invalid config: " + where + ": " + path + ": " + reason);
  }

  YAML::Node node_;
  std::string source_;
  bool lines_;
  std::string prefix_;
  std::set<std::string> known_;
};

class Writer {
 public:
  explicit Writer(YAML::Emitter& out) : out_(out) {}

  template <typename T, typename Constraint>
  void field(const char* key, const T& value, const char* help, const Constraint&) {
    out_ << YAML::Key << key << YAML::Value;
    if constexpr (std::is_enum_v<T>) {
      out_ << name_of(value);
    } else {
      if constexpr (is_vector<T>::value) out_ << YAML::Flow;
      out_ << value;
    }
    out_ << YAML::Comment(help);
  }

  template <typename Section>
  void section(const char* key, Section& section) {
    out_ << YAML::Key << key << YAML::Value << YAML::BeginMap;
    describe(*this, section);
    out_ << YAML::EndMap;
  }

 private:
  YAML::Emitter& out_;
};

// yaml-cpp keeps both entries of a key given twice and answers lookups with the first: the
// second would be silently ignored. `what` says which kind of file, for the message.
void reject_duplicate_keys(const YAML::Node& node, const std::string& source, const char* what) {
  if (node.IsSequence()) {
    for (const auto& item : node) reject_duplicate_keys(item, source, what);
  }
  if (!node.IsMap()) return;
  std::map<std::string, int> first_line;
  for (const auto& entry : node) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : text_of(entry.first);
    const int line = entry.first.Mark().line + 1;
    if (const auto [at, added] = first_line.emplace(key, line); !added) {
      throw ConfigError(fmt::format("invalid {}: {}:{}: key '{}' is given twice (lines {} and {})",
                                    what, source, line, key, at->second, line));
    }
    reject_duplicate_keys(entry.second, source, what);
  }
}

YAML::Node parse_yaml(const std::string& text, const std::string& source,
                      const char* what = "config") {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("invalid {}: {}:{}: not valid YAML: {}", what, source,
                                  e.mark.line + 1, e.msg));
  }
  reject_duplicate_keys(root, source, what);
  return root;
}

// A config or label map file's text. Not a folder, a device or anything too large to be one.
std::string read_config_file(const std::string& path, const char* what) {
  constexpr std::uintmax_t kLargest = 1 << 20;
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) {
    throw ConfigError(fmt::format("cannot read {}: {}: no such file", what, path));
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw ConfigError(fmt::format("cannot read {}: {}: {}", what, path,
                                  std::filesystem::is_directory(status)
                                      ? "is a directory, not a YAML file"
                                      : "not a regular file"));
  }
  if (std::filesystem::file_size(path, error) > kLargest) {
    throw ConfigError(fmt::format("cannot read {}: {}: larger than {} bytes, not a {}", what, path,
                                  kLargest, what));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ConfigError(fmt::format("cannot read {}: {}: unreadable", what, path));
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void apply_node(Config& config, const YAML::Node& root, const std::string& source, bool lines) {
  Config updated = config;  // all or nothing: a bad key leaves `config` as it was
  Reader reader(root, source, lines, "");
  describe(reader, updated);
  reader.reject_unknown();
  config = std::move(updated);
}

}  // namespace

void apply_yaml(Config& config, const std::string& text, const std::string& source) {
  apply_node(config, parse_yaml(text, source), source, true);
}

void apply_override(Config& config, const std::string& assignment) {
  const std::string source = "--set " + assignment;
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw ConfigError("invalid config: " + source + ": expected KEY=VALUE, e.g. model.hidden=256");
  }
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(equals + 1));
  } catch (const YAML::ParserException& e) {
    throw ConfigError("invalid config: " + source + ": value is not valid YAML: " + e.msg);
  }
  reject_duplicate_keys(value, source, "config");
  // Build {a: {b: value}} from "a.b" and read it like a file.
  const std::string key = assignment.substr(0, equals);
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (parts.back().empty()) {
      throw ConfigError("invalid config: " + source + ": key '" + key +
                        "' has an empty part (expected SECTION.KEY, e.g. model.hidden)");
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  YAML::Node root = value;
  for (auto part = parts.rbegin(); part != parts.rend(); ++part) {
    YAML::Node parent(YAML::NodeType::Map);
    parent[*part] = root;
    root = parent;
  }
  apply_node(config, root, source, false);
}

Config load(const std::string& path, const std::vector<std::string>& overrides) {
  Config config;
  if (!path.empty()) apply_yaml(config, read_config_file(path, "config"), path);
  for (const auto& assignment : overrides) apply_override(config, assignment);
  return config;
}

namespace {

template <typename V>
void describe(V& v, LiveConfig& c) {
  v.field("events_file", c.events_file, "event lines, appended; '-': stdout", AnyString{});
  v.field("jsonl_file", c.jsonl_file, "a line per labelled person and frame, appended",
          AnyString{});
  v.field("clips", c.clips, "folder for a clip of each fall", AnyString{});
  v.field("clip_before_s", c.clip_before_s, "seconds a clip shows before the fall", Between{0, 20});
  v.field("clip_after_s", c.clip_after_s, "seconds a clip shows after the fall was confirmed",
          Between{0, 60});
  v.field("mqtt", c.mqtt, "MQTT broker HOST[:PORT]", AnyString{});
  v.field("mqtt_topic", c.mqtt_topic, "topic prefix; '': actrec/NAME", AnyString{});
  v.field("mqtt_discovery", c.mqtt_discovery, "Home Assistant's discovery prefix; '': none",
          AnyString{});
  v.field("mqtt_user", c.mqtt_user, "MQTT user ($ACTREC_MQTT_PASSWORD is the password)",
          AnyString{});
  v.field("serve", c.serve, "the page on [ADDR:]PORT, for all cameras", AnyString{});
  v.field("timeout_s", c.timeout_s, "a stream's wait to open and for each frame",
          Between{0.1, 3600});
  v.field("max_downtime_s", c.max_downtime_s, "give up a stream down this long; -1: never",
          Between{-1, 1e9});
}

// A cameras file's top level: every config section, `live:`, and `cameras:` (read apart).
struct CamerasRoot {
  Config config;
  LiveConfig live;
};
template <typename V>
void describe(V& v, CamerasRoot& c) {
  describe(v, c.config);
  v.section("live", c.live);
  v.skip("cameras");
}

// One entry of `cameras:`: shortcuts for what most often differs between cameras, and sections.
struct CameraEntry {
  std::string source;
  bool realtime = false;
  Persons persons;
  std::vector<std::string> zones;
  std::string clips;
  CameraConfig* camera;
};
template <typename V>
void describe(V& v, CameraEntry& c) {
  v.field("source", c.source, "a stream URL, a camera number or device, or a video file",
          NonEmpty{});
  v.field("realtime", c.realtime, "a file source played at its own frame rate, as a camera",
          AnyBool{});
  v.field("persons", c.persons, "people.persons for this camera: single | multi", Choice{});
  v.field("zones", c.zones, "events.zones for this camera", Polygons{});
  v.field("clips", c.clips, "live.clips for this camera", AnyString{});
  v.section("people", c.camera->config.people);
  v.section("events", c.camera->config.events);
  v.section("gate", c.camera->config.gate);
  v.section("live", c.camera->live);
}

}  // namespace

CamerasFile load_cameras(const std::string& path, const std::vector<std::string>& overrides) {
  const YAML::Node root = parse_yaml(read_config_file(path, "cameras file"), path, "cameras file");
  if (!root.IsMap()) {
    throw ConfigError("invalid cameras file: " + path + ": expected a mapping with cameras:");
  }
  CamerasRoot top;
  Reader reader(root, path, true, "");
  describe(reader, top);
  reader.reject_unknown();
  for (const auto& assignment : overrides) apply_override(top.config, assignment);
  const YAML::Node cameras = YAML::Node(root)["cameras"];
  const auto fail = [&](const YAML::Node& at, const std::string& what) {
    throw ConfigError(
        fmt::format("invalid cameras file: {}:{}: {}", path, at.Mark().line + 1, what));
  };
  if (!cameras || !cameras.IsMap() || cameras.size() == 0) {
    fail(cameras ? cameras : root, "cameras: expected a mapping of camera names to their source");
  }
  // The top level a camera's settings include: everything but the cameras themselves.
  YAML::Node others(YAML::NodeType::Map);
  for (const auto& entry : root) {
    if (entry.first.Scalar() != "cameras") others[entry.first] = entry.second;
  }
  const std::string shared = text_of(others);
  CamerasFile file{top.config, top.live, {}};
  for (const auto& entry : cameras) {
    const std::string name = entry.first.Scalar();
    const bool fits = !name.empty() && name.size() <= 64 &&
                      std::all_of(name.begin(), name.end(), [](unsigned char c) {
                        return std::isalnum(c) != 0 || c == '_' || c == '-';
                      });
    if (!fits) {
      fail(entry.first, "cameras." + name +
                            ": a camera name is 1 to 64 letters, digits, '_' or '-' (it names "
                            "MQTT topics, Home Assistant ids and clip files)");
    }
    CameraConfig camera{name, "", false, top.config, top.live, ""};
    CameraEntry fields{
        "",     false, camera.config.people.persons, camera.config.events.zones, camera.live.clips,
        &camera};
    Reader camera_reader(entry.second, path, true, "cameras." + name);
    describe(camera_reader, fields);
    camera_reader.reject_unknown();
    if (fields.source.empty()) fail(entry.first, "cameras." + name + ".source: missing");
    if (YAML::Node(entry.second)["live"] && YAML::Node(entry.second)["live"]["serve"]) {
      fail(YAML::Node(entry.second)["live"]["serve"],
           "cameras." + name + ".live.serve: the page is the process's: give it at the top");
    }
    camera.source = fields.source;
    camera.realtime = fields.realtime;
    // The shortcuts say it last: a camera's `persons:` wins over its `people:` section.
    if (entry.second["persons"]) camera.config.people.persons = fields.persons;
    if (entry.second["zones"]) camera.config.events.zones = fields.zones;
    if (entry.second["clips"]) camera.live.clips = fields.clips;
    camera.settings = shared + "\n" + text_of(entry.second);
    for (const auto& assignment : overrides) camera.settings += "\n" + assignment;
    file.cameras.push_back(std::move(camera));
  }
  return file;
}

namespace {

template <typename Section>
std::string section_to_yaml(Section section) {  // a copy: the schema walks mutable structs
  YAML::Emitter out;
  out.SetDoublePrecision(9);
  out << YAML::BeginMap;
  Writer writer(out);
  describe(writer, section);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

template <typename Section>
Section section_from_yaml(const std::string& text, const std::string& source) {
  Section section;
  Reader reader(parse_yaml(text, source), source, true, "");
  describe(reader, section);
  reader.reject_unknown();
  return section;
}

}  // namespace

std::string to_yaml(const Config& config) { return section_to_yaml(config); }
std::string to_yaml(const FeaturesConfig& features) { return section_to_yaml(features); }
std::string to_yaml(const ModelConfig& model) { return section_to_yaml(model); }
std::string to_yaml(const TrainConfig& train) { return section_to_yaml(train); }
std::string to_yaml(const SmoothingConfig& smoothing) { return section_to_yaml(smoothing); }
std::string to_yaml(const EventsConfig& events) { return section_to_yaml(events); }

FeaturesConfig features_from_yaml(const std::string& text, const std::string& source) {
  return section_from_yaml<FeaturesConfig>(text, source);
}
ModelConfig model_from_yaml(const std::string& text, const std::string& source) {
  return section_from_yaml<ModelConfig>(text, source);
}
SmoothingConfig smoothing_from_yaml(const std::string& text, const std::string& source) {
  return section_from_yaml<SmoothingConfig>(text, source);
}

const char* to_string(ResizeMode value) { return name_of(value); }
const char* to_string(ColorOrder value) { return name_of(value); }
const char* to_string(PixelType value) { return name_of(value); }
const char* to_string(Layout value) { return name_of(value); }
const char* to_string(Preset value) { return name_of(value); }
const char* to_string(Cell value) { return name_of(value); }
const char* to_string(Optimizer value) { return name_of(value); }
const char* to_string(Schedule value) { return name_of(value); }
const char* to_string(ClassWeights value) { return name_of(value); }
const char* to_string(Recipe value) { return name_of(value); }
const char* to_string(Freeze value) { return name_of(value); }
const char* to_string(Persons value) { return name_of(value); }

LabelMap load_label_map(const std::string& path) {
  const YAML::Node root = parse_yaml(read_config_file(path, "label map"), path, "label map");
  auto fail = [&](const YAML::Node& at, const std::string& reason) {
    throw ConfigError("invalid label map: " + path + ":" + std::to_string(at.Mark().line + 1) +
                      ": " + reason);
  };
  LabelMap map;
  if (!root.IsMap()) fail(root, "expected a mapping with keys labels and precedence");
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (key == "labels") {
      if (!value.IsMap()) fail(value, "labels: expected source: target pairs");
      for (const auto& rule : value) {
        if (!rule.first.IsScalar() || !(rule.second.IsScalar() || rule.second.IsNull())) {
          fail(rule.first, "labels: each entry must map a label to a label (or ~ to drop it)");
        }
        map.rules.push_back({rule.first.Scalar(), rule.second.IsNull() ? "" : rule.second.Scalar()});
      }
    } else if (key == "precedence") {
      if (!value.IsSequence()) fail(value, "precedence: expected a list of labels");
      for (const auto& label : value) {
        if (!label.IsScalar()) fail(label, "precedence: expected a list of labels");
        map.precedence.push_back(label.Scalar());
      }
    } else {
      fail(entry.first, "unknown key '" + key + "' (known here: labels, precedence)");
    }
  }
  return map;
}

namespace {

// Each section as YAML, key by key: the schema decides what there is to compare.
template <typename Section>
std::vector<std::string> section_differences(const Section& a, const Section& b) {
  const YAML::Node x = YAML::Load(section_to_yaml(a)), y = YAML::Load(section_to_yaml(b));
  std::vector<std::string> differences;
  for (const auto& entry : x) {
    const std::string key = entry.first.Scalar();
    const std::string before = text_of(entry.second), after = text_of(y[key]);
    if (before != after) differences.push_back(key + ": " + before + " vs " + after);
  }
  return differences;
}

}  // namespace

std::vector<std::string> extraction_differences(const FeaturesConfig& a, const FeaturesConfig& b) {
  FeaturesConfig left = a, right = b;
  for (FeaturesConfig* c : {&left, &right}) {  // where the file is and how fast: not what it makes
    c->backbone.clear();
    c->batch_size = 0;
    c->min_score = 0;  // featurisation, applied after extraction
    c->motion_s = 0;
  }
  return section_differences(left, right);
}

std::vector<std::string> differences(const ModelConfig& a, const ModelConfig& b) {
  return section_differences(a, b);
}

}  // namespace actrec::config
