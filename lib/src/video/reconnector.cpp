#include "actrec/video/reconnector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

#include "actrec/core/error.hpp"
#include "actrec/core/timer.hpp"

namespace actrec::video {

Reconnector::Reconnector(Opener open, ReconnectPolicy policy, std::string name)
    : open_(std::move(open)), policy_(policy), name_(std::move(name)) {}

Reconnection Reconnector::reconnect(int64_t last_frame_us, const std::atomic<bool>* stop,
                                    const OnFailure& on_failure) const {
  auto down_s = [&] { return static_cast<double>(steady_now_us() - last_frame_us) * 1e-6; };
  auto stopped = [&] { return stop && stop->load(); };
  const bool limited = policy_.max_downtime_s >= 0;
  std::string error = "no frames";  // what the read said, until a try says more
  double wait_s = policy_.first_wait_s;
  for (int attempt = 1;; ++attempt) {
    if (stopped()) return {};
    if (limited && down_s() >= policy_.max_downtime_s) {
      throw InputError(
          fmt::format("stream lost: {}: no frames for {:.1f} s, longer than the "
                      "{:g} s allowed (--max-downtime); last error: {}",
                      name_, down_s(), policy_.max_downtime_s, error));
    }
    try {
      Reconnection done;
      done.source = open_(limited ? std::max(0.0, policy_.max_downtime_s - down_s())
                                  : std::numeric_limits<double>::infinity());
      done.attempts = attempt;
      done.downtime_s = down_s();
      return done;
    } catch (const InputError& e) {
      error = e.what();
    }
    // Wait no longer than the downtime still allowed: the limit is kept to the slice.
    double wait = wait_s;
    if (limited) wait = std::clamp(policy_.max_downtime_s - down_s(), 0.0, wait);
    if (on_failure) on_failure(attempt, error, wait);
    const int64_t until = steady_now_us() + static_cast<int64_t>(wait * 1e6);
    while (!stopped() && steady_now_us() < until) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::clamp<int64_t>((until - steady_now_us()) / 1000, 1, 50)));
    }
    wait_s = std::min(wait_s * 2, policy_.max_wait_s);
  }
}

}  // namespace actrec::video
