#pragma once
// Servers and senders a test starts on loopback (ffmpeg, mosquitto, an RTSP server, Chromium),
// stopped by the test or, at the latest, when the test ends.
#include <memory>
#include <string>
#include <vector>

namespace actrec::test {

/// A port on 127.0.0.1 the kernel says is free now (TCP, or UDP with `udp`), from a block of
/// ports this test process alone picks from. Where the program under test can take port 0 and
/// say which it got, let it instead.
int free_port(bool udp = false);

/// Whether `name` is an executable on PATH.
bool have_program(const std::string& name);

/// Skips the test, saying so, when a program it needs is not installed (scripts/test.sh
/// installs them all; a developer's machine may lack some).
#define ACTREC_SKIP_WITHOUT(program)                                                           \
  do {                                                                                         \
    if (!::actrec::test::have_program(program)) {                                              \
      GTEST_SKIP() << (program) << " is not installed (scripts/test.sh installs it): skipped"; \
    }                                                                                          \
  } while (0)

/// Whether a TCP socket listens on `port` (any local address), read from /proc/net/tcp{,6}:
/// asks nothing of the server, which may serve one client only (ffmpeg -listen 1).
bool listening(int port);
/// Whether a UDP socket is bound to `port` (a receiver waiting for a stream), from /proc/net.
bool receiving_udp(int port);

/// `/usr/bin/python3`, not whatever python3 a PATH finds first: Debian's has the GStreamer
/// bindings setup.sh installs.
inline const char* system_python() { return "/usr/bin/python3"; }

class ChildProcess {
 public:
  /// Starts `argv` (argv[0] looked up in PATH) with stdout and stderr to `log`.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log);
  /// Stops it (stop()) if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int pid() const { return pid_; }
  /// Sends `signal`, waits up to 5 s, then kills; its exit code, or 128 + the signal that
  /// ended it.
  int stop(int signal = 15);
  /// Waits up to `limit_s` for it to end by itself; its exit code, or -1 if it still runs.
  int wait(double limit_s);
  bool running();

 private:
  int pid_ = -1;
  int status_ = -1;  // once reaped
};

/// A mosquitto broker on 127.0.0.1 (a free port, anonymous, nothing kept on disk) with a
/// subscriber to every topic: what a test publishes to, and reads back what was published.
class MqttTestBroker {
 public:
  /// Starts both in `folder` and waits until the subscriber has seen a message; throws when
  /// they do not come up within a few seconds.
  explicit MqttTestBroker(const std::string& folder);
  /// The broker goes away (a restart, a power cut), its subscriber with it.
  void stop();
  /// (Again) on the same port, with a new subscriber; what was published before stays in
  /// messages() and all().
  void start();
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  /// The payloads published on `topic` so far, in order (retained ones included).
  std::vector<std::string> messages(const std::string& topic) const;
  /// Whether the newest payload on `topic` is `payload` (false while nothing came on it).
  bool last_is(const std::string& topic, const std::string& payload) const;
  std::string all() const;  ///< every "topic payload" line so far

 private:
  std::string folder_;
  int port_ = 0;
  int starts_ = 0;
  std::unique_ptr<ChildProcess> broker_, subscriber_;
};

}  // namespace actrec::test
