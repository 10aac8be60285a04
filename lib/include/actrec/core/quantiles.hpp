#pragma once
#include <array>
#include <cstdint>

namespace actrec {

/// Quantiles of a stream of positive values (latencies) in fixed memory, however long the
/// stream: values go into log-spaced bins 1% apart, so a quantile is within 1% of the exact one.
/// Values below 1e-3 count as 1e-3, above 1e7 as 1e7.
class StreamingQuantiles {
 public:
  void add(double value);
  /// The value below which a fraction `q` (0..1) of the values lie; 0 when there are none.
  double quantile(double q) const;
  int64_t count() const { return count_; }

 private:
  static constexpr int kBins = 2316;  // log(1e7 / 1e-3) / log(1.01), rounded up
  std::array<int64_t, kBins> bins_{};
  int64_t count_ = 0;
};

}  // namespace actrec
