// actrec: label every frame of a video with the activity it shows.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/video/frame_source.hpp"
#include "commands.hpp"

namespace actrec::cli {

config::Config Context::load_config(const std::string& path,
                                    const std::vector<std::string>& extra) const {
  std::vector<std::string> all = overrides;
  if (threads >= 0) all.push_back("runtime.threads=" + std::to_string(threads));
  all.insert(all.end(), extra.begin(), extra.end());
  return config::load(path, all);
}

bool Context::sets_smoothing() const {
  return std::any_of(overrides.begin(), overrides.end(), [](const std::string& assignment) {
    return assignment.rfind("smoothing.", 0) == 0;
  });
}

void Context::warn_fixed_by_bundle(const std::string& bundle,
                                   const std::vector<std::string>& sections) const {
  for (const std::string& assignment : overrides) {
    for (const std::string& fixed : sections) {
      if (assignment.rfind(fixed, 0) == 0) {
        log::warn("--set {}: ignored: {} fixes its {}* settings (what it was trained with)",
                  assignment, bundle, fixed);
      }
    }
  }
}

void add_persons_option(CLI::App& app, std::string& persons) {
  app.add_option("--persons", persons,
                 "single: the most prominent person; multi: everyone, tracked, each labelled "
                 "(default: people.persons, single)")
      ->check(CLI::IsMember({"single", "multi"}))
      ->type_name("single|multi");
}

std::vector<std::string> persons_override(const std::string& persons) {
  if (persons.empty()) return {};
  return {"people.persons=" + persons};
}

}  // namespace actrec::cli

namespace {

constexpr const char* kFooter = R"(Exit codes:
  0  success
  1  runtime error (anything unexpected)
  2  usage or config error (bad flag, unknown config key, wrong type or value)
  3  input error (missing, empty, truncated or undecodable video, image or stream)
  4  model error (model file unreadable or not matching)
  5  data error (dataset manifest or annotation wrong)

Run 'actrec COMMAND --help' for a command's options and their defaults.)";

int report(const std::exception& error, actrec::ExitCode code) {
  std::fprintf(stderr, "error: %s\n", error.what());
  return static_cast<int>(code);
}

}  // namespace

namespace {

// OpenMP workers that spin while they wait take the cores from everything else (on a busy
// machine live fell from 14 to 1.3 frames/s), and workers that sleep at once wake late on a
// quiet one. A short spin before sleeping keeps both: on 2 cores, labelling alone ran as fast as
// spinning for ever (27 frames/s against 22 passive) and beside two busy programs as fast as
// passive (9 against 4 spinning), scripts/bench_wait_policy.sh in docs/results.md. LibTorch's
// OpenMP reads this once, as it loads, so the process starts itself again with it, unless the
// user chose a policy or a spin count.
constexpr const char* kSpinCount = "1000";
void wait_briefly(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  ::setenv("GOMP_SPINCOUNT", kSpinCount, 1);
  ::execv("/proc/self/exe", argv);  // returns only when it failed: then run as we are
}

}  // namespace

int main(int argc, char** argv) {
  using namespace actrec;
  // glibc gives each thread that allocates its own heap, which keeps what it freed: the pose
  // network runs on whichever camera's thread finds it free (live --cameras), so each of them
  // held a pose network's worth of memory (four cameras: 1.48 times one). Two heaps for all.
  mallopt(M_ARENA_MAX, 2);
  CLI::App app{"actrec: label every frame of a video with the activity it shows.", "actrec"};
  app.set_version_flag("--version", std::string("actrec ") + ACTREC_VERSION);
  app.footer(kFooter);
  app.require_subcommand(1);
  app.fallthrough();  // global flags work after the subcommand too
  app.option_defaults()->always_capture_default();

  cli::Context context;
  app.add_flag("-v,--verbose", context.verbose, "Show debug messages and OpenCV/FFmpeg logs");
  app.add_flag("-q,--quiet", context.quiet, "Only warnings and errors; no progress display");
  app.add_option("--threads", context.threads,
                 "LibTorch intra-op threads (overrides runtime.threads; 0 = all cores)")
      ->check(CLI::NonNegativeNumber)
      ->default_str("from config");
  app.add_option("--set", context.overrides,
                 "Override a config key, e.g. --set model.hidden=256 (repeatable)")
      ->type_name("KEY=VALUE")
      ->default_str("none")
      ->allow_extra_args(false);  // one KEY=VALUE each: what follows is the command's own

  std::vector<cli::Command> commands;
  for (auto* add :
       {&cli::add_probe_command, &cli::add_config_command, &cli::add_import_tfjs_command,
        &cli::add_extract_command, &cli::add_label_command, &cli::add_live_command,
        &cli::add_data_command, &cli::add_train_command, &cli::add_eval_command,
        &cli::add_calibrate_command, &cli::add_bench_command, &cli::add_annotate_command}) {
    for (auto& command : add(app, context)) commands.push_back(std::move(command));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : static_cast<int>(ExitCode::usage);
  }

  // A file-size limit (ulimit -f) then fails the write with EFBIG, reported like a full disk,
  // instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  log::set_level(context.quiet     ? log::Level::quiet
                 : context.verbose ? log::Level::verbose
                                   : log::Level::normal);
  video::set_backend_logging(context.verbose);

  try {
    // The most deeply nested parsed subcommand is the one the user asked for.
    const cli::Command* chosen = nullptr;
    for (const auto& command : commands) {
      if (command.app->parsed() && command.run) chosen = &command;
    }
    if (!chosen) {
      std::fprintf(stderr, "%s", app.help().c_str());
      return static_cast<int>(ExitCode::usage);
    }
    // Only commands that run models pay for starting again (loading LibTorch takes a while).
    for (const char* heavy : {"label", "live", "annotate", "extract", "train", "eval", "bench"}) {
      if (app.got_subcommand(heavy)) wait_briefly(argv);
    }
    return chosen->run();
  } catch (const Error& error) {
    return report(error, error.exit_code());
  } catch (const std::exception& error) {
    return report(error, ExitCode::runtime);
  }
}
