#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/progress.hpp"
#include "actrec/core/text.hpp"
#include "actrec/output/chart.hpp"
#include "actrec/pipeline/evaluate.hpp"
#include "actrec/core/threads.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

struct EvalOptions {
  std::string bundle;
  std::string manifest;
  std::string split = "test";
  std::string json;
  std::string cache;
  std::vector<std::string> events;
  double min_event_s = 0.25;
  std::string probabilities;
};

// Per frame: the clip, frame, true and shown labels, the confidence shown and the model's own
// probabilities (before calibration): what `actrec calibrate` reads.
std::string probabilities_csv(const pipeline::EvaluationResult& result,
                              const std::vector<std::string>& labels) {
  std::string text = "video,frame,truth,label,confidence";
  for (const auto& label : labels) text += "," + csv_field(label);
  text += "\n";
  auto name = [&](int64_t c) { return c >= 0 ? csv_field(labels[static_cast<size_t>(c)]) : ""; };
  for (const auto& clip : result.clips) {
    for (size_t f = 0; f < clip.predicted.size(); ++f) {
      text += fmt::format("{},{},{},{},{:.5f}", csv_field(clip.video), f, name(clip.truth[f]),
                          name(clip.predicted[f]), clip.confidence[f]);
      for (float p : clip.probabilities[f]) text += fmt::format(",{:.6g}", p);
      text += "\n";
    }
  }
  return text;
}

int run_eval(const EvalOptions& options, const Context& context) {
  config::Config config = context.load_config("");
  if (!options.cache.empty()) config.train.cache_dir = options.cache;
  set_torch_threads(config.runtime.threads);
  context.warn_fixed_by_bundle(options.bundle, {"model.", "features."});
  Progress progress("features (" + options.split + ")", -1);
  const auto result =
      pipeline::evaluate(options.bundle, options.manifest, options.split, config,
                         context.sets_smoothing() ? &config.smoothing : nullptr,
                         [&](int64_t frames) { progress.advance(frames - progress.done()); });
  progress.finish();
  const eval::Evaluation& evaluation = result.evaluation;
  std::cout << fmt::format(
      "{} on {} ({} videos, {} frames, split {})\n"
      "  frame accuracy {:.1f}%   clip accuracy {:.1f}%   edit {:.1f}   F1@10 {:.1f}   F1@25 "
      "{:.1f}   F1@50 {:.1f}\n",
      options.bundle, options.manifest, result.clips.size(), evaluation.frames(), options.split,
      100 * evaluation.frame_accuracy(), 100 * evaluation.clip_accuracy(), evaluation.edit(),
      evaluation.f1_at(0.10), evaluation.f1_at(0.25), evaluation.f1_at(0.50));
  const auto& labels = evaluation.class_names();
  std::cout << fmt::format("  {:<26}{:>10}{:>10}{:>10}\n", "class", "precision", "recall", "F1");
  for (size_t c = 0; c < labels.size(); ++c) {
    std::cout << fmt::format("  {:<26}{:>10.3f}{:>10.3f}{:>10.3f}\n", labels[c].substr(0, 26),
                             evaluation.precision(c), evaluation.recall(c), evaluation.f1(c));
  }
  for (const auto& event : options.events) {
    const auto at = std::find(labels.begin(), labels.end(), event);
    if (at == labels.end()) throw ConfigError("--event " + event + ": the model has no such class");
    const auto e = evaluation.events(static_cast<size_t>(at - labels.begin()), options.min_event_s);
    std::cout << fmt::format(
        "  {} (runs of at least {:g} s): found in {} of the {} videos that show it; in {} of the "
        "{} that do not\n",
        event, options.min_event_s, e.found, e.with, e.false_alarms, e.without);
  }
  const auto raised = evaluation.raised();
  if (raised.with + raised.without > 0) {
    std::cout << fmt::format(
        "  {} events (a {} run, then down for {:g} s): raised in {} of the {} videos that show "
        "one; in {} of the {} that do not ({:.2f} h of video)\n",
        config.events.fall_label, config.events.fall_label, config.events.confirm_s, raised.found,
        raised.with, raised.false_alarms, raised.without, raised.hours_without);
  }
  if (!options.probabilities.empty()) {
    write_text_atomically(options.probabilities, probabilities_csv(result, labels));
  }
  if (!options.json.empty()) {
    write_text_atomically(options.json, evaluation.to_json(options.min_event_s) + "\n");
    const std::string stem = (std::filesystem::path(options.json).parent_path() /
                              std::filesystem::path(options.json).stem())
                                 .string();
    write_text_atomically(stem + ".confusion.csv", evaluation.confusion_csv());
    output::write_png(stem + ".confusion.png",
                      output::confusion_image(evaluation.confusion(), labels));
    log::info("wrote {}, {}.confusion.csv, {}.confusion.png", options.json, stem, stem);
  }
  return 0;
}

}  // namespace

std::vector<Command> add_eval_command(CLI::App& parent, Context& context) {
  auto options = std::make_shared<EvalOptions>();
  auto* app = parent.add_subcommand(
      "eval", "Score a model on annotated clips: frame accuracy, edit, F1@{10,25,50}, per class");
  app->add_option("--model", options->bundle, "Model bundle (.actrec)")
      ->required()
      ->type_name("BUNDLE");
  app->add_option("--data", options->manifest, "Dataset manifest")
      ->required()
      ->type_name("MANIFEST");
  app->add_option("--split", options->split, "Which split to score");
  app->add_option("--json", options->json,
                  "Write the metrics as JSON (and OUT.confusion.csv/.png beside it)")
      ->type_name("OUT");
  app->add_option("--event", options->events,
                  "Count events of this class per video (e.g. falling): found where the truth "
                  "shows one, false alarms where it does not (repeatable)")
      ->type_name("LABEL");
  app->add_option("--min-event-s", options->min_event_s,
                  "A predicted run at least this long is an event")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--probabilities", options->probabilities,
                  "Write each frame's truth, label, confidence and probabilities as CSV (what "
                  "`actrec calibrate` reads)")
      ->type_name("OUT.csv");
  app->add_option("--cache", options->cache,
                  "Feature cache folder (default: train.cache_dir, else ~/.cache/actrec/features)");
  return {{app, [options, &context] { return run_eval(*options, context); }}};
}

}  // namespace actrec::cli
