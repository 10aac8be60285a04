#include <fmt/format.h>

#include <iostream>
#include <sstream>

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
  std::string input_size;
  int input_multiple = 0;
  int people = 0;
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
  if (!options.input_size.empty()) {
    char x = 0;
    std::istringstream in(options.input_size);
    if (!(in >> import.input_width >> x >> import.input_height) || x != 'x' || !in.eof() ||
        import.input_width <= 0 || import.input_height <= 0) {
      throw ConfigError("invalid --input-size '" + options.input_size + "': expected WxH, e.g. 256x256");
    }
  }
  if (options.input_multiple > 0 && !options.input_size.empty()) {
    throw ConfigError("import-tfjs: --input-size and --input-multiple exclude each other");
  }
  import.input_multiple = options.input_multiple;
  import.people = options.people;
  const auto report = convert::import_tfjs(options.model_json, options.out, import);
  const std::string sizes =
      report.input_multiple > 0 ? fmt::format("; sides any multiple of {}", report.input_multiple)
      : import.input_width > 0  ? fmt::format("; {}x{} only", import.input_width,
                                             import.input_height)
                                : "";
  log::info("wrote {}: {} ops, {} stored tensors; inputs {}; outputs {}; {}{}", options.out,
            report.ops, report.constants, fmt::join(report.inputs, ", "),
            fmt::join(report.outputs, ", "),
            report.batch_agnostic ? "any batch size" : "batch size 1 only", sizes);
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
  app->add_option("--input-size", options->input_size,
                  "Fix the input's width and height where the graph leaves them open: padding "
                  "then folds into the convolutions (faster); the file takes only that size")
      ->type_name("WxH");
  app->add_option("--input-multiple", options->input_multiple,
                  "Take any input whose width and height are multiples of M (e.g. 32) where the "
                  "graph leaves them open: padding folds as with --input-size wherever the "
                  "strides divide M")
      ->type_name("M")
      ->check(CLI::Range(1, 4096));
  app->add_option("--people", options->people,
                  "Decode up to N people where the graph keeps its best candidates with one "
                  "TopKV2 (MoveNet MultiPose keeps 6); the first are unchanged")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  app->add_flag("--list-nodes", options->list_nodes,
                "Print every node (index, op, name, shape where known, inputs) and exit");
  return {{app, [options] { return run_import(*options); }}};
}

}  // namespace actrec::cli
