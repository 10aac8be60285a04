// The motion gate: still rooms with a camera's noise are not looked at, someone moving is, and
// people followed are looked at when anything changes, and when wholly still every
// still_interval_s.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "actrec/pipeline/motion_gate.hpp"

namespace actrec::pipeline {
namespace {

using Decision = MotionGate::Decision;

// A room (shapes on a gradient, 640x480) with a figure at `x` (none when negative) and a
// camera's sensor noise (OpenCV's own seeded generator).
cv::Mat room(int x, double noise = 6) {
  cv::Mat frame(480, 640, CV_8UC3);
  for (int y = 0; y < frame.rows; ++y) frame.row(y).setTo(cv::Scalar::all(60 + y / 4));
  cv::rectangle(frame, {50, 300, 200, 120}, {40, 90, 160}, cv::FILLED);    // a sofa
  cv::rectangle(frame, {420, 80, 160, 200}, {200, 200, 190}, cv::FILLED);  // a window
  if (x >= 0) cv::ellipse(frame, {x, 300}, {25, 90}, 0, 0, 360, {30, 30, 30}, cv::FILLED);
  cv::Mat grain(frame.size(), CV_16SC3);
  cv::randn(grain, 0, noise);
  cv::Mat noisy;
  frame.convertTo(noisy, CV_16SC3);
  noisy += grain;
  noisy.convertTo(frame, CV_8UC3);
  return frame;
}

TEST(MotionGate, AStillRoomIsLookedAtOnceHoweverNoisyItsCameraIs) {
  MotionGate gate(config::GateConfig{});
  std::vector<Decision> seen;
  for (int f = 0; f < 100; ++f) {
    seen.push_back(gate.decide(MotionGate::glimpse(room(-1), 160), f * 66000, false));
  }
  EXPECT_EQ(seen.front(), Decision::look);  // the first frame: nothing to compare with
  EXPECT_EQ(gate.counts().looked, 1);
  EXPECT_EQ(gate.counts().nobody, 99);
}

TEST(MotionGate, SomeoneMovingIsLookedAtEveryFrame) {
  MotionGate gate(config::GateConfig{});
  gate.decide(MotionGate::glimpse(room(-1), 160), 0, false);
  for (int f = 1; f < 30; ++f) {
    // Walking at about a metre a second seen from across a room: 15 px a frame.
    EXPECT_EQ(gate.decide(MotionGate::glimpse(room(100 + 15 * f), 160), f * 66000, true),
              Decision::look)
        << f;
  }
}

TEST(MotionGate, SomeoneFollowedButStillIsLookedAtEveryStillInterval) {
  config::GateConfig config;
  config.still_interval_s = 1.0;
  MotionGate gate(config);
  std::vector<int64_t> looked;
  for (int f = 0; f < 45; ++f) {  // 3 s at 15 fps of someone lying still
    const int64_t at = f * 66667;
    const Decision decision = gate.decide(MotionGate::glimpse(room(300), 160), at, true);
    if (decision == Decision::look) looked.push_back(f);
    if (f > 0 && decision != Decision::look) {
      EXPECT_EQ(decision, Decision::hold);
    }
  }
  EXPECT_EQ(looked, (std::vector<int64_t>{0, 15, 30}));  // at 0, 1 and 2 s
  // Nobody followed any more: a still room is not looked at.
  EXPECT_EQ(gate.decide(MotionGate::glimpse(room(300), 160), 45 * 66667, false), Decision::nobody);
}

TEST(MotionGate, SomeoneFollowedWhoMovesALittleIsLookedAtEveryFrame) {
  // Far away, a walker moves a few pixels a frame: too few to open the gate on an empty room,
  // but holding a followed person's pose while they move would change their labels.
  MotionGate gate(config::GateConfig{});
  gate.decide(MotionGate::glimpse(room(200), 160), 0, true);
  for (int f = 1; f < 30; ++f) {
    EXPECT_EQ(gate.decide(MotionGate::glimpse(room(200 + 2 * f), 160), f * 66000, true),
              Decision::look)
        << f;
  }
}

TEST(MotionGate, SlowChangesAddUpUntilTheyCount) {
  MotionGate gate(config::GateConfig{});
  gate.decide(MotionGate::glimpse(room(200, 0), 160), 0, false);
  // A figure creeping 2 px a frame: no frame differs from the one before by much, but the
  // reference stays the last frame looked at, so the gate opens once it has moved enough.
  int first_look = -1;
  for (int f = 1; f < 40 && first_look < 0; ++f) {
    if (gate.decide(MotionGate::glimpse(room(200 + 2 * f, 0), 160), f * 66000, false) ==
        Decision::look) {
      first_look = f;
    }
  }
  EXPECT_GT(first_look, 1);
  EXPECT_LT(first_look, 40);
}

}  // namespace
}  // namespace actrec::pipeline
