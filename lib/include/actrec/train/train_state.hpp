#pragma once
// Where a training run stands: each epoch's figures and what early stopping needs, written into
// every checkpoint so that a killed run resumes exactly. No LibTorch.
#include <cmath>
#include <string>
#include <vector>

namespace actrec::train {

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

struct TrainState {
  int epochs_done = 0;
  int epochs_without_gain = 0;
  int best_epoch = 0;
  double best_accuracy = 0;
  double best_loss = INFINITY;
  bool stopped_early = false;
  std::vector<EpochLog> log;

  std::string to_json() const;
  /// Throws Error naming `source` when `text` is not a training state.
  static TrainState from_json(const std::string& text, const std::string& source);
};

}  // namespace actrec::train
