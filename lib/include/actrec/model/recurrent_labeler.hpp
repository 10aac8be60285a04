#pragma once
// The recurrent frame labeler: per-frame features in, per-frame class scores out, one hidden
// state carried from frame to frame with the same weights at every step.
#include <torch/torch.h>

#include "actrec/config/inference.hpp"

namespace actrec::model {

struct RecurrentLabelerOptions {
  RecurrentLabelerOptions(int64_t input_size, int64_t num_classes)
      : input_size_(input_size), num_classes_(num_classes) {}
  /// Feature size per frame.
  TORCH_ARG(int64_t, input_size);
  /// Classes scored per frame.
  TORCH_ARG(int64_t, num_classes);
  /// LSTM, GRU, vanilla RNN (tanh), or linear: no recurrence, a per-frame baseline.
  TORCH_ARG(config::Cell, cell) = config::Cell::lstm;
  TORCH_ARG(int64_t, hidden_size) = 256;
  TORCH_ARG(int64_t, num_layers) = 1;
  /// Dropout on the input, between layers and before the head (training only).
  TORCH_ARG(double, dropout) = 0.0;
  /// A linear projection of the normalised input to this size before the cell; 0: none.
  TORCH_ARG(int64_t, projection) = 0;
};

/// What the model carries between frames: h (all cells) and c (LSTM), [layers, B, hidden].
/// Undefined tensors mean "start of a video" (zeros).
struct RecurrentState {
  torch::Tensor h;
  torch::Tensor c;
  bool empty() const { return !h.defined(); }
  RecurrentState detach() const;
};

class RecurrentLabelerImpl : public torch::nn::Module {
 public:
  explicit RecurrentLabelerImpl(const RecurrentLabelerOptions& options);

  /// [B, T, F] features -> [B, T, C] class scores (logits); `state` in, the state after the last
  /// frame out. Causal: frame t's scores depend on frames 0..t only.
  torch::Tensor forward(const torch::Tensor& features, RecurrentState& state);
  /// forward() from the start of a video.
  torch::Tensor forward(const torch::Tensor& features);

  /// [B, F] one frame -> [B, C]; the caller holds `state` (one per stream).
  torch::Tensor step(const torch::Tensor& frame, RecurrentState& state);

  /// Sets the input normalisation: x -> (x - mean) / std, per feature ([F] each).
  void set_normalization(const torch::Tensor& mean, const torch::Tensor& std);

  const RecurrentLabelerOptions& options() const { return options_; }

 private:
  RecurrentLabelerOptions options_;
  torch::Tensor mean_, std_;
  torch::nn::Linear projection_{nullptr};
  torch::nn::LSTM lstm_{nullptr};  // the one for options_.cell(); the others stay null
  torch::nn::GRU gru_{nullptr};
  torch::nn::RNN rnn_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(RecurrentLabeler);

}  // namespace actrec::model
