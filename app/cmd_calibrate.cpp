#include <fmt/format.h>

#include <iostream>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/model_paths.hpp"
#include "actrec/core/text.hpp"
#include "actrec/eval/calibration.hpp"
#include "actrec/model/bundle.hpp"
#include "actrec/output/chart.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

struct CalibrateOptions {
  std::vector<std::string> inputs;
  double temperature = 0;  // 0: fit one
  std::string bundle, out, png;
};

// Frames from `eval --probabilities` files: the model's own probabilities, the truth, and the
// label shown (which smoothing may make other than the most likely).
struct Frames {
  std::vector<std::vector<float>> probabilities;
  std::vector<int64_t> truth, shown;
};

Frames read_frames(const std::vector<std::string>& paths) {
  Frames frames;
  std::vector<std::string> classes;
  for (const auto& path : paths) {
    const auto lines = read_text_lines(path);
    const auto header = lines.empty() ? std::vector<std::string>{} : split_csv(lines[0]);
    if (header.size() < 6 || header[0] != "video" || header[2] != "truth" || header[3] != "label") {
      throw DataError("cannot read " + path + ": not a file `actrec eval --probabilities` wrote");
    }
    const std::vector<std::string> names(header.begin() + 5, header.end());
    if (classes.empty()) classes = names;
    if (names != classes) throw DataError("cannot read " + path + ": other classes than " + paths[0]);
    auto index = [&](const std::string& name) -> int64_t {
      const auto at = std::find(classes.begin(), classes.end(), name);
      return at == classes.end() ? -1 : at - classes.begin();
    };
    for (size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].empty()) continue;
      const auto fields = split_csv(lines[i]);
      if (fields.size() != header.size()) {
        throw DataError(fmt::format("{}:{}: expected {} fields, got {}", path, i + 1, header.size(),
                                    fields.size()));
      }
      std::vector<float> p;
      for (size_t c = 5; c < fields.size(); ++c) {
        double value = 0;
        if (!parse_number(fields[c], value) || value < 0 || value > 1) {
          throw DataError(fmt::format("{}:{}: '{}' is not a probability", path, i + 1, fields[c]));
        }
        p.push_back(static_cast<float>(value));
      }
      frames.probabilities.push_back(std::move(p));
      frames.truth.push_back(fields[2].empty() ? -1 : index(fields[2]));
      frames.shown.push_back(index(fields[3]));
    }
  }
  return frames;
}

// The reliability of the labels shown, their confidences taken at `temperature`.
eval::Reliability reliability_at(const Frames& frames, double temperature) {
  std::vector<double> confidences;
  std::vector<bool> right;
  for (size_t i = 0; i < frames.truth.size(); ++i) {
    if (frames.truth[i] < 0 || frames.shown[i] < 0) continue;
    const auto p = eval::with_temperature(frames.probabilities[i], temperature);
    confidences.push_back(p[static_cast<size_t>(frames.shown[i])]);
    right.push_back(frames.shown[i] == frames.truth[i]);
  }
  return eval::reliability(confidences, right);
}

int run_calibrate(const CalibrateOptions& options) {
  const Frames frames = read_frames(options.inputs);
  const double temperature = options.temperature > 0
                                 ? options.temperature
                                 : eval::fit_temperature(frames.probabilities, frames.truth);
  const auto before = reliability_at(frames, 1.0);
  const auto after = reliability_at(frames, temperature);
  std::cout << fmt::format(
      "{} scored frames: expected calibration error {:.4f} as the model gives them, {:.4f} at "
      "temperature {:.4f}{}\n",
      before.frames, before.ece, after.ece, temperature, options.temperature > 0 ? " (given)" : " (fitted)");
  if (!options.png.empty()) {
    output::write_png(options.png, output::reliability_image({{"as trained", before},
                                                              {fmt::format("temperature {:.2f}",
                                                                           temperature),
                                                               after}}));
  }
  if (!options.out.empty()) {
    model::Bundle bundle = model::load_bundle(find_model_file(options.bundle));
    bundle.info.temperature = temperature;
    model::save_bundle(options.out, bundle.info, bundle.model);
    log::info("{}: {} with temperature {:.4f}", options.out, options.bundle, temperature);
  }
  return 0;
}

}  // namespace

std::vector<Command> add_calibrate_command(CLI::App& parent, Context&) {
  auto options = std::make_shared<CalibrateOptions>();
  auto* app = parent.add_subcommand(
      "calibrate",
      "Fit a temperature so that confidences mean how often labels are right (from `eval "
      "--probabilities` files); report expected calibration error; write a calibrated bundle");
  app->add_option("probabilities", options->inputs, "CSV files `actrec eval --probabilities` wrote")
      ->required()
      ->type_name("FILE");
  app->add_option("--temperature", options->temperature,
                  "Score this temperature instead of fitting one (e.g. fitted on other folds)")
      ->check(CLI::PositiveNumber);
  app->add_option("--model", options->bundle, "The bundle to write calibrated (with -o)")
      ->type_name("BUNDLE");
  app->add_option("-o,--output", options->out, "Write the bundle with this temperature here")
      ->type_name("OUT.actrec");
  app->add_option("--png", options->png, "Write a reliability diagram (before and after)")
      ->type_name("FILE.png");
  return {{app, [options] {
             if (options->out.empty() != options->bundle.empty()) {
               throw ConfigError("calibrate: --model and -o go together");
             }
             return run_calibrate(*options);
           }}};
}

}  // namespace actrec::cli
