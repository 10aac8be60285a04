#include <gtest/gtest.h>

#include "actrec/core/error.hpp"
#include "actrec/model/recurrent_labeler.hpp"
#include "actrec/train/trainer.hpp"
#include "temp_dir.hpp"

namespace actrec::model {
namespace {

RecurrentLabeler make(config::Cell cell, int64_t layers = 2) {
  torch::manual_seed(7);
  return RecurrentLabeler(
      RecurrentLabelerOptions(5, 3).cell(cell).hidden_size(8).num_layers(layers).projection(6));
}

class EachCell : public ::testing::TestWithParam<config::Cell> {};

TEST_P(EachCell, StepFrameByFrameEqualsOneForwardPass) {
  auto model = make(GetParam());
  model->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({2, 12, 5});
  const auto whole = model->forward(x);
  ASSERT_EQ(whole.sizes(), (std::vector<int64_t>{2, 12, 3}));
  RecurrentState state;
  for (int64_t t = 0; t < 12; ++t) {
    const auto frame = model->step(x.select(1, t), state);
    EXPECT_TRUE(torch::allclose(frame, whole.select(1, t), 1e-5, 1e-6)) << "frame " << t;
  }
}

TEST_P(EachCell, IsCausal) {
  auto model = make(GetParam());
  model->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({1, 10, 5});
  const auto before = model->forward(x);
  x[0][7] += 10;  // change the future of frame 6
  const auto after = model->forward(x);
  EXPECT_TRUE(torch::equal(before.slice(1, 0, 7), after.slice(1, 0, 7)));
  EXPECT_FALSE(torch::allclose(before.slice(1, 7), after.slice(1, 7)));
}

TEST_P(EachCell, TruncatedBpttStopsGradientsButCarriesState) {
  auto model = make(GetParam(), 1);
  model->eval();
  auto x = torch::randn({1, 12, 5}).requires_grad_(true);
  const auto targets = torch::zeros({1, 12}, torch::kInt64);
  std::vector<torch::Tensor> chunks;
  train::for_each_chunk(model, x, targets, 4,
                        [&](const torch::Tensor& logits, const torch::Tensor&) {
                          chunks.push_back(logits.detach());
                          if (chunks.size() == 3)
                            logits.sum().backward();  // the loss of the last chunk only
                        });
  ASSERT_EQ(chunks.size(), 3u);
  // The state went on: chunked outputs equal one pass over the whole video.
  EXPECT_TRUE(torch::allclose(torch::cat(chunks, 1), model->forward(x).detach(), 1e-5, 1e-6));
  // The gradient did not: the last chunk's loss reaches frames 8..11 only.
  const auto grad = x.grad().abs().sum(2).squeeze(0);
  EXPECT_EQ(grad.slice(0, 0, 8).sum().item<double>(), 0.0);
  EXPECT_GT(grad.slice(0, 8, 12).sum().item<double>(), 0.0);

  // Full BPTT (chunk 0): the same loss reaches back to the first frame.
  x.mutable_grad() = torch::Tensor();
  train::for_each_chunk(model, x, targets, 0,
                        [&](const torch::Tensor& logits, const torch::Tensor&) {
                          logits.slice(1, 8).sum().backward();
                        });
  EXPECT_GT(x.grad().abs().sum(2).squeeze(0)[0].item<double>(), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Cells, EachCell,
                         ::testing::Values(config::Cell::lstm, config::Cell::gru, config::Cell::rnn),
                         [](const auto& cell) { return config::to_string(cell.param); });

TEST(RecurrentLabeler, LinearBaselineLooksAtOneFrameOnly) {
  auto model = make(config::Cell::linear);
  model->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({1, 6, 5});
  const auto before = model->forward(x);
  x[0][2] += 5;
  const auto after = model->forward(x);
  EXPECT_FALSE(torch::allclose(before.select(1, 2), after.select(1, 2)));
  EXPECT_TRUE(torch::equal(before.slice(1, 3), after.slice(1, 3)));  // no memory of frame 2
}

}  // namespace
}  // namespace actrec::model
