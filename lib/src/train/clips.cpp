#include "actrec/train/clips.hpp"

#include <cstdlib>

#include "actrec/core/error.hpp"
#include "actrec/core/progress.hpp"
#include "actrec/features/extract.hpp"

namespace actrec::train {

std::string feature_cache_dir(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/actrec/features";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.cache/actrec/features";
  }
  return ".actrec-cache/features";
}

std::vector<LoadedClip> load_split(const Manifest& manifest, const std::string& split,
                                   const std::vector<std::string>& labels,
                                   const config::DataConfig& data,
                                   features::FeatureExtractor& extractor,
                                   const std::string& cache_dir, size_t queue_size,
                                   DataProblems& problems) {
  Progress progress("features (" + split + ")", -1);
  std::vector<LoadedClip> loaded;
  for (const ClipEntry* clip : clips_in_split(manifest, split)) {
    features::FeatureFile file;
    try {
      file = features::features_for_video(extractor, clip->video, cache_dir, queue_size,
                                          [&](int64_t) { progress.advance(); });
    } catch (const InputError& e) {
      problems.add(e.what());
      continue;
    }
    const size_t before = problems.messages().size();
    const auto targets = frame_targets(*clip, file.frames(), file.fps, labels, data, problems);
    if (problems.messages().size() != before) continue;
    LoadedClip item;
    item.clip = clip;
    item.fps = file.fps;
    item.sequence.name = clip->video;
    item.sequence.features =
        torch::from_blob(file.values.data(), {file.frames(), file.dim()}, torch::kFloat32).clone();
    item.sequence.targets = torch::tensor(targets, torch::kInt64);
    loaded.push_back(std::move(item));
  }
  progress.finish();
  return loaded;
}

}  // namespace actrec::train
