#include "raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <stdexcept>

namespace actrec::test {
namespace {

constexpr size_t kKept = 64 * 1024;

// poll() for `events` for up to `limit_s`: whether they came (an error or hang-up counts).
bool poll_for(int fd, short events, double limit_s) {
  pollfd entry{fd, events, 0};
  return ::poll(&entry, 1, static_cast<int>(limit_s * 1000)) > 0;
}

}  // namespace

RawClient::RawClient(const std::string& host, int port)
    : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (fd_ < 0 || ::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1 ||
      ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const std::string reason = std::to_string(errno);
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error("RawClient: cannot connect to " + host + ":" + std::to_string(port) +
                             ": errno " + reason);
  }
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

RawClient::RawClient(RawClient&& other) noexcept
    : fd_(other.fd_),
      received_(std::move(other.received_)),
      bytes_(other.bytes_),
      closed_(other.closed_) {
  other.fd_ = -1;
}

bool RawClient::send(const std::string& data) {
  for (size_t sent = 0; sent < data.size();) {
    if (!poll_for(fd_, POLLOUT, 10)) return false;
    const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool RawClient::read_some(double limit_s) {
  if (closed_) return false;
  if (!poll_for(fd_, POLLIN, limit_s)) return true;
  char buffer[65536];
  const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  bytes_ += n;
  if (received_.size() < kKept) {
    received_.append(buffer, std::min(static_cast<size_t>(n), kKept - received_.size()));
  }
  return true;
}

bool RawClient::wait_closed(double limit_s) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  while (!closed_ && std::chrono::steady_clock::now() < until) read_some(0.05);
  return closed_;
}

bool RawClient::readable() { return closed_ || poll_for(fd_, POLLIN, 0); }

int RawClient::status() const {
  if (received_.size() < 12 || received_.compare(0, 5, "HTTP/") != 0) return 0;
  return std::atoi(received_.c_str() + 9);
}

std::string get_request(const std::string& path, const std::string& host) {
  return "GET " + path + " HTTP/1.1\r\n" + (host.empty() ? "" : "Host: " + host + "\r\n") + "\r\n";
}

int64_t memory_kib(int pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

}  // namespace actrec::test
