#include <fmt/format.h>

#include <iostream>

#include "actrec/convert/tfjs_import.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

struct ImportTfjsOptions {
  std::string model_json;
  std::string out;
  std::vector<std::string> outputs;
  bool list_nodes = false;
};

int run_import(const ImportTfjsOptions& options) {
  if (options.list_nodes) {
    std::cout << convert::describe_nodes(convert::load_tfjs_graph(options.model_json));
    return 0;
  }
  if (options.out.empty()) throw ConfigError("import-tfjs: -o OUT.pt is required");
  convert::ImportOptions import;
  import.outputs = options.outputs;
  const auto report = convert::import_tfjs(options.model_json, options.out, import);
  log::info("wrote {}: {} ops, {} stored tensors; inputs {}; outputs {}; {}", options.out,
            report.ops, report.constants, fmt::join(report.inputs, ", "),
            fmt::join(report.outputs, ", "),
            report.batch_agnostic ? "any batch size" : "batch size 1 only");
  return 0;
}

}  // namespace

std::vector<Command> add_import_tfjs_command(CLI::App& parent, Context&) {
  auto options = std::make_shared<ImportTfjsOptions>();
  auto* app = parent.add_subcommand(
      "import-tfjs", "Convert a TensorFlow.js graph model (model.json + shards) to TorchScript");
  app->add_option("model_json", options->model_json, "The model.json file")
      ->required()
      ->type_name("MODEL_JSON");
  app->add_option("-o,--output", options->out, "TorchScript file to write")->type_name("OUT.pt");
  app->add_option("--outputs", options->outputs,
                  "Graph tensors to return, comma-separated (default: the model's signature)")
      ->delimiter(',')
      ->type_name("NODE[:K],...");
  app->add_flag("--list-nodes", options->list_nodes,
                "Print every node (index, op, name, shape where known, inputs) and exit");
  return {{app, [options] { return run_import(*options); }}};
}

}  // namespace actrec::cli
