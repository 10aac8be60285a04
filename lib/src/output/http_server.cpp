#include "actrec/output/http_server.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <httplib.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/output/mqtt_client.hpp"

namespace actrec::output {

std::pair<std::string, int> serve_address(const std::string& text) {
  const bool bare = text.find_first_not_of("0123456789") == std::string::npos;
  return parse_host_port(bare ? "127.0.0.1:" + text : text, 0, "--serve", true);
}

namespace {

using Clock = std::chrono::steady_clock;

// A connection is closed after this many requests, as cpp-httplib's own loop does.
constexpr int kRequestsPerConnection = 100;
// How long a connection closed on a request it refused still reads (and drops) what the client
// sends, so that the client reads the refusal rather than a reset (RFC 9112, 9.6).
constexpr auto kLinger = std::chrono::seconds(2);

// Set by the guard on the thread serving the request it refused: the connection closes after
// the answer, the request's body unread.
thread_local bool refused_on_this_thread = false;

Clock::time_point after(double seconds) {
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// poll() for `events` until `deadline`: 1 when they came (a closed or broken connection
// counts), 0 when the deadline passed, -1 on an error.
int wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(std::max<int64_t>(left, 0)));
    if (ready >= 0) return ready;
    if (errno != EINTR) return -1;
  }
}

// Reads and drops what the client still sends, for a while, then lets the connection close.
void linger(int fd) {
  ::shutdown(fd, SHUT_WR);
  const auto until = Clock::now() + kLinger;
  char dropped[16384];
  while (wait_for(fd, POLLIN, until) > 0 && ::recv(fd, dropped, sizeof dropped, 0) > 0) {
  }
}

// Answers a request cpp-httplib never saw (too slow, too big, no room), and nothing more.
void send_refusal(int fd, int status, const char* reason, const char* why) {
  const std::string response = fmt::format(
      "HTTP/1.1 {} {}\r\nConnection: close\r\nContent-Type: text/plain\r\n"
      "Content-Length: {}\r\n{}\r\n{}\n",
      status, reason, std::strlen(why) + 1, status == 503 ? "Retry-After: 10\r\n" : "", why);
  ::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string random_token() {
  unsigned char bytes[16];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    throw Error(
        fmt::format("cannot make a token for the page: getrandom: {}", std::strerror(errno)));
  }
  std::string token;
  for (const unsigned char byte : bytes) token += fmt::format("{:02x}", byte);
  return token;
}

// Compares a secret in a time that does not tell how much of `given` was right.
bool same_secret(const std::string& given, const std::string& secret) {
  unsigned char differ = given.size() != secret.size();
  for (size_t i = 0; i < secret.size(); ++i) {
    differ |= static_cast<unsigned char>(secret[i] ^ (i < given.size() ? given[i] : 0));
  }
  return differ == 0;
}

// The value of cookie `name` in a Cookie header ("a=1; b=2"); empty when it is not there.
std::string cookie_value(const std::string& header, const std::string& name) {
  for (size_t at = 0; at < header.size();) {
    const size_t end = std::min(header.find(';', at), header.size());
    const size_t start = header.find_first_not_of(' ', at);
    if (start < end && header.compare(start, name.size() + 1, name + "=") == 0) {
      return header.substr(start + name.size() + 1, end - start - name.size() - 1);
    }
    at = end + 1;
  }
  return "";
}

}  // namespace

// cpp-httplib's server, for its routes and the request handling it offers its subclasses: the
// connections are ours.
class HttpServer::Routes : public httplib::Server {
 public:
  using httplib::Server::process_request;
  std::atomic<int>& listener() { return svr_sock_; }
};

// A connection as cpp-httplib reads and writes it, within the limits: a request, once begun,
// arrives by a deadline, its head no longer than head_bytes; each write is taken within write_s.
struct HttpServer::Connection final : httplib::Stream {
  enum State { waiting, busy, closed_for_room };  // waiting: for (the rest of) a request's head

  Connection(int accepted, const HttpLimits& server_limits) : fd(accepted), limits(server_limits) {}

  // Waits for the next request: false when none began within idle_s, or the connection was
  // closed meanwhile.
  bool next_request() {
    int expected = busy;
    if (state.compare_exchange_strong(expected, waiting)) {
      waiting_since = Clock::now().time_since_epoch().count();  // a new connection's: its accept
    }
    if (state == closed_for_room) return false;
    if (begin == end && wait_for(fd, POLLIN, after(limits.idle_s)) <= 0) return false;
    deadline = after(limits.request_s);
    head_read = 0;
    head_end_matched = 0;
    head_done = false;
    return state != closed_for_room;
  }

  bool is_readable() const override { return begin != end || wait_for(fd, POLLIN, deadline) > 0; }
  bool is_writable() const override {
    return refused == 0 && wait_for(fd, POLLOUT, after(limits.write_s)) > 0;
  }

  ssize_t read(char* out, size_t size) override {
    if (refused != 0) return -1;
    if (begin == end) {
      const int ready = wait_for(fd, POLLIN, deadline);
      if (ready == 0) refused = 408;
      if (ready <= 0) return -1;
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
      if (got <= 0) return got;
      begin = 0;
      end = static_cast<size_t>(got);
    }
    size_t n = std::min(size, end - begin);
    if (!head_done) {
      // The head ends with an empty line: "\n\r\n". cpp-httplib reads it a byte at a time.
      for (size_t i = 0; i < n && !head_done; ++i) {
        const char c = buffer[begin + i];
        head_end_matched = c == "\n\r\n"[head_end_matched] ? head_end_matched + 1 : c == '\n';
        if (head_end_matched == 3) {
          head_done = true;
          n = i + 1;
        }
      }
      head_read += n;
      if (!head_done && head_read > limits.head_bytes) refused = 431;
      int expected = waiting;
      if (head_done && !state.compare_exchange_strong(expected, busy)) return -1;
      if (refused != 0) return -1;
    }
    std::memcpy(out, buffer + begin, n);
    begin += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* data, size_t size) override {
    if (refused != 0) return -1;  // cpp-httplib's answer to a request cut short: ours instead
    const auto until = after(limits.write_s);
    for (size_t sent = 0; sent < size;) {
      const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && errno != EINTR &&
                 !((errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(fd, POLLOUT, until) > 0)) {
        return -1;
      }
    }
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address(::getsockname, ip, port);
  }
  socket_t socket() const override { return fd; }

  const int fd;
  const HttpLimits& limits;
  std::atomic<int> state{waiting};
  std::atomic<Clock::rep> waiting_since{Clock::now().time_since_epoch().count()};
  std::atomic<bool> finished{false};
  int refused = 0;  // the status of a request cut short here (408, 431)
  std::thread thread;

 private:
  template <typename Query>
  void address(Query query, std::string& ip, int& port) const {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    char text[INET6_ADDRSTRLEN] = "";
    port = 0;
    if (query(fd, reinterpret_cast<sockaddr*>(&storage), &length) == 0) {
      if (storage.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(storage);
        ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
        port = ntohs(v4.sin_port);
      } else if (storage.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(storage);
        ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
        port = ntohs(v6.sin6_port);
      }
    }
    ip = text;
  }

  char buffer[4096];
  size_t begin = 0, end = 0;
  Clock::time_point deadline = Clock::now();
  size_t head_read = 0;
  int head_end_matched = 0;
  bool head_done = false;
};

HttpServer::HttpServer(const std::string& host, int port, const HttpLimits& limits,
                       std::string token)
    : routes_(std::make_unique<Routes>()),
      limits_(limits),
      host_(host),
      loopback_(is_loopback(host)) {
  if (!loopback_) {
    token_made_here_ = token.empty();
    token_ = token_made_here_ ? random_token() : std::move(token);
    if (token_.size() < 16 ||
        token_.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                                 "-._~") != std::string::npos) {
      throw ConfigError(
          "invalid token for the page ($ACTREC_SERVE_TOKEN): it needs 16 or more letters, "
          "digits, '-', '_', '.' or '~'");
    }
  }
  Routes& routes = *routes_;
  // SO_REUSEADDR alone: httplib's default adds SO_REUSEPORT, with which a second server on the
  // same port would share it silently instead of being told it is taken.
  routes.set_socket_options([](int socket) {
    const int yes = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  port_ = port == 0 ? routes.bind_to_any_port(host) : (routes.bind_to_port(host, port) ? port : -1);
  if (port_ <= 0) {
    throw Error(fmt::format(
        "cannot serve the page: {}:{}: the address is in use or not this machine's", host, port));
  }
  // cpp-httplib listens with a backlog of 5: a page opened by many at once needs more.
  ::listen(routes.listener(), 128);
  // What the Keep-Alive header tells clients: this loop's figures, not cpp-httplib's.
  routes.set_keep_alive_max_count(kRequestsPerConnection);
  routes.set_keep_alive_timeout(static_cast<time_t>(limits_.idle_s));
  cookie_ = fmt::format("actrec_token_{}", port_);
  const auto guard = [this](const httplib::Request& request, httplib::Response& response) {
    const int status = refusal(request, response);
    refused_on_this_thread = status != 0;
    if (status != 0) {
      response.status = status;
      response.set_header("Connection", "close");
    }
    return status != 0;
  };
  routes.set_pre_routing_handler(
      [guard](const httplib::Request& request, httplib::Response& response) {
        return guard(request, response) ? httplib::Server::HandlerResponse::Handled
                                        : httplib::Server::HandlerResponse::Unhandled;
      });
  // A client that asks before sending its body (curl does, from 1 MB) is told before it sends.
  routes.set_expect_100_continue_handler(
      [guard](const httplib::Request& request, httplib::Response& response) {
        return guard(request, response) ? response.status : 100;
      });
}

HttpServer::~HttpServer() {
  stopping_ = true;
  // cpp-httplib ends its streams once the listener is gone.
  const int listener = routes_->listener().exchange(-1);
  if (listener >= 0) ::shutdown(listener, SHUT_RDWR);  // wakes accept()
  if (acceptor_.joinable()) acceptor_.join();
  if (listener >= 0) ::close(listener);
  for (auto& connection : connections_) ::shutdown(connection->fd, SHUT_RDWR);
  for (auto& connection : connections_) {
    connection->thread.join();
    ::close(connection->fd);
  }
}

httplib::Server& HttpServer::routes() { return *routes_; }

void HttpServer::start() {
  acceptor_ =
      std::thread([this, listener = routes_->listener().load()] { accept_connections(listener); });
}

std::string HttpServer::url() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}/{}", v6 ? "[" : "", host_, v6 ? "]" : "", port_,
                     token_made_here_ ? "?token=" + token_ : "");
}

bool HttpServer::stream(httplib::Response& response, const std::string& content_type,
                        std::function<bool(httplib::DataSink&)> next, std::function<void()> done) {
  if (streams_.fetch_add(1) >= limits_.streams) {
    --streams_;
    response.status = 503;
    response.set_header("Retry-After", "10");
    response.set_content("too many viewers: try again later\n", "text/plain");
    return false;
  }
  response.set_chunked_content_provider(
      content_type,
      [next = std::move(next)](size_t, httplib::DataSink& sink) { return next(sink); },
      [this, done = std::move(done)](bool) {
        --streams_;
        if (done) done();
      });
  return true;
}

void HttpServer::accept_connections(int listener) {
  while (!stopping_) {
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) break;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors or memory: the connections that end free some.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      log::warn("the page stopped answering: accept: {}", std::strerror(errno));
      break;
    }
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (!(*it)->finished) {
        ++it;
        continue;
      }
      (*it)->thread.join();
      ::close((*it)->fd);
      it = connections_.erase(it);
    }
    if (!make_room()) {
      send_refusal(fd, 503, "Service Unavailable", "too many connections: try again later");
      ::close(fd);
      continue;
    }
    Connection& connection = *connections_.emplace_back(std::make_unique<Connection>(fd, limits_));
    connection.thread = std::thread([this, &connection] { serve(connection); });
  }
}

bool HttpServer::make_room() {
  for (;;) {
    int open = 0;
    Connection* idlest = nullptr;
    for (const auto& connection : connections_) {
      if (connection->finished || connection->state == Connection::closed_for_room) continue;
      ++open;
      if (connection->state == Connection::waiting &&
          (!idlest || connection->waiting_since < idlest->waiting_since)) {
        idlest = connection.get();
      }
    }
    if (open < limits_.connections) return true;
    if (!idlest) return false;
    int expected = Connection::waiting;
    if (idlest->state.compare_exchange_strong(expected, Connection::closed_for_room)) {
      ::shutdown(idlest->fd, SHUT_RDWR);  // its thread sees the end and finishes
    }
  }
}

void HttpServer::serve(Connection& connection) {
  for (int served = 0; served < kRequestsPerConnection && connection.next_request(); ++served) {
    refused_on_this_thread = false;
    bool client_closes = false;
    const bool go_on = routes_->process_request(connection, served + 1 == kRequestsPerConnection,
                                                client_closes, nullptr);
    if (connection.refused == 408) {
      send_refusal(connection.fd, 408, "Request Timeout", "the request came too slowly");
    } else if (connection.refused == 431) {
      send_refusal(connection.fd, 431, "Request Header Fields Too Large",
                   "the request's headers are too long");
    }
    if (connection.refused != 0 || refused_on_this_thread) {
      linger(connection.fd);
      break;
    }
    if (!go_on || client_closes) break;
  }
  ::shutdown(connection.fd, SHUT_RDWR);
  connection.finished = true;
}

int HttpServer::refusal(const httplib::Request& request, httplib::Response& response) const {
  if (loopback_ && !names_this_machine(request.get_header_value("Host"))) {
    response.set_content("this page answers only to this machine's names (localhost)\n",
                         "text/plain");
    return 403;
  }
  if (!loopback_ && !authorized(request, response)) {
    response.set_header("WWW-Authenticate", "Bearer");
    response.set_content(
        "this page needs its token: open the address with ?token= that actrec "
        "printed at start\n",
        "text/plain");
    return 401;
  }
  // A body is read only up to its length, and only a short one: a length given ahead lets
  // a long one be refused unread.
  const bool may_have_body = request.method == "POST" || request.method == "PUT" ||
                             request.method == "PATCH" || request.method == "PRI";
  if (request.has_header("Transfer-Encoding") ||
      (may_have_body && !request.has_header("Content-Length"))) {
    response.set_content("a request body needs a Content-Length\n", "text/plain");
    return 411;
  }
  if (request.get_header_value<uint64_t>("Content-Length") > limits_.body_bytes) {
    response.set_content(
        fmt::format("a request body may have {} bytes at most\n", limits_.body_bytes),
        "text/plain");
    return 413;
  }
  return 0;
}

bool HttpServer::authorized(const httplib::Request& request, httplib::Response& response) const {
  if (same_secret(request.get_param_value("token"), token_)) {
    if (!response.has_header("Set-Cookie")) {
      response.set_header("Set-Cookie",
                          cookie_ + "=" + token_ + "; Path=/; HttpOnly; SameSite=Strict");
    }
    return true;
  }
  const std::string authorization = request.get_header_value("Authorization");
  const std::string bearer = "Bearer ";
  return (authorization.compare(0, bearer.size(), bearer) == 0 &&
          same_secret(authorization.substr(bearer.size()), token_)) ||
         same_secret(cookie_value(request.get_header_value("Cookie"), cookie_), token_);
}

bool HttpServer::names_this_machine(const std::string& host_header) const {
  std::string host = host_header;
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const size_t colon = host.rfind(':');
  if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
    if (host.substr(colon + 1) != std::to_string(port_)) return false;
    host.erase(colon);
  }
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == host_ ||
         host == "[" + host_ + "]";
}

}  // namespace actrec::output
