#include "actrec/convert/tfjs_import.hpp"

#include <fmt/format.h>

#include <sstream>

#include "actrec/convert/tfjs_to_torchscript.hpp"
#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"

namespace actrec::convert {

ImportReport import_tfjs(const std::string& model_json, const std::string& out_path,
                         const ImportOptions& options) {
  const TfjsGraph graph = load_tfjs_graph(model_json);
  ImportReport report;
  torch::jit::Module module = convert_tfjs(graph, options, &report);
  // Saved through a stream: a file save names the archive after the (temporary) file, and the
  // same model must give the same bytes, since its hash identifies the features it makes.
  std::ostringstream bytes;
  try {
    module.save(bytes);
  } catch (const c10::Error& e) {
    throw Error("cannot write " + out_path + ": " + e.what_without_backtrace());
  }
  write_text_atomically(out_path, bytes.str());
  return report;
}

std::string describe_nodes(const TfjsGraph& graph) {
  std::ostringstream out;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const TfjsNode& node = graph.nodes[i];
    std::string shape;
    if (auto it = graph.constants.find(node.name); it != graph.constants.end()) {
      shape = fmt::format("[{}]", fmt::join(it->second.shape, ","));
    } else if (node.op == "Placeholder") {
      shape = fmt::format("[{}]", fmt::join(node.attr_shape("shape"), ","));
    }
    out << fmt::format("{:4}  {:<28} {}", i, node.op, node.name);
    if (!shape.empty()) out << "  " << shape;
    if (!node.inputs.empty()) out << fmt::format("  <- {}", fmt::join(node.inputs, ", "));
    out << "\n";
  }
  return out.str();
}

}  // namespace actrec::convert
