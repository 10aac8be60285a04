#pragma once
#include <functional>
#include <string>

namespace actrec {

/// A file being written under a temporary name beside `path`, to appear whole or not at all:
/// created and locked (flock) while it lives, so that another process cleaning up after a
/// killed run (remove_stale_temporaries) leaves it alone; commit() flushes it to disk and
/// renames it over `path`; without commit() the destructor removes it.
class TemporaryFile {
 public:
  /// Error naming `path` when the temporary cannot be created (no such folder, no permission).
  explicit TemporaryFile(const std::string& path);
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  const std::string& path() const { return temp_; }      ///< where to write
  const std::string& target() const { return target_; }  ///< where it goes on commit()
  /// fsync, then rename over target(): a crash leaves the old file or the new, never a mix.
  void commit();

 private:
  std::string target_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

/// Writes a file so that readers see either the old file or the whole new one, never a part:
/// `write` fills a temporary file beside `path`, which is then renamed over it. If `write`
/// throws, the temporary file is removed and the error propagates.
void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temp_path)>& write);

/// A fresh temporary name for `path`: a hidden file beside it that keeps its extension (FFmpeg
/// picks a container by it), DIR/.<stem>.tmp<pid>-<random><ext>, the stem shortened (with a hash
/// of it) where the name would pass the file-name length limit.
std::string temporary_path(const std::string& path);

/// Removes temporaries of `path` that an interrupted earlier run (any process) left behind;
/// those a live process holds (another shard writing the same folder) are left alone.
void remove_stale_temporaries(const std::string& path);

/// Removes every temporary in `folder` that no live process holds, whatever file it was for: for
/// a folder one run owns (a training run's), at its start.
void remove_temporaries_in(const std::string& folder);

/// write_atomically() for a string; an I/O failure (disk full) is an Error naming the path.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace actrec
