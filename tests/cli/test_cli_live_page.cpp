// The page `live --serve` offers, through the binary, under the clients a page on a network
// meets: many viewers at once, connections that say nothing or send their headers a byte at a
// time, requests far too big, a browser's EventSource, and anyone on the LAN without the token.
// Each test waits for what the binary does (an answer, a closed connection) with a bound that
// only a hang reaches; none asserts a speed.
#include <gtest/gtest.h>
#include <httplib.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <regex>
#include <thread>

#include "child_process.hpp"
#include "raw_client.hpp"
#include "run_command.hpp"
#include "stub_models.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"
#include "test_binary.hpp"

namespace actrec::test {
namespace {

class LivePage : public ::testing::Test {
 protected:
  void SetUp() override {
    write_colour_backbone(dir_.file("colour.pt"));
    write_bundle(model_, colour_features(dir_.file("colour.pt")), config::Cell::gru);
    write_index_video(video_, 600, 10.0);  // a minute played as a camera: the test ends it
    ::unsetenv("ACTREC_SERVE_TOKEN");
  }
  void TearDown() override { ::unsetenv("ACTREC_SERVE_TOKEN"); }

  // `live --serve ADDRESS` on `source` (the test video played as a camera unless given); the
  // page's address as printed at start.
  std::string serve(const std::string& address, std::vector<std::string> source = {}) {
    if (source.empty()) source = {"--source", video_, "--realtime"};
    std::vector<std::string> argv = {ACTREC_BINARY, "live", "--model", model_, "--no-display",
                                     "--threads",   "1",    "--serve", address};
    argv.insert(argv.end(), source.begin(), source.end());
    run_ = std::make_unique<ChildProcess>(argv, log_);
    const auto match =
        wait_for_match(log_, "serving the live page at (http://([0-9.]+):([0-9]+)/\\S*)", 30);
    EXPECT_FALSE(match.empty()) << read_text(log_);
    if (match.empty()) return "";
    host_ = match[2];
    port_ = std::stoi(match[3]);
    return match[1];
  }
  std::string host_header() const { return host_ + ":" + std::to_string(port_); }
  httplib::Client client() const {
    httplib::Client client(host_, port_);
    client.set_read_timeout(5);
    return client;
  }
  // The status `path` answers with; 0 for none (a refused connection, no answer in 5 s).
  int status(const std::string& path, const httplib::Headers& headers = {}) const {
    const auto response = client().Get(path, headers);
    return response ? response->status : 0;
  }
  bool answers(const std::string& path) const { return status(path) == 200; }

  TempDir dir_;
  const std::string model_ = dir_.file("colour.actrec");
  const std::string video_ = dir_.file("source.avi");
  const std::string log_ = dir_.file("live.log");
  std::unique_ptr<ChildProcess> run_;
  std::string host_;
  int port_ = 0;
};

// The body of a chunked response as far as it came.
std::string dechunked(const std::string& response) {
  std::string body;
  const size_t head_end = response.find("\r\n\r\n");
  if (head_end == std::string::npos) return body;
  for (size_t at = head_end + 4;;) {  // each chunk: its size in hex, CRLF, the bytes, CRLF
    const size_t line_end = response.find("\r\n", at);
    if (line_end == std::string::npos || line_end == at) break;
    const size_t size = std::stoul(response.substr(at, line_end - at), nullptr, 16);
    if (size == 0 || line_end + 2 + size > response.size()) break;
    body += response.substr(line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
  return body;
}

TEST_F(LivePage, EventsKeepAliveIsAWholeCommentWithNothingAfterIt) {
  // A camera that sends nothing: the state stands still, and the events only keep alive.
  const std::string camera = "udp://127.0.0.1:" + std::to_string(free_port(true));
  ASSERT_FALSE(serve("127.0.0.1:0", {"--source", camera, "--timeout", "60"}).empty());
  RawClient events("127.0.0.1", port_);
  ASSERT_TRUE(events.send(get_request("/events", host_header())));
  std::string body;
  ASSERT_TRUE(wait_until(
      [&] {
        events.read_some(0.1);
        body = dechunked(events.received());
        const size_t first = body.find(": idle");
        return first != std::string::npos && body.find(": idle", first + 1) != std::string::npos;
      },
      20))
      << events.received();
  // Messages and comments alone, each ended by a blank line: a stray byte (a NUL) would start
  // the next message's first line, and the browser would drop that message.
  EXPECT_EQ(body.find('\0'), std::string::npos) << nlohmann::json(body).dump();
  EXPECT_TRUE(std::regex_match(body, std::regex("data: \\{[^\n]*\\}\n\n(: idle\n\n)+")))
      << nlohmann::json(body).dump();
}

}  // namespace
}  // namespace actrec::test
