#include "actrec/data/clips.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "actrec/core/error.hpp"
#include "actrec/core/text.hpp"
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

namespace {

float overlap(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float both = (a & b).area();
  return both > 0 ? both / (a.area() + b.area() - both) : 0.0f;
}

}  // namespace

ClipData clip_data_of_track(const features::FeatureFile& observations, int persons,
                            const std::string& track, std::vector<int64_t> targets) {
  if (persons < 1) {
    throw DataError("cannot follow the person of track " + track +
                    ": the backbone finds no people (its features have no poses)");
  }
  std::ifstream in(track);
  std::string line;
  if (!std::getline(in, line) || line != "frame,x0,y0,x1,y1") {
    throw DataError("cannot read track " + track + ": expected the header frame,x0,y0,x1,y1");
  }
  std::map<int64_t, cv::Rect2f> boxes;
  for (int number = 2; std::getline(in, line); ++number) {
    const auto row = split_csv(line);
    char* end = nullptr;
    const int64_t frame = row.size() == 5 ? std::strtoll(row[0].c_str(), &end, 10) : -1;
    if (frame < 0 || *end != '\0') {
      throw DataError(
          fmt::format("cannot read track {}:{}: expected frame,x0,y0,x1,y1", track, number));
    }
    const auto at = [&](size_t i) { return std::strtof(row[i].c_str(), nullptr); };
    boxes[frame] = cv::Rect2f(cv::Point2f(at(1), at(2)), cv::Point2f(at(3), at(4)));
  }
  // The main person's clip, then each frame's pose replaced by the tracked person's.
  ClipData clip = clip_data(observations, persons, {}, std::move(targets));
  const int64_t dim = observations.dim();
  for (int64_t f = 0; f < clip.frames(); ++f) {
    float* pose = clip.poses.data() + f * kPoseValues;
    const auto box = boxes.find(f);
    int best = -1;
    float best_overlap = 0.1f;  // less: someone else
    for (int p = 0; box != boxes.end() && p < persons; ++p) {
      const float* slot = observations.values.data() + f * dim + p * kPoseValues;
      const float o = overlap(features::ConstPose{slot}.rect(), box->second);
      if (o > best_overlap) best = p, best_overlap = o;
    }
    if (best < 0) {
      std::fill_n(pose, kPoseValues, 0.0f);
      clip.targets[static_cast<size_t>(f)] = -1;
      continue;
    }
    std::copy_n(observations.values.data() + f * dim + best * kPoseValues, kPoseValues, pose);
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
    auto targets = frame_targets(*clip, file.frames(), file.fps, labels, config.data, problems,
                                 file.timestamps_us);
    if (problems.messages().size() != known) continue;
    LoadedClip item;
    try {
      item.data =
          clip->track.empty()
              ? clip_data(file, extractor.persons(), config.people, std::move(targets))
              : clip_data_of_track(file, extractor.persons(), clip->track, std::move(targets));
    } catch (const DataError& e) {
      problems.add(fmt::format("{}: {}", clip->manifest_line, e.what()));
      continue;
    }
    item.data.name = clip->video;
    item.observations = std::move(file);
    item.clip = clip;
    loaded.push_back(std::move(item));
  }
  return loaded;
}

}  // namespace actrec::data
