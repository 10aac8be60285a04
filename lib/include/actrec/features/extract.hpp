#pragma once
#include <functional>
#include <optional>
#include <string>

#include "actrec/features/feature_extractor.hpp"
#include "actrec/features/feature_file.hpp"

namespace actrec::features {

struct ExtractStats {
  int64_t frames = 0;
  bool cached = false;  ///< read from the cache, nothing computed
  double seconds = 0;   ///< wall time, decode and inference overlapped
};

/// Where the cache keeps `video`'s features from an extractor with `fingerprint`:
/// DIR/<stem>-<hash of the absolute path>-<fingerprint prefix>.feat, so that features of
/// several backbones or presets can sit side by side.
std::string cache_path(const std::string& cache_dir, const std::string& video,
                       const std::string& fingerprint);

/// The header (frames, fps, size; no values) of `video`'s features in `cache_dir` when they are
/// there and current (the same extractor, the same video); nullopt otherwise.
std::optional<FeatureFile> cached_header(const FeatureExtractor& extractor,
                                         const std::string& video, const std::string& cache_dir);

/// Every frame's features for `video`. Taken from `cache_dir` when a file there was made by an
/// extractor with the same fingerprint from the same video (size and modification time);
/// otherwise decoded (on its own thread, which also resizes) and extracted in batches, then
/// written to the cache atomically. `cache_dir` empty: no cache. `on_frames(done)` reports
/// progress. Throws InputError for an unreadable video, naming it.
FeatureFile features_for_video(FeatureExtractor& extractor, const std::string& video,
                               const std::string& cache_dir, size_t queue_size = 16,
                               const std::function<void(int64_t)>& on_frames = {},
                               ExtractStats* stats = nullptr);

}  // namespace actrec::features
