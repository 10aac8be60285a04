#pragma once
// The page `live --serve` offers: every camera of the process in a grid, each with its overlay
// as a live MJPEG image, its people, its latest events and the clips of its falls, pushed as
// they come (Server-Sent Events). Served by an HttpServer (its limits, and its token beyond
// loopback) on its own threads; the live loops only hand over the newest frame and state and
// never wait for a viewer, however slow.
//   /                     the page
//   /state.json           the first camera's state, and every camera's in "cameras"
//   /events               the same, pushed on every change
//   /stream.mjpg          the first camera's image; /stream/NAME.mjpg any camera's
//   /clips/NAME/FILE.mp4  a fall clip in that camera's clips folder
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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
  /// Viewers of `camera`'s image now: with none, the caller need not encode frames for it.
  int viewers(const std::string& camera) const;

  /// The newest frame (JPEG) of `camera` (a name of [A-Za-z0-9_-]).
  void frame(const std::string& camera, Jpeg jpeg);
  /// The newest state of `camera` (a JSON object).
  void state(const std::string& camera, const std::string& json);
  /// Where `camera`'s fall clips are: its .mp4 files there are served.
  void clips(const std::string& camera, const std::string& folder);
  /// `camera` is gone (a reload dropped it): it leaves the page.
  void remove(const std::string& camera);

 private:
  struct Camera {
    Jpeg jpeg;
    int64_t frame_number = 0;
    std::string state = "{}";
    std::string clips;
    std::shared_ptr<std::atomic<int>> viewers = std::make_shared<std::atomic<int>>(0);
  };
  void serve_image(const std::string& camera, httplib::Response& response);
  void changed();  // rebuilds the combined state; call with mutex_ held

  std::unique_ptr<HttpServer> http_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> order_;  // cameras in the order they came
  std::map<std::string, Camera> cameras_;
  std::string state_ = "{}";  // what /state.json and /events serve
  int64_t state_number_ = 0;
  bool stopping_ = false;
};

}  // namespace actrec::output
