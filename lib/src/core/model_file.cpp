#include "actrec/core/model_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "actrec/core/error.hpp"

namespace actrec {
namespace {

const char* what_kind_of_file(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

std::string read_model_file(const std::string& path, const std::string& what) {
  auto refuse = [&](const std::string& reason) {
    throw ModelError(fmt::format("{}: {}: {}", what, path, reason));
  };
  // Without O_NONBLOCK, opening a FIFO waits for a writer: the check below could never run.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) refuse("cannot open it (missing or unreadable)");
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat status {};
  if (::fstat(fd, &status) != 0) refuse(std::string("cannot read it: ") + std::strerror(errno));
  if (!S_ISREG(status.st_mode))
    refuse(std::string(what_kind_of_file(status.st_mode)) + ", not a model file");
  const auto size = static_cast<uint64_t>(status.st_size);
  if (size > kLargestModelFile) {
    refuse(fmt::format("{} GiB, more than any model file (at most {} GiB)", size >> 30,
                       kLargestModelFile >> 30));
  }
  std::string bytes(size, '\0');
  for (size_t done = 0; done < size;) {
    const ssize_t got = ::read(fd, bytes.data() + done, size - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) refuse(std::string("cannot read it: ") + std::strerror(errno));
    if (got == 0) {  // shorter than it said a moment ago
      bytes.resize(done);
      break;
    }
    done += static_cast<size_t>(got);
  }
  return bytes;
}

}  // namespace actrec
