#include "actrec/model/bundle_info.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "actrec/config/config.hpp"
#include "actrec/core/error.hpp"

namespace actrec::model {

namespace {
constexpr const char* kFormat = "actrec-bundle/2";

// Values of people among observation names (the rest are a feature map's, "appearance.*").
size_t pose_values(const std::vector<std::string>& names) {
  return static_cast<size_t>(std::count_if(names.begin(), names.end(), [](const std::string& n) {
    return n.rfind("appearance.", 0) != 0;
  }));
}

// `extractor` seen as an extractor of `bundle_names`: where it finds more people per frame
// (import-tfjs --people), only the first as many as the bundle's, then the map values. What it
// makes of those people is then what the bundle's backbone made of them.
features::ExtractorIdentity as_bundle_sees(const features::ExtractorIdentity& extractor,
                                           const std::vector<std::string>& bundle_names) {
  const size_t kept = pose_values(bundle_names), found = pose_values(extractor.names);
  const size_t width = extractor.names.size(), map = width - found;
  if (kept >= found || bundle_names.size() != kept + map || width == 0) return extractor;
  features::ExtractorIdentity seen = extractor;
  auto keep = [&](const auto& row, auto& out) {
    out.insert(out.end(), row, row + static_cast<std::ptrdiff_t>(kept));
    out.insert(out.end(), row + static_cast<std::ptrdiff_t>(found),
               row + static_cast<std::ptrdiff_t>(width));
  };
  seen.names.clear();
  keep(extractor.names.begin(), seen.names);
  seen.probe.clear();
  for (size_t at = 0; at + width <= extractor.probe.size(); at += width) {
    keep(extractor.probe.begin() + static_cast<std::ptrdiff_t>(at), seen.probe);
  }
  return seen;
}
}  // namespace

void set_extractor(BundleInfo& info, const features::ExtractorIdentity& extractor) {
  info.features = extractor.config;
  info.backbone_source = extractor.backbone_source;
  info.observation_names = extractor.names;
  info.probe = extractor.probe;
}

std::string bundle_info_to_json(const BundleInfo& info) {
  nlohmann::json json = {{"format", kFormat},
                         {"labels", info.labels},
                         {"background", info.background},
                         {"model", config::to_yaml(info.model)},
                         {"features", config::to_yaml(info.features)},
                         {"smoothing", config::to_yaml(info.smoothing)},
                         {"backbone_source", info.backbone_source},
                         {"observation_names", info.observation_names},
                         {"probe", info.probe},
                         {"feature_dim", info.feature_dim},
                         {"fps", info.fps},
                         {"temperature", info.temperature}};
  json["training"] = info.training_json.empty() ? nlohmann::json::object()
                                                : nlohmann::json::parse(info.training_json);
  if (!info.weights_sha256.empty()) json["weights_sha256"] = info.weights_sha256;
  return json.dump(1);
}

BundleInfo bundle_info_from_json(const std::string& text, const std::string& source) {
  BundleInfo info;
  try {
    const auto json = nlohmann::json::parse(text);
    const std::string format = json.is_object() ? json.value("format", "") : "";
    if (format == "actrec-bundle/1") {
      throw ModelError("cannot load model bundle: " + source +
                       ": made by an earlier actrec (format actrec-bundle/1) whose features this "
                       "version no longer makes: train it again with this version");
    }
    if (format != kFormat) {
      throw ModelError("cannot load model bundle: " + source + ": unknown format '" + format +
                       "'");
    }
    info.labels = json.at("labels").get<std::vector<std::string>>();
    info.background = json.at("background").get<std::string>();
    info.model = config::model_from_yaml(json.at("model").get<std::string>(), source + " (model)");
    info.features =
        config::features_from_yaml(json.at("features").get<std::string>(), source + " (features)");
    info.smoothing = config::smoothing_from_yaml(json.at("smoothing").get<std::string>(),
                                                 source + " (smoothing)");
    info.backbone_source = json.at("backbone_source").get<std::string>();
    info.observation_names = json.at("observation_names").get<std::vector<std::string>>();
    info.probe = json.at("probe").get<std::vector<float>>();
    info.feature_dim = json.at("feature_dim").get<int64_t>();
    info.fps = json.at("fps").get<double>();
    info.temperature = json.value("temperature", 1.0);  // bundles made before calibration: 1
    info.training_json = json.value("training", nlohmann::json::object()).dump();
    info.weights_sha256 = json.value("weights_sha256", "");
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("cannot load model bundle: " + source + ": malformed metadata: " + e.what());
  } catch (const ConfigError& e) {
    throw ModelError("cannot load model bundle: " + source + ": " + e.what());
  }
  if (info.labels.empty() || info.feature_dim <= 0 || info.observation_names.empty() ||
      info.probe.empty() || info.probe.size() % info.observation_names.size() != 0 ||
      !(info.fps > 0) || !(info.temperature > 0 && info.temperature < 1000)) {
    throw ModelError("cannot load model bundle: " + source +
                     ": no labels, feature size, observations, probe observations, frame rate or temperature");
  }
  return info;
}

void check_features_match(const BundleInfo& info, const features::ExtractorIdentity& found,
                          int64_t feature_dim, const std::string& bundle_path) {
  const features::ExtractorIdentity extractor = as_bundle_sees(found, info.observation_names);
  const std::string refused = "model does not match its features: " + bundle_path + ": ";
  const auto differences = config::extraction_differences(info.features, extractor.config);
  if (!differences.empty()) {
    throw ModelError(fmt::format("{}it was trained with other features settings ({}; the "
                                 "bundle's first)",
                                 refused, fmt::join(differences, "; ")));
  }
  if (!info.backbone_source.empty() && !extractor.backbone_source.empty() &&
      info.backbone_source != extractor.backbone_source) {
    throw ModelError(fmt::format("{}it was trained on backbone '{}' but {} is '{}'", refused,
                                 info.backbone_source, extractor.config.backbone,
                                 extractor.backbone_source));
  }
  if (info.observation_names != extractor.names) {
    throw ModelError(fmt::format(
        "{}it was trained on {} observation values per frame ({} ...), {} makes {} ({} ...)",
        refused, info.observation_names.size(), info.observation_names.front(),
        extractor.config.backbone, extractor.names.size(),
        extractor.names.empty() ? "" : extractor.names.front()));
  }
  if (feature_dim != info.feature_dim) {
    throw ModelError(fmt::format(
        "{}it takes {} features per frame, this version of actrec makes {} from its observations: "
        "train it again with this version",
        refused, info.feature_dim, feature_dim));
  }
  // What the backbone makes of the probe images now, against what it made in training.
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < info.probe.size() && i < extractor.probe.size(); ++i) {
    const double excess = std::abs(static_cast<double>(extractor.probe[i]) - info.probe[i]) -
                          kProbeTolerance.rel * std::abs(info.probe[i]);
    if (excess > worst) {
      worst = excess;
      at = i;
    }
  }
  if (info.probe.size() != extractor.probe.size() || worst > kProbeTolerance.abs) {
    const size_t width = info.observation_names.size();
    throw ModelError(fmt::format(
        "{}{} gives other observations of the probe images than the backbone it was trained on: "
        "largest difference {:.4g} in {} of probe {} (trained {:.6g}, now {:.6g}; tolerance "
        "{:g} + {:g} x value): another backbone or preprocessing",
        refused, extractor.config.backbone,
        std::abs(static_cast<double>(extractor.probe[at]) - info.probe[at]),
        info.observation_names[at % width], at / width + 1, info.probe[at], extractor.probe[at],
        kProbeTolerance.abs, kProbeTolerance.rel));
  }
}

}  // namespace actrec::model
