#pragma once
// Annotated clips turned into training sequences: features (extracted or cached) + targets.
#include "actrec/features/feature_extractor.hpp"
#include "actrec/train/dataset.hpp"
#include "actrec/train/trainer.hpp"

namespace actrec::train {

/// `configured`, or when it is empty the default feature cache: $XDG_CACHE_HOME/actrec/features,
/// else ~/.cache/actrec/features.
std::string feature_cache_dir(const std::string& configured);

struct LoadedClip {
  Sequence sequence;
  const ClipEntry* clip = nullptr;
  double fps = 0;
};

/// Features (extracted, or read from the cache in `cache_dir`) and per-frame targets of the clips
/// in `split`, with progress on a terminal. Problems (unknown labels, segments past the end,
/// unreadable videos) are collected in `problems`; clips with problems are left out.
std::vector<LoadedClip> load_split(const Manifest& manifest, const std::string& split,
                                   const std::vector<std::string>& labels,
                                   const config::DataConfig& data,
                                   features::FeatureExtractor& extractor,
                                   const std::string& cache_dir, size_t queue_size,
                                   DataProblems& problems);

}  // namespace actrec::train
