#include "actrec/train/clips.hpp"

#include <cstdlib>

#include "actrec/core/error.hpp"
#include "actrec/features/extract.hpp"

namespace actrec::train {

std::string default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/actrec/features";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.cache/actrec/features";
  }
  return ".actrec-cache/features";
}

std::vector<LoadedClip> load_clips(const std::vector<const ClipEntry*>& clips,
                                   const std::vector<std::string>& labels,
                                   const config::DataConfig& data,
                                   features::FeatureExtractor& extractor,
                                   const std::string& cache_dir, size_t queue_size,
                                   DataProblems& problems,
                                   const std::function<void(const std::string&, int64_t)>& on_video) {
  std::vector<LoadedClip> loaded;
  for (const ClipEntry* clip : clips) {
    features::FeatureFile file;
    try {
      file = features::features_for_video(extractor, clip->video, cache_dir, queue_size,
                                          [&](int64_t done) {
                                            if (on_video) on_video(clip->video, done);
                                          });
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
  return loaded;
}

}  // namespace actrec::train
