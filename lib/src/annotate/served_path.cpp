#include "actrec/annotate/served_path.hpp"

#include <algorithm>
#include <filesystem>

namespace actrec::annotate {
namespace fs = std::filesystem;

std::optional<std::string> served_path(const std::string& root, const std::string& relative) {
  if (relative.empty() || relative.front() == '/' ||
      relative.find_first_of(std::string("\\\0", 2)) != std::string::npos) {
    return std::nullopt;
  }
  // Checked by component before any resolving: `a/../b` is refused even where it would land
  // inside, so that what a path means never depends on the folders it passes through.
  for (const auto& part : fs::path(relative)) {
    const std::string name = part.string();
    if (name.empty() || name == "." || name == ".." || name.front() == '.') return std::nullopt;
  }
  std::error_code error;
  const fs::path base = fs::canonical(root, error);
  if (error) return std::nullopt;
  // canonical() follows every link: a link inside root to a file outside resolves outside.
  const fs::path file = fs::canonical(base / relative, error);
  if (error || !fs::is_regular_file(file, error)) return std::nullopt;
  const auto [end, at] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (end != base.end()) return std::nullopt;
  return file.string();
}

}  // namespace actrec::annotate
