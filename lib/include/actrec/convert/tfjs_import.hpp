#pragma once
// TensorFlow.js graph model -> TorchScript file. The header needs no LibTorch.
#include <string>
#include <vector>

#include "actrec/convert/tfjs_graph.hpp"

namespace actrec::convert {

struct ImportOptions {
  /// Graph tensors to return ("node" or "node:K"), in order; empty = the signature's outputs.
  std::vector<std::string> outputs;
  /// The first input's height and width where the graph leaves them open (0: as the graph
  /// says). A fixed size lets padding fold into the convolutions; the module then takes only it.
  int input_height = 0, input_width = 0;
};

struct ImportReport {
  std::vector<std::string> inputs;   ///< forward()'s arguments, NHWC as in TensorFlow
  std::vector<std::string> outputs;  ///< forward()'s results, NHWC as in TensorFlow
  size_t ops = 0;                    ///< graph ops translated (constants not counted)
  size_t constants = 0;              ///< tensors stored in the module
  /// True when every op on the way to the outputs treats the batch dimension independently, so
  /// forward() accepts any batch size; false pins batch 1 (the module asserts it).
  bool batch_agnostic = true;
};

/// Converts `model_json` and writes an ordinary TorchScript file to `out_path` (atomically).
/// An op or attribute it cannot reproduce exactly is a ModelError naming op and node.
ImportReport import_tfjs(const std::string& model_json, const std::string& out_path,
                         const ImportOptions& options = {});

}  // namespace actrec::convert
