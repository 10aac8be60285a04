#pragma once
// The one way actrec measures time: a stopwatch, per-stage totals and a moving frame rate.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

namespace actrec {

/// Microseconds on the steady clock (for latencies between threads).
int64_t steady_now_us();

class Stopwatch {
 public:
  Stopwatch() : start_(Clock::now()), lap_(start_) {}
  /// Seconds since construction or restart().
  double seconds() const;
  /// Seconds since the last lap() (or construction), starting the next lap.
  double lap();
  void restart();

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_, lap_;
};

/// Events per second over the last `window_s` seconds: what a live display shows, where an
/// average since the start would hide a slowdown.
class RateMeter {
 public:
  explicit RateMeter(double window_s = 2.0) : window_us_(static_cast<int64_t>(window_s * 1e6)) {}
  void tick(int64_t now_us = steady_now_us());
  double rate(int64_t now_us = steady_now_us()) const;

 private:
  int64_t window_us_;
  std::deque<int64_t> ticks_;
};

/// Seconds spent per named stage and how often it ran, in the order stages first appear.
class StageTimes {
 public:
  void add(const std::string& stage, double seconds, int64_t count = 1);
  double seconds(const std::string& stage) const;
  double mean_ms(const std::string& stage) const;
  /// "decode 1.2 ms, features 10.3 ms, model 0.4 ms" (means per item).
  std::string summary() const;

 private:
  struct Total {
    double seconds = 0;
    int64_t count = 0;
    int order = 0;
  };
  std::map<std::string, Total> totals_;
};

}  // namespace actrec
