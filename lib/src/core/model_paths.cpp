#include "actrec/core/model_paths.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <filesystem>

#include "actrec/core/error.hpp"

// The install layout, relative to the prefix (GNUInstallDirs, set by lib/CMakeLists.txt).
#ifndef ACTREC_INSTALL_BINDIR
#define ACTREC_INSTALL_BINDIR "bin"
#endif
#ifndef ACTREC_INSTALL_LIBDIR
#define ACTREC_INSTALL_LIBDIR "lib"
#endif
#ifndef ACTREC_INSTALL_DATADIR
#define ACTREC_INSTALL_DATADIR "share"
#endif

namespace actrec {
namespace fs = std::filesystem;
namespace {

// The file this code was loaded from: libactrec.so when it is linked into that, else the
// executable (dladdr names the main program by its argv[0], which may be a bare name).
fs::path this_binary() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&this_binary), &info) != 0 && info.dli_fname != nullptr) {
    const fs::path file = info.dli_fname;
    if (file.filename().string().find(".so") != std::string::npos) {
      std::error_code error;
      const fs::path resolved = fs::canonical(file, error);
      return error ? file : resolved;
    }
  }
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path() : exe;
}

// The prefix whose bin/ or lib/ folder `dir` is; empty when it is neither.
fs::path prefix_of(const fs::path& dir) {
  for (const fs::path& sub : {fs::path(ACTREC_INSTALL_BINDIR), fs::path(ACTREC_INSTALL_LIBDIR)}) {
    fs::path prefix = dir;
    bool matches = true;
    for (auto part = std::distance(sub.begin(), sub.end()); part > 0 && matches; --part) {
      matches = prefix.has_filename() && prefix.has_parent_path();
      prefix = prefix.parent_path();
    }
    if (matches && prefix / sub == dir) return prefix;
  }
  return {};
}

}  // namespace

std::string installed_models_dir() {
  const fs::path binary = this_binary();
  if (binary.empty()) return "";
  const fs::path prefix = prefix_of(binary.parent_path().lexically_normal());
  if (prefix.empty()) return "";
  const fs::path models = prefix / ACTREC_INSTALL_DATADIR / "actrec" / "models";
  std::error_code error;
  return fs::is_directory(models, error) ? models.string() : "";
}

std::vector<std::string> model_search_dirs() {
  std::vector<std::string> dirs;
  const char* env = std::getenv("ACTREC_MODELS");
  if (env != nullptr && *env != '\0') dirs.push_back(env);
  const std::string installed = installed_models_dir();
  std::error_code error;
  // Once only, where $ACTREC_MODELS already names it.
  if (!installed.empty() && (dirs.empty() || !fs::equivalent(dirs[0], installed, error))) {
    dirs.push_back(installed);
  }
  return dirs;
}

std::string find_model_file(const std::string& path) {
  std::error_code error;
  if (fs::exists(path, error)) return path;
  std::vector<std::string> tried = {path};
  if (!fs::path(path).is_absolute()) {
    for (const auto& dir : model_search_dirs()) {
      const fs::path candidate = (fs::path(dir) / fs::path(path).filename()).lexically_normal();
      tried.push_back(candidate.string());
      if (fs::exists(candidate, error)) return candidate.string();
    }
  }
  throw ModelError(fmt::format(
      "cannot find model: {}: looked at {} (scripts/fetch_models.sh fetches the default "
      "backbone; $ACTREC_MODELS names a folder of models)",
      path, fmt::join(tried, ", ")));
}

}  // namespace actrec
