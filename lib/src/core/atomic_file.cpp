#include "actrec/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "actrec/core/error.hpp"

namespace actrec {

void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temp_path)>& write) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  try {
    write(temp);
    // Data on disk before the rename makes it visible: a crash leaves old or new, never a mix.
    const int fd = ::open(temp.c_str(), O_RDONLY);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    std::error_code error;
    std::filesystem::rename(temp, path, error);
    if (error) throw Error("cannot write " + path + ": " + error.message());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw;
  }
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
