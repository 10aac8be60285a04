#include "actrec/core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "actrec/core/error.hpp"
#include "actrec/core/sha256.hpp"

namespace actrec {
namespace fs = std::filesystem;

namespace {

// Longest file name most file systems take (NAME_MAX), less room for ".tmp<pid>-<random>".
constexpr size_t kLongestName = 255;
constexpr size_t kTemporarySuffix = 4 + 10 + 1 + 8;

// ".<stem>.tmp": what every temporary of `path` starts with; a stem too long for the limit is
// cut and given a hash of itself, so that temporaries of different long names stay apart.
std::string temporary_prefix(const fs::path& path) {
  std::string stem = path.stem().string();
  const size_t room = kLongestName - 1 - kTemporarySuffix - path.extension().string().size();
  if (stem.size() > room) stem = stem.substr(0, room - 9) + "~" + Sha256().update(stem).hex().substr(0, 8);
  return "." + stem + ".tmp";
}

// Whether some process holds the lock of the temporary at `path` (it is being written now).
bool held_by_a_live_process(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases the lock if this call took it
  return held;
}

void remove_unless_held(const fs::path& path) {
  if (held_by_a_live_process(path)) return;
  std::error_code ignored;
  fs::remove(path, ignored);
}

}  // namespace

std::string temporary_path(const std::string& path) {
  static thread_local std::mt19937 random(std::random_device{}());
  const fs::path p(path);
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "%d-%08x", static_cast<int>(::getpid()),
                static_cast<unsigned>(random()));
  return (p.parent_path() / (temporary_prefix(p) + suffix + p.extension().string())).string();
}

TemporaryFile::TemporaryFile(const std::string& path) : target_(path), temp_(temporary_path(path)) {
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot write " + path + ": " + std::strerror(errno));
  ::flock(fd_, LOCK_EX);
}

TemporaryFile::~TemporaryFile() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove(temp_, ignored);
  }
  if (fd_ >= 0) ::close(fd_);
}

void TemporaryFile::commit() {
  // Data on disk before the rename makes it visible: a crash leaves old or new, never a mix.
  if (const int fd = ::open(temp_.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::error_code error;
  fs::rename(temp_, target_, error);
  if (error) throw Error("cannot write " + target_ + ": " + error.message());
  committed_ = true;
}

void remove_stale_temporaries(const std::string& path) {
  const fs::path p(path);
  const std::string prefix = temporary_prefix(p);
  const std::string extension = p.extension().string();
  const fs::path folder = p.parent_path().empty() ? "." : p.parent_path();
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() >= prefix.size() + extension.size() &&
        name.compare(name.size() - extension.size(), std::string::npos, extension) == 0) {
      remove_unless_held(entry.path());
    }
  }
}

void remove_temporaries_in(const std::string& folder) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    const size_t tmp = name.find(".tmp", 1);  // .<stem>.tmp<pid>..., as temporary_path() names
    if (name[0] == '.' && tmp != std::string::npos && tmp + 4 < name.size() &&
        std::isdigit(static_cast<unsigned char>(name[tmp + 4]))) {
      remove_unless_held(entry.path());
    }
  }
}

void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temp_path)>& write) {
  TemporaryFile temp(path);
  write(temp.path());
  temp.commit();
}

void write_text_atomically(const std::string& path, const std::string& text) {
  write_atomically(path, [&](const std::string& temp) {
    FILE* file = std::fopen(temp.c_str(), "wb");
    if (!file) throw Error("cannot write " + path + ": " + std::strerror(errno));
    const size_t written = std::fwrite(text.data(), 1, text.size(), file);
    const int saved_errno = errno;
    const bool closed = std::fclose(file) == 0;
    if (written != text.size() || !closed) {
      throw Error("cannot write " + path + ": " +
                  std::strerror(written != text.size() ? saved_errno : errno));
    }
  });
}

}  // namespace actrec
