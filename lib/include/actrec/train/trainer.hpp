#pragma once
// Training the recurrent labeler on per-frame features: truncated BPTT or zero-state windows,
// gradient clipping, validation, early stopping, checkpoints that a killed run resumes from.
#include <torch/torch.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "actrec/config/config.hpp"
#include "actrec/model/bundle.hpp"
#include "actrec/model/bundle_info.hpp"
#include "actrec/model/recurrent_labeler.hpp"
#include "actrec/train/sequences.hpp"
#include "actrec/train/train_state.hpp"

namespace actrec::train {

/// One sequence's features and targets.
struct Sequence {
  torch::Tensor features;  ///< [T, F] float32
  torch::Tensor targets;   ///< [T] int64 class index; -1 = not scored
  std::string name;
};

Sequence to_tensors(const SampledSequence& sampled);

/// What a run learns from: sequences for each epoch (augmented afresh where the data allows),
/// the same without augmentation (for normalisation and class weights), and validation.
struct TrainingData {
  std::function<std::vector<Sequence>(std::mt19937_64& rng)> epoch;
  std::vector<Sequence> plain;
  std::vector<Sequence> validation;
};

/// Fixed sequences (synthetic tasks, tests): every epoch sees the same ones.
TrainingData fixed_data(std::vector<Sequence> train, std::vector<Sequence> validation);

struct TrainJob {
  config::ModelConfig model;
  config::TrainConfig train;
  model::BundleInfo info;  ///< labels, features, identity, dim, fps: copied into checkpoints
  std::string run_dir;     ///< best.actrec, last.actrec
  bool resume = false;     ///< continue from run_dir/last.actrec when it is there
  /// Fine-tuning: start from this bundle's weights and normalisation (its classes first in
  /// info.labels; rows for new ones start fresh); train.finetune.freeze says what stays.
  const model::Bundle* init = nullptr;
};

/// Trains and writes run_dir/best.actrec and last.actrec after every epoch. `on_epoch` sees
/// the state after each epoch (the CLI prints it and writes the log files). With the same seed,
/// data and config, a run gives the same weights, whether or not it was interrupted and resumed.
TrainState train_labeler(const TrainJob& job, const TrainingData& data,
                         const std::function<void(const TrainState&)>& on_epoch = {});

/// The state of run_dir/last.actrec, with its weights and optimizer state loaded into `model`
/// and `optimizer`; an empty state when there is no checkpoint. ModelError when it was trained
/// on other labels or features.
TrainState restore_checkpoint(const TrainJob& job, model::RecurrentLabeler& model,
                              torch::optim::Optimizer& optimizer);

/// What one epoch trains on, per the recipe: tbptt, each sequence (randomly cropped when
/// augmenting); windows, about one window of `window` steps per `window` steps of each sequence,
/// at random places, targets before its last `loss_steps` set to -1 (not scored). Pairs of
/// features [t, F] and targets [t].
std::vector<std::pair<torch::Tensor, torch::Tensor>> training_pieces(
    const std::vector<Sequence>& sequences, const config::TrainConfig& config,
    std::mt19937_64& rng);

/// One pass over `sequences` in batches (recipe as `config` says); the epoch's training
/// figures (loss, accuracy, gradient norms, clipping). `rng` draws crops and windows.
EpochLog run_epoch(model::RecurrentLabeler& model, torch::optim::Optimizer& optimizer,
                   const std::vector<Sequence>& sequences, const config::TrainConfig& config,
                   const torch::Tensor& class_weights, std::mt19937_64& rng);

/// Truncated BPTT over one batch: `features` [B, T, F] go through `model` in chunks of `chunk`
/// frames (0: one chunk), the state carried from chunk to chunk but detached, so gradients stop
/// at chunk boundaries. `learn(logits [B, t, C], targets [B, t])` runs on each chunk that has
/// targets >= 0; chunks without any only move the state on.
void for_each_chunk(model::RecurrentLabeler& model, const torch::Tensor& features,
                    const torch::Tensor& targets, int64_t chunk,
                    const std::function<void(const torch::Tensor&, const torch::Tensor&)>& learn);

/// Per-step class probabilities [T, C] of one sequence's features [T, F], from its first step.
torch::Tensor predict(model::RecurrentLabeler& model, const torch::Tensor& features);

}  // namespace actrec::train
