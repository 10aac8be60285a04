#include "actrec/core/timer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace actrec {

int64_t steady_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double Stopwatch::seconds() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

double Stopwatch::lap() {
  const auto now = Clock::now();
  const double seconds = std::chrono::duration<double>(now - lap_).count();
  lap_ = now;
  return seconds;
}

void Stopwatch::restart() { start_ = lap_ = Clock::now(); }

void RateMeter::tick(int64_t now_us) {
  ticks_.push_back(now_us);
  while (!ticks_.empty() && ticks_.front() < now_us - window_us_) ticks_.pop_front();
}

double RateMeter::rate(int64_t now_us) const {
  // Ticks inside the window, over the time they span (the window once it is full).
  auto first = std::find_if(ticks_.begin(), ticks_.end(),
                            [&](int64_t t) { return t >= now_us - window_us_; });
  const auto count = std::distance(first, ticks_.end());
  if (count < 2) return 0;
  const double span_s = static_cast<double>(now_us - *first) * 1e-6;
  return span_s > 0 ? static_cast<double>(count - 1) / span_s : 0;
}

void StageTimes::add(const std::string& stage, double seconds, int64_t count) {
  auto [it, added] = totals_.try_emplace(stage);
  if (added) it->second.order = static_cast<int>(totals_.size());
  it->second.seconds += seconds;
  it->second.count += count;
}

double StageTimes::seconds(const std::string& stage) const {
  const auto it = totals_.find(stage);
  return it == totals_.end() ? 0 : it->second.seconds;
}

double StageTimes::mean_ms(const std::string& stage) const {
  const auto it = totals_.find(stage);
  return it == totals_.end() || it->second.count == 0
             ? 0
             : 1000 * it->second.seconds / static_cast<double>(it->second.count);
}

std::string StageTimes::summary() const {
  std::vector<std::pair<int, std::string>> ordered;
  for (const auto& [stage, total] : totals_) {
    ordered.push_back({total.order, fmt::format("{} {:.2f} ms", stage, mean_ms(stage))});
  }
  std::sort(ordered.begin(), ordered.end());
  std::string text;
  for (const auto& [_, part] : ordered) text += (text.empty() ? "" : ", ") + part;
  return text;
}

}  // namespace actrec
