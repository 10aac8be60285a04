#pragma once
// Event logs that runs append to: a restart adds to the history instead of wiping it, and a
// failed write (a full disk, a file-size limit) is an error someone hears of, never a silently
// cut line.
#include <string>

namespace actrec {

class AppendFile {
 public:
  /// Opens `path` for appending (created if missing), "-" for stdout. Error naming the path
  /// when it cannot be opened, or when it is not a file a log can grow in (a folder).
  explicit AppendFile(const std::string& path);
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  /// Appends `line` and a line end in one write, so that it lands whole even beside another
  /// process appending to the same file. On failure nothing of it stays (a partial line is cut
  /// off again) and Error says why, naming the file.
  void write_line(const std::string& line);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool owned_ = false;  // stdout is not ours to close
};

/// Whether two output paths name the same file (also when neither exists yet); "-" is stdout.
bool same_output(const std::string& a, const std::string& b);

}  // namespace actrec
