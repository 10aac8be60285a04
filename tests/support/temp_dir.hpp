#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "actrec/core/temp_dir.hpp"

namespace actrec::test {

using actrec::TempDir;

/// `../shared` beside the checkout, or an empty string when it is not there.
std::string shared_dir();

/// Writes `text` to `path` (binary, replacing it).
void write_text(const std::string& path, const std::string& text);
/// The whole file (binary); empty when it cannot be read.
std::string read_text(const std::string& path);

/// Polls `ready` every 20 ms until it holds or `limit_s` pass: what a test waits for instead of
/// sleeping a fixed time. Returns whether it held.
bool wait_until(const std::function<bool()>& ready, double limit_s);

/// Waits up to `limit_s` for text matching the regular expression `pattern` in the file at
/// `path` (a log still being written): the match and its groups, or nothing if none came.
std::vector<std::string> wait_for_match(const std::string& path, const std::string& pattern,
                                        double limit_s);

/// The message of the `E` that `action` throws; a test failure when it throws none.
template <typename E>
std::string error_message(const std::function<void()>& action) {
  try {
    action();
  } catch (const E& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an exception, none was thrown";
  return "";
}

}  // namespace actrec::test

/// Skips the current test, saying why, when ../shared is absent.
#define ACTREC_REQUIRE_SHARED()                                                      \
  do {                                                                               \
    if (::actrec::test::shared_dir().empty())                                        \
      GTEST_SKIP() << "../shared (datasets beside the checkout) is absent: skipped"; \
  } while (0)
