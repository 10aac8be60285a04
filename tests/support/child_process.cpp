#include "child_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace actrec::test {

int free_port(bool udp) {
  const int fd = ::socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("free_port: no socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("free_port: cannot bind");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

bool listening(int port) {
  char wanted[8];
  std::snprintf(wanted, sizeof wanted, ":%04X", port);
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      if (state == "0A" && local.size() > 5 && local.substr(local.size() - 5) == wanted) {
        return true;
      }
    }
  }
  return false;
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
  {
    std::ofstream config(folder_ + "/mosquitto.conf");
    config << "listener " << port_ << " 127.0.0.1\nallow_anonymous true\npersistence false\n";
  }
  broker_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"mosquitto", "-c", folder_ + "/mosquitto.conf"},
      folder_ + "/mosquitto.log");
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
      folder_ + "/messages.txt");
  // Ready once the subscriber has seen a retained message of the test's own.
  ChildProcess publish({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(port_), "-t",
                        "test/ready", "-m", "yes", "-r"},
                       folder_ + "/mosquitto_pub.log");
  if (publish.wait(10) != 0 ||
      !wait([&] { return all().find("test/ready yes") != std::string::npos; })) {
    throw std::runtime_error("MqttTestBroker: the subscriber saw nothing");
  }
}

std::string MqttTestBroker::all() const {
  std::ifstream in(folder_ + "/messages.txt");
  std::stringstream text;
  text << in.rdbuf();
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
