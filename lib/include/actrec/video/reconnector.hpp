#pragma once
// Opening a live source again after it was lost (a network camera that reboots, a USB camera
// pulled out and plugged back): tries spaced ever further apart, given up after a set downtime.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "actrec/video/frame_source.hpp"

namespace actrec::video {

struct ReconnectPolicy {
  double first_wait_s = 0.5;  ///< between the first failed try and the next
  double max_wait_s = 8.0;    ///< the wait doubles after each failed try, up to this
  /// Seconds without frames (counted from the last frame) after which the source counts as
  /// gone for good; negative: never.
  double max_downtime_s = -1;
};

/// What a successful reconnect() did.
struct Reconnection {
  std::unique_ptr<FrameSource> source;  ///< null: a stop was requested while waiting
  int attempts = 0;                     ///< tries it took, the successful one included
  double downtime_s = 0;                ///< from the last frame to the new source's opening
};

class Reconnector {
 public:
  /// `open` opens the source once (throwing InputError when it cannot), taking at most the
  /// seconds it is given (the downtime still allowed; infinity when there is no limit); `name`
  /// names it in errors (without credentials: see redact_credentials()).
  using Opener = std::function<std::unique_ptr<FrameSource>(double budget_s)>;
  Reconnector(Opener open, ReconnectPolicy policy, std::string name);

  /// Called after each failed try with the try's number, its error and the wait before the next.
  using OnFailure = std::function<void(int attempt, const std::string& error, double wait_s)>;
  /// Opens the source again; `last_frame_us` (steady clock) is when its last frame came. Waits
  /// between tries in short slices, so that `stop` ends it within ~50 ms (a try itself may take
  /// up to the source's open timeout). Throws InputError naming the source once it has been
  /// down longer than the policy allows.
  Reconnection reconnect(int64_t last_frame_us, const std::atomic<bool>* stop,
                         const OnFailure& on_failure = {}) const;

 private:
  Opener open_;
  ReconnectPolicy policy_;
  std::string name_;
};

}  // namespace actrec::video
