#include "actrec/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "actrec/core/error.hpp"

namespace actrec {

std::string temporary_path(const std::string& path) {
  const std::filesystem::path p(path);
  return (p.parent_path() /
          ("." + p.stem().string() + ".tmp" + std::to_string(::getpid()) + p.extension().string()))
      .string();
}

void remove_stale_temporaries(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string prefix = "." + p.stem().string() + ".tmp";
  const std::filesystem::path folder = p.parent_path().empty() ? "." : p.parent_path();
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 &&
        name.size() >= prefix.size() + p.extension().string().size() &&
        name.compare(name.size() - p.extension().string().size(), std::string::npos,
                     p.extension().string()) == 0) {
      std::filesystem::remove(entry.path(), error);
    }
  }
}

void remove_temporaries_in(const std::string& folder) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    const size_t tmp = name.find(".tmp", 1);  // .<stem>.tmp<pid><ext>, as temporary_path() names
    if (name[0] == '.' && tmp != std::string::npos && tmp + 4 < name.size() &&
        std::isdigit(static_cast<unsigned char>(name[tmp + 4]))) {
      std::filesystem::remove(entry.path(), error);
    }
  }
}

void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temp_path)>& write) {
  const std::string temp = temporary_path(path);
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
