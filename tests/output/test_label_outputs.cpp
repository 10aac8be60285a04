#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actrec/output/label_outputs.hpp"
#include "actrec/preprocess/frame_sampler.hpp"

namespace actrec::output {
namespace {

SegmentBuilder build(const std::vector<int64_t>& labels) {
  SegmentBuilder builder;
  for (size_t f = 0; f < labels.size(); ++f) {
    builder.add(static_cast<int64_t>(f), f * 0.5, labels[f], labels[f] == 0 ? 0.8 : 0.6, 0.5);
  }
  return builder;
}

TEST(Segments, RunsWithTimesAndMeanConfidence) {
  const auto runs = build({0, 0, 1, 1, 1, 0}).segments();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[1].start_frame, 2);
  EXPECT_EQ(runs[1].end_frame, 5);
  EXPECT_DOUBLE_EQ(runs[1].start_s, 1.0);
  EXPECT_DOUBLE_EQ(runs[1].end_s, 2.5);
  EXPECT_DOUBLE_EQ(runs[0].mean_confidence, 0.8);
  EXPECT_DOUBLE_EQ(runs[2].mean_confidence, 0.8);
}

TEST(Segments, MinimumLengthMergesShortRuns) {
  // 0 0 0 1 0 0 2 2 2 2: the lone 1 joins its longer neighbour and the 0-runs fuse.
  const auto runs = build({0, 0, 0, 1, 0, 0, 2, 2, 2, 2}).segments(2);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].label, 0);
  EXPECT_EQ(runs[0].end_frame, 6);
  EXPECT_EQ(runs[1].label, 2);
  EXPECT_NEAR(runs[0].mean_confidence, (5 * 0.8 + 0.6) / 6, 1e-12);
}

TEST(Subtitles, SrtAndVttTimecodes) {
  const auto runs = build({0, 0, 1}).segments();
  const std::vector<std::string> labels = {"walk", "run"};
  EXPECT_EQ(subtitles(runs, labels, false),
            "1\n00:00:00,000 --> 00:00:01,000\nwalk (80%)\n\n2\n00:00:01,000 --> 00:00:01,500\nrun "
            "(60%)\n\n");
  EXPECT_EQ(subtitles(runs, labels, true).substr(0, 39), "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000");
}

TEST(SegmentsJson, MarksBackground) {
  const auto json = nlohmann::json::parse(
      segments_json(build({0, 1}).segments(), {"walk", "background"}, "background", "v.avi", 2));
  EXPECT_EQ(json["segments"][0]["background"], false);
  EXPECT_EQ(json["segments"][1]["background"], true);
  EXPECT_EQ(json["segments"][1]["label"], "background");
}

TEST(FrameSampler, ThinsFasterSourcesToTheModelsSpacing) {
  preprocess::FrameSampler same(25, 25), slower(25, 15), faster(25, 50);
  EXPECT_FALSE(same.thins());
  EXPECT_FALSE(slower.thins());
  int taken = 0;
  for (int f = 0; f < 100; ++f) taken += faster.take(f * 20000) ? 1 : 0;  // 50 fps for 2 s
  EXPECT_EQ(taken, 50);
  preprocess::FrameSampler thirty(25, 30);
  taken = 0;
  for (int f = 0; f < 300; ++f) taken += thirty.take(f * 1000000 / 30) ? 1 : 0;  // 10 s
  EXPECT_NEAR(taken, 250, 2);
}

}  // namespace
}  // namespace actrec::output
