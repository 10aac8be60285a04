#pragma once
#include <string>

namespace actrec::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;  ///< standard output
  std::string err;  ///< standard error
};

/// Runs `build/bin/actrec ARGS` through the shell (ARGS is shell text: quote paths).
CommandResult run_actrec(const std::string& args);

/// Single-quotes `text` for the shell.
std::string shell_quote(const std::string& text);

}  // namespace actrec::test
