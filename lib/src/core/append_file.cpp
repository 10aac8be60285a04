#include "actrec/core/append_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "actrec/core/error.hpp"

namespace actrec {

AppendFile::AppendFile(const std::string& path) : path_(path) {
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    return;
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot write " + path + ": " + std::strerror(errno));
  owned_ = true;
}

AppendFile::~AppendFile() {
  if (owned_) ::close(fd_);
}

void AppendFile::write_line(const std::string& line) {
  const std::string text = line + "\n";
  struct stat before {};
  const bool regular = ::fstat(fd_, &before) == 0 && S_ISREG(before.st_mode);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t wrote = ::write(fd_, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      const int error = wrote < 0 ? errno : ENOSPC;
      // A line cut short would break every reader of the file: the part written is taken back.
      if (done > 0 && regular && ::ftruncate(fd_, before.st_size) != 0) {
        throw Error("cannot write " + path_ + ": " + std::strerror(error) +
                    "; a partial line is left at its end");
      }
      throw Error("cannot write " + path_ + ": " + std::strerror(error));
    }
    done += static_cast<size_t>(wrote);
  }
}

bool same_output(const std::string& a, const std::string& b) {
  if (a == "-" || b == "-") return a == b;
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::exists(a, error) && fs::exists(b, error)) return fs::equivalent(a, b, error);
  return fs::weakly_canonical(fs::absolute(a), error) ==
         fs::weakly_canonical(fs::absolute(b), error);
}

}  // namespace actrec
