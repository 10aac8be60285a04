#pragma once
#include <string>
#include <vector>

namespace actrec::video {

/// The videos a user means by command-line INPUTs: files as given; globs expanded (sorted);
/// a folder holding video files stands for those files (natural order, not recursive); a folder
/// holding only images stands for itself (one image-sequence video). Throws InputError for a
/// glob that matches nothing or a folder with neither.
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs);

bool has_video_extension(const std::string& path);

}  // namespace actrec::video
