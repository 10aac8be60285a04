#include "test_binary.hpp"
#include "run_command.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "temp_dir.hpp"

namespace actrec::test {

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

int spawn_actrec(const std::vector<std::string>& args, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::FILE* out = std::freopen(log.c_str(), "w", stdout);
    if (out) ::dup2(::fileno(stdout), 2);
    std::vector<char*> argv = {const_cast<char*>(ACTREC_BINARY)};
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(ACTREC_BINARY, argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_for(int pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

CommandResult run_actrec(const std::string& args, int limit_s, int64_t file_size_limit) {
  TempDir dir;
  const std::string err_path = dir.file("stderr");
  std::string limit = limit_s > 0 ? "timeout -s KILL " + std::to_string(limit_s) + " " : "";
  if (file_size_limit > 0) {
    limit += "prlimit --fsize=" + std::to_string(file_size_limit) + " -- ";
  }
  const std::string command = limit + shell_quote(ACTREC_BINARY) + " " + args + " 2>" +
                              shell_quote(err_path) + " </dev/null";
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream err(err_path);
  std::stringstream text;
  text << err.rdbuf();
  result.err = text.str();
  return result;
}

}  // namespace actrec::test
