#pragma once
// `actrec data check` as one library call: every problem of a dataset at once, and what it holds.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "actrec/config/training.hpp"
#include "actrec/data/dataset.hpp"

namespace actrec::data {

struct DatasetReport {
  size_t clips = 0;
  std::vector<std::string> labels;
  std::map<std::string, std::vector<int64_t>> frames;  ///< split -> frames per class
  std::map<std::string, int64_t> ignored;              ///< split -> frames not scored
  std::map<std::string, int64_t> videos;               ///< split -> clips
  DataProblems problems;
};

/// Reads the manifest and its annotations and decodes every video (`on_video(done, total)`),
/// collecting every problem: unreadable files, unknown labels, segments past a video's end,
/// per-frame labels whose count differs from the decoded frames.
DatasetReport check_dataset(const std::string& manifest_path, const config::DataConfig& data,
                            const std::function<void(size_t done, size_t total)>& on_video = {});

}  // namespace actrec::data
