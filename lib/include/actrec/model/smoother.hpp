#pragma once
// Causal smoothing of per-step class probabilities: the most likely label sequence when every
// change of label costs `switch_penalty` (log probability), decided `delay` steps after the
// fact (fixed-lag Viterbi). No LibTorch.
#include <cstdint>
#include <deque>
#include <vector>

#include "actrec/config/inference.hpp"

namespace actrec::model {

class Smoother {
 public:
  /// `delay`: steps of look-ahead (0 with no penalty: each step's most likely class at once);
  /// `bias`: per class, added to its log probability (empty: none).
  Smoother(int64_t classes, double switch_penalty, int64_t delay, std::vector<double> bias = {});

  /// The steps' labels that became final when this step's probabilities came in (the step
  /// `delay` steps back, at most one).
  std::vector<int64_t> push(const float* probabilities);
  /// The labels of every step not final yet (the stream ended or the person left).
  std::vector<int64_t> flush();
  int64_t delay() const { return delay_; }

 private:
  int64_t classes_;
  double penalty_;
  int64_t delay_;
  bool started_ = false;
  std::vector<double> bias_;
  std::vector<double> scores_;                // best path score ending in each class
  std::deque<std::vector<int32_t>> pointers_;  // per pending step: best previous class
};

/// Steps of look-ahead for `config` at `fps` (0 when smoothing is off).
int64_t delay_steps(const config::SmoothingConfig& config, double fps);

/// config.class_bias as one offset per class of `labels`; ConfigError for a label not there.
std::vector<double> class_bias(const config::SmoothingConfig& config,
                               const std::vector<std::string>& labels);

}  // namespace actrec::model
