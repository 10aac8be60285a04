#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/progress.hpp"
#include "actrec/core/text.hpp"
#include "actrec/core/threads.hpp"
#include "actrec/eval/people_recall.hpp"
#include "actrec/output/chart.hpp"
#include "actrec/pipeline/evaluate.hpp"
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

struct EvalPeopleOptions {
  std::string counts;
  std::string frames;
  std::string json;
  eval::PeopleRecallOptions scoring;
  bool with_doubtful = false;
};

int run_eval_people(const EvalPeopleOptions& options) {
  eval::PeopleRecallOptions scoring = options.scoring;
  scoring.skip_doubtful = !options.with_doubtful;
  const auto result = eval::score_people(eval::read_counted_people(options.counts),
                                         eval::read_found_boxes(options.frames), scoring);
  std::cout << options.frames << " against " << options.counts << "\n" << result.report();
  if (!options.json.empty()) {
    write_text_atomically(options.json, result.to_json() + "\n");
    log::info("wrote {}", options.json);
  }
  return 0;
}

int run_eval(const EvalOptions& options, const Context& context) {
  if (options.bundle.empty() || options.manifest.empty()) {
    throw ConfigError("eval: --model and --data are required (or `eval people`)");
  }
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
  app->add_option("--model", options->bundle, "Model bundle (.actrec); required")
      ->type_name("BUNDLE");
  app->add_option("--data", options->manifest, "Dataset manifest; required")->type_name("MANIFEST");
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
  auto people = std::make_shared<EvalPeopleOptions>();
  auto* people_app = app->add_subcommand(
      "people",
      "Score the people `label --persons multi` found against people counted by eye: recall "
      "per height, boxes matching nobody, boxes covering two people");
  people_app
      ->add_option("counts", people->counts,
                   "People counted by eye, TSV: frame person x y w h moving partial note "
                   "(docs/counts/)")
      ->required()
      ->type_name("COUNTS.tsv");
  people_app
      ->add_option("frames", people->frames,
                   "What `label --persons multi` wrote: <stem>.frames.csv")
      ->required()
      ->type_name("FRAMES.csv");
  people_app->add_option("--json", people->json, "Also write the result, person by person, as JSON")
      ->type_name("OUT");
  people_app
      ->add_option("--min-iou", people->scoring.min_iou,
                   "A found box matches a counted one at this IoU or more (or when its "
                   "centre lies inside it)")
      ->check(CLI::Range(0.0, 1.0));
  people_app
      ->add_option("--height-bins", people->scoring.height_bins,
                   "Edges of the height bins, pixels, ascending")
      ->expected(1, 8);
  people_app->add_flag("--with-doubtful", people->with_doubtful,
                       "Also score counted rows whose note starts with 'doubtful'");
  return {{app, [options, &context] { return run_eval(*options, context); }},
          {people_app, [people] { return run_eval_people(*people); }}};
}

}  // namespace actrec::cli
