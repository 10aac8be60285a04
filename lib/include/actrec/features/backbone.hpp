#pragma once
// Loading TorchScript backbones for inference (LibTorch header: for the torch-side modules).
#include <torch/script.h>

#include <string>

namespace actrec::features {

struct Backbone {
  torch::jit::Module module;
  /// False when the file says it bakes in batch size 1 (see convert::ImportReport).
  bool batch_agnostic = true;
  /// What the file says it was made from (import-tfjs records the source model's hash and the
  /// outputs taken); "" when it says nothing.
  std::string source;
  /// The file takes any input whose sides are multiples of this (import-tfjs --input-multiple);
  /// 0 when it says nothing (one fixed size, or any at all).
  int64_t input_multiple = 0;
};

/// Loads `path` for inference: eval mode, frozen, optimised for inference. Throws ModelError
/// naming the path when it is not a loadable TorchScript file.
Backbone load_backbone(const std::string& path);

/// The outputs of one forward pass, a tuple flattened to a list.
std::vector<torch::Tensor> run_backbone(torch::jit::Module& module, const torch::Tensor& input);

}  // namespace actrec::features
