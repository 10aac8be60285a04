#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include <opencv2/videoio.hpp>

#include "actrec/core/text.hpp"
#include "actrec/output/label_outputs.hpp"
#include "actrec/features/pose.hpp"
#include "temp_dir.hpp"

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

TEST(Segments, EachEndsWhereTheNextBeginsWhenFramesAreUnevenlySpaced) {
  // Frames 17 and 33 ms apart at a nominal 25 ms: a run ends at the next one's first frame.
  SegmentBuilder builder;
  const std::vector<double> times = {0, 0.033, 0.05, 0.083, 0.1};
  const std::vector<int64_t> labels = {0, 0, 1, 1, 0};
  for (size_t f = 0; f < times.size(); ++f) {
    builder.add(static_cast<int64_t>(f), times[f], labels[f], 0.9, 0.025);
  }
  const auto runs = builder.segments();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_DOUBLE_EQ(runs[0].end_s, 0.05);  // not 0.033 + 0.025, over the next run's start
  EXPECT_DOUBLE_EQ(runs[1].end_s, 0.1);   // not 0.083 + 0.025, short of it
  EXPECT_DOUBLE_EQ(runs[2].end_s, 0.125);
  // A person out of view between frames 1 and 3: the run before ends a frame after its last.
  SegmentBuilder gone;
  gone.add(0, 0.0, 0, 0.9, 0.025);
  gone.add(1, 0.033, 0, 0.9, 0.025);
  gone.add(3, 0.083, 0, 0.9, 0.025);
  EXPECT_DOUBLE_EQ(gone.segments()[0].end_s, 0.058);
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
  EXPECT_EQ(subtitles(segment_cues(runs, labels), false),
            "1\n00:00:00,000 --> 00:00:01,000\nwalk (80%)\n\n2\n00:00:01,000 --> 00:00:01,500\nrun "
            "(60%)\n\n");
  EXPECT_EQ(subtitles(segment_cues(runs, labels), true).substr(0, 39),
            "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000");
}

TEST(Subtitles, PeopleCuesChangeWhenWhoDoesWhatChanges) {
  const std::vector<std::string> labels = {"walking", "falling", "lying"};
  SegmentBuilder one, two;
  for (int f = 0; f < 3; ++f) one.add(f, f * 0.5, 0, 0.9, 0.5);  // #1 walks, frames 0-2
  two.add(2, 1.0, 1, 0.9, 0.5);                                   // #2 falls at frame 2,
  two.add(4, 2.0, 2, 0.9, 0.5);                                   // is gone, then lies
  const auto cues = people_cues({{1, one.segments()}, {2, two.segments()}}, labels);
  ASSERT_EQ(cues.size(), 3u);
  EXPECT_DOUBLE_EQ(cues[0].end_s, 1.0);
  EXPECT_EQ(cues[1].text, "#1 walking · #2 falling");
  EXPECT_DOUBLE_EQ(cues[1].end_s, 1.5);
  EXPECT_EQ(cues[2].text, "#2 lying");
  EXPECT_DOUBLE_EQ(cues[2].start_s, 2.0);
  EXPECT_EQ(subtitles(cues, false).substr(0, 46),
            "1\n00:00:00,000 --> 00:00:01,000\n#1 walking\n\n2\n");
}

TEST(Subtitles, PeopleCuesFollowTheMergedSegments) {
  // --min-segment merges short runs: the subtitles say what the segments say.
  const std::vector<std::string> labels = {"walking", "falling"};
  SegmentBuilder one;
  const std::vector<int64_t> run = {0, 0, 0, 0, 1, 0, 0, 0};
  for (size_t f = 0; f < run.size(); ++f) one.add(static_cast<int64_t>(f), f * 0.5, run[f], 0.9, 0.5);
  EXPECT_EQ(people_cues({{3, one.segments()}}, labels).size(), 3u);
  const auto merged = people_cues({{3, one.segments(2)}}, labels);
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].text, "#3 walking");
  EXPECT_DOUBLE_EQ(merged[0].end_s, 4.0);
}

TEST(LabelHistory, KeepsOnlyWhatAStripCanShow) {
  LabelHistory history(100);
  for (int i = 0; i < 100000; ++i) history.add(i);
  const auto last = history.last(1000);
  ASSERT_EQ(last.size(), 100u);  // bounded however long the stream
  EXPECT_EQ(last.front(), 99900);
  EXPECT_EQ(last.back(), 99999);
  EXPECT_EQ(history.last(3), (std::vector<int64_t>{99997, 99998, 99999}));
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(FramesCsv, OneRowPerFrameOrPerPersonWithTheBoxInPixels) {
  test::TempDir dir;
  const std::vector<std::string> labels = {"walking", "falling"};
  const float p[2] = {0.25f, 0.75f};
  std::vector<float> pose(features::kPoseValues, 0.0f);
  features::Pose view{pose.data()};
  view.box(0) = 10;
  view.box(1) = 20;
  view.box(2) = 40;
  view.box(3) = 100;
  {
    FramesCsvWriter single(dir.file("single.csv"), labels, false);
    single.write(3, 0.12, {0, pose.data(), 1, 0.75, p});
    single.commit();
    FramesCsvWriter multi(dir.file("multi.csv"), labels, true);
    multi.write(3, 0.12, {7, pose.data(), 1, 0.75, p, 0.65f, true});
    multi.write(3, 0.12, {9, nullptr, 0, 0.25, p});
    multi.commit();
    FramesCsvWriter dropped(dir.file("dropped.csv"), labels, false);
    dropped.write(0, 0, {0, nullptr, 0, 0.25, p});
  }
  EXPECT_EQ(lines_of(dir.file("single.csv")),
            (std::vector<std::string>{"frame,time_s,label,confidence,visible,edge,walking,falling",
                                      "3,0.120,falling,0.7500,0.00,0,0.2500,0.7500"}));
  EXPECT_EQ(lines_of(dir.file("multi.csv")),
            (std::vector<std::string>{
                "frame,time_s,person,x,y,w,h,label,confidence,visible,edge,walking,falling",
                "3,0.120,7,10.0,20.0,30.0,80.0,falling,0.7500,0.65,1,0.2500,0.7500",
                "3,0.120,9,0.0,0.0,0.0,0.0,walking,0.2500,0.00,0,0.2500,0.7500"}));
  EXPECT_FALSE(std::filesystem::exists(dir.file("dropped.csv")));  // never committed
}

TEST(FramesCsv, LabelsWithCommasAndQuotesStayOneField) {
  test::TempDir dir;
  const std::vector<std::string> labels = {"box,ing", "stand \"x\""};
  const float p[2] = {0.25f, 0.75f};
  {
    FramesCsvWriter csv(dir.file("f.csv"), labels, true);
    csv.write(0, 0, {1, nullptr, 0, 0.25, p});
    csv.write(1, 0.04, {1, nullptr, 1, 0.75, p});
    csv.commit();
  }
  const auto lines = lines_of(dir.file("f.csv"));
  ASSERT_EQ(lines.size(), 3u);
  const auto header = split_csv(lines[0]);
  EXPECT_EQ(header.size(), 13u);
  EXPECT_EQ(header[11], "box,ing");
  EXPECT_EQ(header[12], "stand \"x\"");
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto fields = split_csv(lines[i]);
    EXPECT_EQ(fields.size(), header.size()) << lines[i];
    EXPECT_EQ(fields[7], labels[i - 1]);
  }
}

TEST(Overlay, H264ThatBrowsersPlayAndFramesOfAnySize) {
  test::TempDir dir;
  const std::vector<std::string> labels = {"walking", "falling"};
  const float p[2] = {0.25f, 0.75f};
  {
    OverlayWriter overlay(dir.file("o.mp4"), 25, {320, 240}, labels, false);
    EXPECT_EQ(overlay.codec(), "h264");
    for (int f = 0; f < 20; ++f) {
      // An image folder may mix sizes: every frame lands at the video's size.
      const cv::Size size = f % 2 ? cv::Size(320, 240) : cv::Size(200, 300);
      overlay.write(cv::Mat(size, CV_8UC3, cv::Scalar::all(8 * f)), {{0, nullptr, 1, 0.75, p}},
                    f / 25.0);
    }
    overlay.commit();
  }
  cv::VideoCapture check(dir.file("o.mp4"), cv::CAP_FFMPEG);
  ASSERT_TRUE(check.isOpened());
  const auto fourcc = static_cast<uint32_t>(check.get(cv::CAP_PROP_FOURCC));
  const std::string codec{static_cast<char>(fourcc & 0xff), static_cast<char>((fourcc >> 8) & 0xff),
                          static_cast<char>((fourcc >> 16) & 0xff),
                          static_cast<char>((fourcc >> 24) & 0xff)};
  EXPECT_TRUE(codec == "avc1" || codec == "h264") << codec;
  int frames = 0;
  for (cv::Mat frame; check.read(frame); ++frames) EXPECT_EQ(frame.size(), cv::Size(320, 240));
  EXPECT_EQ(frames, 20);
}

TEST(SegmentsJson, MarksBackground) {
  const auto json = nlohmann::json::parse(
      segments_json(build({0, 1}).segments(), {"walk", "background"}, "background", "v.avi", 2));
  EXPECT_EQ(json["segments"][0]["background"], false);
  EXPECT_EQ(json["segments"][1]["background"], true);
  EXPECT_EQ(json["segments"][1]["label"], "background");
}

}  // namespace
}  // namespace actrec::output
