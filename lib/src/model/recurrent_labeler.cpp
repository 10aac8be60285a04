#include "actrec/model/recurrent_labeler.hpp"

#include "actrec/core/error.hpp"

namespace actrec::model {

RecurrentState RecurrentState::detach() const {
  return {h.defined() ? h.detach() : h, c.defined() ? c.detach() : c};
}

RecurrentLabelerImpl::RecurrentLabelerImpl(const RecurrentLabelerOptions& options)
    : options_(options) {
  if (options.input_size() <= 0 || options.num_classes() <= 0 || options.hidden_size() <= 0 ||
      options.num_layers() <= 0) {
    throw ConfigError("invalid model: sizes must be positive");
  }
  mean_ = register_buffer("feature_mean", torch::zeros({options.input_size()}));
  std_ = register_buffer("feature_std", torch::ones({options.input_size()}));
  int64_t cell_input = options.input_size();
  if (options.projection() > 0) {
    projection_ = register_module("projection",
                                  torch::nn::Linear(options.input_size(), options.projection()));
    cell_input = options.projection();
  }
  const double between_layers = options.num_layers() > 1 ? options.dropout() : 0.0;
  switch (options.cell()) {
    case config::Cell::lstm: {
      lstm_ = register_module(
          "lstm", torch::nn::LSTM(torch::nn::LSTMOptions(cell_input, options.hidden_size())
                                      .num_layers(options.num_layers())
                                      .dropout(between_layers)
                                      .batch_first(true)));
      // Forget-gate bias 1 (gates i, f, g, o): start by remembering, which long dependencies
      // need (Jozefowicz et al., 2015).
      torch::NoGradGuard no_grad;
      for (auto& parameter : lstm_->named_parameters()) {
        if (parameter.key().rfind("bias_ih", 0) == 0) {
          parameter.value().slice(0, options.hidden_size(), 2 * options.hidden_size()).fill_(1.0);
        }
      }
      break;
    }
    case config::Cell::gru:
      gru_ = register_module("gru",
                             torch::nn::GRU(torch::nn::GRUOptions(cell_input, options.hidden_size())
                                                .num_layers(options.num_layers())
                                                .dropout(between_layers)
                                                .batch_first(true)));
      break;
    case config::Cell::rnn:
      rnn_ = register_module("rnn",
                             torch::nn::RNN(torch::nn::RNNOptions(cell_input, options.hidden_size())
                                                .num_layers(options.num_layers())
                                                .nonlinearity(torch::kTanh)
                                                .dropout(between_layers)
                                                .batch_first(true)));
      break;
    case config::Cell::linear:  // no recurrence: the floor the recurrent cells must beat
      break;
  }
  dropout_ = register_module("dropout", torch::nn::Dropout(options.dropout()));
  const int64_t head_input =
      options.cell() == config::Cell::linear ? cell_input : options.hidden_size();
  head_ = register_module("head", torch::nn::Linear(head_input, options.num_classes()));
}

void RecurrentLabelerImpl::set_normalization(const torch::Tensor& mean, const torch::Tensor& std) {
  torch::NoGradGuard no_grad;
  mean_.copy_(mean);
  std_.copy_(std.clamp_min(1e-6));
}

torch::Tensor RecurrentLabelerImpl::forward(const torch::Tensor& features, RecurrentState& state) {
  TORCH_CHECK(features.dim() == 3 && features.size(2) == options_.input_size(),
              "expected features [B, T, ", options_.input_size(), "], got ", features.sizes());
  torch::Tensor x = dropout_((features - mean_) / std_);
  if (projection_) x = torch::relu(projection_(x));
  torch::Tensor out, h;
  switch (options_.cell()) {
    case config::Cell::lstm: {
      std::tuple<torch::Tensor, torch::Tensor> result;
      std::tie(out, result) =
          state.empty() ? lstm_(x) : lstm_(x, std::make_tuple(state.h, state.c));
      state = {std::get<0>(result), std::get<1>(result)};
      break;
    }
    case config::Cell::gru:
      std::tie(out, h) = state.empty() ? gru_(x) : gru_(x, state.h);
      state = {h, torch::Tensor()};
      break;
    case config::Cell::rnn:
      std::tie(out, h) = state.empty() ? rnn_(x) : rnn_(x, state.h);
      state = {h, torch::Tensor()};
      break;
    case config::Cell::linear:
      out = x;  // each frame on its own
      break;
  }
  return head_(dropout_(out));
}

torch::Tensor RecurrentLabelerImpl::forward(const torch::Tensor& features) {
  RecurrentState state;
  return forward(features, state);
}

torch::Tensor RecurrentLabelerImpl::step(const torch::Tensor& frame, RecurrentState& state) {
  return forward(frame.unsqueeze(1), state).squeeze(1);
}

}  // namespace actrec::model
