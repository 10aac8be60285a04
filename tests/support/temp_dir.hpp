#pragma once
#include <filesystem>
#include <string>

namespace actrec::test {

/// A fresh directory, removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// `../shared` beside the checkout, or an empty string when it is not there.
std::string shared_dir();

/// Writes `text` to `path` (binary, replacing it).
void write_text(const std::string& path, const std::string& text);

}  // namespace actrec::test

/// Skips the current test, saying why, when ../shared is absent.
#define ACTREC_REQUIRE_SHARED()                                                      \
  do {                                                                               \
    if (::actrec::test::shared_dir().empty())                                        \
      GTEST_SKIP() << "../shared (datasets beside the checkout) is absent: skipped"; \
  } while (0)
