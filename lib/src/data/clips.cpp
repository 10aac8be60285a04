#include "actrec/data/clips.hpp"

#include <cstdlib>

#include "actrec/core/error.hpp"
#include "actrec/features/extract.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/features/tracker.hpp"

namespace actrec::data {
using features::kPoseValues;

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

ClipData clip_data(const features::FeatureFile& observations, int persons,
                   const config::PeopleConfig& people, std::vector<int64_t> targets) {
  ClipData clip;
  clip.name = observations.video;
  clip.fps = observations.fps;
  clip.width = observations.width;
  clip.height = observations.height;
  clip.timestamps_us = observations.timestamps_us;
  clip.targets = std::move(targets);
  const int64_t dim = observations.dim();
  const int64_t pose_dim = int64_t{persons} * kPoseValues;
  clip.map_dim = dim - pose_dim;
  if (persons > 0) {
    const std::vector<int> person = features::main_person(observations, persons, people);
    clip.poses.assign(static_cast<size_t>(clip.frames() * kPoseValues), 0.0f);
    for (int64_t f = 0; f < clip.frames(); ++f) {
      if (person[static_cast<size_t>(f)] < 0) continue;  // no one: every keypoint unseen
      std::copy_n(observations.values.data() + f * dim + person[static_cast<size_t>(f)] * kPoseValues,
                  kPoseValues, clip.poses.data() + f * kPoseValues);
    }
  }
  if (clip.map_dim > 0) {
    clip.maps.resize(static_cast<size_t>(clip.frames() * clip.map_dim));
    for (int64_t f = 0; f < clip.frames(); ++f) {
      std::copy_n(observations.values.data() + f * dim + pose_dim, clip.map_dim,
                  clip.maps.data() + f * clip.map_dim);
    }
  }
  return clip;
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

}  // namespace actrec::data
