#pragma once
#include <functional>
#include <string>

namespace actrec {

/// Writes a file so that readers see either the old file or the whole new one, never a part:
/// `write` fills a temporary file beside `path`, which is then renamed over it. If `write`
/// throws, the temporary file is removed and the error propagates.
void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temp_path)>& write);

/// The temporary name `path` is written under until it is whole: a hidden file beside it that
/// keeps its extension (FFmpeg picks a container by it): DIR/.<stem>.tmp<pid><ext>.
std::string temporary_path(const std::string& path);

/// Removes temporaries of `path` that an interrupted earlier run (any process) left behind.
void remove_stale_temporaries(const std::string& path);

/// Removes every temporary in `folder`, whatever file it was for: for a folder one run owns
/// (a training run's), at its start.
void remove_temporaries_in(const std::string& folder);

/// write_atomically() for a string; an I/O failure (disk full) is an Error naming the path.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace actrec
