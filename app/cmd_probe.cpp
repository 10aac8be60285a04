#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "actrec/core/batch.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/json_text.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/progress.hpp"
#include "actrec/video/probe.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

struct ProbeOptions {
  std::vector<std::string> videos;
  bool json = false;
};

nlohmann::json to_json(const video::ProbeResult& r) {
  return {{"path", r.path},
          {"decoded_frames", r.decoded_frames},
          {"container_frames",
           r.container_frames < 0 ? nlohmann::json() : nlohmann::json(r.container_frames)},
          {"fps", r.fps},
          {"width", r.width},
          {"height", r.height},
          {"duration_s", r.duration_s},
          {"first_timestamp_s", static_cast<double>(r.first_timestamp_us) * 1e-6},
          {"last_timestamp_s", static_cast<double>(r.last_timestamp_us) * 1e-6},
          {"backend", r.backend},
          {"codec", r.codec}};
}

void print_text(const video::ProbeResult& r) {
  const std::string container =
      r.container_frames < 0 ? "unknown" : std::to_string(r.container_frames);
  std::cout << r.path << "\n"
            << fmt::format("  frames      {} decoded, {} in container\n", r.decoded_frames,
                           container)
            << fmt::format("  fps         {:.6g}\n", r.fps)
            << fmt::format("  size        {}x{}\n", r.width, r.height)
            << fmt::format("  duration    {:.3f} s\n", r.duration_s)
            << fmt::format("  timestamps  {:.3f} s .. {:.3f} s\n", r.first_timestamp_us * 1e-6,
                           r.last_timestamp_us * 1e-6)
            << fmt::format("  back-end    {} (codec {})\n", r.backend,
                           r.codec.empty() ? "unknown" : r.codec);
}

int run_probe(const ProbeOptions& options) {
  nlohmann::json all = nlohmann::json::array();
  const auto report = run_batch(
      options.videos,
      [&](const std::string& path, size_t) {
        Progress progress(std::filesystem::path(path).filename().string(), -1);
        const auto result = video::probe_video(path, [&](int64_t) { progress.advance(); });
        progress.finish();
        if (result.counts_differ() && !result.truncated()) {
          log::warn("{}: decoded {} frames but the container claims {}", path,
                    result.decoded_frames, result.container_frames);
        }
        if (options.json) {
          all.push_back(to_json(result));
        } else {
          print_text(result);
        }
        if (result.truncated()) {
          throw InputError(fmt::format(
              "cannot read video: {}: truncated or corrupt: decoding stopped after {} of {} frames",
              path, result.decoded_frames, result.container_frames));
        }
      },
      [&](const std::string& path, const Error& error) {
        std::cerr << "error: " << error.what() << "\n";
        if (options.json) {
          if (all.empty() || all.back().value("path", "") != path) all.push_back({{"path", path}});
          all.back()["error"] = error.what();
        }
      });
  if (options.json) std::cout << json_text(all, 2) << "\n";
  return report.exit_code;
}

}  // namespace

std::vector<Command> add_probe_command(CLI::App& parent, Context&) {
  auto options = std::make_shared<ProbeOptions>();
  auto* app = parent.add_subcommand(
      "probe", "Decode videos and report frame counts, fps, size, duration and timestamps");
  app->add_option("videos", options->videos, "Video files")->required()->type_name("VIDEO");
  app->add_flag("--json", options->json, "Print a JSON array instead of text");
  return {{app, [options] { return run_probe(*options); }}};
}

}  // namespace actrec::cli
