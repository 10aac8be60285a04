// One pose network for several streams (SharedBackbone): frames sent from several threads at
// once each come back with their own observation, whatever pass they were batched into.
#include <gtest/gtest.h>

#include <thread>

#include "actrec/pipeline/shared_backbone.hpp"
#include "stub_models.hpp"
#include "temp_dir.hpp"

namespace actrec::pipeline {
namespace {

TEST(SharedBackbone, FramesFromManyThreadsEachGetTheirOwnObservation) {
  test::TempDir dir;
  test::write_colour_backbone(dir.file("colour.pt"));
  features::FeatureExtractor extractor(test::colour_features(dir.file("colour.pt")));
  constexpr int kThreads = 4, kFrames = 20;
  // Each thread's frames a colour of their own; what the network makes of each alone.
  const auto frame = [](int thread, int f) {
    return cv::Mat(48, 64, CV_8UC3, cv::Scalar(10 * thread, 5 * f, 255 - 10 * thread));
  };
  std::vector<std::vector<std::vector<float>>> alone(kThreads), shared(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int f = 0; f < kFrames; ++f) {
      std::vector<float> out;
      extractor.infer({extractor.prepare(frame(t, f))}, {64, 48}, out);
      alone[t].push_back(out);
    }
  }
  SharedBackbone backbone(extractor);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int f = 0; f < kFrames; ++f) {
        std::vector<float> out;
        backbone.infer(backbone.prepare(frame(t, f)), {64, 48}, out);
        shared[t].push_back(out);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(shared, alone);
  const auto counts = backbone.counts();
  EXPECT_EQ(counts.frames, kThreads * kFrames);
  EXPECT_LE(counts.passes, counts.frames);
  EXPECT_GE(counts.passes * std::max(1, extractor.batch_size()), counts.frames);
}

}  // namespace
}  // namespace actrec::pipeline
