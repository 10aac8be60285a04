#include "actrec/model/smoother.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "actrec/core/error.hpp"

namespace actrec::model {

int64_t delay_steps(const config::SmoothingConfig& config, double fps) {
  if (config.switch_penalty <= 0) return 0;
  return static_cast<int64_t>(std::llround(config.delay_s * fps));
}

std::vector<double> class_bias(const config::SmoothingConfig& config,
                               const std::vector<std::string>& labels) {
  std::vector<double> bias(labels.size(), 0.0);
  for (const auto& entry : config.class_bias) {  // "label=offset", checked by config
    const auto equals = entry.find('=');
    const auto at = std::find(labels.begin(), labels.end(), entry.substr(0, equals));
    if (at == labels.end()) {
      throw ConfigError("invalid config: smoothing.class_bias: '" + entry.substr(0, equals) +
                        "' is not one of the model's classes");
    }
    bias[static_cast<size_t>(at - labels.begin())] = std::strtod(entry.c_str() + equals + 1, nullptr);
  }
  return bias;
}

Smoother::Smoother(int64_t classes, double switch_penalty, int64_t delay, std::vector<double> bias)
    : classes_(classes),
      penalty_(switch_penalty),
      delay_(switch_penalty > 0 ? delay : 0),
      bias_(bias.empty() ? std::vector<double>(static_cast<size_t>(classes), 0.0) : std::move(bias)),
      scores_(static_cast<size_t>(classes), 0.0) {}

std::vector<int64_t> Smoother::push(const float* probabilities) {
  // Viterbi step: stay in a class for free, or switch from the best one at a cost.
  const size_t best_before = static_cast<size_t>(
      std::max_element(scores_.begin(), scores_.end()) - scores_.begin());
  const bool first = !started_;
  started_ = true;
  std::vector<int32_t> pointer(static_cast<size_t>(classes_));
  std::vector<double> next(static_cast<size_t>(classes_));
  for (size_t c = 0; c < next.size(); ++c) {
    const double switched = scores_[best_before] - penalty_;
    const bool stay = first || scores_[c] >= switched;
    pointer[c] = static_cast<int32_t>(stay ? c : best_before);
    next[c] = (stay ? scores_[c] : switched) + bias_[c] +
              std::log(std::max(1e-12, static_cast<double>(probabilities[c])));
  }
  const double top = *std::max_element(next.begin(), next.end());
  for (auto& score : next) score -= top;  // keep scores bounded on endless streams
  scores_ = std::move(next);
  pointers_.push_back(std::move(pointer));
  if (static_cast<int64_t>(pointers_.size()) <= delay_) return {};
  // Trace the best path back to the oldest pending step: that step is now final.
  auto label = static_cast<int32_t>(std::max_element(scores_.begin(), scores_.end()) -
                                    scores_.begin());
  for (size_t i = pointers_.size() - 1; i > 0; --i) label = pointers_[i][static_cast<size_t>(label)];
  pointers_.pop_front();
  return {label};
}

std::vector<int64_t> Smoother::flush() {
  std::vector<int64_t> labels(pointers_.size());
  if (labels.empty()) return labels;
  auto label = static_cast<int32_t>(std::max_element(scores_.begin(), scores_.end()) -
                                    scores_.begin());
  for (size_t i = pointers_.size(); i-- > 0;) {
    labels[i] = label;
    label = pointers_[i][static_cast<size_t>(label)];
  }
  pointers_.clear();
  return labels;
}

}  // namespace actrec::model
