// actrec bench: measured figures, printed (never asserted).
#include <fmt/format.h>

#include <iostream>

#include "actrec/bench/bench.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

struct BenchExtractOptions {
  std::string config;
  std::string video = "data/samples/vtest.avi";
  int frames = 100;
};

int run_bench_extract(const BenchExtractOptions& options, const Context& context) {
  const config::Config config = context.load_config(options.config);
  const auto result = bench::bench_extract(config, options.video, options.frames, {1, 2}, {1, 8});
  std::cout << fmt::format("bench extract: {} ({} frames, {}x{}), backbone {}, {} cores\n",
                           options.video, result.frames, result.size.width, result.size.height,
                           result.backbone, result.cores)
            << fmt::format("  decode       {:7.2f} ms/frame  {:7.1f} frames/s\n", result.decode_ms,
                           1000 / result.decode_ms);
  for (const auto& s : result.settings) {
    std::cout << fmt::format(
        "  threads {} batch {} (runs {}): preprocess {:5.2f} ms/frame, inference {:6.2f} "
        "ms/frame = {:6.1f} frames/s\n",
        s.threads, s.batch, s.runs_batch, s.preprocess_ms, s.inference_ms, 1000 / s.inference_ms);
  }
  std::cout << fmt::format(
      "  extract (whole video): {:.1f} frames/s = {:.0f}% of inference-only ({:.1f})\n",
      result.pipeline_fps, 100 * result.pipeline_fps / result.inference_fps, result.inference_fps);
  return 0;
}

struct BenchTrainOptions {
  int videos = 64, frames = 500, dim = 1024, epochs = 2;
};

int run_bench_train(const BenchTrainOptions& o) {
  std::cout << fmt::format(
      "bench train: 2x256 LSTM, {}-d features, batch 16, {} videos x {} frames, tbptt 64\n", o.dim,
      o.videos, o.frames);
  for (const auto& s : bench::bench_train(o.videos, o.frames, o.dim, o.epochs, {1, 2}).settings) {
    std::cout << fmt::format("  threads {}: {:.1f} s per epoch, {:.0f} feature frames/s\n",
                             s.threads, s.seconds_per_epoch, s.frames_per_second);
  }
  return 0;
}

struct BenchMemoryOptions {
  int delay = 50, epochs = 60;
  double lr = 1e-2, unstable_lr = 0.3;
  std::string only;
};

int run_bench_memory(const BenchMemoryOptions& o) {
  std::cout << fmt::format(
      "bench memory: label = a cue seen {} frames earlier; {} frames per video, 3 classes "
      "(chance 33%), 128 train / 64 validation videos, hidden 32, {} epochs\n",
      o.delay, 2 * o.delay, o.epochs);
  std::cout << fmt::format("  {:<34}{:>10}{:>12}{:>14}{:>12}\n", "setting", "val acc", "final loss",
                           "max grad norm", "clipped");
  for (const auto& s : bench::bench_memory(o.delay, o.epochs, o.lr, o.unstable_lr, o.only).settings) {
    std::cout << fmt::format("  {:<34}{:>9.1f}%{:>12.4g}{:>14.3g}{:>11.0f}%\n", s.name,
                             100 * s.val_accuracy, s.final_loss, s.max_grad_norm, 100 * s.clipped);
  }
  return 0;
}

struct BenchLabelOptions {
  std::string bundle = "models/default.actrec";
  std::string video = "data/samples/vtest.avi";
  int loops = 4;
  std::string persons;
  std::string config;
};

int run_bench_label(const BenchLabelOptions& o, const Context& context) {
  const config::Config config = context.load_config(o.config, persons_override(o.persons));
  const auto b = bench::bench_label(o.bundle, o.video, config.people, o.loops,
                                       o.config.empty() ? nullptr : &config.features);
  std::cout << fmt::format(
      "bench label: {} with {} (persons {})\n"
      "  label end to end (decode, features, model, outputs): {:.1f} frames/s over {} frames\n"
      "  per frame: {}\n"
      "  people per frame {:.2f} (at most {}), {} ids\n"
      "  inference only (features + model): {:.1f} frames/s; end to end keeps {:.0f}% of it\n",
      o.video, o.config.empty() ? o.bundle : "an untrained model on " + o.config,
      config::to_string(config.people.persons), b.label_fps, b.frames, b.stages,
      b.people_per_frame, b.max_people, b.ids, b.inference_fps, 100 * b.label_fps / b.inference_fps);
  if (b.long_frames > 0) {
    std::cout << fmt::format(
        "  peak memory: {:.0f} MiB after {} frames, {:.0f} MiB after {} frames (looped {}x): {}\n",
        b.short_peak_mib, b.frames, b.long_peak_mib, b.long_frames, o.loops,
        b.long_peak_mib <= b.short_peak_mib * 1.1 ? "flat (within 10%)" : "grows");
  }
  return 0;
}

struct BenchLiveOptions {
  std::string bundle = "models/default.actrec";
  std::string video = "data/samples/vtest.avi";
  double minutes = 0;
  std::string persons;
};

int run_bench_live(const BenchLiveOptions& o, const Context& context) {
  const config::Config config = context.load_config("", persons_override(o.persons));
  std::cout << fmt::format("bench live: {} played in real time with {}\n", o.video, o.bundle);
  int64_t labelled = 0, dropped = 0;
  bench::bench_live(o.bundle, o.video, o.minutes, config.people, [&](const bench::LivePass& p) {
    labelled += p.labelled;
    dropped += p.dropped;
    std::cout << fmt::format(
                     "  pass {:>3}  {:6.1f} min  {:>6} labelled  {:>5} dropped  latency p50 "
                     "{:5.1f} ms  p95 {:5.1f} ms  memory {:.0f} MiB",
                     p.pass, p.minutes, p.labelled, p.dropped, p.p50_ms, p.p95_ms, p.memory_mib)
              << std::endl;
  });
  const double delivered = static_cast<double>(labelled + dropped);
  std::cout << fmt::format("  {:.0f} frames delivered, {} labelled, {} dropped ({:.2f}%)\n",
                           delivered, labelled, dropped,
                           100 * static_cast<double>(dropped) / std::max(delivered, 1.0));
  return 0;
}

}  // namespace

std::vector<Command> add_bench_command(CLI::App& parent, Context& context) {
  auto* app = parent.add_subcommand("bench", "Measure speed and print the figures");
  app->require_subcommand(1);
  auto extract = std::make_shared<BenchExtractOptions>();
  auto* extract_app = app->add_subcommand(
      "extract", "Per-stage time and frames/s of observation extraction (batch 1 and 8, threads 1 and 2)");
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
      "label", "End-to-end labelling frames/s against inference alone; memory on a looped input");
  label_app->add_option("--model", label_options->bundle, "Model bundle");
  label_app->add_option("video", label_options->video, "Video to label");
  label_app->add_option("--loops", label_options->loops,
                        "Also label the video played this many times over (0: skip)")
      ->check(CLI::NonNegativeNumber);
  add_persons_option(*label_app, label_options->persons);
  label_app->add_option("-c,--config", label_options->config,
                        "Time an untrained model on these features instead of --model (weights "
                        "do not change speed)")
      ->type_name("FILE");
  auto live_options = std::make_shared<BenchLiveOptions>();
  auto* live_app = app->add_subcommand(
      "live", "Latency and drops of live labelling, a file played in real time as the camera");
  live_app->add_option("--model", live_options->bundle, "Model bundle");
  live_app->add_option("video", live_options->video, "Video to play");
  live_app
      ->add_option("--minutes", live_options->minutes,
                   "Play it again and again until this many minutes have passed (a load test; 0: once)")
      ->check(CLI::NonNegativeNumber);
  add_persons_option(*live_app, live_options->persons);
  return {{app, nullptr},
          {extract_app, [extract, &context] { return run_bench_extract(*extract, context); }},
          {label_app, [label_options, &context] { return run_bench_label(*label_options, context); }},
          {live_app, [live_options, &context] { return run_bench_live(*live_options, context); }},
          {train_app, [train_options] { return run_bench_train(*train_options); }},
          {memory_app, [memory] { return run_bench_memory(*memory); }}};
}

}  // namespace actrec::cli
