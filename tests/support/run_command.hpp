#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace actrec::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;  ///< standard output
  std::string err;  ///< standard error
};

/// Runs `build/bin/actrec ARGS` through the shell (ARGS is shell text: quote paths). With a
/// `limit_s`, a run still going after that many seconds is killed (exit code 137). With a
/// `file_size_limit` (bytes), no file it writes may grow past that (RLIMIT_FSIZE: a write
/// there fails as on a full disk).
CommandResult run_actrec(const std::string& args, int limit_s = 0, int64_t file_size_limit = 0);

/// Starts `build/bin/actrec ARGS...` without waiting (stdout, stderr to `log`); returns its pid.
int spawn_actrec(const std::vector<std::string>& args, const std::string& log);

/// Waits for `pid`; its exit code, or 128 + signal.
int wait_for(int pid);

/// Whether `text` holds `part`.
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Single-quotes `text` for the shell.
std::string shell_quote(const std::string& text);

}  // namespace actrec::test
