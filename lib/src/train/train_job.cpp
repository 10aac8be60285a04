#include "actrec/train/train_job.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/model_paths.hpp"
#include "actrec/core/sha256.hpp"
#include "actrec/data/class_names.hpp"
#include "actrec/data/clips.hpp"
#include "actrec/features/extract.hpp"
#include "actrec/features/feature_extractor.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/model/bundle.hpp"
#include "actrec/train/mocap_views.hpp"
#include "actrec/train/trainer.hpp"
#include "actrec/video/probe.hpp"

namespace actrec::train {
namespace fs = std::filesystem;

namespace {

// The frames' times and the fps of `video` as extraction will see them: from the cache where it
// is current, else by decoding it.
std::pair<std::vector<int64_t>, double> clip_timing(const features::FeatureExtractor& extractor,
                                                    const std::string& video,
                                                    const std::string& cache) {
  if (auto header = features::cached_header(extractor, video, cache)) {
    return {std::move(header->timestamps_us), header->fps};
  }
  auto probe = video::probe_video(video);
  return {std::move(probe.timestamps_us), probe.fps};
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
// first (in its order, so that its output rows carry over), then the new ones asked for.
config::Config starting_from(const model::BundleInfo& bundle, config::Config config,
                             const std::vector<std::string>& new_classes) {
  // The bundle's features; its backbone where it says, unless the config names another place.
  const std::string backbone = config.features.backbone;
  config.features = bundle.features;
  if (backbone != config::FeaturesConfig{}.backbone) config.features.backbone = backbone;
  config.model = bundle.model;
  config.smoothing = bundle.smoothing;
  config.data.background = bundle.background;
  config.data.fps = bundle.fps;
  config.data.labels = bundle.labels;
  config.data.labels.insert(config.data.labels.end(), new_classes.begin(), new_classes.end());
  config.train.epochs = config.train.finetune.epochs;
  config.train.lr = config.train.finetune.lr;
  return config;
}

namespace {

// The data's labels against the classes fine-tuning has (the bundle's, then the new ones asked
// for): one spelt like a class but for case or spacing is that class (said once); any other is a
// problem where it is used (once per file), naming the nearest class. A label of the data is never
// silently a new class: "Standing" beside standing would be one, learnt from nothing.
void match_classes(data::Manifest& manifest, const model::BundleInfo& bundle,
                   const TrainRequest& request, data::DataProblems& problems) {
  std::vector<std::string> classes = bundle.labels;
  for (const auto& name : request.new_classes) {
    if (const auto have = data::same_class(name, bundle.labels)) {
      throw ConfigError(fmt::format("--new-class {}: {} has that class already ('{}')", name,
                                    request.init, *have));
    }
    classes.push_back(name);
  }
  std::set<std::string> said;
  std::set<std::pair<std::string, std::string>> refused;  // (file, label)
  // `line` 0: `file` is where (a manifest's "path:line").
  auto match = [&](std::string& label, const std::string& file, size_t line) {
    if (label == data::kNotScored ||
        std::find(classes.begin(), classes.end(), label) != classes.end()) {
      return;
    }
    const std::string where = line == 0 ? file : fmt::format("{}:{}", file, line);
    if (const auto name = data::same_class(label, classes)) {
      const bool theirs =
          std::find(bundle.labels.begin(), bundle.labels.end(), *name) != bundle.labels.end();
      if (said.insert(label).second) {
        log::info("{}: '{}' taken as {} '{}'", where, label,
                  theirs ? request.init + "'s class" : "the new class", *name);
      }
      label = *name;
    } else if (refused.insert({file, label}).second) {
      problems.add(
          fmt::format("{}: '{}' is not one of {}'s classes (nearest: '{}'; known: {}): "
                      "correct it, or ask for a new class with --new-class {}",
                      where, label, request.init, data::nearest_class(label, bundle.labels),
                      fmt::join(bundle.labels, ", "), data::plain_spelling(label)));
    }
  };
  for (auto& clip : manifest.clips) {
    const std::string& file = clip.annotation_path;
    switch (clip.kind) {
      case data::AnnotationKind::clip_label:
        match(clip.label, clip.manifest_line, 0);
        break;
      case data::AnnotationKind::segments:
        for (auto& segment : clip.segments) {
          match(segment.label, file, static_cast<size_t>(segment.line));
        }
        break;
      case data::AnnotationKind::frame_labels:
        for (size_t f = 0; f < clip.frame_labels.size(); ++f)
          match(clip.frame_labels[f], file, f + 1);
        break;
    }
  }
}

// What the data cannot teach, from the frames of each class in each split: a new class without
// a frame in 'train' is refused (its output would be untrained); a class with frames in 'val' and
// none in 'train' is said: validation counts those frames wrong whatever the model learns (with
// only such frames it scores 0).
void check_what_the_data_teaches(const std::map<std::string, std::vector<int64_t>>& frames,
                                 const std::vector<std::string>& labels,
                                 const std::vector<std::string>& new_classes) {
  const auto count = [&](const std::string& split, size_t c) {
    const auto it = frames.find(split);
    return it == frames.end() ? int64_t{0} : it->second[c];
  };
  for (size_t c = 0; c < labels.size(); ++c) {
    if (count("train", c) > 0) continue;
    if (std::find(new_classes.begin(), new_classes.end(), labels[c]) != new_classes.end()) {
      throw DataError(
          fmt::format("--new-class {}: no frame of split 'train' is labelled {}: "
                      "nothing to learn it from",
                      labels[c], labels[c]));
    }
    if (count("val", c) > 0) {
      log::warn(
          "'{}' labels {} frames of split 'val' and none of 'train': the model cannot learn "
          "it from this data, and validation counts those frames wrong",
          labels[c], count("val", c));
    }
  }
}

constexpr const char* kRunModels[] = {"best.actrec", "last.actrec"};

std::string absolute(const std::string& path) {
  std::error_code error;
  const auto resolved = fs::weakly_canonical(path, error);
  return error ? fs::absolute(path).lexically_normal().string() : resolved.string();
}

// What a run learns from, as run_dir/run.json records it: the manifest, a digest of it and of
// every annotation it names, and the bundle fine-tuned.
nlohmann::json run_identity(const TrainRequest& request, const data::Manifest& manifest) {
  Sha256 data;
  data.update(sha256_file(manifest.path));
  for (const auto& clip : manifest.clips) {
    if (!clip.annotation_path.empty()) data.update(sha256_file(clip.annotation_path));
  }
  return {{"manifest", absolute(request.manifest)},
          {"data_sha256", data.hex()},
          {"init", request.init.empty() ? "" : absolute(request.init)}};
}

// run_dir/run.json; null when there is none (a run made before they were written) or it is not
// one.
nlohmann::json recorded_identity(const std::string& run_dir) {
  std::ifstream in(fs::path(run_dir) / "run.json");
  nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  for (const char* key : {"manifest", "data_sha256", "init"}) {
    if (!json.is_object() || !json.contains(key) || !json[key].is_string()) return nullptr;
  }
  return json;
}

// A run already in run_dir is continued (resume: the same run only) or replaced (overwrite),
// never written over unasked: its best.actrec may be all someone has of it.
void check_run_folder(const TrainRequest& request, const nlohmann::json& identity) {
  std::vector<std::string> held;
  for (const char* name : kRunModels) {
    std::error_code error;
    if (fs::exists(fs::path(request.run_dir) / name, error)) held.push_back(name);
  }
  if (held.empty() || request.overwrite) return;
  const nlohmann::json recorded = recorded_identity(request.run_dir);
  const std::string learnt = recorded.is_null()
                                 ? fmt::format("{}", fmt::join(held, ", "))
                                 : "trained on " + recorded["manifest"].get<std::string>();
  if (!request.resume) {
    throw ConfigError("cannot train into " + request.run_dir + ": it holds a run already (" +
                      learnt +
                      "): --resume continues it, --overwrite replaces it, or train "
                      "into another folder (-o)");
  }
  if (recorded.is_null()) return;  // made before runs were recorded: nothing to compare
  const std::string refused = "cannot resume: " + request.run_dir + ": ";
  if (recorded["manifest"] != identity["manifest"]) {
    throw ConfigError(refused + "it was " + learnt + ", not on " +
                      identity["manifest"].get<std::string>() + " (--overwrite starts again)");
  }
  if (recorded["init"] != identity["init"]) {
    throw ConfigError(refused + "it fine-tunes '" + recorded["init"].get<std::string>() +
                      "', not '" + identity["init"].get<std::string>() +
                      "' (--overwrite starts again)");
  }
  if (recorded["data_sha256"] != identity["data_sha256"]) {
    throw ConfigError(refused +
                      "the manifest or its annotations changed since the run began: "
                      "the rest of it would learn from other data (--overwrite starts again)");
  }
}

// The run folder as a new run (or the resumed one) starts: the old run's files gone with
// overwrite, then what this one learns from.
void start_run_folder(const TrainRequest& request, const nlohmann::json& identity) {
  fs::create_directories(request.run_dir);
  if (request.overwrite) {
    for (const char* name : {"best.actrec", "last.actrec", "train_log.csv", "train_curves.png"}) {
      std::error_code ignored;
      fs::remove(fs::path(request.run_dir) / name, ignored);
    }
  }
  write_text_atomically(request.run_dir + "/run.json", identity.dump(2) + "\n");
}

}  // namespace

TrainState train_from_manifest(const config::Config& given, const TrainRequest& request,
                               const TrainCallbacks& callbacks) {
  const std::string& manifest_path = request.manifest;
  const std::string& init = request.init;
  data::DataProblems problems;
  data::Manifest manifest = data::read_manifest(manifest_path, problems);
  problems.throw_if_any();
  const nlohmann::json identity = run_identity(request, manifest);
  check_run_folder(request, identity);
  std::optional<model::Bundle> start;
  if (!init.empty()) {
    start = model::load_bundle(find_model_file(init));
    match_classes(manifest, start->info, request, problems);
    problems.throw_if_any();
  }
  const config::Config config =
      start ? starting_from(start->info, given, request.new_classes) : given;
  const auto labels = data::label_set(manifest, config.data);
  if (data::clips_in_split(manifest, "train").empty()) {
    throw DataError(manifest_path + ": no clips in split 'train'");
  }
  features::FeatureExtractor extractor(config.features, config.people);
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
  std::map<std::string, std::vector<int64_t>> class_frames;  // split -> frames per class
  for (const char* split : {"train", "val"}) {
    class_frames[split].resize(labels.size());
    for (const data::ClipEntry* clip : data::clips_in_split(manifest, split)) {
      try {
        const auto [times_us, fps] = clip_timing(extractor, clip->video, cache);
        for (const int64_t target :
             data::frame_targets(*clip, static_cast<int64_t>(times_us.size()), fps, labels,
                                 config.data, problems, times_us)) {
          if (target >= 0) ++class_frames[split][static_cast<size_t>(target)];
        }
      } catch (const InputError& e) {
        problems.add(e.what());
      }
    }
  }
  problems.throw_if_any();
  check_what_the_data_teaches(class_frames, labels, request.new_classes);
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
  // Motion capture seen by virtual cameras: its share of each epoch's sequences, each from a
  // camera of its own, drawn afresh every epoch. Normalisation and class weights stay the real
  // clips' (data.plain).
  MocapSet mocap;
  size_t mocap_per_epoch = 0;
  if (!config.train.mocap.folder.empty() && config.train.mocap.share > 0) {
    mocap = mocap_set(config.train.mocap.folder, labels);
    const double share = config.train.mocap.share;
    mocap_per_epoch = static_cast<size_t>(
        std::lround(share / (1 - share) * static_cast<double>(train_clips.size())));
    log::info("{}: {} motion capture clips (get-ups also played backwards), {} sequences of "
              "them per epoch beside {} clips",
              config.train.mocap.folder, mocap.clips.size(), mocap_per_epoch, train_clips.size());
  }
  config::AugmentConfig mocap_augment = config.train.augment;
  mocap_augment.view = 0;  // seen from everywhere already

  TrainingData data;
  data.plain = plain(train_clips);
  data.validation = plain(val_clips);
  data.epoch = [&](std::mt19937_64& rng) {
    std::vector<Sequence> sequences;
    for (const auto& clip : train_clips) {
      sequences.push_back(to_tensors(
          sample_sequence(clip.data, config.features, fps, &config.train.augment, &rng)));
    }
    if (mocap_per_epoch > 0) {
      std::vector<size_t> order(mocap.clips.size());
      std::iota(order.begin(), order.end(), size_t{0});
      std::shuffle(order.begin(), order.end(), rng);
      for (size_t i = 0; i < mocap_per_epoch; ++i) {
        const size_t c = order[i % order.size()];
        const data::ClipData seen =
            render_clip(mocap.clips[c], mocap.targets[c], random_camera(mocap.clips[c], rng), rng);
        sequences.push_back(to_tensors(sample_sequence(seen, config.features, fps, &mocap_augment, &rng)));
      }
    }
    return sequences;
  };

  TrainJob job;
  job.model = config.model;
  job.train = config.train;
  job.run_dir = request.run_dir;
  job.resume = request.resume;
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
  start_run_folder(request, identity);
  write_text_atomically(request.run_dir + "/config.yaml", config::to_yaml(config));
  if (callbacks.on_start) callbacks.on_start(plan);
  return train_labeler(job, data, callbacks.on_epoch);
}

}  // namespace actrec::train
