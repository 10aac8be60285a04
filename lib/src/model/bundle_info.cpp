#include "actrec/model/bundle_info.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "actrec/core/error.hpp"

namespace actrec::model {

std::string bundle_info_to_json(const BundleInfo& info) {
  nlohmann::json json = {{"format", "actrec-bundle/1"},
                         {"labels", info.labels},
                         {"background", info.background},
                         {"model", config::to_yaml(info.model)},
                         {"features", config::to_yaml(info.features)},
                         {"fingerprint", info.fingerprint},
                         {"feature_dim", info.feature_dim},
                         {"fps", info.fps}};
  json["training"] = info.training_json.empty() ? nlohmann::json::object()
                                                : nlohmann::json::parse(info.training_json);
  return json.dump(2);
}

BundleInfo bundle_info_from_json(const std::string& text, const std::string& source) {
  BundleInfo info;
  try {
    const auto json = nlohmann::json::parse(text);
    if (json.value("format", "") != "actrec-bundle/1") {
      throw ModelError("cannot load model bundle: " + source + ": unknown format '" +
                       json.value("format", "") + "'");
    }
    info.labels = json.at("labels").get<std::vector<std::string>>();
    info.background = json.at("background").get<std::string>();
    info.model = config::model_from_yaml(json.at("model").get<std::string>(), source + " (model)");
    info.features =
        config::features_from_yaml(json.at("features").get<std::string>(), source + " (features)");
    info.fingerprint = json.at("fingerprint").get<std::string>();
    info.feature_dim = json.at("feature_dim").get<int64_t>();
    info.fps = json.at("fps").get<double>();
    info.training_json = json.value("training", nlohmann::json::object()).dump();
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("cannot load model bundle: " + source + ": malformed metadata: " + e.what());
  } catch (const ConfigError& e) {
    throw ModelError("cannot load model bundle: " + source + ": " + e.what());
  }
  if (info.labels.empty() || info.feature_dim <= 0) {
    throw ModelError("cannot load model bundle: " + source + ": no labels or no feature size");
  }
  return info;
}

void check_features_match(const BundleInfo& info, const std::string& fingerprint, int64_t dim,
                          const std::string& bundle_path) {
  if (dim != info.feature_dim) {
    throw ModelError(fmt::format(
        "model does not match its features: {}: it takes {} features per frame, the extractor "
        "({}, preset {}) makes {}",
        bundle_path, info.feature_dim, info.features.backbone, info.features.preset, dim));
  }
  if (fingerprint != info.fingerprint) {
    throw ModelError(fmt::format(
        "model does not match its features: {}: it was trained on features from backbone {} "
        "({}) but this extractor's fingerprint is {}: another backbone file or other "
        "preprocessing",
        bundle_path, info.features.backbone, info.fingerprint.substr(0, 19),
        fingerprint.substr(0, 19)));
  }
}

}  // namespace actrec::model
