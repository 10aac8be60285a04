#include "actrec/train/train_job.hpp"

#include <filesystem>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/features/feature_extractor.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/train/clips.hpp"
#include "actrec/train/trainer.hpp"

namespace actrec::train {

TrainState train_from_manifest(const config::Config& config, const std::string& manifest_path,
                               const std::string& run_dir, bool resume,
                               const TrainCallbacks& callbacks) {
  DataProblems problems;
  const Manifest manifest = read_manifest(manifest_path, problems);
  problems.throw_if_any();
  const auto labels = label_set(manifest, config.data);
  if (clips_in_split(manifest, "train").empty()) {
    throw DataError(manifest_path + ": no clips in split 'train'");
  }
  features::FeatureExtractor extractor(config.features);
  const std::string cache = feature_cache_dir(config.train.cache_dir);
  auto load = [&](const std::string& split) {
    return load_split(manifest, split, labels, config, extractor, cache, problems,
                      [&](int64_t frames) {
                        if (callbacks.on_frames) callbacks.on_frames(split, frames);
                      });
  };
  const auto train_clips = load("train");
  const auto val_clips = load("val");
  problems.throw_if_any();

  const double fps = config.data.fps;
  auto plain = [&](const std::vector<LoadedClip>& clips) {
    std::vector<Sequence> sequences;
    for (const auto& clip : clips) {
      sequences.push_back(to_tensors(sample_sequence(clip.data, config.features, fps)));
    }
    return sequences;
  };
  TrainingData data;
  data.plain = plain(train_clips);
  data.validation = plain(val_clips);
  data.epoch = [&](std::mt19937_64& rng) {
    std::vector<Sequence> sequences;
    for (const auto& clip : train_clips) {
      sequences.push_back(to_tensors(
          sample_sequence(clip.data, config.features, fps, &config.train.augment, &rng)));
    }
    return sequences;
  };

  TrainJob job;
  job.model = config.model;
  job.train = config.train;
  job.run_dir = run_dir;
  job.resume = resume;
  job.info.labels = labels;
  job.info.background = config.data.background;
  model::set_extractor(job.info, extractor.identity());
  job.info.smoothing = config.smoothing;
  job.info.fps = fps;
  const int64_t map_dim = extractor.dim() - int64_t{extractor.persons()} * features::kPoseValues;
  job.info.feature_dim = feature_dim(config.features, map_dim);

  TrainPlan plan{labels, train_clips.size(), val_clips.size(), 0, extractor.backbone_path(),
                 job.info.feature_dim, cache};
  for (const auto& sequence : data.plain) plan.train_steps += sequence.features.size(0);
  std::filesystem::create_directories(run_dir);
  write_text_atomically(run_dir + "/config.yaml", config::to_yaml(config));
  if (callbacks.on_start) callbacks.on_start(plan);
  return train_labeler(job, data, callbacks.on_epoch);
}

}  // namespace actrec::train
