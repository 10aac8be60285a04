#include "actrec/train/train_job.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/model_paths.hpp"
#include "actrec/data/clips.hpp"
#include "actrec/features/extract.hpp"
#include "actrec/features/feature_extractor.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/model/bundle.hpp"
#include "actrec/train/trainer.hpp"
#include "actrec/video/probe.hpp"

namespace actrec::train {

namespace {

// Frames and fps of `video` as extraction will see them: from the cache where it is current,
// else by decoding it.
std::pair<int64_t, double> clip_length(const features::FeatureExtractor& extractor,
                                       const std::string& video, const std::string& cache) {
  if (const auto header = features::cached_header(extractor, video, cache)) {
    return {header->frames(), header->fps};
  }
  const auto probe = video::probe_video(video);
  return {probe.decoded_frames, probe.fps};
}

// What trains but teaches little or measures nothing: said, not refused.
void warn_about_the_data(const data::Manifest& manifest, const std::vector<std::string>& labels,
                         const config::DataConfig& data) {
  const size_t classes = labels.size() - (std::find(labels.begin(), labels.end(), data.background) !=
                                                  labels.end()
                                              ? 1
                                              : 0);
  if (classes < 2) {
    log::warn("{}: only {} class besides background ({}): the model can only ever say that",
              manifest.path, classes, labels.empty() ? "" : labels.front());
  }
  std::map<std::string, std::set<std::string>> splits_of;  // video -> splits it is listed in
  for (const auto& clip : manifest.clips) splits_of[clip.video].insert(clip.split);
  for (const auto& [video, splits] : splits_of) {
    if (splits.count("train") && splits.size() > 1) {
      log::warn("{}: {} is in 'train' and in another split: figures on that split will be "
                "optimistic",
                manifest.path, video);
    }
  }
}

}  // namespace

// Fine-tuning starts from a bundle: its features, model, smoothing and calibration; its classes
// first (in its order, so that its output rows carry over), then any the data adds.
config::Config starting_from(const model::BundleInfo& bundle, config::Config config,
                             const data::Manifest& manifest) {
  // The bundle's features; its backbone where it says, unless the config names another place.
  const std::string backbone = config.features.backbone;
  config.features = bundle.features;
  if (backbone != config::FeaturesConfig{}.backbone) config.features.backbone = backbone;
  config.model = bundle.model;
  config.smoothing = bundle.smoothing;
  config.data.background = bundle.background;
  config.data.fps = bundle.fps;
  std::vector<std::string> labels = bundle.labels;
  config::DataConfig theirs = config.data;
  theirs.labels.clear();
  for (const auto& label : data::label_set(manifest, theirs)) {
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
  }
  config.data.labels = labels;
  config.train.epochs = config.train.finetune.epochs;
  config.train.lr = config.train.finetune.lr;
  return config;
}

TrainState train_from_manifest(const config::Config& given, const std::string& manifest_path,
                               const std::string& run_dir, bool resume,
                               const TrainCallbacks& callbacks, const std::string& init) {
  data::DataProblems problems;
  const data::Manifest manifest = data::read_manifest(manifest_path, problems);
  problems.throw_if_any();
  std::optional<model::Bundle> start;
  if (!init.empty()) start = model::load_bundle(find_model_file(init));
  const config::Config config = start ? starting_from(start->info, given, manifest) : given;
  const auto labels = data::label_set(manifest, config.data);
  if (data::clips_in_split(manifest, "train").empty()) {
    throw DataError(manifest_path + ": no clips in split 'train'");
  }
  features::FeatureExtractor extractor(config.features);
  if (start) {
    // The clips' observations must be the ones the bundle learnt from, or refused saying how.
    const int64_t map_dim = extractor.dim() - int64_t{extractor.persons()} * features::kPoseValues;
    model::check_features_match(start->info, extractor.identity(),
                                feature_dim(config.features, map_dim), init);
    if (labels.size() > start->info.labels.size()) {
      log::info("{}: {} new classes after the bundle's {}", init,
                labels.size() - start->info.labels.size(), start->info.labels.size());
    }
  }
  const std::string cache = data::feature_cache_dir(config.train.cache_dir);
  // Every annotation against its video before anything is extracted: a segment past a video's
  // end is found in seconds, not after a long extraction.
  for (const char* split : {"train", "val"}) {
    for (const data::ClipEntry* clip : data::clips_in_split(manifest, split)) {
      try {
        const auto length = clip_length(extractor, clip->video, cache);
        data::frame_targets(*clip, length.first, length.second, labels, config.data, problems);
      } catch (const InputError& e) {
        problems.add(e.what());
      }
    }
  }
  problems.throw_if_any();
  warn_about_the_data(manifest, labels, config.data);
  auto load = [&](const std::string& split) {
    return data::load_split(manifest, split, labels, config, extractor, cache, problems,
                      [&](int64_t frames) {
                        if (callbacks.on_frames) callbacks.on_frames(split, frames);
                      });
  };
  const auto train_clips = load("train");
  const auto val_clips = load("val");
  problems.throw_if_any();

  const double fps = config.data.fps;
  auto plain = [&](const std::vector<data::LoadedClip>& clips) {
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
  if (start) job.init = &*start;
  job.info.labels = labels;
  job.info.background = config.data.background;
  model::set_extractor(job.info, extractor.identity());
  job.info.smoothing = config.smoothing;
  job.info.fps = fps;
  if (start) job.info.temperature = start->info.temperature;  // kept: recalibrate to change it
  const int64_t map_dim = extractor.dim() - int64_t{extractor.persons()} * features::kPoseValues;
  job.info.feature_dim = feature_dim(config.features, map_dim);

  TrainPlan plan{labels, train_clips.size(), val_clips.size(), 0, extractor.backbone_path(),
                 job.info.feature_dim, cache, config.train.epochs,
                 config::to_string(config.model.cell), init};
  for (const auto& sequence : data.plain) plan.train_steps += sequence.features.size(0);
  std::filesystem::create_directories(run_dir);
  write_text_atomically(run_dir + "/config.yaml", config::to_yaml(config));
  if (callbacks.on_start) callbacks.on_start(plan);
  return train_labeler(job, data, callbacks.on_epoch);
}

}  // namespace actrec::train
