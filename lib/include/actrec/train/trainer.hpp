#pragma once
// Training the recurrent labeler on per-frame features: truncated BPTT, gradient clipping,
// validation, early stopping, checkpoints that a killed run resumes from.
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "actrec/config/config.hpp"
#include "actrec/model/bundle_info.hpp"
#include "actrec/model/recurrent_labeler.hpp"

namespace actrec::train {

/// One video's features and targets.
struct Sequence {
  torch::Tensor features;  ///< [T, F] float32
  torch::Tensor targets;   ///< [T] int64 class index; -1 = not scored
  std::string name;
};

struct EpochLog {
  int epoch = 0;  ///< 1-based
  double lr = 0;
  double train_loss = 0, train_accuracy = 0;
  double val_loss = NAN, val_accuracy = NAN;
  double grad_norm_mean = 0, grad_norm_max = 0;  ///< before clipping
  double clipped_fraction = 0;                   ///< steps whose norm was clipped
  double frames_per_second = 0;                  ///< training frames per second
  double seconds = 0;
  bool best = false;  ///< best on validation so far (written to best.actrec)
};

struct TrainResult {
  std::vector<EpochLog> log;
  int best_epoch = 0;
  double best_accuracy = 0;
  bool stopped_early = false;
};

struct TrainJob {
  config::ModelConfig model;
  config::TrainConfig train;
  model::BundleInfo info;  ///< labels, features, fingerprint, dim, fps: copied into checkpoints
  std::string run_dir;     ///< best.actrec, last.actrec, train_log.csv, train_curves.png
  bool resume = false;     ///< continue from run_dir/last.actrec when it is there
};

/// Trains and writes checkpoints after every epoch. `on_epoch` sees each epoch's figures.
/// With the same seed, data and config, a run gives the same weights, whether or not it was
/// interrupted and resumed.
TrainResult train_labeler(const TrainJob& job, const std::vector<Sequence>& train,
                          const std::vector<Sequence>& validation,
                          const std::function<void(const EpochLog&)>& on_epoch = {});

/// Truncated BPTT over one batch: `features` [B, T, F] go through `model` in chunks of `chunk`
/// frames (0: one chunk), the state carried from chunk to chunk but detached, so gradients stop
/// at chunk boundaries. `learn(logits [B, t, C], targets [B, t])` runs on each chunk that has
/// targets >= 0; chunks without any only move the state on.
void for_each_chunk(model::RecurrentLabeler& model, const torch::Tensor& features,
                    const torch::Tensor& targets, int64_t chunk,
                    const std::function<void(const torch::Tensor&, const torch::Tensor&)>& learn);

/// Per-frame class probabilities [T, C] of one video's features [T, F], from its first frame.
torch::Tensor predict(model::RecurrentLabeler& model, const torch::Tensor& features);

}  // namespace actrec::train
