#include "child_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace actrec::test {

namespace {

// Binds `port` on 127.0.0.1 (0: any) and returns the port bound, or -1.
int try_bind(int port, bool udp) {
  const int fd = ::socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("free_port: no socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t length = sizeof address;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  return bound ? ntohs(address.sin_port) : -1;
}

}  // namespace

int free_port(bool udp) {
  // Each test process takes ports from a block of its own, below the kernel's ephemeral range:
  // two tests that ctest -j runs at once never pick the same port between asking and binding.
  constexpr int kBlock = 16, kBlocks = 1400, kFirst = 10000;
  static int next = 0;
  const int block = kFirst + static_cast<int>(::getpid() % kBlocks) * kBlock;
  for (int tries = 0; tries < kBlock; ++tries) {
    const int port = block + next++ % kBlock;
    if (try_bind(port, udp) == port) return port;
  }
  const int any = try_bind(0, udp);  // the block is taken by something else: any will do
  if (any < 0) throw std::runtime_error("free_port: cannot bind");
  return any;
}

bool have_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

namespace {

// Whether a socket in /proc/net's `tables` is bound to local `port` in `state` ("" any).
bool in_socket_table(std::initializer_list<const char*> tables, int port,
                     const std::string& wanted_state) {
  char wanted[8];
  std::snprintf(wanted, sizeof wanted, ":%04X", port);
  for (const char* table : tables) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      if ((wanted_state.empty() || state == wanted_state) && local.size() > 5 &&
          local.substr(local.size() - 5) == wanted) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool listening(int port) {
  return in_socket_table({"/proc/net/tcp", "/proc/net/tcp6"}, port, "0A");
}

bool receiving_udp(int port) {
  return in_socket_table({"/proc/net/udp", "/proc/net/udp6"}, port, "");
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log) {
  pid_ = ::fork();
  if (pid_ == 0) {
    std::FILE* out = std::freopen(log.c_str(), "w", stdout);
    if (out) ::dup2(::fileno(stdout), 2);
    std::FILE* in = std::freopen("/dev/null", "r", stdin);
    (void)in;
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  if (pid_ < 0) throw std::runtime_error("ChildProcess: fork failed");
}

ChildProcess::~ChildProcess() {
  if (status_ < 0 && pid_ > 0) stop(SIGKILL);
}

bool ChildProcess::running() { return wait(0) < 0; }

int ChildProcess::wait(double limit_s) {
  if (status_ >= 0) return status_;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return status_;
    }
    if (std::chrono::steady_clock::now() >= until) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int ChildProcess::stop(int signal) {
  if (status_ >= 0) return status_;
  ::kill(pid_, signal);
  if (wait(5) >= 0) return status_;
  ::kill(pid_, SIGKILL);
  return wait(5);
}

MqttTestBroker::MqttTestBroker(const std::string& folder) : folder_(folder) {
  port_ = free_port();
  start();
}

void MqttTestBroker::stop() {
  subscriber_.reset();
  broker_.reset();
}

void MqttTestBroker::start() {
  const std::string run = std::to_string(++starts_);
  {
    std::ofstream config(folder_ + "/mosquitto.conf");
    config << "listener " << port_ << " 127.0.0.1\nallow_anonymous true\npersistence false\n";
  }
  broker_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"mosquitto", "-c", folder_ + "/mosquitto.conf"},
      folder_ + "/mosquitto" + run + ".log");
  auto wait = [](const std::function<bool()>& ready) {
    for (int i = 0; i < 500 && !ready(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return ready();
  };
  if (!wait([&] { return listening(port_); })) {
    throw std::runtime_error("MqttTestBroker: mosquitto did not listen on port " +
                             std::to_string(port_));
  }
  subscriber_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(port_),
                               "-t", "#", "-v"},
      folder_ + "/messages" + run + ".txt");
  // Ready once the subscriber has seen a retained message of the test's own.
  ChildProcess publish({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(port_), "-t",
                        "test/ready", "-m", "run" + run, "-r"},
                       folder_ + "/mosquitto_pub.log");
  if (publish.wait(10) != 0 ||
      !wait([&] { return all().find("test/ready run" + run) != std::string::npos; })) {
    throw std::runtime_error("MqttTestBroker: the subscriber saw nothing");
  }
}

std::string MqttTestBroker::all() const {
  std::stringstream text;
  for (int run = 1; run <= starts_; ++run) {
    std::ifstream in(folder_ + "/messages" + std::to_string(run) + ".txt");
    text << in.rdbuf();
  }
  return text.str();
}

std::vector<std::string> MqttTestBroker::messages(const std::string& topic) const {
  std::vector<std::string> found;
  std::istringstream in(all());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(topic + " ", 0) == 0) found.push_back(line.substr(topic.size() + 1));
  }
  return found;
}

bool MqttTestBroker::last_is(const std::string& topic, const std::string& payload) const {
  const auto said = messages(topic);
  return !said.empty() && said.back() == payload;
}

}  // namespace actrec::test
