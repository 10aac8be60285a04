#pragma once
// The server for the pages this program offers to a network (`live --serve`). cpp-httplib
// routes requests and writes responses, but on connections of our own: its own loop gives each
// connection a thread from a fixed pool of 8 and reads requests of any size, so that a few
// viewers, idle sockets or one big upload stop the page. Here what a client can take is
// bounded (HttpLimits), and only this machine's names (on loopback) or the token (beyond) are
// served.
#include <atomic>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <utility>

namespace httplib {
class Server;
class DataSink;
struct Request;
struct Response;
}  // namespace httplib

namespace actrec::output {

/// What clients may take of a server, all told and each. The defaults serve a household's
/// viewers many times over.
struct HttpLimits {
  /// Connections open at once. Beyond, the one waiting longest for a request is closed to make
  /// room, or, if every one is busy, the new one is answered 503.
  int connections = 256;
  /// Responses that go on (an image stream, events) at once; beyond, 503. Fewer than
  /// `connections`, so that the page always has room for its other requests.
  int streams = 128;
  size_t head_bytes = 16 * 1024;  ///< a request's line and headers; beyond, 431
  size_t body_bytes = 0;          ///< a request's body (its length given); beyond, 413 unread
  double request_s = 5;           ///< to send a request whole, once begun; beyond, 408
  double idle_s = 5;   ///< a kept-alive connection may wait for its next request, then closed
  double write_s = 5;  ///< a write (a stream's next part) may wait for the client to read
};

/// Where a page's `--serve [ADDR:]PORT` says to listen: a bare port on this machine only
/// (127.0.0.1), PORT 0 any free one. ConfigError naming --serve for anything else.
std::pair<std::string, int> serve_address(const std::string& text);

class HttpServer {
 public:
  /// Listens on `host`:`port` (port 0: any free one). On loopback it answers only requests
  /// whose Host names this machine (a page elsewhere, its name pointed at 127.0.0.1 by DNS
  /// rebinding, cannot read it); beyond loopback only those carrying `token` (random when
  /// empty) as `?token=` (which sets a cookie the page's own requests carry), that cookie, or
  /// `Authorization: Bearer`. Error naming the address when it cannot listen; ConfigError for
  /// a token unfit for a URL.
  HttpServer(const std::string& host, int port, const HttpLimits& limits, std::string token = "");
  /// Stops listening, closes every connection and waits for their threads.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Where the routes go, before start().
  httplib::Server& routes();
  /// Serves, a thread per connection.
  void start();

  int port() const { return port_; }
  /// The address to open: with `?token=` when the token was made up here (its user has no
  /// other way to know it).
  std::string url() const;

  /// Makes `response` a stream: `next` is called until it returns false or the client goes,
  /// then `done`. False, and `response` a 503, when HttpLimits::streams already go on.
  bool stream(httplib::Response& response, const std::string& content_type,
              std::function<bool(httplib::DataSink&)> next, std::function<void()> done = {});

 private:
  class Routes;
  struct Connection;

  void accept_connections(int listener);
  bool make_room();
  void serve(Connection& connection);
  /// The status refusing `request` (its body unread), 0 when it may be served.
  int refusal(const httplib::Request& request, httplib::Response& response) const;
  bool authorized(const httplib::Request& request, httplib::Response& response) const;
  bool names_this_machine(const std::string& host_header) const;

  std::unique_ptr<Routes> routes_;
  const HttpLimits limits_;
  const std::string host_;
  int port_ = 0;
  const bool loopback_;
  std::string token_;  // empty on loopback
  bool token_made_here_ = false;
  std::string cookie_;  // the token's cookie: named after the port, as cookies ignore ports
  std::thread acceptor_;
  std::list<std::unique_ptr<Connection>> connections_;  // the acceptor's, then the destructor's
  std::atomic<int> streams_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace actrec::output
