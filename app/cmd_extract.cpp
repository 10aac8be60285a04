#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "actrec/core/batch.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/progress.hpp"
#include "actrec/features/extract.hpp"
#include "actrec/core/threads.hpp"
#include "actrec/video/inputs.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

struct ExtractOptions {
  std::string config;
  std::vector<std::string> inputs;
  std::string out;
};

int run_extract(const ExtractOptions& options, const Context& context) {
  const config::Config config = context.load_config(options.config);
  set_torch_threads(config.runtime.threads);
  const auto videos = video::expand_inputs(options.inputs);
  features::FeatureExtractor extractor(config.features, config.people);
  log::info("backbone {} ({} observation values per frame, batch {})", extractor.backbone_path(),
            extractor.dim(), extractor.batch_size());
  return run_batch(
             videos,
             [&](const std::string& video, size_t) {
               Progress progress(std::filesystem::path(video).filename().string(), -1);
               features::ExtractStats stats;
               features::features_for_video(
                   extractor, video, options.out, static_cast<size_t>(config.video.queue_size),
                   [&](int64_t done) { progress.advance(done - progress.done()); }, &stats);
               progress.finish();
               const std::string path =
                   features::cache_path(options.out, video, extractor.fingerprint());
               if (stats.cached) {
                 log::info("{}: {} frames, cached: {}", video, stats.frames, path);
               } else {
                 log::info("{}: {} frames in {:.1f} s ({:.1f} fps): {}", video, stats.frames,
                           stats.seconds, stats.frames / std::max(stats.seconds, 1e-9), path);
               }
               std::cout << path << "\n";
             },
             [](const std::string&, const Error& error) {
               std::cerr << "error: " << error.what() << "\n";
             })
      .exit_code;
}

}  // namespace

std::vector<Command> add_extract_command(CLI::App& parent, Context& context) {
  auto options = std::make_shared<ExtractOptions>();
  auto* app = parent.add_subcommand(
      "extract",
      "Extract per-frame observations (poses, feature maps) of videos into a folder (reused "
      "while still valid)");
  app->add_option("inputs", options->inputs, "Video files, folders or globs")
      ->required()
      ->type_name("INPUT");
  app->add_option("-o,--output", options->out, "Folder for the feature files")->required();
  app->add_option("-c,--config", options->config, "Config file (features.*, runtime.*)")
      ->type_name("FILE");
  return {{app, [options, &context] { return run_extract(*options, context); }}};
}

}  // namespace actrec::cli
