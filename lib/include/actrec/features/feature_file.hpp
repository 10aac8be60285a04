#pragma once
// One video's per-frame features and what they came from: actrec's feature cache format.
#include <cstdint>
#include <string>
#include <vector>

namespace actrec::features {

struct FeatureFile {
  std::string video;        ///< the video's path as given
  int64_t video_bytes = 0;  ///< size and modification time identify the video's content
  int64_t video_mtime_ns = 0;
  std::string fingerprint;  ///< the extractor's: backbone file hash + preprocessing config
  double fps = 0;
  int width = 0, height = 0;
  std::vector<std::string> names;      ///< one per feature dimension
  std::vector<int64_t> timestamps_us;  ///< one per frame
  std::vector<float> values;           ///< frames x dim, row-major

  int64_t frames() const { return static_cast<int64_t>(timestamps_us.size()); }
  int64_t dim() const { return static_cast<int64_t>(names.size()); }
};

/// Writes atomically. Format: "ACTRECFEAT1\n", a JSON header line, float32 values, int64
/// timestamps (little-endian).
void write_feature_file(const std::string& path, const FeatureFile& file);

/// Throws InputError naming the path when it is missing, truncated or not a feature file.
FeatureFile read_feature_file(const std::string& path);

/// Only the header and the frames' times (no values): for cache checks. Same errors as
/// read_feature_file.
FeatureFile read_feature_header(const std::string& path);

}  // namespace actrec::features
