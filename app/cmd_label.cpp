#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/progress.hpp"
#include "actrec/pipeline/label_video.hpp"
#include "actrec/runtime/threads.hpp"
#include "actrec/video/inputs.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

struct LabelCommandOptions {
  std::string bundle;
  std::vector<std::string> inputs;
  pipeline::LabelOptions label;
  std::string shard;
};

// "I/N" -> (I, N), 0 <= I < N.
std::pair<size_t, size_t> parse_shard(const std::string& text) {
  size_t index = 0, count = 0;
  char slash = 0;
  std::istringstream in(text);
  if (!(in >> index >> slash >> count) || slash != '/' || count == 0 || index >= count ||
      !in.eof()) {
    throw ConfigError("invalid --shard '" + text + "': expected I/N with 0 <= I < N, e.g. 0/4");
  }
  return {index, count};
}

int run_label(const LabelCommandOptions& options, const Context& context) {
  const config::Config config = context.load_config("");
  runtime::set_torch_threads(config.runtime.threads);
  std::vector<std::string> videos = video::expand_inputs(options.inputs);
  if (!options.shard.empty()) {
    // Every machine expands the same inputs in the same order and keeps its share.
    const auto [index, count] = parse_shard(options.shard);
    std::vector<std::string> share;
    for (size_t i = index; i < videos.size(); i += count) share.push_back(videos[i]);
    log::info("shard {}: {} of {} videos", options.shard, share.size(), videos.size());
    videos = share;
  }
  pipeline::OnlineLabeler labeler(options.bundle);
  pipeline::LabelOptions label_options = options.label;
  label_options.queue_size = static_cast<size_t>(config.video.queue_size);
  std::map<std::string, int> stems;  // a second clip.avi from another folder becomes clip-2
  int exit_code = 0, done = 0, failed = 0;
  for (const auto& video : videos) {
    std::string stem = std::filesystem::path(video).stem().string();
    if (const int seen = stems[stem]++; seen > 0) stem += "-" + std::to_string(seen + 1);
    try {
      Progress progress(fmt::format("[{}/{}] {}", done + failed + 1, videos.size(), stem), -1);
      const auto result = pipeline::label_video(labeler, video, stem, label_options,
                                                [&](int64_t, int64_t) { progress.advance(); });
      progress.finish();
      ++done;
      if (result.skipped) {
        log::info("{}: outputs exist, skipped", video);
        continue;
      }
      log::info("{}: {} frames in {:.1f} s ({:.1f} fps): {}", video, result.frames, result.seconds,
                result.frames / std::max(result.seconds, 1e-9), fmt::join(result.outputs, ", "));
    } catch (const Error& error) {
      // A bad file does not stop the batch; the exit code says something failed.
      std::cerr << "error: " << error.what() << "\n";
      ++failed;
      if (exit_code == 0) exit_code = static_cast<int>(error.exit_code());
    }
  }
  if (videos.size() > 1 || failed > 0) {
    log::info("labelled {} of {} videos{}", done, videos.size(),
              failed ? fmt::format(", {} failed", failed) : "");
  }
  return exit_code;
}

}  // namespace

std::vector<Command> add_label_command(CLI::App& parent, Context& context) {
  auto options = std::make_shared<LabelCommandOptions>();
  auto* app = parent.add_subcommand(
      "label",
      "Label every frame of videos: CSV, segments JSON, subtitles, optional overlay video");
  app->add_option("--model", options->bundle, "Model bundle (.actrec)")
      ->required()
      ->type_name("BUNDLE");
  app->add_option("inputs", options->inputs, "Video files, folders or globs")
      ->required()
      ->type_name("INPUT");
  app->add_option("-o,--output", options->label.out_dir, "Folder for the outputs");
  app->add_flag("--overlay", options->label.overlay,
                "Also write <stem>.overlay.mp4: the video with label, confidence and timeline");
  app->add_flag("--vtt", options->label.vtt, "Also write WebVTT subtitles (<stem>.vtt)");
  app->add_option(
         "--min-segment", options->label.min_segment,
         "Merge label runs shorter than this many frames in segments and subtitles (0: off)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--shard", options->shard,
                  "Label only share I of N (0-based) of the inputs, e.g. $SLURM_ARRAY_TASK_ID/8")
      ->type_name("I/N");
  app->add_flag("--skip-existing", options->label.skip_existing,
                "Skip videos whose outputs all exist (resume a large batch)");
  return {{app, [options, &context] { return run_label(*options, context); }}};
}

}  // namespace actrec::cli
