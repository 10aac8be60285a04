#include "actrec/video/reconnector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
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
      done.source = open_();
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

std::string redact_credentials(const std::string& location) {
  const size_t scheme = location.find("://");
  if (scheme == std::string::npos) return location;
  const size_t host = scheme + 3;
  const size_t path = location.find('/', host);
  const size_t at = location.rfind('@', path == std::string::npos ? std::string::npos : path);
  if (at == std::string::npos || at < host) return location;
  return location.substr(0, host) + "***" + location.substr(at);
}

std::string source_slug(const SourceSpec& spec) {
  std::string text = spec.location;
  if (spec.kind == SourceKind::camera) {
    const size_t slash = text.rfind('/');
    text = "camera" + (slash == std::string::npos ? text : text.substr(slash + 1));
    if (text.rfind("cameravideo", 0) == 0) text = "camera" + text.substr(11);
  } else if (const size_t scheme = text.find("://"); scheme != std::string::npos) {
    text = text.substr(scheme + 3);
    text = text.substr(0, text.find_first_of("?#"));  // a query may hold a token
    const size_t path = text.find('/');
    const size_t at = text.rfind('@', path);
    if (at != std::string::npos && (path == std::string::npos || at < path)) {
      text = text.substr(at + 1);
    }
  } else {
    const size_t slash = text.find_last_of('/');
    if (slash != std::string::npos) text = text.substr(slash + 1);
    const size_t dot = text.rfind('.');
    if (dot != std::string::npos && dot > 0) text = text.substr(0, dot);
  }
  std::string slug;
  for (char c : text) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (keep) {
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!slug.empty() && slug.back() != '_') {
      slug += '_';
    }
  }
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  if (slug.size() > 48) slug.resize(48);
  return slug.empty() ? "source" : slug;
}

}  // namespace actrec::video
