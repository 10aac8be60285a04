#include "actrec/train/clips.hpp"

#include <cstdlib>

#include "actrec/core/error.hpp"
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
                                   const config::Config& config,
                                   features::FeatureExtractor& extractor,
                                   const std::string& cache_dir, DataProblems& problems,
                                   const std::function<void(int64_t)>& on_frames) {
  std::vector<LoadedClip> loaded;
  int64_t before_this_clip = 0;
  for (const ClipEntry* clip : clips_in_split(manifest, split)) {
    features::FeatureFile file;
    try {
      file = features::features_for_video(
          extractor, clip->video, cache_dir, static_cast<size_t>(config.video.queue_size),
          [&](int64_t done) {
            if (on_frames) on_frames(before_this_clip + done);
          });
    } catch (const InputError& e) {
      problems.add(e.what());
      continue;
    }
    before_this_clip += file.frames();
    const size_t known = problems.messages().size();
    auto targets = frame_targets(*clip, file.frames(), file.fps, labels, config.data, problems);
    if (problems.messages().size() != known) continue;
    LoadedClip item;
    item.data = clip_data(file, extractor.persons(), config.people, std::move(targets));
    item.data.name = clip->video;
    item.observations = std::move(file);
    item.clip = clip;
    loaded.push_back(std::move(item));
  }
  return loaded;
}

}  // namespace actrec::train
