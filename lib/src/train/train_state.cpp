#include "actrec/train/train_state.hpp"

#include <nlohmann/json.hpp>

#include "actrec/core/error.hpp"

namespace actrec::train {
namespace {

// NaN and infinity have no JSON form: null stands for them.
nlohmann::json number(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
}
double number_at(const nlohmann::json& json, const char* key, double missing) {
  return json.at(key).is_null() ? missing : json.at(key).get<double>();
}

// The one list of an epoch's fields, read and written alike.
template <typename Json, typename Log, typename Visit>
void fields(Json& json, Log& e, Visit visit) {
  visit(json, "epoch", e.epoch);
  visit(json, "lr", e.lr);
  visit(json, "train_loss", e.train_loss);
  visit(json, "train_accuracy", e.train_accuracy);
  visit(json, "val_loss", e.val_loss);
  visit(json, "val_accuracy", e.val_accuracy);
  visit(json, "grad_norm_mean", e.grad_norm_mean);
  visit(json, "grad_norm_max", e.grad_norm_max);
  visit(json, "clipped_fraction", e.clipped_fraction);
  visit(json, "frames_per_second", e.frames_per_second);
  visit(json, "seconds", e.seconds);
  visit(json, "best", e.best);
}

struct Write {
  template <typename T>
  void operator()(nlohmann::json& json, const char* key, const T& value) const {
    if constexpr (std::is_floating_point_v<T>) {
      json[key] = number(value);
    } else {
      json[key] = value;
    }
  }
};
struct Read {
  template <typename T>
  void operator()(const nlohmann::json& json, const char* key, T& value) const {
    if constexpr (std::is_floating_point_v<T>) {
      value = number_at(json, key, NAN);
    } else {
      value = json.at(key).get<T>();
    }
  }
};

}  // namespace

std::string TrainState::to_json() const {
  nlohmann::json json = {{"epochs_done", epochs_done},
                         {"epochs_without_gain", epochs_without_gain},
                         {"best_epoch", best_epoch},
                         {"best_accuracy", best_accuracy},
                         {"best_loss", number(best_loss)},
                         {"stopped_early", stopped_early},
                         {"log", nlohmann::json::array()}};
  for (const auto& entry : log) {
    nlohmann::json item;
    fields(item, entry, Write{});
    json["log"].push_back(item);
  }
  return json.dump();
}

TrainState TrainState::from_json(const std::string& text, const std::string& source) {
  TrainState state;
  try {
    const auto json = nlohmann::json::parse(text);
    state.epochs_done = json.at("epochs_done");
    state.epochs_without_gain = json.at("epochs_without_gain");
    state.best_epoch = json.at("best_epoch");
    state.best_accuracy = json.at("best_accuracy");
    state.best_loss = number_at(json, "best_loss", INFINITY);
    state.stopped_early = json.at("stopped_early");
    for (const auto& item : json.at("log")) {
      EpochLog entry;
      fields(item, entry, Read{});
      state.log.push_back(entry);
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error("cannot resume: " + source + ": malformed training state: " + e.what());
  }
  return state;
}

}  // namespace actrec::train
