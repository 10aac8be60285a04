#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <cstdlib>

#include "actrec/config/config.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/model_paths.hpp"
#include "actrec/core/threads.hpp"
#include "actrec/pipeline/live.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};
// The first Ctrl-C ends the run cleanly (outputs flushed); a second one ends the process at
// once, whatever it is waiting for.
void request_stop(int signal) {
  if (g_stop.exchange(true)) std::_Exit(128 + signal);
}
// SIGHUP (systemctl reload): the cameras file is read again.
void request_reload(int) { g_reload = true; }

struct LiveCommandOptions {
  std::string bundle = kDefaultBundle;
  std::string camera;
  std::string source;
  std::string cameras;
  pipeline::LiveOptions live;
  bool no_display = false;
  std::string persons;
  double max_downtime_s = -1;
};

// What every live run takes from the environment: secrets never go on a command line, where
// `ps` shows them.
void secrets_from_environment(pipeline::LiveOptions& live) {
  if (const char* password = std::getenv("ACTREC_MQTT_PASSWORD")) live.mqtt_password = password;
  if (const char* token = std::getenv("ACTREC_SERVE_TOKEN")) live.serve_token = token;
}

// A camera of a cameras file as the pipeline runs it.
pipeline::CameraSpec camera_spec(const config::CameraConfig& camera) {
  pipeline::CameraSpec spec;
  spec.source = video::classify_source(camera.source);
  pipeline::LiveOptions& live = spec.options;
  live.name = camera.name;
  live.display = false;
  live.realtime = camera.realtime;
  live.people = camera.config.people;
  live.fall_events = camera.config.events;
  live.gate = camera.config.gate;
  live.events = camera.live.events_file;
  live.jsonl = camera.live.jsonl_file;
  live.clips = camera.live.clips;
  live.clip_before_s = camera.live.clip_before_s;
  live.clip_after_s = camera.live.clip_after_s;
  live.mqtt = camera.live.mqtt;
  // Several cameras under one prefix would publish over each other: a camera's own topic.
  live.mqtt_topic =
      camera.live.mqtt_topic.empty() ? "" : camera.live.mqtt_topic + "/" + camera.name;
  live.mqtt_discovery = camera.live.mqtt_discovery;
  live.mqtt_user = camera.live.mqtt_user;
  live.timeout_s = camera.live.timeout_s;
  live.reconnect.max_downtime_s = camera.live.max_downtime_s;
  live.stop = &g_stop;
  secrets_from_environment(live);
  spec.settings = camera.settings;
  return spec;
}

std::string summary_line(const pipeline::LiveSummary& summary) {
  return fmt::format(
      "{} frames labelled in {:.1f} s ({:.1f} fps), {} dropped; {}{}{}{}", summary.frames,
      summary.seconds, summary.frames / std::max(summary.seconds, 1e-9), summary.dropped,
      pipeline::latency_text(summary),
      summary.reconnects > 0
          ? fmt::format("; {} reconnect{}, {:.1f} s without frames", summary.reconnects,
                        summary.reconnects == 1 ? "" : "s", summary.downtime_s)
          : "",
      summary.clips > 0 ? fmt::format("; {} event clips", summary.clips) : "",
      summary.interrupted ? " (interrupted)" : "");
}

int run_cameras_command(const LiveCommandOptions& options, const Context& context) {
  std::vector<std::string> overrides = context.overrides;
  if (context.threads >= 0)
    overrides.push_back("runtime.threads=" + std::to_string(context.threads));
  const config::CamerasFile file = config::load_cameras(options.cameras, overrides);
  set_torch_threads(file.config.runtime.threads);
  context.warn_fixed_by_bundle(options.bundle, {"model.", "features.", "data.", "train."});
  pipeline::Labeler labeler(options.bundle, file.config.people);
  if (context.sets_smoothing()) labeler.set_smoothing(file.config.smoothing);
  std::vector<pipeline::CameraSpec> cameras;
  for (const auto& camera : file.cameras) cameras.push_back(camera_spec(camera));
  pipeline::LiveOptions common;
  common.serve = file.live.serve;
  common.stop = &g_stop;
  secrets_from_environment(common);
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  std::signal(SIGHUP, request_reload);
  log::info("{}: {} cameras", options.cameras, cameras.size());
  const auto reload = [&] {
    std::vector<pipeline::CameraSpec> now;
    for (const auto& camera : config::load_cameras(options.cameras, overrides).cameras) {
      now.push_back(camera_spec(camera));
    }
    return now;
  };
  const auto summaries = pipeline::run_cameras(labeler, cameras, common, reload, &g_reload);
  int failed = 0;
  for (const auto& summary : summaries) {
    log::info("{}: {}", summary.name, summary_line(summary));
    log::info("{}: {}", summary.name, pipeline::stage_text(summary));
    for (const std::string* error : {&summary.error, &summary.output_error}) {
      if (!error->empty()) {
        log::warn("{}: {}", summary.name, *error);
        ++failed;
      }
    }
  }
  if (failed > 0) {
    throw InputError(
        fmt::format("{} of {} cameras ended with an error (above)", failed, summaries.size()));
  }
  return 0;
}

int run_live_command(const LiveCommandOptions& options, const Context& context) {
  if (!options.cameras.empty()) return run_cameras_command(options, context);
  const config::Config config = context.load_config("", persons_override(options.persons));
  set_torch_threads(config.runtime.threads);
  context.warn_fixed_by_bundle(options.bundle, {"model.", "features.", "data.", "train."});
  pipeline::Labeler labeler(options.bundle, config.people);
  if (context.sets_smoothing()) labeler.set_smoothing(config.smoothing);
  const video::SourceSpec spec =
      !options.source.empty() ? video::classify_source(options.source)
                              : video::SourceSpec{video::SourceKind::camera,
                                                  options.camera.empty() ? "0" : options.camera};
  pipeline::LiveOptions live = options.live;
  live.display = !options.no_display;
  live.stop = &g_stop;
  live.people = config.people;
  live.fall_events = config.events;
  live.gate = config.gate;
  live.reconnect.max_downtime_s = options.max_downtime_s;
  secrets_from_environment(live);
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  const auto summary = pipeline::run_live(labeler, spec, live);
  log::info("{}", summary_line(summary));
  log::info("{}", pipeline::stage_text(summary));
  if (!summary.error.empty()) {
    if (!summary.output_error.empty()) log::warn("live outputs lost: {}", summary.output_error);
    throw InputError(summary.error);
  }
  if (!summary.output_error.empty()) {
    // The run went on for the outputs that worked; whoever reads the exit code hears of it.
    throw Error("live outputs lost: " + summary.output_error);
  }
  return 0;
}

}  // namespace

std::vector<Command> add_live_command(CLI::App& parent, Context& context) {
  auto options = std::make_shared<LiveCommandOptions>();
  auto* app = parent.add_subcommand("live", "Label a camera or stream live, frame by frame");
  app->add_option("--model", options->bundle,
                  "Model bundle (.actrec); relative: from here, then $ACTREC_MODELS, then the "
                  "installed models")
      ->type_name("BUNDLE");
  auto* camera =
      app->add_option("--camera", options->camera, "Camera index or /dev/videoN")->default_str("0");
  auto* source = app->add_option("--source", options->source,
                                 "A stream URL or a video file instead of a camera")
                     ->type_name("URL_OR_FILE")
                     ->excludes(camera);
  auto* cameras =
      app->add_option("--cameras", options->cameras,
                      "Watch every camera of this YAML file in one process, one model shared "
                      "(README: several cameras); SIGHUP reads it again")
          ->type_name("FILE.yaml")
          ->check(CLI::ExistingFile)
          ->excludes(camera)
          ->excludes(source);
  add_persons_option(*app, options->persons);
  app->add_flag("--no-display", options->no_display, "No window (headless)");
  app->add_option(
         "--jsonl", options->live.jsonl,
         "Write one JSON line per labelled person and frame, and every event line, to PATH, or - "
         "for stdout")
      ->type_name("PATH|-");
  app->add_flag("--realtime", options->live.realtime,
                "Play a file source at its own frame rate, as a camera would (frames may drop)");
  app->add_option("--events", options->live.events,
                  "Write only the event lines (label changes, falls, stream lost/back) to PATH, "
                  "or - for stdout")
      ->type_name("PATH|-");
  app->add_option("--name", options->live.name,
                  "The camera's short name in events, MQTT topics and clip names (default: made "
                  "of the source, e.g. camera0)");
  app->add_option("--timeout", options->live.timeout_s,
                  "Streams: seconds opening, and then each read, may wait before the stream "
                  "counts as lost")
      ->check(CLI::Range(0.1, 3600.0))
      ->type_name("S");
  app->add_option("--max-downtime", options->max_downtime_s,
                  "Give up (exit 3) when a lost stream or camera has sent no frame for S seconds "
                  "(default: never; it is opened again and again)")
      ->check(CLI::NonNegativeNumber)
      ->default_str("never")
      ->type_name("S");
  app->add_option("--mqtt", options->live.mqtt,
                  "Publish events and Home Assistant sensors to this MQTT broker")
      ->type_name("HOST[:PORT]");
  app->add_option("--mqtt-topic", options->live.mqtt_topic,
                  "MQTT topic prefix (default: actrec/NAME)")
      ->type_name("PREFIX");
  app->add_option("--mqtt-discovery", options->live.mqtt_discovery,
                  "Home Assistant's MQTT discovery prefix; \"\" sends no discovery messages")
      ->type_name("PREFIX");
  app->add_option("--mqtt-user", options->live.mqtt_user,
                  "MQTT user name (the password comes from $ACTREC_MQTT_PASSWORD)")
      ->type_name("USER");
  app->add_option("--serve", options->live.serve,
                  "Serve a page with the live overlay, labels and events on [ADDR:]PORT (ADDR "
                  "127.0.0.1 unless given; PORT 0: any free port). Beyond loopback every request "
                  "needs a token: $ACTREC_SERVE_TOKEN, or one made up and printed in the page's "
                  "address")
      ->type_name("[ADDR:]PORT");
  app->add_option("--clips", options->live.clips,
                  "Write a short MP4 of each fall (with the overlay) into DIR")
      ->type_name("DIR");
  app->add_option("--clip-before", options->live.clip_before_s,
                  "Seconds a clip shows before the fall")
      ->check(CLI::Range(0.0, 20.0))
      ->type_name("S");
  app->add_option("--clip-after", options->live.clip_after_s,
                  "Seconds a clip shows after the fall was confirmed")
      ->check(CLI::Range(0.0, 60.0))
      ->type_name("S");
  // A camera's settings come from the cameras file: a flag beside it would be silently ignored.
  for (CLI::Option* option : app->get_options()) {
    const std::string name = option->get_name();
    if (option != cameras && name != "--help" && name != "--model" && name != "--no-display") {
      option->excludes(cameras);
    }
  }
  return {{app, [options, &context] { return run_live_command(*options, context); }}};
}

}  // namespace actrec::cli
