#pragma once
// Annotated clips turned into what training and evaluation use: observations (extracted, or
// read from the feature cache) of the person each clip is about, and per-frame targets.
#include <functional>

#include "actrec/features/feature_extractor.hpp"
#include "actrec/features/feature_file.hpp"
#include "actrec/train/dataset.hpp"
#include "actrec/train/sequences.hpp"

namespace actrec::train {

/// `configured`, or when it is empty the default feature cache: $XDG_CACHE_HOME/actrec/features,
/// else ~/.cache/actrec/features.
std::string feature_cache_dir(const std::string& configured);

struct LoadedClip {
  features::FeatureFile observations;  ///< every frame's, as the extractor made them
  ClipData data;                       ///< of the person the clip is about, with targets
  const ClipEntry* clip = nullptr;
};

/// The clips of `split` with their observations and targets. Problems (unknown labels, segments
/// past the end, unreadable videos) are collected in `problems`; clips with problems are left
/// out. `on_frames(done)` reports extraction progress.
std::vector<LoadedClip> load_split(const Manifest& manifest, const std::string& split,
                                   const std::vector<std::string>& labels,
                                   const config::Config& config,
                                   features::FeatureExtractor& extractor,
                                   const std::string& cache_dir, DataProblems& problems,
                                   const std::function<void(int64_t)>& on_frames = {});

}  // namespace actrec::train
