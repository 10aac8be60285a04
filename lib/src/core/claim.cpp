#include "actrec/core/claim.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "actrec/core/error.hpp"

namespace actrec {

Claim::Claim(const std::string& path, const std::string& what) : path_(path) {
  // A few rounds: the holder may remove the file between this open and this lock.
  for (int round = 0; round < 8; ++round) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) throw Error("cannot claim " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      char text[512];
      const ssize_t got = ::pread(fd, text, sizeof text, 0);
      holder_.assign(text, got > 0 ? static_cast<size_t>(got) : 0);
      ::close(fd);
      return;
    }
    // Locked; but is it still the file at `path`, or one its last holder removed meanwhile?
    struct stat locked {
    }, named{};
    if (::fstat(fd, &locked) == 0 && ::stat(path.c_str(), &named) == 0 &&
        locked.st_dev == named.st_dev && locked.st_ino == named.st_ino) {
      // What the claim is for is only ever shown to another claimant: a failed write loses
      // nothing of the claim.
      (void)!::ftruncate(fd, 0);
      (void)!::pwrite(fd, what.data(), what.size(), 0);
      fd_ = fd;
      return;
    }
    ::close(fd);
  }
  throw Error("cannot claim " + path + ": it keeps changing");
}

Claim::~Claim() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still locked: nobody takes over a file about to go
  ::close(fd_);
}

}  // namespace actrec
