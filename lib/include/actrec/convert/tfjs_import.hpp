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
  /// Where the graph leaves the first input's size open and no size is fixed: its height and
  /// width are multiples of this (0: anything). SAME padding then folds wherever the strides
  /// divide it, as with a fixed size; the module takes any such size.
  int input_multiple = 0;
  /// Decode up to this many people where the graph keeps its k best candidates with one TopKV2
  /// (MoveNet MultiPose: 6); 0: as many as the graph says. See decode_people().
  int people = 0;
};

struct ImportReport {
  std::vector<std::string> inputs;   ///< forward()'s arguments, NHWC as in TensorFlow
  std::vector<std::string> outputs;  ///< forward()'s results, NHWC as in TensorFlow
  size_t ops = 0;                    ///< graph ops translated (constants not counted)
  size_t constants = 0;              ///< tensors stored in the module
  /// True when every op on the way to the outputs treats the batch dimension independently, so
  /// forward() accepts any batch size; false pins batch 1 (the module asserts it).
  bool batch_agnostic = true;
  /// The module takes any input whose sides are multiples of this (the module records it as
  /// its `input_multiple` attribute); 0 when ImportOptions::input_multiple did not apply.
  int input_multiple = 0;
};

/// Converts `model_json` and writes an ordinary TorchScript file to `out_path` (atomically).
/// An op or attribute it cannot reproduce exactly is a ModelError naming op and node.
ImportReport import_tfjs(const std::string& model_json, const std::string& out_path,
                         const ImportOptions& options = {});

}  // namespace actrec::convert
