#pragma once
// The page `live --serve` offers: the overlay as a live MJPEG image, each person's label and
// the latest events, pushed as they come (Server-Sent Events). Served by an HttpServer (its
// limits, and its token beyond loopback) on its own threads; the live loop only hands over the
// newest frame and state and never waits for a viewer, however slow.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "actrec/output/event_clips.hpp"
#include "actrec/output/http_server.hpp"

namespace actrec::output {

class LiveServer {
 public:
  /// Listens on `host`:`port` (port 0: any free one; see port()); beyond loopback, requests
  /// need `token` (made up when empty; see url()). Error naming the address when it cannot
  /// listen (in use, no such address).
  LiveServer(const std::string& host, int port, const std::string& token = "");
  ~LiveServer();
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  int port() const { return http_->port(); }
  /// The page's address, with the token when it was made up here.
  std::string url() const { return http_->url(); }
  /// Viewers of the image now: with none, the caller need not encode frames for it.
  int viewers() const { return viewers_.load(); }

  /// The newest frame (JPEG), shown to every viewer of /stream.mjpg.
  void frame(Jpeg jpeg);
  /// The newest state (a JSON object), served at /state.json and pushed on /events.
  void state(std::string json);

 private:
  std::unique_ptr<HttpServer> http_;
  std::atomic<int> viewers_{0};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Jpeg jpeg_;
  int64_t frame_number_ = 0;
  std::string state_ = "{}";
  int64_t state_number_ = 0;
  bool stopping_ = false;
};

}  // namespace actrec::output
