#pragma once
// The converter itself, for callers that want the module in memory (tests, tools).
#include <torch/script.h>

#include "actrec/convert/tfjs_import.hpp"

namespace actrec::convert {

/// Builds a torch::jit::Module whose forward() computes `options.outputs` of `graph` exactly as
/// TensorFlow does: NHWC in, NHWC out, NCHW inside for convolutions.
torch::jit::Module convert_tfjs(const TfjsGraph& graph, const ImportOptions& options,
                                ImportReport* report = nullptr);

}  // namespace actrec::convert
