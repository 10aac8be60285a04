#pragma once
// Annotated clips turned into what training and evaluation use: observations (extracted, or
// read from the feature cache) of the person each clip is about, and per-frame targets.
#include <functional>

#include "actrec/config/config.hpp"
#include "actrec/data/dataset.hpp"
#include "actrec/features/feature_extractor.hpp"
#include "actrec/features/feature_file.hpp"

namespace actrec::data {

/// One clip's observations of the person it is about, with per-frame targets.
struct ClipData {
  std::string name;
  double fps = 0;
  int width = 0, height = 0;           ///< frame size (keypoints are pixels of it)
  std::vector<int64_t> timestamps_us;  ///< per frame
  std::vector<float> poses;            ///< [frames x kPoseValues]; empty when there is no pose
  std::vector<float> maps;             ///< [frames x map_dim]; empty when there is no map
  int64_t map_dim = 0;
  std::vector<int64_t> targets;  ///< per frame; -1 = not scored

  int64_t frames() const { return static_cast<int64_t>(timestamps_us.size()); }
};

/// The clip's observations (from an extractor with `persons` pose slots) of the person it is
/// about: the only one, or with several slots the main person, followed by the tracker (the
/// largest and most central over time).
ClipData clip_data(const features::FeatureFile& observations, int persons,
                   const config::PeopleConfig& people, std::vector<int64_t> targets);

/// The same for the person `track` (ClipEntry::track: their box per frame from a labelled run)
/// follows: in each frame the pose slot whose box overlaps theirs most; frames where they are
/// not (no box, no overlapping pose) have no pose and are not scored. DataError naming the
/// file when it cannot be read.
ClipData clip_data_of_track(const features::FeatureFile& observations, int persons,
                            const std::string& track, std::vector<int64_t> targets);

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

}  // namespace actrec::data
