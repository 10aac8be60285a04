// Calibration: temperature scaling and reliability, against cases with a known answer.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "actrec/eval/calibration.hpp"

namespace actrec::eval {
namespace {

TEST(Calibration, TemperatureKeepsTheOrderAndSpreadsOrSharpens) {
  const std::vector<float> p = {0.7f, 0.2f, 0.1f};
  EXPECT_EQ(with_temperature(p, 1.0), p);
  const auto flat = with_temperature(p, 2.0), sharp = with_temperature(p, 0.5);
  EXPECT_LT(flat[0], p[0]);
  EXPECT_GT(sharp[0], p[0]);
  EXPECT_GT(flat[0], flat[1]);
  EXPECT_NEAR(flat[0] + flat[1] + flat[2], 1.0, 1e-6);
  // Its own inverse: calibrated probabilities give back the model's own.
  const auto back = with_temperature(with_temperature(p, 1.7), 1 / 1.7);
  for (size_t c = 0; c < p.size(); ++c) EXPECT_NEAR(back[c], p[c], 1e-6);
}

TEST(Calibration, FittingFindsTheTemperatureOfAnOverconfidentModel) {
  // Truth drawn from softmax(z); the model says softmax(2.5 z): overconfident by 2.5.
  std::mt19937 random(5);
  std::normal_distribution<double> logit(0.0, 1.5);
  std::vector<std::vector<float>> said;
  std::vector<int64_t> truth;
  for (int i = 0; i < 20000; ++i) {
    std::vector<double> z(4);
    for (auto& v : z) v = logit(random);
    std::vector<float> q(4), p(4);
    double qs = 0, ps = 0;
    for (size_t c = 0; c < 4; ++c) {
      qs += std::exp(z[c]);
      ps += std::exp(2.5 * z[c]);
    }
    for (size_t c = 0; c < 4; ++c) {
      q[c] = static_cast<float>(std::exp(z[c]) / qs);
      p[c] = static_cast<float>(std::exp(2.5 * z[c]) / ps);
    }
    truth.push_back(std::discrete_distribution<int64_t>(q.begin(), q.end())(random));
    said.push_back(p);
  }
  truth[0] = -1;  // not scored: left out
  EXPECT_NEAR(fit_temperature(said, truth), 2.5, 0.15);
  std::vector<double> before, after;
  std::vector<bool> right;
  for (size_t i = 1; i < said.size(); ++i) {
    const auto best = static_cast<int64_t>(std::max_element(said[i].begin(), said[i].end()) - said[i].begin());
    before.push_back(said[i][static_cast<size_t>(best)]);
    after.push_back(with_temperature(said[i], 2.5)[static_cast<size_t>(best)]);
    right.push_back(best == truth[i]);
  }
  const auto r_before = reliability(before, right), r_after = reliability(after, right);
  EXPECT_GT(r_before.ece, 0.1);
  EXPECT_LT(r_after.ece, 0.02);
  EXPECT_EQ(fit_temperature(said, std::vector<int64_t>(said.size(), -1)), 1.0);
}

TEST(Calibration, ReliabilityBinsByHand) {
  // 0.95 right twice, 0.85 right once of two, 0.15 wrong: |1-.95|*2 + |.5-.85|*2 + |0-.15|.
  const auto r = reliability({0.95, 0.95, 0.85, 0.85, 0.15}, {true, true, true, false, false}, 10);
  EXPECT_EQ(r.frames, 5);
  EXPECT_EQ(r.bins[9].frames, 2);
  EXPECT_NEAR(r.bins[8].accuracy, 0.5, 1e-12);
  EXPECT_NEAR(r.ece, (0.05 * 2 + 0.35 * 2 + 0.15) / 5, 1e-12);
}

}  // namespace
}  // namespace actrec::eval
