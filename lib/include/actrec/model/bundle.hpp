#pragma once
// Model bundles (.actrec): one file with the weights, the labels, the model and feature configs
// and the extractor fingerprint; training checkpoints add the optimizer and the training state.
#include <torch/torch.h>

#include "actrec/model/bundle_info.hpp"
#include "actrec/model/recurrent_labeler.hpp"

namespace actrec::model {

struct Bundle {
  BundleInfo info;
  RecurrentLabeler model{nullptr};
};

/// A model shaped as `info` says (weights untrained).
RecurrentLabeler make_labeler(const BundleInfo& info);

/// Writes atomically. `optimizer` and `train_state` (JSON) are for resuming training.
void save_bundle(const std::string& path, const BundleInfo& info, RecurrentLabeler& model,
                 torch::optim::Optimizer* optimizer = nullptr, const std::string& train_state = "");

/// Loads a bundle for inference (eval mode). Throws ModelError naming the path when it is not a
/// readable actrec bundle.
Bundle load_bundle(const std::string& path);

/// The optimizer state and training state of a checkpoint; false when it has none.
bool load_training_state(const std::string& path, torch::optim::Optimizer& optimizer,
                         std::string& train_state);

}  // namespace actrec::model
