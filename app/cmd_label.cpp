#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

#include "actrec/core/batch.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/model_paths.hpp"
#include "actrec/core/progress.hpp"
#include "actrec/core/threads.hpp"
#include "actrec/pipeline/label_video.hpp"
#include "actrec/video/frame_source.hpp"
#include "actrec/video/inputs.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

struct LabelCommandOptions {
  std::string bundle = kDefaultBundle;
  std::vector<std::string> inputs;
  pipeline::LabelOptions label;
  std::string shard;
  std::string persons;
};

int run_label(const LabelCommandOptions& options, const Context& context) {
  const config::Config config = context.load_config("", persons_override(options.persons));
  set_torch_threads(config.runtime.threads);
  std::vector<std::string> videos = video::expand_inputs(options.inputs);
  // Names from every input, before sharding: a video's outputs are named the same in any share.
  std::vector<std::string> stems = pipeline::output_stems(videos);
  if (!options.shard.empty()) {
    const auto [index, count] = pipeline::parse_shard(options.shard);
    const size_t all = videos.size();
    videos = pipeline::shard(videos, index, count);
    stems = pipeline::shard(stems, index, count);
    log::info("shard {}: {} of {} videos", options.shard, videos.size(), all);
  }
  context.warn_fixed_by_bundle(options.bundle, {"model.", "features.", "data.", "train."});
  pipeline::Labeler labeler(options.bundle, config.people);
  if (context.sets_smoothing()) labeler.set_smoothing(config.smoothing);
  pipeline::LabelOptions label_options = options.label;
  label_options.queue_size = static_cast<size_t>(config.video.queue_size);
  label_options.people = config.people;
  label_options.fall_events = config.events;
  const auto report = run_batch(
      videos,
      [&](const std::string& video, size_t i) {
        Progress progress(fmt::format("[{}/{}] {}", i + 1, videos.size(), stems[i]), -1);
        const auto result =
            pipeline::label_video(labeler, video, stems[i], label_options, [&](int64_t, int64_t total) {
              progress.set_total(total);  // what the video's stream claims, once it is open
              progress.advance();
            });
        progress.finish();
        if (result.skipped) {
          log::info("{}: outputs exist, skipped", video::redact_credentials(video));
        } else {
          log::info("{}: {} frames in {:.1f} s ({:.1f} fps): {}", video::redact_credentials(video),
                    result.frames, result.seconds, result.frames / std::max(result.seconds, 1e-9),
                    fmt::join(result.outputs, ", "));
        }
      },
      [](const std::string&, const Error& error) { std::cerr << "error: " << error.what() << "\n"; });
  if (videos.size() > 1 || report.failed > 0) {
    log::info("labelled {} of {} videos{}", report.done, videos.size(),
              report.failed ? fmt::format(", {} failed", report.failed) : "");
  }
  return report.exit_code;
}

}  // namespace

std::vector<Command> add_label_command(CLI::App& parent, Context& context) {
  auto options = std::make_shared<LabelCommandOptions>();
  auto* app = parent.add_subcommand(
      "label",
      "Label every frame of videos: CSV, segments JSON, subtitles, optional overlay video");
  app->add_option("--model", options->bundle,
                  "Model bundle (.actrec); relative: from here, then $ACTREC_MODELS, then the "
                  "installed models")
      ->type_name("BUNDLE");
  app->add_option("inputs", options->inputs, "Video files, folders or globs")
      ->required()
      ->type_name("INPUT");
  app->add_option("-o,--output", options->label.out_dir, "Folder for the outputs");
  add_persons_option(*app, options->persons);
  app->add_flag("--overlay", options->label.overlay,
                "Also write <stem>.overlay.mp4: the video with skeletons and labels drawn in");
  app->add_flag("--vtt", options->label.vtt, "Also write WebVTT subtitles (<stem>.vtt)");
  app->add_flag("--annotations", options->label.annotations,
                "Also write <stem>.labels.csv (per person in multi: <stem>.p<ID>.labels.csv): "
                "the segments as start_s,end_s,label, to correct and train on (data import labels)");
  app->add_flag("--events", options->label.events,
                "Also write <stem>.events.json: each fall (a falling run, then the person down "
                "for events.confirm_s) and when it cleared");
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
