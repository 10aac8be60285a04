// HttpServer's limits, each alone with limits small enough to reach: what happens to the
// connection beyond each (tests/cli/test_cli_live_page.cpp meets them through `live --serve`).
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "actrec/core/error.hpp"
#include "actrec/output/http_server.hpp"
#include "raw_client.hpp"
#include "temp_dir.hpp"

namespace actrec::output {
namespace {

using test::RawClient;

// A server with three routes: /ok, a stream that goes on (/stream) and a small POST (/echo).
class Served {
 public:
  // A server with the default limits but what `set` changes.
  explicit Served(const std::function<void(HttpLimits&)>& set)
      : http_("127.0.0.1", 0, [&] {
          HttpLimits limits;
          set(limits);
          return limits;
        }()) {
    http_.routes().Get("/ok", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("ok", "text/plain");
    });
    http_.routes().Get("/stream", [this](const httplib::Request&, httplib::Response& response) {
      http_.stream(
          response, "text/plain",
          [](httplib::DataSink& sink) {
            const std::string part(65536, 'x');
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            return sink.write(part.data(), part.size());
          },
          [this] { ++streams_ended_; });
    });
    http_.routes().Post("/echo", [](const httplib::Request& request, httplib::Response& response) {
      response.set_content(request.body, "text/plain");
    });
    http_.start();
  }
  int port() const { return http_.port(); }
  // A client that sent `request`, once the server has closed its connection (or 10 s passed).
  RawClient closed_after(const std::string& request) const {
    RawClient client("127.0.0.1", port());
    client.send(request);
    client.wait_closed(10);
    return client;
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(http_.port()); }
  int streams_ended() const { return streams_ended_; }
  // A client that asked for `path` and has its answer's status line.
  RawClient ask(const std::string& path) const {
    RawClient client("127.0.0.1", port());
    client.send(test::get_request(path, host()));
    test::wait_until([&] { return !client.read_some(0.05) || client.status() != 0; }, 10);
    return client;
  }

 private:
  HttpServer http_;
  std::atomic<int> streams_ended_{0};
};

TEST(HttpServer, AtTheConnectionLimitTheOneWaitingLongestIsClosedForANewOne) {
  Served served([](HttpLimits& limits) { limits.connections = 2; });
  RawClient first("127.0.0.1", served.port());
  RawClient second("127.0.0.1", served.port());
  EXPECT_EQ(served.ask("/ok").status(), 200);
  EXPECT_TRUE(first.wait_closed(10));
}

TEST(HttpServer, WhenEveryConnectionIsBusyANewOneIsAnswered503) {
  Served served([](HttpLimits& limits) { limits.connections = 2; });
  std::vector<RawClient> busy;
  for (int i = 0; i < 2; ++i) busy.push_back(served.ask("/stream"));
  for (const auto& client : busy) EXPECT_EQ(client.status(), 200);
  const RawClient refused = served.closed_after("");
  EXPECT_TRUE(refused.closed());
  EXPECT_EQ(refused.status(), 503) << refused.received();
}

TEST(HttpServer, StreamsBeyondTheirLimitAreAnswered503AndTheRestServed) {
  Served served([](HttpLimits& limits) { limits.streams = 1; });
  const RawClient watching = served.ask("/stream");
  EXPECT_EQ(watching.status(), 200);
  const RawClient refused = served.ask("/stream");
  EXPECT_EQ(refused.status(), 503);
  EXPECT_NE(refused.received().find("Retry-After: 10"), std::string::npos) << refused.received();
  EXPECT_EQ(served.ask("/ok").status(), 200);
}

TEST(HttpServer, AViewerThatStopsReadingIsCutAndItsStreamEnds) {
  Served served([](HttpLimits& limits) { limits.write_s = 0.3; });
  RawClient stalled("127.0.0.1", served.port());
  const int small = 4096;
  ::setsockopt(stalled.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  stalled.send(test::get_request("/stream", served.host()));
  EXPECT_TRUE(test::wait_until([&] { return served.streams_ended() == 1; }, 20));
}

TEST(HttpServer, ARequestThatComesTooSlowlyIsAnswered408) {
  Served served([](HttpLimits& limits) { limits.request_s = 0.3; });
  const RawClient slow = served.closed_after("GET /ok HTTP/1.1\r\nHost: " + served.host() + "\r\n");
  EXPECT_TRUE(slow.closed());
  EXPECT_EQ(slow.status(), 408) << slow.received();
}

TEST(HttpServer, ABodyIsTakenUpToItsLimitWithItsLengthGivenAhead) {
  Served served([](HttpLimits& limits) { limits.body_bytes = 100; });
  httplib::Client client("127.0.0.1", served.port());
  const auto small = client.Post("/echo", std::string(100, 'a'), "text/plain");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
  EXPECT_EQ(small->body, std::string(100, 'a'));
  const std::string post = "POST /echo HTTP/1.1\r\nHost: " + served.host() + "\r\n";
  // Longer than allowed, said ahead: refused unread, and the connection closed.
  const RawClient big = served.closed_after(post + "Content-Length: 101\r\n\r\n");
  EXPECT_TRUE(big.closed());
  EXPECT_EQ(big.status(), 413) << big.received();
  // A client that asks first is told before it sends the body.
  const RawClient asking =
      served.closed_after(post + "Content-Length: 400000000\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(asking.status(), 413) << asking.received();
  // A length not said ahead is not taken.
  const RawClient chunked =
      served.closed_after(post + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.status(), 411) << chunked.received();
}

TEST(HttpServer, ATokenUnfitForAnAddressIsAConfigError) {
  for (const char* token : {"short", "sixteen chars but spaces"}) {
    const std::string message =
        test::error_message<ConfigError>([&] { HttpServer("0.0.0.0", 0, {}, token); });
    EXPECT_NE(message.find("ACTREC_SERVE_TOKEN"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace actrec::output
