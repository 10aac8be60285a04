// Metrics against cases worked out by hand from MS-TCN's eval.py definitions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actrec/core/error.hpp"
#include "actrec/eval/metrics.hpp"
#include "temp_dir.hpp"

namespace actrec::eval {
namespace {

TEST(Segments, RunsWithBackgroundLeftOutAndTheLastEndCorrected) {
  const auto s = segments_of({3, 0, 0, 3, 1, 1}, {3});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].label, 0);
  EXPECT_EQ(s[0].start_frame, 1);
  EXPECT_EQ(s[0].end_frame, 3);
  EXPECT_EQ(s[1].label, 1);
  EXPECT_EQ(s[1].start_frame, 4);
  EXPECT_EQ(s[1].end_frame, 6);  // MS-TCN's original would end the last run at 5
  const auto t = segments_of({0, 0, 0, 1}, {});
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].end_frame, 3);
  EXPECT_EQ(t[1].end_frame, 4);
  EXPECT_TRUE(segments_of({}, {}).empty());
}

TEST(Edit, LevenshteinOverSegmentLabels) {
  EXPECT_DOUBLE_EQ(edit_score({0, 0, 1, 1, 1, 1, 2, 2}, {0, 0, 0, 1, 1, 1, 2, 2}, {}), 100.0);
  EXPECT_NEAR(edit_score({0, 0, 2, 2}, {0, 1, 1, 2}, {}), 100.0 * 2 / 3, 1e-9);  // one deletion
  EXPECT_DOUBLE_EQ(edit_score({0, 1, 0, 1}, {2, 2, 2, 2}, {}), 0.0);  // 4 edits / 4
  EXPECT_DOUBLE_EQ(edit_score({5, 5}, {5, 5}, {5}), 100.0);          // background only
}

TEST(F1, OverlapThresholdsAndHits) {
  // IoUs 2/3, 3/4, 1: all hits at 50%.
  auto c = overlap_counts({0, 0, 1, 1, 1, 1, 2, 2}, {0, 0, 0, 1, 1, 1, 2, 2}, 0.5, {});
  EXPECT_EQ(c.tp, 3);
  EXPECT_EQ(c.fp, 0);
  EXPECT_EQ(c.fn, 0);
  EXPECT_DOUBLE_EQ(c.f1(), 100.0);
  // With background 3: IoUs 2/3 and 1; at 0.7 the first misses.
  c = overlap_counts({3, 0, 0, 0, 1, 1}, {3, 0, 0, 3, 1, 1}, 0.7, {3});
  EXPECT_EQ(c.tp, 1);
  EXPECT_EQ(c.fp, 1);
  EXPECT_EQ(c.fn, 1);
  EXPECT_DOUBLE_EQ(c.f1(), 50.0);
  // A true segment is hit once: the second matching prediction is a false positive.
  c = overlap_counts({0, 0, 1, 0}, {0, 0, 0, 0}, 0.1, {});
  EXPECT_EQ(c.tp, 1);
  EXPECT_EQ(c.fp, 2);
  EXPECT_EQ(c.fn, 0);
  EXPECT_DOUBLE_EQ(c.f1(), 50.0);
  // The corrected last end matters: [3,4) vs [2,4) is IoU 0.5, a hit.
  EXPECT_DOUBLE_EQ(overlap_counts({0, 0, 0, 1}, {0, 0, 1, 1}, 0.5, {}).f1(), 100.0);
  // Nothing true, something predicted.
  c = overlap_counts({1, 1}, {2, 2}, 0.1, {2});
  EXPECT_EQ(c.fp, 1);
  EXPECT_DOUBLE_EQ(c.f1(), 0.0);
}

TEST(Evaluation, AccumulatesOverVideos) {
  Evaluation evaluation({"a", "b", "bg"}, {2});
  evaluation.add({0, 0, 1, 1}, {0, 0, 0, 1});  // 3/4 frames, majority a vs a: clip right
  evaluation.add({1, 1, 1, 0}, {0, 0, -1, 0});  // 1/3 scored frames, majority b vs a: wrong
  EXPECT_EQ(evaluation.frames(), 7);
  EXPECT_NEAR(evaluation.frame_accuracy(), 4.0 / 7, 1e-12);
  EXPECT_DOUBLE_EQ(evaluation.clip_accuracy(), 0.5);
  EXPECT_EQ(evaluation.confusion()[0][0], 3);  // a as a
  EXPECT_EQ(evaluation.confusion()[0][1], 3);  // a as b
  EXPECT_EQ(evaluation.confusion()[1][1], 1);
  EXPECT_DOUBLE_EQ(evaluation.precision(1), 0.25);
  EXPECT_DOUBLE_EQ(evaluation.recall(0), 0.5);
  const auto json = nlohmann::json::parse(evaluation.to_json());
  for (const char* key : {"frame_accuracy", "edit", "f1@10", "f1@25", "f1@50", "clip_accuracy",
                          "per_class"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_DOUBLE_EQ(json["per_class"]["b"]["precision"].get<double>(), 0.25);
  EXPECT_EQ(evaluation.confusion_csv().substr(0, 22), "truth\\predicted,a,b,bg");
}

TEST(Evaluation, EventsAreRunsLongEnoughCountedPerVideo) {
  Evaluation evaluation({"walk", "fall"}, {});
  // At 10 fps: a fall clip whose prediction has a 0.3 s fall run (found), a fall clip with only a
  // 0.2 s run (missed), and a walking clip with a 0.3 s false fall.
  evaluation.add({0, 0, 1, 1, 1, 0, 0}, {0, 0, 1, 1, 1, 1, 1}, "fall1", 10);
  evaluation.add({0, 1, 1, 0, 1, 0, 0}, {0, 1, 1, 1, 1, 1, 1}, "fall2", 10);
  evaluation.add({0, 0, 1, 1, 1, 0, 0}, {0, 0, 0, 0, 0, 0, 0}, "walk", 10);
  const auto falls = evaluation.events(1, 0.25);
  EXPECT_EQ(falls.with, 2);
  EXPECT_EQ(falls.found, 1);
  EXPECT_EQ(falls.without, 1);
  EXPECT_EQ(falls.false_alarms, 1);
  EXPECT_EQ(evaluation.events(1, 0.15).found, 2);  // a shorter run counts at a lower bar
  const auto json = nlohmann::json::parse(evaluation.to_json(0.25));
  EXPECT_EQ(json["events"]["fall"]["found"], 1);
  EXPECT_EQ(json["per_video"][2]["majority_predicted"], "walk");
  EXPECT_DOUBLE_EQ(json["per_video"][0]["longest_run_s"]["fall"].get<double>(), 0.3);
}

TEST(Evaluation, PredictionsAndTruthOfOtherLengthsAreAnErrorNamingTheVideo) {
  Evaluation evaluation({"a", "b"}, {});
  const std::string message = test::error_message<DataError>(
      [&] { evaluation.add({0, 1, 1}, {0, 1, 1, 1, 0}, "clip.mp4", 25); });
  EXPECT_EQ(message, "cannot evaluate clip.mp4: 3 predicted labels for 5 annotated frames");
  EXPECT_EQ(evaluation.frame_accuracy(), 0);  // nothing was scored
}

TEST(Majority, SkipsUnscoredAndBreaksTiesLow) {
  EXPECT_EQ(majority({2, 1, 1, 2, -1, -1, -1}), 1);
  EXPECT_EQ(majority({-1, -1}), -1);
}

}  // namespace
}  // namespace actrec::eval
