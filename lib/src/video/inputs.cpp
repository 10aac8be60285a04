#include "actrec/video/inputs.hpp"

#include <glob.h>

#include <algorithm>
#include <filesystem>

#include "actrec/core/error.hpp"
#include "actrec/core/natural_sort.hpp"

namespace actrec::video {
namespace fs = std::filesystem;

bool has_video_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  static const char* const kExtensions[] = {".avi", ".mp4", ".mkv",  ".mov", ".webm",
                                            ".m4v", ".mpg", ".mpeg", ".wmv", ".flv",
                                            ".ogv", ".3gp", ".ts"};
  return std::find(std::begin(kExtensions), std::end(kExtensions), ext) != std::end(kExtensions);
}

std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> videos;
  for (const auto& input : inputs) {
    std::error_code error;
    if (fs::is_directory(input, error)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(input, error)) {
        std::error_code status_error;
        const bool regular = entry.is_regular_file(status_error);
        // An entry whose kind cannot even be read (a looping or broken link) is one bad input:
        // reported when its turn comes, the others labelled.
        if (status_error || (regular && has_video_extension(entry.path().string()))) {
          found.push_back(entry.path().string());
        }
      }
      if (found.empty()) {
        videos.push_back(input);  // an image sequence; its source says if it holds no images
        continue;
      }
      std::sort(found.begin(), found.end(),
                [](const std::string& a, const std::string& b) { return natural_less(a, b); });
      videos.insert(videos.end(), found.begin(), found.end());
    } else if (input.find_first_of("*?[") != std::string::npos && !fs::exists(input, error)) {
      glob_t matches{};
      const int status = ::glob(input.c_str(), 0, nullptr, &matches);
      std::vector<std::string> found(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
      ::globfree(&matches);
      if (status != 0 || found.empty()) {
        videos.push_back(input);  // one bad input among the others: opening it says so
        continue;
      }
      videos.insert(videos.end(), found.begin(), found.end());
    } else {
      videos.push_back(input);
    }
  }
  return videos;
}

}  // namespace actrec::video
