#pragma once
// A TCP client a test drives by hand, as the clients a server must survive behave: one that
// says nothing, one that sends its headers a byte at a time, one that sends far too much, many
// at once. cpp-httplib's client is polite; these are not.
#include <cstdint>
#include <string>

namespace actrec::test {

class RawClient {
 public:
  /// Connects to `host`:`port` (IPv4); throws std::runtime_error when it cannot.
  RawClient(const std::string& host, int port);
  ~RawClient();
  RawClient(RawClient&& other) noexcept;
  RawClient& operator=(RawClient&&) = delete;
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  int fd() const { return fd_; }
  /// Sends `data` whole; false once the server has closed or reset the connection (or it
  /// stopped reading for 10 s).
  bool send(const std::string& data);
  /// Reads what has arrived, waiting up to `limit_s` for it; false once the server has closed
  /// the connection (or reset it).
  bool read_some(double limit_s);
  /// Reads (and keeps the first bytes of) what comes until the server closes the connection
  /// or `limit_s` pass: whether it closed.
  bool wait_closed(double limit_s);
  bool closed() const { return closed_; }
  /// Whether something is there to read, or the server has closed the connection.
  bool readable();

  /// The first bytes received (up to 64 KB: a stream goes on for ever); bytes() counts all.
  const std::string& received() const { return received_; }
  int64_t bytes() const { return bytes_; }
  /// The status of the response received ("HTTP/1.1 413 ..." gives 413); 0 before one came.
  int status() const;

 private:
  int fd_ = -1;
  std::string received_;
  int64_t bytes_ = 0;
  bool closed_ = false;
};

/// A GET request for `path` with a Host header of `host` (none when empty).
std::string get_request(const std::string& path, const std::string& host);

/// A figure in KiB from /proc/PID/status: "VmRSS" (resident now), "VmHWM" (the most resident so
/// far); -1 if unknown.
int64_t memory_kib(int pid, const std::string& field);

}  // namespace actrec::test
