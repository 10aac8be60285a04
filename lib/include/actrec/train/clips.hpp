#pragma once
// Annotated clips turned into training sequences: features (extracted or cached) + targets.
#include <functional>

#include "actrec/features/feature_extractor.hpp"
#include "actrec/train/dataset.hpp"
#include "actrec/train/trainer.hpp"

namespace actrec::train {

/// The default feature cache: $XDG_CACHE_HOME/actrec/features, or ~/.cache/actrec/features.
std::string default_cache_dir();

struct LoadedClip {
  Sequence sequence;
  const ClipEntry* clip = nullptr;
  double fps = 0;
};

/// Features and per-frame targets of `clips`. Problems (unknown labels, segments past the end,
/// unreadable videos) are collected in `problems`; clips with problems are left out.
/// `on_video(path, frames_done)` reports extraction progress.
std::vector<LoadedClip> load_clips(
    const std::vector<const ClipEntry*>& clips, const std::vector<std::string>& labels,
    const config::DataConfig& data, features::FeatureExtractor& extractor,
    const std::string& cache_dir, size_t queue_size, DataProblems& problems,
    const std::function<void(const std::string&, int64_t)>& on_video = {});

}  // namespace actrec::train
