// actrec bench: measured figures, printed (never asserted).
#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include "actrec/core/error.hpp"
#include "actrec/features/extract.hpp"
#include "actrec/runtime/threads.hpp"
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

}  // namespace

std::vector<Command> add_bench_command(CLI::App& parent, Context& context) {
  auto* app = parent.add_subcommand("bench", "Measure speed and print the figures");
  app->require_subcommand(1);
  auto extract = std::make_shared<BenchExtractOptions>();
  auto* extract_app = app->add_subcommand(
      "extract", "Per-stage time and frames/s of feature extraction (batch 1 and 8, threads 1 and 2)");
  extract_app->add_option("video", extract->video, "Video to measure on");
  extract_app->add_option("--frames", extract->frames, "Frames to time per setting")
      ->check(CLI::Range(1, 100000));
  extract_app->add_option("-c,--config", extract->config, "Config file (features.*)");
  return {{app, nullptr},
          {extract_app, [extract, &context] { return run_bench_extract(*extract, context); }}};
}

}  // namespace actrec::cli
