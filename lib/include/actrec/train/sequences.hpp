#pragma once
// Annotated clips as the model sees them: one person's observations sampled to the model's
// frame rate and turned into features, optionally augmented (keypoints mirrored, scaled,
// rotated, dropped, legs cut away, time stretched, the person seen from another angle:
// view_augment.hpp). No LibTorch.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "actrec/config/training.hpp"
#include "actrec/data/clips.hpp"

namespace actrec::train {

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
SampledSequence sample_sequence(const data::ClipData& clip, const config::FeaturesConfig& features,
                                double model_fps, const config::AugmentConfig* augment = nullptr,
                                std::mt19937_64* rng = nullptr);

/// The model's feature size for observations with `map_dim` appearance values.
int64_t feature_dim(const config::FeaturesConfig& features, int64_t map_dim);

}  // namespace actrec::train
