#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace actrec {

/// A one-line progress display on stderr (count, rate, ETA), redrawn at most 10 times a second.
/// It draws only when stderr is a terminal and the log level is not quiet, so pipes, files and
/// CI logs stay clean.
class Progress {
 public:
  /// `total` < 0 means unknown (no percentage, no ETA).
  Progress(std::string label, int64_t total, std::string unit = "frames");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(int64_t count = 1);
  /// The total once it is known (a video's frame count, after it was opened); < 0: unknown.
  void set_total(int64_t total) { total_ = total; }
  /// Clears the line; later log output starts on a clean line.
  void finish();

  int64_t done() const { return done_; }
  double rate() const;  ///< units per second since construction

  static bool enabled();

 private:
  void draw();

  std::string label_;
  std::string unit_;
  int64_t total_;
  int64_t done_ = 0;
  bool drawn_ = false;
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

/// The line Progress draws: "LABEL  251/795 frames  32%  50.2 fps  ETA 0:11" (no share or ETA
/// when `total` < 0; the rate in fps for frames, else UNIT/s).
std::string progress_line(const std::string& label, int64_t done, int64_t total,
                          const std::string& unit, double seconds);

/// "m:ss" or "h:mm:ss".
std::string format_duration(double seconds);

}  // namespace actrec
