// actrec bench: measured figures, printed (never asserted).
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/temp_dir.hpp"
#include "actrec/features/extract.hpp"
#include "actrec/pipeline/label_video.hpp"
#include "actrec/pipeline/live.hpp"
#include "actrec/runtime/threads.hpp"
#include "actrec/train/synthetic.hpp"
#include "actrec/video/capture_source.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct BenchExtractOptions {
  std::string config;
  std::string video = "data/samples/vtest.avi";
  int frames = 100;
};

int run_bench_extract(const BenchExtractOptions& options, const Context& context) {
  const config::Config config = context.load_config(options.config);
  const int cores = runtime::set_torch_threads(0);
  std::cout << fmt::format("bench extract: {} ({} frames), backbone {}, {} cores\n", options.video,
                           options.frames, config.features.backbone, cores);

  // Decode: the frames the other stages use, kept in memory.
  std::vector<cv::Mat> frames;
  auto began = std::chrono::steady_clock::now();
  {
    video::CaptureSource source({video::SourceKind::file, options.video}, {});
    while (static_cast<int>(frames.size()) < options.frames) {
      auto frame = source.read();
      if (!frame) break;
      frames.push_back(frame->image);
    }
  }
  const double decode_s = seconds_since(began);
  const auto n = static_cast<double>(frames.size());
  std::cout << fmt::format("  decode       {:7.2f} ms/frame  {:7.1f} frames/s  ({}x{})\n",
                           1000 * decode_s / n, n / decode_s, frames[0].cols, frames[0].rows);

  double inference_fps_default = 0;
  for (int threads : {1, 2}) {
    for (int batch : {1, 8}) {
      runtime::set_torch_threads(threads);
      config::FeaturesConfig features = config.features;
      features.batch_size = batch;
      features::FeatureExtractor extractor(features);
      began = std::chrono::steady_clock::now();
      std::vector<cv::Mat> prepared;
      for (const auto& frame : frames) prepared.push_back(extractor.prepare(frame));
      const double preprocess_s = seconds_since(began);
      std::vector<float> out;
      extractor.infer({prepared.begin(), prepared.begin() + std::min<size_t>(8, prepared.size())},
                      out);  // warm-up
      out.clear();
      began = std::chrono::steady_clock::now();
      extractor.infer(prepared, out);
      const double inference_s = seconds_since(began);
      if (threads == 2 && batch == 8) inference_fps_default = n / inference_s;
      std::cout << fmt::format(
          "  threads {} batch {} (runs {}): preprocess {:5.2f} ms/frame, inference {:6.2f} "
          "ms/frame = {:6.1f} frames/s\n",
          threads, batch, extractor.batch_size(), 1000 * preprocess_s / n, 1000 * inference_s / n,
          n / inference_s);
    }
  }

  // The whole pipeline on the whole video: decode thread + preprocessing there + inference.
  runtime::set_torch_threads(config.runtime.threads);
  features::FeatureExtractor extractor(config.features);
  features::ExtractStats stats;
  features::features_for_video(extractor, options.video, "", 16, {}, &stats);
  const double pipeline_fps = stats.frames / stats.seconds;
  std::cout << fmt::format(
      "  extract (whole video, {} frames, threads {}): {:.1f} frames/s = {:.0f}% of "
      "inference-only ({:.1f})\n",
      stats.frames, config.runtime.threads == 0 ? cores : config.runtime.threads, pipeline_fps,
      100 * pipeline_fps / inference_fps_default, inference_fps_default);
  return 0;
}

struct BenchTrainOptions {
  int videos = 64;
  int frames = 500;
  int dim = 1024;
  int epochs = 2;
};

// Training throughput of a 2x256 LSTM on 1024-d features, batch 16.
int run_bench_train(const BenchTrainOptions& options) {
  const auto videos = train::random_sequences(options.videos, options.frames, options.dim, 10, 1);
  std::cout << fmt::format(
      "bench train: 2x256 LSTM, {}-d features, batch 16, {} videos x {} frames, tbptt 64\n",
      options.dim, options.videos, options.frames);
  for (int threads : {1, 2}) {
    runtime::set_torch_threads(threads);
    TempDir run;
    train::TrainJob job;
    job.info.labels = std::vector<std::string>(10, "class");
    job.info.feature_dim = options.dim;
    job.model.cell = "lstm";
    job.model.hidden = 256;
    job.model.layers = 2;
    job.train.batch_size = 16;
    job.train.epochs = options.epochs;
    job.train.augment = false;
    job.train.patience = 0;
    job.run_dir = run.path();
    const auto result = train::train_labeler(job, videos, {});
    double seconds = 0, fps = 0;
    for (const auto& epoch : result.log) {
      seconds += epoch.seconds;
      fps += epoch.frames_per_second;
    }
    std::cout << fmt::format("  threads {}: {:.1f} s per epoch, {:.0f} feature frames/s\n", threads,
                             seconds / result.log.size(), fps / result.log.size());
  }
  return 0;
}

struct BenchMemoryOptions {
  int delay = 50;
  int epochs = 60;
  double lr = 1e-2;
  double unstable_lr = 0.3;
  std::string only;
};

// What the theory says, on a task whose labels need a cue seen `delay` frames earlier.
int run_bench_memory(const BenchMemoryOptions& options) {
  runtime::set_torch_threads(0);
  const int length = options.delay * 2;
  const auto train_set = train::delayed_cue_task(128, length, options.delay, 3, 1);
  const auto val_set = train::delayed_cue_task(64, length, options.delay, 3, 2);
  struct Setting {
    std::string name, cell, optimizer;
    int tbptt;
    double lr, clip;
  };
  const int above = options.delay * 3 / 2, below = options.delay / 2;
  const std::vector<Setting> settings = {
      {"rnn, full BPTT", "rnn", "adam", 0, options.lr, 1.0},
      {"gru, full BPTT", "gru", "adam", 0, options.lr, 1.0},
      {"lstm, full BPTT", "lstm", "adam", 0, options.lr, 1.0},
      {fmt::format("lstm, tbptt {} (> delay)", above), "lstm", "adam", above, options.lr, 1.0},
      {fmt::format("lstm, tbptt {} (< delay)", below), "lstm", "adam", below, options.lr, 1.0},
      {fmt::format("rnn, sgd lr {:g}, no clipping", options.unstable_lr), "rnn", "sgd", 0,
       options.unstable_lr, 0.0},
      {fmt::format("rnn, sgd lr {:g}, clip 1", options.unstable_lr), "rnn", "sgd", 0,
       options.unstable_lr, 1.0},
  };
  std::cout << fmt::format(
      "bench memory: label = a cue seen {} frames earlier; {} frames per video, 3 classes "
      "(chance 33%), 128 train / 64 validation videos, hidden 32, {} epochs\n",
      options.delay, length, options.epochs);
  std::cout << fmt::format("  {:<34}{:>10}{:>12}{:>14}{:>12}\n", "setting", "val acc", "final loss",
                           "max grad norm", "clipped");
  for (const auto& setting : settings) {
    if (!options.only.empty() && setting.name.find(options.only) == std::string::npos) continue;
    TempDir run;
    train::TrainJob job;
    job.info.labels = {"a", "b", "c"};
    job.info.feature_dim = 5;
    job.model.cell = setting.cell;
    job.model.hidden = 32;
    job.train.epochs = options.epochs;
    job.train.batch_size = 16;
    job.train.tbptt_steps = setting.tbptt;
    job.train.optimizer = setting.optimizer;
    job.train.lr = setting.lr;
    job.train.clip_norm = setting.clip;
    job.train.schedule = "none";
    job.train.weight_decay = 0;
    job.train.augment = false;
    job.train.patience = 0;
    job.train.class_weights = "none";
    job.run_dir = run.path();
    const auto result = train::train_labeler(job, train_set, val_set);
    double max_norm = 0, clipped = 0;
    for (const auto& epoch : result.log) {
      max_norm = std::max(max_norm, epoch.grad_norm_max);
      clipped += epoch.clipped_fraction / result.log.size();
    }
    const auto& last = result.log.back();
    std::cout << fmt::format("  {:<34}{:>9.1f}%{:>12.4g}{:>14.3g}{:>11.0f}%\n", setting.name,
                             100 * result.best_accuracy, last.train_loss, max_norm, 100 * clipped);
  }
  return 0;
}

// A memory figure of this process in MiB from /proc/self/status: "VmHWM:" (peak resident) or
// "VmRSS:" (resident now).
double memory_mib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(field.size())) / 1024.0;
  }
  return 0;
}
double peak_memory_mib() { return memory_mib("VmHWM:"); }

struct BenchLabelOptions {
  std::string bundle = "models/default.actrec";
  std::string video = "data/samples/vtest.avi";
  int long_minutes = 10;
};

// End-to-end labeling against inference alone, and memory on a short and a long input.
int run_bench_label(const BenchLabelOptions& options) {
  runtime::set_torch_threads(0);
  pipeline::OnlineLabeler labeler(options.bundle);
  TempDir out;
  pipeline::LabelOptions label_options;
  label_options.out_dir = out.path();
  const auto short_run = pipeline::label_video(labeler, options.video, "short", label_options);
  const double short_memory = peak_memory_mib();
  const double label_fps = short_run.frames / short_run.seconds;
  std::cout << fmt::format(
      "bench label: {} with {}\n  label (decode + features + model + CSV/segments/SRT): {:.1f} "
      "frames/s over {} frames\n",
      options.video, options.bundle, label_fps, short_run.frames);
  if (options.long_minutes > 0) {
    // The same video looped into a long one (ffmpeg copies the stream, no re-encoding).
    const std::string long_video = out.file("long.avi");
    const double loops = std::ceil(options.long_minutes * 60.0 / short_run.seconds);
    const std::string command =
        fmt::format("ffmpeg -v error -y -stream_loop {} -i '{}' -c copy -t {} '{}'",
                    static_cast<int>(loops), options.video, options.long_minutes * 60, long_video);
    if (std::system(command.c_str()) != 0)
      throw Error("bench label: ffmpeg could not loop the video");
    const auto long_run = pipeline::label_video(labeler, long_video, "long", label_options);
    std::cout << fmt::format(
        "  peak memory: {:.0f} MiB after {} frames, {:.0f} MiB after a further {} frames ({} min): "
        "{}\n",
        short_memory, short_run.frames, peak_memory_mib(), long_run.frames, options.long_minutes,
        peak_memory_mib() < short_memory * 1.1 + 20 ? "flat" : "grows");
  }
  // Inference alone (features + recurrent step) on frames already decoded and resized; last,
  // since holding the frames raises the memory high-water mark.
  std::vector<Frame> frames;
  {
    video::CaptureSource source({video::SourceKind::file, options.video}, {});
    while (frames.size() < 200) {
      auto frame = source.read();
      if (!frame) break;
      frame->prepared = labeler.extractor().prepare(frame->image);
      frame->image.release();
      frames.push_back(std::move(*frame));
    }
  }
  labeler.start(0);
  const auto began = std::chrono::steady_clock::now();
  for (const auto& frame : frames) labeler.push(frame);
  const double inference_fps = frames.size() / seconds_since(began);
  std::cout << fmt::format("  inference only: {:.1f} frames/s; end to end keeps {:.0f}% of it\n",
                           inference_fps, 100 * label_fps / inference_fps);
  return 0;
}

struct BenchLiveOptions {
  std::string bundle = "models/default.actrec";
  std::string video = "data/samples/vtest.avi";
  double minutes = 0;
};

// A file played at its own frame rate as a camera, again and again until `minutes` have passed:
// latency, drops and memory per pass, to show they hold steady.
int run_bench_live(const BenchLiveOptions& options) {
  runtime::set_torch_threads(0);
  pipeline::OnlineLabeler labeler(options.bundle);
  pipeline::LiveOptions live;
  live.realtime = true;
  live.display = false;
  std::cout << fmt::format("bench live: {} played in real time with {}\n", options.video,
                           options.bundle);
  const auto began = std::chrono::steady_clock::now();
  int64_t frames = 0, dropped = 0;
  double first_memory = 0, least_p95 = INFINITY, most_p95 = 0;
  for (int pass = 1;; ++pass) {
    const auto summary =
        pipeline::run_live(labeler, {video::SourceKind::file, options.video}, live);
    frames += summary.frames;
    dropped += summary.dropped;
    least_p95 = std::min(least_p95, summary.latency_p95_ms);
    most_p95 = std::max(most_p95, summary.latency_p95_ms);
    const double memory = memory_mib("VmRSS:");
    if (pass == 1) first_memory = memory;
    const double minutes = seconds_since(began) / 60;
    std::cout << fmt::format(
                     "  pass {:>3}  {:6.1f} min  {:>6} labelled  {:>5} dropped  latency p50 "
                     "{:5.1f} ms  p95 {:5.1f} ms  memory {:.0f} MiB",
                     pass, minutes, summary.frames, summary.dropped, summary.latency_p50_ms,
                     summary.latency_p95_ms, memory)
              << std::endl;
    if (minutes >= options.minutes) break;
  }
  const double delivered = static_cast<double>(frames + dropped);
  std::cout << fmt::format(
      "  {:.0f} frames delivered in {:.1f} min, {} labelled, {} dropped ({:.2f}%); pass p95 "
      "{:.1f}..{:.1f} ms; memory {:.0f} MiB after the first pass, {:.0f} MiB now, peak {:.0f} "
      "MiB\n",
      delivered, seconds_since(began) / 60, frames, dropped,
      100 * static_cast<double>(dropped) / std::max(delivered, 1.0), least_p95, most_p95,
      first_memory, memory_mib("VmRSS:"), peak_memory_mib());
  return 0;
}

}  // namespace

std::vector<Command> add_bench_command(CLI::App& parent, Context& context) {
  auto* app = parent.add_subcommand("bench", "Measure speed and print the figures");
  app->require_subcommand(1);
  auto extract = std::make_shared<BenchExtractOptions>();
  auto* extract_app = app->add_subcommand(
      "extract",
      "Per-stage time and frames/s of feature extraction (batch 1 and 8, threads 1 and 2)");
  extract_app->add_option("video", extract->video, "Video to measure on");
  extract_app->add_option("--frames", extract->frames, "Frames to time per setting")
      ->check(CLI::Range(1, 100000));
  extract_app->add_option("-c,--config", extract->config, "Config file (features.*)");
  auto train_options = std::make_shared<BenchTrainOptions>();
  auto* train_app = app->add_subcommand(
      "train", "Training throughput and epoch time: 2x256 LSTM, 1024-d features, batch 16");
  train_app->add_option("--videos", train_options->videos, "Synthetic videos");
  train_app->add_option("--frames", train_options->frames, "Frames per video");
  train_app->add_option("--epochs", train_options->epochs, "Epochs to time");
  auto memory = std::make_shared<BenchMemoryOptions>();
  auto* memory_app = app->add_subcommand(
      "memory",
      "RNN vs GRU vs LSTM, full vs truncated BPTT, clipping vs not, on a long-dependency task");
  memory_app->add_option("--delay", memory->delay, "Frames between the cue and its labels");
  memory_app->add_option("--epochs", memory->epochs, "Epochs per setting");
  memory_app->add_option("--lr", memory->lr, "Adam learning rate of the stable settings");
  memory_app->add_option("--unstable-lr", memory->unstable_lr,
                         "SGD learning rate of the clipping comparison");
  memory_app->add_option("--only", memory->only, "Run only settings whose name contains this");
  auto label_options = std::make_shared<BenchLabelOptions>();
  auto* label_app = app->add_subcommand(
      "label", "End-to-end labeling frames/s against inference alone; memory on a long input");
  label_app->add_option("--model", label_options->bundle, "Model bundle");
  label_app->add_option("video", label_options->video, "Video to label");
  label_app->add_option("--long-minutes", label_options->long_minutes,
                        "Also label the video looped to this many minutes (0: skip)");
  auto live_options = std::make_shared<BenchLiveOptions>();
  auto* live_app = app->add_subcommand(
      "live", "Latency and drops of live labeling, a file played in real time as the camera");
  live_app->add_option("--model", live_options->bundle, "Model bundle");
  live_app->add_option("video", live_options->video, "Video to play");
  live_app
      ->add_option("--minutes", live_options->minutes,
                   "Play it again and again until this many minutes have passed (a load "
                   "test; 0: once)")
      ->check(CLI::NonNegativeNumber);
  return {{app, nullptr},
          {extract_app, [extract, &context] { return run_bench_extract(*extract, context); }},
          {label_app, [label_options] { return run_bench_label(*label_options); }},
          {live_app, [live_options] { return run_bench_live(*live_options); }},
          {train_app, [train_options] { return run_bench_train(*train_options); }},
          {memory_app, [memory] { return run_bench_memory(*memory); }}};
}

}  // namespace actrec::cli
