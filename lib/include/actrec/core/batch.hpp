#pragma once
// Work on many inputs where one bad input must not stop the others.
#include <functional>
#include <string>
#include <vector>

#include "actrec/core/error.hpp"

namespace actrec {

struct BatchReport {
  size_t done = 0, failed = 0;
  int exit_code = 0;  ///< 0, or the exit code of the first failure
};

/// Runs `work` on each input in order. An actrec::Error from one goes to `on_error` (the CLI
/// prints it) and the rest still run.
BatchReport run_batch(const std::vector<std::string>& inputs,
                      const std::function<void(const std::string& input, size_t index)>& work,
                      const std::function<void(const std::string& input, const Error& error)>& on_error);

}  // namespace actrec
