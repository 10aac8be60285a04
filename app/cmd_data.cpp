#include <fmt/format.h>

#include <iostream>

#include "actrec/core/error.hpp"
#include "actrec/core/progress.hpp"
#include "actrec/data/dataset_check.hpp"
#include "actrec/data/importers.hpp"
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
  std::unique_ptr<Progress> progress;
  const auto report = data::check_dataset(options.manifest, config.data, [&](size_t, size_t total) {
    if (!progress) progress = std::make_unique<Progress>("checking videos", total, "videos");
    progress->advance();
  });
  progress.reset();
  std::cout << fmt::format("{}: {} clips, {} classes\n", options.manifest, report.clips,
                           report.labels.size());
  std::cout << fmt::format("  {:<26}", "frames");
  for (const auto& [split, _] : report.frames) std::cout << fmt::format("{:>10}", split);
  std::cout << "\n";
  for (size_t c = 0; c < report.labels.size(); ++c) {
    std::cout << fmt::format("  {:<26}", report.labels[c].substr(0, 26));
    for (const auto& [split, per_class] : report.frames) std::cout << fmt::format("{:>10}", per_class[c]);
    std::cout << "\n";
  }
  for (const auto& [title, counts] : {std::pair{"(ignored)", &report.ignored}, {"videos", &report.videos}}) {
    std::cout << fmt::format("  {:<26}", title);
    for (const auto& [split, _] : report.frames) {
      const auto it = counts->find(split);
      std::cout << fmt::format("{:>10}", it == counts->end() ? 0 : it->second);
    }
    std::cout << "\n";
  }
  if (!report.problems.empty()) {
    std::cerr << fmt::format("error: {} problem(s) in {}:\n", report.problems.messages().size(),
                             options.manifest);
    for (const auto& message : report.problems.messages()) std::cerr << "  " << message << "\n";
    return static_cast<int>(ExitCode::data);
  }
  std::cout << "no problems found\n";
  return 0;
}

}  // namespace

std::vector<Command> add_data_command(CLI::App& parent, Context& context) {
  auto* app = parent.add_subcommand("data", "Check and import annotated datasets");
  app->require_subcommand(1);
  auto options = std::make_shared<DataCheckOptions>();
  auto* check = app->add_subcommand(
      "check", "Report every problem in a dataset manifest at once, and class counts per split");
  check->add_option("manifest", options->manifest, "CSV with header video,split,annotation[,group]")
      ->required()
      ->type_name("MANIFEST");
  check->add_option("-c,--config", options->config, "Config file (data.labels, data.background)")
      ->type_name("FILE");
  std::vector<Command> commands = {
      {app, nullptr}, {check, [options, &context] { return run_data_check(*options, context); }}};
  for (auto& command : add_data_import_command(*app, context)) commands.push_back(command);
  return commands;
}

}  // namespace actrec::cli

namespace actrec::cli {
namespace {

struct DataImportOptions {
  std::string format;
  std::string source;
  std::string manifest;
  std::string labels;
  std::string split = "train";
  bool label_from_file = false;
};

int run_data_import(const DataImportOptions& options) {
  data::ImportOptions import;
  import.format = data::parse_import_format(options.format);
  import.source = options.source;
  import.manifest = options.manifest;
  if (!options.labels.empty()) import.labels = config::load_label_map(options.labels);
  import.split = options.split;
  import.label_from_file = options.label_from_file;
  const auto report = data::import_dataset(import);
  for (const auto& note : report.notes) std::cerr << "note: " << note << "\n";
  for (const auto& warning : report.warnings) std::cerr << "warning: " << warning << "\n";
  for (const auto& problem : report.problems) std::cerr << "warning: " << problem << "\n";
  std::cout << fmt::format("{}: {} clips{}\n", options.manifest, report.clips,
                           report.problems.empty()
                               ? ""
                               : fmt::format(", {} rows left out (above)", report.problems.size()));
  for (const auto& [label, amount] : report.seconds) {
    std::cout << fmt::format("  {:<26}{:>10.1f}\n", label, amount);
  }
  return 0;
}

}  // namespace

std::vector<Command> add_data_import_command(CLI::App& data, Context&) {
  auto options = std::make_shared<DataImportOptions>();
  auto* app = data.add_subcommand(
      "import", "Turn a dataset's own annotations into a manifest (and annotation files)");
  app->add_option("format", options->format,
                  "folders (label from folder or file name) | gmdcsa24 | mstcn | labels (what "
                  "`label --annotations` wrote, corrected or not)")
      ->required()
      ->check(CLI::IsMember({"folders", "gmdcsa24", "mstcn", "labels"}))
      ->type_name("FORMAT");
  app->add_option("source", options->source, "The dataset's folder")->required()->type_name("SRC");
  app->add_option("-o,--output", options->manifest, "Manifest to write (annotations beside it)")
      ->required()
      ->type_name("MANIFEST.csv");
  app->add_option("--labels", options->labels,
                  "Label map: rename and merge labels, drop some, precedence for overlaps")
      ->type_name("MAP.yaml");
  app->add_option("--split", options->split, "Split column for every clip");
  app->add_flag("--label-from-file", options->label_from_file,
                "folders: the label is the file name (leading digits dropped), not its folder");
  return {{app, [options] { return run_data_import(*options); }}};
}

}  // namespace actrec::cli
