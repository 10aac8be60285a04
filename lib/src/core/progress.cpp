#include "actrec/core/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "actrec/core/log.hpp"

namespace actrec {

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(enabled()),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

bool Progress::enabled() { return log::level() != log::Level::quiet && ::isatty(STDERR_FILENO); }

double Progress::rate() const {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return seconds > 0 ? static_cast<double>(done_) / seconds : 0.0;
}

void Progress::advance(int64_t count) {
  done_ += count;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw();
}

void Progress::draw() {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string line = progress_line(label_, done_, total_, unit_, seconds);
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

std::string progress_line(const std::string& label, int64_t done, int64_t total,
                          const std::string& unit, double seconds) {
  const double per_second = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  std::string line = fmt::format("{}  {}", label, done);
  if (total >= 0) {
    line += fmt::format("/{} {}  {:.0f}%", total, unit,
                        total > 0 ? 100.0 * static_cast<double>(std::min(done, total)) / total : 100.0);
  } else {
    line += " " + unit;
  }
  line += fmt::format("  {:.1f} {}", per_second, unit == "frames" ? "fps" : unit + "/s");
  if (total > done && per_second > 0) {
    line += "  ETA " + format_duration(static_cast<double>(total - done) / per_second);
  }
  return line;
}

void Progress::finish() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

std::string format_duration(double seconds) {
  const auto total = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  const int64_t hours = total / 3600, minutes = total / 60 % 60, secs = total % 60;
  if (hours > 0) return fmt::format("{}:{:02}:{:02}", hours, minutes, secs);
  return fmt::format("{}:{:02}", minutes, secs);
}

}  // namespace actrec
