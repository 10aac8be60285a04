#pragma once
// Annotated clips as the model sees them: one person's observations sampled to the model's
// frame rate and turned into features, optionally augmented (keypoints mirrored, scaled,
// rotated, dropped, legs cut away, time stretched). No LibTorch.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "actrec/config/config.hpp"
#include "actrec/features/feature_file.hpp"

namespace actrec::train {

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

/// A clip as the model sees it: the frames it steps on and their features and targets.
struct SampledSequence {
  std::string name;
  int64_t dim = 0;
  std::vector<float> features;   ///< [steps x dim]
  std::vector<int64_t> targets;  ///< per step
  std::vector<int64_t> frames;   ///< the source frame of each step

  int64_t steps() const { return static_cast<int64_t>(targets.size()); }
};

/// Samples `clip` to `model_fps` by timestamp exactly as labelling a video does (faster sources
/// are thinned, slower ones pass whole), then builds features. With `augment` (and `rng`), the
/// clip is first changed as augment says, each change drawn once per call.
SampledSequence sample_sequence(const ClipData& clip, const config::FeaturesConfig& features,
                                double model_fps, const config::AugmentConfig* augment = nullptr,
                                std::mt19937_64* rng = nullptr);

/// The model's feature size for observations with `map_dim` appearance values.
int64_t feature_dim(const config::FeaturesConfig& features, int64_t map_dim);

}  // namespace actrec::train
