#pragma once
// Whether the confidences shown mean what they say: reliability (expected calibration error)
// and temperature scaling (Guo et al., ICML 2017), on per-frame probabilities. No LibTorch.
#include <cstdint>
#include <vector>

namespace actrec::eval {

/// `probabilities` (one row per frame, summing to 1) as the model would give them with its
/// logits divided by `temperature`: softmax(log p / temperature).
std::vector<float> with_temperature(const std::vector<float>& probabilities, double temperature);

/// The temperature that makes `probabilities` (the model's own, temperature 1) most likely to
/// give `truth` (mean negative log-likelihood; frames whose truth is -1 left out). 1 when no
/// frame is scored.
double fit_temperature(const std::vector<std::vector<float>>& probabilities,
                       const std::vector<int64_t>& truth);

/// How confidences compare with how often the labels shown with them are right.
struct Reliability {
  struct Bin {
    int64_t frames = 0;
    double confidence = 0;  ///< mean confidence shown
    double accuracy = 0;    ///< share right
  };
  std::vector<Bin> bins;  ///< equal-width confidence bins over [0, 1]
  double ece = 0;         ///< expected calibration error: frame-weighted |accuracy - confidence|
  int64_t frames = 0;
};

/// Reliability of labels shown with `confidences` (`right[i]`: whether label i was right).
Reliability reliability(const std::vector<double>& confidences, const std::vector<bool>& right,
                        int bins = 10);

}  // namespace actrec::eval
