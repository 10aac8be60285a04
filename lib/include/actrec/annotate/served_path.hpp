#pragma once
// What a page may read of a folder: files under it, and nothing a path can reach beyond it.
#include <optional>
#include <string>

namespace actrec::annotate {

/// The file `relative` names under `root` (both as the request gave them, already
/// percent-decoded), or nothing when it is not one of root's own files: an absolute path, a `..`
/// or empty component, a hidden one (actrec's own folder, editors' temporaries), a backslash or
/// NUL, or a path whose symbolic links lead out of `root` (resolved, then compared). Absent
/// files are nothing too: the caller answers 404 either way, and says no more.
std::optional<std::string> served_path(const std::string& root, const std::string& relative);

}  // namespace actrec::annotate
