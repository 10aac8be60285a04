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

// Reads every client in the background, as browsers showing the page would, until destroyed.
// Look at the clients only under lock().
class Readers {
 public:
  explicit Readers(std::vector<RawClient>& clients)
      : clients_(clients), thread_([this] { run(); }) {}
  ~Readers() {
    stop_ = true;
    thread_.join();
  }
  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mutex_); }

 private:
  void run() {
    while (!stop_) {
      std::vector<pollfd> ready;
      for (const auto& client : clients_) {
        if (!client.closed()) ready.push_back({client.fd(), POLLIN, 0});
      }
      ::poll(ready.data(), ready.size(), 50);
      std::lock_guard<std::mutex> guard(mutex_);
      for (auto& client : clients_) {
        if (!client.closed()) client.read_some(0);
      }
    }
  }
  std::vector<RawClient>& clients_;
  std::mutex mutex_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(LivePage, ManyViewersAreServedAndNeverStarveThePage) {
  ASSERT_FALSE(serve("127.0.0.1:0").empty());
  // 70 viewers, each holding the image and the events, as the page does.
  const int viewers = 70;
  std::vector<RawClient> streams;
  for (int i = 0; i < viewers; ++i) {
    for (const char* path : {"/stream.mjpg", "/events"}) {
      streams.emplace_back("127.0.0.1", port_);
      ASSERT_TRUE(streams.back().send(get_request(path, host_header())));
    }
  }
  Readers readers(streams);
  // The page and its state still answer everyone else.
  ASSERT_TRUE(wait_until([&] { return answers("/state.json"); }, 30)) << read_text(log_);
  EXPECT_TRUE(wait_until([&] { return answers("/"); }, 30));
  // Every viewer is answered: with the image or the events, or, beyond the number of streams
  // the page keeps (well above a household's), with 503 at once rather than never.
  const auto answered = [&] {
    auto lock = readers.lock();
    return std::all_of(streams.begin(), streams.end(),
                       [](const RawClient& client) { return client.status() != 0; });
  };
  ASSERT_TRUE(wait_until(answered, 30));
  // Each image served shows frames (one JPEG per frame, the same for all).
  int served = 0, refused = 0, images = 0, showing = 0;
  const auto count = [&] {
    auto lock = readers.lock();
    served = refused = images = showing = 0;
    for (size_t i = 0; i < streams.size(); ++i) {
      refused += streams[i].status() == 503;
      if (streams[i].status() != 200) continue;
      ++served;
      if (i % 2 != 0) continue;
      ++images;
      showing += contains(streams[i].received(), "Content-Type: image/jpeg");
    }
    return showing == images;
  };
  EXPECT_TRUE(wait_until(count, 30)) << showing << " of " << images << " images show a frame";
  EXPECT_EQ(served + refused, 2 * viewers);
  EXPECT_GE(served, 100) << "fewer than 50 viewers served";
  EXPECT_TRUE(run_->running()) << read_text(log_);
}

TEST_F(LivePage, SilentAndSlowClientsAreCutAndNeverBlockThePage) {
  ASSERT_FALSE(serve("127.0.0.1:0").empty());
  // More connections that send nothing than the page keeps open at once...
  std::vector<RawClient> silent;
  for (int i = 0; i < 300; ++i) silent.emplace_back("127.0.0.1", port_);
  // ...and some that send their request a byte at a time, never finishing it.
  std::vector<RawClient> slow;
  for (int i = 0; i < 20; ++i) {
    slow.emplace_back("127.0.0.1", port_);
    slow.back().send("GET /state.json HTTP/1.1\r\nHost: " + host_header() + "\r\nX-Slow: ");
  }
  ASSERT_TRUE(wait_until([&] { return answers("/state.json"); }, 30)) << read_text(log_);
  EXPECT_TRUE(wait_until([&] { return answers("/"); }, 30));
  // The slow ones are cut however steadily they trickle.
  const bool all_cut = wait_until(
      [&] {
        bool open = false;
        for (auto& client : slow) {
          if (client.read_some(0) && client.send("a")) open = true;
        }
        return !open;
      },
      30);
  EXPECT_TRUE(all_cut);
  for (auto& client : silent) EXPECT_TRUE(client.wait_closed(30));
  EXPECT_TRUE(run_->running()) << read_text(log_);
}

// Sends `head`, then `filler` until the page answers or closes, or `total` bytes went; what
// the page answered, once it has closed the connection.
RawClient flood(int port, const std::string& head, int64_t total) {
  RawClient client("127.0.0.1", port);
  client.send(head);
  const std::string filler(1 << 20, 'x');
  for (int64_t sent = 0; sent < total && !client.readable(); sent += filler.size()) {
    if (!client.send(filler)) break;
  }
  client.wait_closed(30);
  return client;
}

TEST_F(LivePage, RequestsTooBigAreRefusedUnreadAndMemoryStaysBounded) {
  ASSERT_FALSE(serve("127.0.0.1:0").empty());
  ASSERT_TRUE(wait_until([&] { return answers("/state.json"); }, 30));
  const int64_t peak_before = memory_kib(run_->pid(), "VmHWM");
  // A 400 MB body (the page takes none).
  const RawClient post = flood(
      port_, "POST / HTTP/1.1\r\nHost: " + host_header() + "\r\nContent-Length: 400000000\r\n\r\n",
      400000000);
  EXPECT_TRUE(post.closed());
  EXPECT_EQ(post.status(), 413) << post.received().substr(0, 200);
  // A header line that never ends.
  const RawClient header =
      flood(port_, "GET / HTTP/1.1\r\nHost: " + host_header() + "\r\nX-Big: ", 100000000);
  EXPECT_TRUE(header.closed());
  EXPECT_EQ(header.status(), 431) << header.received().substr(0, 200);
  // Neither was kept: the process never held more than a few MB beyond what it had.
  const int64_t peak_after = memory_kib(run_->pid(), "VmHWM");
  EXPECT_LT(peak_after - peak_before, 32 * 1024) << peak_before << " KiB before";
  EXPECT_TRUE(answers("/state.json"));
}

// The first IPv4 address of this machine that is not loopback; empty when there is none.
std::string non_loopback_ipv4() {
  ifaddrs* interfaces = nullptr;
  if (::getifaddrs(&interfaces) != 0) return "";
  std::string found;
  for (const ifaddrs* entry = interfaces; entry && found.empty(); entry = entry->ifa_next) {
    if (!entry->ifa_addr || entry->ifa_addr->sa_family != AF_INET) continue;
    const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &address->sin_addr, text, sizeof text);
    if (std::string(text).rfind("127.", 0) != 0) found = text;
  }
  ::freeifaddrs(interfaces);
  return found;
}

TEST_F(LivePage, OnLoopbackOnlyThisMachinesNamesAreServed) {
  ASSERT_FALSE(serve("127.0.0.1:0").empty());
  const std::string port = std::to_string(port_);
  // A page elsewhere whose name was made to point at 127.0.0.1 (DNS rebinding) sends its own.
  for (const std::string& host :
       std::vector<std::string>{"evil.example", "evil.example:" + port, "127.0.0.1.nip.io"}) {
    const auto response = client().Get("/state.json", {{"Host", host}});
    ASSERT_TRUE(response) << host;
    EXPECT_EQ(response->status, 403) << host;
    EXPECT_FALSE(contains(response->body, "camera")) << response->body;
  }
  for (const std::string& host : std::vector<std::string>{"127.0.0.1:" + port, "localhost:" + port,
                                                          "[::1]:" + port, "localhost"}) {
    const auto response = client().Get("/state.json", {{"Host", host}});
    ASSERT_TRUE(response) << host;
    EXPECT_EQ(response->status, 200) << host;
  }
}

TEST_F(LivePage, BeyondLoopbackEveryRequestNeedsTheTokenPrintedAtStart) {
  const std::string address = non_loopback_ipv4();
  if (address.empty()) GTEST_SKIP() << "this machine has no IPv4 address but loopback";
  const std::string url = serve(address + ":0");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(url, match, std::regex("/\\?token=([A-Za-z0-9_-]{20,})$"))) << url;
  const std::string token = match[1];
  ASSERT_TRUE(wait_until([&] { return answers("/state.json?token=" + token); }, 30));
  // Without it, or with another, nothing of the page, its state or its streams.
  for (const std::string& path :
       std::vector<std::string>{"/", "/state.json", "/stream.mjpg", "/events",
                                "/state.json?token=" + std::string(token.size(), 'a')}) {
    const auto response = client().Get(path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 401) << path;
    EXPECT_TRUE(response->has_header("WWW-Authenticate")) << path;
    EXPECT_FALSE(contains(response->body, "camera") || contains(response->body, "mjpg"))
        << response->body;
  }
  EXPECT_EQ(status("/", {{"Authorization", "Bearer wrong"}}), 401);
  EXPECT_EQ(status("/", {{"Cookie", "actrec_token_" + std::to_string(port_) + "=wrong"}}), 401);
  // With it as a bearer...
  const auto bearer = client().Get("/state.json", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->status, 200);
  EXPECT_FALSE(contains(bearer->body, token));
  // ...or in the address printed: the page, and a cookie for the page's own requests, which
  // scripts cannot read and other sites' pages cannot send.
  const auto page = client().Get("/?token=" + token);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_TRUE(contains(page->body, "<title>actrec live</title>"));
  const std::string cookie = page->get_header_value("Set-Cookie");
  EXPECT_TRUE(contains(cookie, "HttpOnly")) << cookie;
  EXPECT_TRUE(contains(cookie, "SameSite=Strict")) << cookie;
  const std::string pair = cookie.substr(0, cookie.find(';'));
  EXPECT_EQ(pair, "actrec_token_" + std::to_string(port_) + "=" + token);
  EXPECT_EQ(status("/state.json", {{"Cookie", "theme=dark; " + pair}}), 200);
  // The token is in the one line that gives the address, and nowhere else.
  run_->stop(SIGINT);
  const std::string log = read_text(log_);
  EXPECT_NE(log.find(token), std::string::npos) << log;
  EXPECT_EQ(log.find(token), log.rfind(token)) << log;
}

TEST_F(LivePage, TheAddressPrintedOpensThePageAndItsVideoInABrowser) {
  const std::string address = non_loopback_ipv4();
  if (address.empty()) GTEST_SKIP() << "this machine has no IPv4 address but loopback";
  if (std::system("command -v chromium > /dev/null") != 0) {
    GTEST_SKIP() << "chromium is not installed: the page is not looked at in a browser";
  }
  const std::string url = serve(address + ":0");
  ASSERT_TRUE(contains(url, "?token=")) << url;
  // The page's own requests (the image, the events) carry the token in the cookie its address
  // set: the video shows.
  const std::string shot = dir_.file("page.png");
  ChildProcess chromium(
      {"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
       "--disable-background-networking", "--disable-component-update", "--disable-sync",
       "--user-data-dir=" + dir_.file("profile"), "--window-size=1100,600", "--screenshot=" + shot,
       url},
      dir_.file("chromium.log"));
  ASSERT_EQ(chromium.wait(60), 0) << read_text(dir_.file("chromium.log"));
  const cv::Mat page = cv::imread(shot, cv::IMREAD_COLOR);
  ASSERT_FALSE(page.empty()) << "no screenshot";
  // The test video's frames have white stripes; nothing else left of the list below the title
  // bar is white.
  cv::Mat white;
  cv::inRange(page(cv::Rect(0, 50, page.cols * 65 / 100, page.rows - 50)),
              cv::Scalar(200, 200, 200), cv::Scalar(255, 255, 255), white);
  EXPECT_GT(cv::countNonZero(white), 500) << "no video in the page: " << shot;
}

TEST_F(LivePage, ATokenFromTheEnvironmentIsNeverPrinted) {
  const std::string address = non_loopback_ipv4();
  if (address.empty()) GTEST_SKIP() << "this machine has no IPv4 address but loopback";
  const std::string token = "a-token-chosen-by-the-user-4d1f";
  ::setenv("ACTREC_SERVE_TOKEN", token.c_str(), 1);
  const std::string url = serve(address + ":0");
  EXPECT_FALSE(contains(url, token)) << url;
  ASSERT_TRUE(wait_until([&] { return answers("/state.json?token=" + token); }, 30));
  EXPECT_EQ(status("/state.json"), 401);
  run_->stop(SIGINT);
  EXPECT_FALSE(contains(read_text(log_), token)) << read_text(log_);
}

}  // namespace
}  // namespace actrec::test
