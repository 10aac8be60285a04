#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <map>

#include "actrec/core/error.hpp"
#include "actrec/core/progress.hpp"
#include "actrec/train/dataset.hpp"
#include "actrec/video/probe.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

struct DataCheckOptions {
  std::string manifest;
  std::string config;
};

// Every problem at once, then frames per class per split.
int run_data_check(const DataCheckOptions& options, const Context& context) {
  const config::Config config = context.load_config(options.config);
  train::DataProblems problems;
  const train::Manifest manifest = train::read_manifest(options.manifest, problems);
  const auto labels = train::label_set(manifest, config.data);
  std::map<std::string, std::vector<int64_t>> counts;  // split -> frames per class
  std::map<std::string, int64_t> ignored, videos;
  Progress progress("checking videos", static_cast<int64_t>(manifest.clips.size()), "videos");
  for (const auto& clip : manifest.clips) {
    progress.advance();
    video::ProbeResult probe;
    try {
      probe = video::probe_video(clip.video);
    } catch (const InputError& e) {
      if (std::filesystem::exists(clip.video)) problems.add(e.what());  // missing: said already
      continue;
    }
    const auto targets =
        train::frame_targets(clip, probe.decoded_frames, probe.fps, labels, config.data, problems);
    auto& split = counts[clip.split];
    split.resize(labels.size(), 0);
    ++videos[clip.split];
    for (int64_t target : targets) {
      if (target >= 0) {
        ++split[static_cast<size_t>(target)];
      } else {
        ++ignored[clip.split];
      }
    }
  }
  progress.finish();
  std::cout << fmt::format("{}: {} clips, {} classes\n", options.manifest, manifest.clips.size(),
                           labels.size());
  std::cout << fmt::format("  {:<26}", "frames");
  for (const auto& [split, _] : counts) std::cout << fmt::format("{:>10}", split);
  std::cout << "\n";
  for (size_t c = 0; c < labels.size(); ++c) {
    std::cout << fmt::format("  {:<26}", labels[c].substr(0, 26));
    for (const auto& [split, per_class] : counts) std::cout << fmt::format("{:>10}", per_class[c]);
    std::cout << "\n";
  }
  std::cout << fmt::format("  {:<26}", "(ignored)");
  for (const auto& [split, _] : counts) std::cout << fmt::format("{:>10}", ignored[split]);
  std::cout << "\n" << fmt::format("  {:<26}", "videos");
  for (const auto& [split, _] : counts) std::cout << fmt::format("{:>10}", videos[split]);
  std::cout << "\n";
  if (!problems.empty()) {
    std::cerr << fmt::format("error: {} problem(s) in {}:\n", problems.messages().size(),
                             options.manifest);
    for (const auto& message : problems.messages()) std::cerr << "  " << message << "\n";
    return static_cast<int>(ExitCode::data);
  }
  std::cout << "no problems found\n";
  return 0;
}

}  // namespace

std::vector<Command> add_data_command(CLI::App& parent, Context& context) {
  auto* app = parent.add_subcommand("data", "Check annotated datasets");
  app->require_subcommand(1);
  auto options = std::make_shared<DataCheckOptions>();
  auto* check = app->add_subcommand(
      "check", "Report every problem in a dataset manifest at once, and class counts per split");
  check->add_option("manifest", options->manifest, "CSV with header video,split,annotation")
      ->required()
      ->type_name("MANIFEST");
  check->add_option("-c,--config", options->config, "Config file (data.labels, data.background)");
  return {{app, nullptr},
          {check, [options, &context] { return run_data_check(*options, context); }}};
}

}  // namespace actrec::cli
