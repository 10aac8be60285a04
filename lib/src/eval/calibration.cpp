#include "actrec/eval/calibration.hpp"

#include <algorithm>
#include <cmath>

namespace actrec::eval {

std::vector<float> with_temperature(const std::vector<float>& probabilities, double temperature) {
  std::vector<double> logits(probabilities.size());
  double top = -1e300;
  for (size_t c = 0; c < probabilities.size(); ++c) {
    logits[c] = std::log(std::max(1e-30, static_cast<double>(probabilities[c]))) / temperature;
    top = std::max(top, logits[c]);
  }
  double sum = 0;
  for (auto& value : logits) sum += (value = std::exp(value - top));
  std::vector<float> out(probabilities.size());
  for (size_t c = 0; c < out.size(); ++c) out[c] = static_cast<float>(logits[c] / sum);
  return out;
}

namespace {

double mean_nll(const std::vector<std::vector<float>>& probabilities,
                const std::vector<int64_t>& truth, double temperature) {
  double sum = 0;
  int64_t frames = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] < 0 || truth[i] >= static_cast<int64_t>(probabilities[i].size())) continue;
    const auto p = with_temperature(probabilities[i], temperature);
    sum -= std::log(std::max(1e-30, static_cast<double>(p[static_cast<size_t>(truth[i])])));
    ++frames;
  }
  return frames > 0 ? sum / static_cast<double>(frames) : 0;
}

}  // namespace

double fit_temperature(const std::vector<std::vector<float>>& probabilities,
                       const std::vector<int64_t>& truth) {
  if (std::none_of(truth.begin(), truth.end(), [](int64_t t) { return t >= 0; })) return 1.0;
  // The negative log-likelihood is convex in 1 / temperature: golden-section search over its
  // logarithm, from 1/20 to 20.
  double low = std::log(0.05), high = std::log(20.0);
  const double ratio = (std::sqrt(5.0) - 1) / 2;
  double a = high - ratio * (high - low), b = low + ratio * (high - low);
  double fa = mean_nll(probabilities, truth, std::exp(a));
  double fb = mean_nll(probabilities, truth, std::exp(b));
  for (int i = 0; i < 60; ++i) {
    if (fa < fb) {
      high = b;
      b = a;
      fb = fa;
      a = high - ratio * (high - low);
      fa = mean_nll(probabilities, truth, std::exp(a));
    } else {
      low = a;
      a = b;
      fa = fb;
      b = low + ratio * (high - low);
      fb = mean_nll(probabilities, truth, std::exp(b));
    }
  }
  return std::exp((low + high) / 2);
}

Reliability reliability(const std::vector<double>& confidences, const std::vector<bool>& right,
                        int bins) {
  Reliability result;
  result.bins.resize(static_cast<size_t>(std::max(1, bins)));
  for (size_t i = 0; i < confidences.size() && i < right.size(); ++i) {
    const double c = std::clamp(confidences[i], 0.0, 1.0);
    auto& bin = result.bins[std::min(result.bins.size() - 1,
                                     static_cast<size_t>(c * static_cast<double>(result.bins.size())))];
    ++bin.frames;
    bin.confidence += c;
    bin.accuracy += right[i] ? 1 : 0;
    ++result.frames;
  }
  for (auto& bin : result.bins) {
    if (bin.frames == 0) continue;
    bin.confidence /= static_cast<double>(bin.frames);
    bin.accuracy /= static_cast<double>(bin.frames);
    result.ece += static_cast<double>(bin.frames) * std::abs(bin.accuracy - bin.confidence);
  }
  if (result.frames > 0) result.ece /= static_cast<double>(result.frames);
  return result;
}

}  // namespace actrec::eval
