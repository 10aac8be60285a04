#include "actrec/core/quantiles.hpp"

#include <algorithm>
#include <cmath>

namespace actrec {

namespace {
constexpr double kLowest = 1e-3;
const double kLogStep = std::log(1.01);
}  // namespace

void StreamingQuantiles::add(double value) {
  const double bin = std::floor(std::log(std::max(value, kLowest) / kLowest) / kLogStep);
  ++bins_[static_cast<size_t>(std::min(bin, static_cast<double>(kBins - 1)))];
  ++count_;
}

double StreamingQuantiles::quantile(double q) const {
  if (count_ == 0) return 0;
  // The same rank as sorting the values and taking element q * count.
  const int64_t rank = std::min(count_ - 1, static_cast<int64_t>(q * static_cast<double>(count_)));
  int64_t seen = 0;
  size_t bin = 0;
  for (; bin + 1 < bins_.size(); ++bin) {
    seen += bins_[bin];
    if (seen > rank) break;
  }
  return kLowest * std::exp((static_cast<double>(bin) + 0.5) * kLogStep);  // the bin's middle
}

}  // namespace actrec
