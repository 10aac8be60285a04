#pragma once
// A name claimed by one process at a time (two runs writing the same outputs at once), without a
// server: a lock file that the claiming process holds locked (flock) while it lives.
#include <string>

namespace actrec {

/// A claim on what the lock file `path` stands for: taken if no live process holds it, held
/// until destruction, when the file is removed. A process that dies holding a claim (even by
/// SIGKILL) releases it with its lock: the file it leaves is taken over by the next claimant.
class Claim {
 public:
  /// Tries to take the claim, writing `what` (what it is for) into the lock file. Error naming
  /// `path` when the file cannot be made (no such folder, no permission).
  Claim(const std::string& path, const std::string& what);
  ~Claim();
  Claim(const Claim&) = delete;
  Claim& operator=(const Claim&) = delete;

  bool held() const { return fd_ >= 0; }
  /// When not held: what the live process holding the claim wrote ("" when it had not yet).
  const std::string& holder() const { return holder_; }

 private:
  std::string path_;
  std::string holder_;
  int fd_ = -1;
};

}  // namespace actrec
