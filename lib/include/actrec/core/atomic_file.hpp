#pragma once
#include <functional>
#include <string>

namespace actrec {

/// Writes a file so that readers see either the old file or the whole new one, never a part:
/// `write` fills a temporary file beside `path`, which is then renamed over it. If `write`
/// throws, the temporary file is removed and the error propagates.
void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temp_path)>& write);

/// write_atomically() for a string; an I/O failure (disk full) is an Error naming the path.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace actrec
