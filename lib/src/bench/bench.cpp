#include "actrec/bench/bench.hpp"

#include <fmt/format.h>

#include <cmath>

#include "actrec/core/memory.hpp"
#include "actrec/core/temp_dir.hpp"
#include "actrec/core/timer.hpp"
#include "actrec/features/extract.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/model/bundle.hpp"
#include "actrec/pipeline/label_video.hpp"
#include "actrec/pipeline/live.hpp"
#include "actrec/core/threads.hpp"
#include "actrec/train/synthetic.hpp"
#include "actrec/train/trainer.hpp"
#include "actrec/video/capture_source.hpp"
#include "actrec/video/looped_source.hpp"

namespace actrec::bench {

ExtractBench bench_extract(const config::Config& config, const std::string& video, int frames,
                           const std::vector<int>& threads, const std::vector<int>& batches) {
  ExtractBench bench;
  bench.cores = set_torch_threads(0);
  bench.backbone = config.features.backbone;
  std::vector<cv::Mat> decoded;
  Stopwatch watch;
  {
    video::CaptureSource source({video::SourceKind::file, video}, {});
    while (static_cast<int>(decoded.size()) < frames) {
      auto frame = source.read();
      if (!frame) break;
      decoded.push_back(frame->image);
    }
  }
  const auto n = static_cast<double>(decoded.size());
  bench.frames = static_cast<int64_t>(decoded.size());
  bench.decode_ms = 1000 * watch.lap() / n;
  bench.size = decoded.at(0).size();
  const int default_batch = config.features.batch_size;
  for (int thread_count : threads) {
    for (int batch : batches) {
      set_torch_threads(thread_count);
      config::FeaturesConfig features = config.features;
      features.batch_size = batch;
      features::FeatureExtractor extractor(features, config.people);
      watch.lap();
      std::vector<cv::Mat> prepared;
      for (const auto& frame : decoded) prepared.push_back(extractor.prepare(frame));
      const double preprocess_s = watch.lap();
      std::vector<float> out;
      extractor.infer({prepared.begin(), prepared.begin() + std::min<size_t>(8, prepared.size())},
                      bench.size, out);  // warm-up
      out.clear();
      watch.lap();
      extractor.infer(prepared, bench.size, out);
      const double inference_s = watch.lap();
      bench.settings.push_back({thread_count, batch, extractor.batch_size(),
                                1000 * preprocess_s / n, 1000 * inference_s / n});
      if (thread_count == bench.cores && batch == default_batch) bench.inference_fps = n / inference_s;
    }
  }
  // The whole pipeline on the whole video: decode thread + preprocessing there + inference.
  set_torch_threads(config.runtime.threads);
  features::FeatureExtractor extractor(config.features, config.people);
  features::ExtractStats stats;
  features::features_for_video(extractor, video, "", 16, {}, &stats);
  bench.pipeline_fps = static_cast<double>(stats.frames) / stats.seconds;
  return bench;
}

TrainBench bench_train(int videos, int frames, int dim, int epochs, const std::vector<int>& threads) {
  const auto sequences = train::random_sequences(videos, frames, dim, 10, 1);
  TrainBench bench;
  for (int thread_count : threads) {
    set_torch_threads(thread_count);
    TempDir run;
    train::TrainJob job;
    job.info.labels = std::vector<std::string>(10, "class");
    job.info.feature_dim = dim;
    job.info.fps = 15;
    job.model.cell = config::Cell::lstm;
    job.model.hidden = 256;
    job.model.layers = 2;
    job.model.dropout = 0;
    job.train.batch_size = 16;
    job.train.epochs = epochs;
    job.train.augment.enabled = false;
    job.train.patience = 0;
    job.run_dir = run.path();
    const auto state = train::train_labeler(job, train::fixed_data(sequences, {}));
    double seconds = 0, fps = 0;
    for (const auto& epoch : state.log) {
      seconds += epoch.seconds;
      fps += epoch.frames_per_second;
    }
    const auto count = static_cast<double>(state.log.size());
    bench.settings.push_back({thread_count, seconds / count, fps / count});
  }
  return bench;
}

MemoryBench bench_memory(int delay, int epochs, double lr, double unstable_lr,
                         const std::string& only) {
  set_torch_threads(0);
  const int length = delay * 2;
  const auto train_set = train::delayed_cue_task(128, length, delay, 3, 1);
  const auto val_set = train::delayed_cue_task(64, length, delay, 3, 2);
  struct Setting {
    std::string name;
    config::Cell cell;
    config::Optimizer optimizer;
    int tbptt;
    double lr, clip;
  };
  using config::Cell;
  using config::Optimizer;
  const int above = delay * 3 / 2, below = delay / 2;
  const std::vector<Setting> settings = {
      {"rnn, full BPTT", Cell::rnn, Optimizer::adam, 0, lr, 1.0},
      {"gru, full BPTT", Cell::gru, Optimizer::adam, 0, lr, 1.0},
      {"lstm, full BPTT", Cell::lstm, Optimizer::adam, 0, lr, 1.0},
      {fmt::format("lstm, tbptt {} (> delay)", above), Cell::lstm, Optimizer::adam, above, lr, 1.0},
      {fmt::format("lstm, tbptt {} (< delay)", below), Cell::lstm, Optimizer::adam, below, lr, 1.0},
      {fmt::format("rnn, sgd lr {:g}, no clipping", unstable_lr), Cell::rnn, Optimizer::sgd, 0,
       unstable_lr, 0.0},
      {fmt::format("rnn, sgd lr {:g}, clip 1", unstable_lr), Cell::rnn, Optimizer::sgd, 0,
       unstable_lr, 1.0},
  };
  MemoryBench bench;
  for (const auto& setting : settings) {
    if (!only.empty() && setting.name.find(only) == std::string::npos) continue;
    TempDir run;
    train::TrainJob job;
    job.info.labels = {"a", "b", "c"};
    job.info.feature_dim = 5;
    job.info.fps = 15;
    job.model.cell = setting.cell;
    job.model.hidden = 32;
    job.model.dropout = 0;
    job.train.epochs = epochs;
    job.train.batch_size = 16;
    job.train.tbptt_steps = setting.tbptt;
    job.train.optimizer = setting.optimizer;
    job.train.lr = setting.lr;
    job.train.clip_norm = setting.clip;
    job.train.schedule = config::Schedule::none;
    job.train.weight_decay = 0;
    job.train.augment.enabled = false;
    job.train.patience = 0;
    job.train.class_weights = config::ClassWeights::none;
    job.run_dir = run.path();
    const auto state = train::train_labeler(job, train::fixed_data(train_set, val_set));
    double max_norm = 0, clipped = 0;
    for (const auto& epoch : state.log) {
      max_norm = std::max(max_norm, epoch.grad_norm_max);
      clipped += epoch.clipped_fraction / static_cast<double>(state.log.size());
    }
    bench.settings.push_back(
        {setting.name, state.best_accuracy, state.log.back().train_loss, max_norm, clipped});
  }
  return bench;
}

namespace {

// A bundle with untrained weights on `features`, for timing.
std::string stand_in_bundle(const config::FeaturesConfig& features,
                            const config::PeopleConfig& people, const std::string& path) {
  features::FeatureExtractor extractor(features, people);
  model::BundleInfo info;
  info.labels = {"a", "b", "c", "d", "e", "f", "g", "h"};
  model::set_extractor(info, extractor.identity());
  info.feature_dim = train::feature_dim(
      features, extractor.dim() - int64_t{extractor.persons()} * features::kPoseValues);
  info.fps = config::DataConfig{}.fps;
  auto model = model::make_labeler(info);
  model::save_bundle(path, info, model);
  return path;
}

}  // namespace

LabelBench bench_label(const std::string& bundle, const std::string& video,
                       const config::PeopleConfig& people, int loops,
                       const config::FeaturesConfig* features) {
  set_torch_threads(0);
  TempDir out;
  pipeline::Labeler labeler(
      features ? stand_in_bundle(*features, people, out.file("stand-in.actrec")) : bundle, people);
  pipeline::LabelOptions options;
  options.out_dir = out.path();
  options.people = people;
  LabelBench bench;
  const auto run = pipeline::label_video(labeler, video, "short", options);
  bench.short_peak_mib = peak_resident_mib();
  bench.frames = run.frames;
  bench.label_fps = static_cast<double>(run.frames) / run.seconds;
  bench.stages = run.stages.summary();
  bench.people_per_frame = static_cast<double>(run.person_frames) / static_cast<double>(run.frames);
  bench.max_people = run.max_people;
  bench.ids = run.people_seen;
  if (loops > 0) {
    const auto long_run = pipeline::label_source(
        labeler, std::make_unique<video::LoopedSource>(video::classify_source(video), loops), video,
        "long", options);
    bench.long_frames = long_run.frames;
    bench.long_peak_mib = peak_resident_mib();
  }
  // Inference alone (features + recurrent step) on frames already decoded and resized; last,
  // since holding the frames raises the memory high-water mark.
  std::vector<Frame> frames;
  cv::Size size;
  double fps = 0;
  {
    video::CaptureSource source({video::SourceKind::file, video}, {});
    size = source.frame_size();
    fps = source.fps();
    while (frames.size() < 200) {
      auto frame = source.read();
      if (!frame) break;
      frame->prepared = labeler.extractor().prepare(frame->image);
      frame->image.release();
      frames.push_back(std::move(*frame));
    }
  }
  pipeline::StreamLabeler stream(labeler, fps, size, people);
  size_t stepped = 0;
  Stopwatch watch;
  for (auto& frame : frames) stepped += stream.push(std::move(frame)).size();
  stepped += stream.finish().size();
  bench.inference_fps = static_cast<double>(stepped) / watch.seconds();
  return bench;
}

void bench_live(const std::string& bundle, const std::string& video, double minutes,
                const config::PeopleConfig& people,
                const std::function<void(const LivePass&)>& on_pass) {
  set_torch_threads(0);
  pipeline::Labeler labeler(bundle, people);
  pipeline::LiveOptions live;
  live.realtime = true;
  live.display = false;
  live.people = people;
  Stopwatch clock;
  for (int pass = 1;; ++pass) {
    const auto summary = pipeline::run_live(labeler, {video::SourceKind::file, video}, live);
    LivePass figures{pass,           clock.seconds() / 60,   summary.frames,  summary.dropped,
                     summary.latency_p50_ms, summary.latency_p95_ms, resident_mib()};
    on_pass(figures);
    if (figures.minutes >= minutes) break;
  }
}

}  // namespace actrec::bench
