#include <atomic>
#include <csignal>
#include <cstdlib>

#include "actrec/core/log.hpp"
#include "actrec/pipeline/live.hpp"
#include "actrec/core/threads.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

std::atomic<bool> g_stop{false};
// The first Ctrl-C ends the run cleanly (outputs flushed); a second one ends the process at
// once, whatever it is waiting for.
void request_stop(int signal) {
  if (g_stop.exchange(true)) std::_Exit(128 + signal);
}

struct LiveCommandOptions {
  std::string bundle;
  std::string camera;
  std::string source;
  pipeline::LiveOptions live;
  bool no_display = false;
  std::string persons;
};

int run_live_command(const LiveCommandOptions& options, const Context& context) {
  const config::Config config = context.load_config("", persons_override(options.persons));
  set_torch_threads(config.runtime.threads);
  pipeline::Labeler labeler(options.bundle);
  if (context.sets_smoothing()) labeler.set_smoothing(config.smoothing);
  const video::SourceSpec spec = !options.source.empty()
                                     ? video::classify_source(options.source)
                                     : video::SourceSpec{video::SourceKind::camera,
                                                         options.camera.empty() ? "0" : options.camera};
  pipeline::LiveOptions live = options.live;
  live.display = !options.no_display;
  live.stop = &g_stop;
  live.people = config.people;
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  const auto summary = pipeline::run_live(labeler, spec, live);
  log::info(
      "{} frames labelled in {:.1f} s ({:.1f} fps), {} dropped; latency p50 {:.1f} ms, p95 "
      "{:.1f} ms{}{}",
      summary.frames, summary.seconds, summary.frames / std::max(summary.seconds, 1e-9),
      summary.dropped, summary.latency_p50_ms, summary.latency_p95_ms,
      summary.delay_frames > 0 ? fmt::format(" (plus {} steps of smoothing delay)", summary.delay_frames)
                               : "",
      g_stop ? " (interrupted)" : "");
  return 0;
}

}  // namespace

std::vector<Command> add_live_command(CLI::App& parent, Context& context) {
  auto options = std::make_shared<LiveCommandOptions>();
  auto* app = parent.add_subcommand("live", "Label a camera or stream live, frame by frame");
  app->add_option("--model", options->bundle, "Model bundle (.actrec)")
      ->required()
      ->type_name("BUNDLE");
  auto* camera =
      app->add_option("--camera", options->camera, "Camera index or /dev/videoN")->default_str("0");
  app->add_option("--source", options->source, "A stream URL or a video file instead of a camera")
      ->type_name("URL_OR_FILE")
      ->excludes(camera);
  add_persons_option(*app, options->persons);
  app->add_flag("--no-display", options->no_display, "No window (headless)");
  app->add_option("--jsonl", options->live.jsonl,
                  "Write one JSON line per labelled person and frame to PATH, or - for stdout")
      ->type_name("PATH|-");
  app->add_flag("--realtime", options->live.realtime,
                "Play a file source at its own frame rate, as a camera would (frames may drop)");
  return {{app, [options, &context] { return run_live_command(*options, context); }}};
}

}  // namespace actrec::cli
