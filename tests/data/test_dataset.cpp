#include <gtest/gtest.h>

#include "actrec/core/error.hpp"
#include "actrec/data/class_names.hpp"
#include "actrec/data/dataset.hpp"
#include "temp_dir.hpp"

namespace actrec::data {
namespace {

class DatasetTest : public ::testing::Test {
 protected:
  std::string file(const std::string& name, const std::string& text) {
    test::write_text(dir_.file(name), text);
    return dir_.file(name);
  }
  std::string path(const std::string& name) { return dir_.file(name); }
  test::TempDir dir_;
};

TEST_F(DatasetTest, ReadsAllThreeAnnotationKinds) {
  file("a.avi", "x");
  file("b.avi", "x");
  file("c.avi", "x");
  file("seg.csv", "start,end,label\n2,5,wave\n5,7,jump\n");
  file("sec.csv", "start_s,end_s,label\n0.0,0.3,jump\n");
  file("frames.txt", "jump\njump\nwave\n\n");
  const auto manifest_path =
      file("m.csv", "video,split,annotation\na.avi,train,seg.csv\nb.avi,val,\"jump\"\n"
                    "c.avi,train,frames.txt\nc.avi,test,sec.csv\n");
  DataProblems problems;
  const Manifest manifest = read_manifest(manifest_path, problems);
  ASSERT_TRUE(problems.empty()) << problems.messages()[0];
  ASSERT_EQ(manifest.clips.size(), 4u);
  config::DataConfig data;  // background "background"
  const auto labels = label_set(manifest, data);
  EXPECT_EQ(labels, (std::vector<std::string>{"jump", "wave", "background"}));
  EXPECT_EQ(frame_targets(manifest.clips[0], 8, 25, labels, data, problems),
            (std::vector<int64_t>{2, 2, 1, 1, 1, 0, 0, 2}));
  EXPECT_EQ(frame_targets(manifest.clips[1], 3, 25, labels, data, problems),
            (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(frame_targets(manifest.clips[2], 3, 25, labels, data, problems),
            (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(frame_targets(manifest.clips[3], 5, 10, labels, data, problems),  // 0.3 s = 3 frames
            (std::vector<int64_t>{0, 0, 0, 2, 2}));
  data.background = "";  // uncovered frames ignored instead
  EXPECT_EQ(frame_targets(manifest.clips[0], 8, 25, label_set(manifest, data), data, problems),
            (std::vector<int64_t>{-1, -1, 1, 1, 1, 0, 0, -1}));
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(clips_in_split(manifest, "train").size(), 2u);
  EXPECT_TRUE(clips_in_split(manifest, "nope").empty());
}

TEST_F(DatasetTest, AWholeClipMarkedNotScoredIsNotScored) {
  // "-" means "not scored" in segments; for a whole clip it means the same, not an unknown label.
  file("a.avi", "x");
  file("b.avi", "x");
  const auto manifest_path = file("m.csv", "video,split,annotation\na.avi,train,-\nb.avi,train,jump\n");
  DataProblems problems;
  const Manifest manifest = read_manifest(manifest_path, problems);
  config::DataConfig data;
  const auto labels = label_set(manifest, data);
  EXPECT_EQ(labels, (std::vector<std::string>{"jump"}));
  EXPECT_EQ(frame_targets(manifest.clips[0], 3, 25, labels, data, problems),
            (std::vector<int64_t>{-1, -1, -1}));
  EXPECT_TRUE(problems.empty()) << problems.messages()[0];
}

TEST_F(DatasetTest, SecondsAreFramesByTheFramesOwnTimesAndNearlyTouchingSegmentsTouch) {
  // Frames 33 and 67 ms apart (nominal 20 fps, 50 ms): 0, .033, .1, .133, .2, .233, .3.
  const std::vector<int64_t> times_us = {0, 33333, 100000, 133333, 200000, 233333, 300000};
  file("v.avi", "x");
  // As tools write them: ends 10 ms past the next start, or 10 ms short of it (under half a
  // frame: one boundary), and the last a frame past the last frame.
  file("a.csv", "start_s,end_s,label\n0,0.11,jump\n0.1,0.19,wave\n0.2,0.35,jump\n");
  // A real overlap (more than half a frame) stays an error.
  file("b.csv", "start_s,end_s,label\n0,0.2,jump\n0.1,0.35,wave\n");
  const auto manifest_path =
      file("m.csv", "video,split,annotation\nv.avi,train,a.csv\nv.avi,train,b.csv\n");
  DataProblems problems;
  const Manifest manifest = read_manifest(manifest_path, problems);
  ASSERT_TRUE(problems.empty()) << problems.messages()[0];
  config::DataConfig data;
  const std::vector<std::string> labels = {"jump", "wave", "background"};
  EXPECT_EQ(frame_targets(manifest.clips[0], 7, 20, labels, data, problems, times_us),
            (std::vector<int64_t>{0, 0, 1, 1, 0, 0, 0}));
  EXPECT_TRUE(problems.empty()) << problems.messages()[0];
  // Without the times, frame f is at f / fps: 0.1 s is frame 2 all the same.
  EXPECT_EQ(frame_targets(manifest.clips[0], 7, 20, labels, data, problems),
            (std::vector<int64_t>{0, 0, 1, 1, 0, 0, 0}));
  EXPECT_TRUE(problems.empty()) << problems.messages()[0];
  frame_targets(manifest.clips[1], 7, 20, labels, data, problems, times_us);
  ASSERT_EQ(problems.messages().size(), 1u);
  EXPECT_EQ(problems.messages()[0],
            path("b.csv") + ":3: segment [0.1, 0.35) overlaps line 2's [0, 0.2)");
  // The video ends a frame after its last frame's time, whatever frames / fps says.
  DataProblems past;
  frame_targets(manifest.clips[0], 7, 20, labels, data, past,
                {0, 50000, 100000, 150000, 200000, 250000, 280000});
  EXPECT_TRUE(past.empty()) << past.messages()[0];  // ends at 0.33 s: 0.35 is within half a frame
  frame_targets(manifest.clips[0], 7, 20, labels, data, past,
                {0, 33333, 100000, 133333, 200000, 233333, 250000});
  ASSERT_EQ(past.messages().size(), 1u);
  EXPECT_EQ(past.messages()[0], path("a.csv") +
                                    ":4: segment [0.2, 0.35) ends past the video's "
                                    "end (7 frames, 0.300 s)");
}

TEST_F(DatasetTest, SegmentsAreReadAsSpreadsheetsWriteThem) {
  ClipEntry clip;
  clip.annotation_path = file("a.csv",
                              "sep=;\nStart [s];END (s) ;label;;\n0;1,5;walk;;\n;;;\n"
                              "1,5;\"2,25\";\"run; fast\"\n");
  DataProblems problems;
  read_segments(clip, problems);
  ASSERT_TRUE(problems.empty()) << problems.messages()[0];
  EXPECT_TRUE(clip.seconds);
  ASSERT_EQ(clip.segments.size(), 2u);
  EXPECT_DOUBLE_EQ(clip.segments[0].end, 1.5);
  EXPECT_DOUBLE_EQ(clip.segments[1].end, 2.25);
  EXPECT_EQ(clip.segments[1].label, "run; fast");
  EXPECT_EQ(clip.segments[1].line, 5);
  ClipEntry tabs;
  tabs.annotation_path = file("b.csv", "START\tEND\tLABEL\r\n0\t4\twalk\r\n");
  read_segments(tabs, problems);
  ASSERT_TRUE(problems.empty()) << problems.messages()[0];
  EXPECT_FALSE(tabs.seconds);
  ASSERT_EQ(tabs.segments.size(), 1u);
  EXPECT_DOUBLE_EQ(tabs.segments[0].end, 4);
}

TEST(ClassNames, CaseAndSpacingAsideALabelIsTheClassElseTheNearestIsNamed) {
  const std::vector<std::string> classes = {"standing", "lying_down", "walking", "background"};
  EXPECT_EQ(same_class("Standing", classes), "standing");
  EXPECT_EQ(same_class(" Lying  Down ", classes), "lying_down");
  EXPECT_EQ(same_class("lying-down", classes), "lying_down");
  EXPECT_EQ(same_class("dancing", classes), std::nullopt);
  EXPECT_EQ(same_class("stand", classes), std::nullopt);
  EXPECT_EQ(nearest_class("walkng", classes), "walking");
  EXPECT_EQ(nearest_class("Lying", classes), "lying_down");
  EXPECT_EQ(nearest_class("x", {}), "");
}

TEST_F(DatasetTest, MappingTxtSetsTheClassOrder) {
  file("v.avi", "x");
  std::filesystem::create_directories(path("groundTruth"));
  file("groundTruth/v.txt", "pour\nstir\n");
  file("mapping.txt", "0 stir\n1 pour\n2 background\n");
  const auto manifest_path = file("m.csv", "video,split,annotation\nv.avi,train,groundTruth/v.txt\n");
  DataProblems problems;
  const Manifest manifest = read_manifest(manifest_path, problems);
  ASSERT_TRUE(problems.empty());
  EXPECT_EQ(label_set(manifest, {}), (std::vector<std::string>{"stir", "pour", "background"}));
}

TEST_F(DatasetTest, EveryProblemIsReportedWithFileAndLine) {
  file("a.avi", "x");
  file("overlap.csv", "start,end,label\n0,10,wave\n5,12,jump\n");
  file("past.csv", "start,end,label\n0,50,wave\n");
  file("bad.csv", "start,end,label\nzero,4,wave\n4,2,wave\n0,1e300,wave\n");
  file("header.csv", "from,to,what\n");
  std::string long_labels;
  for (int i = 0; i < 25; ++i) long_labels += "wave\n";
  file("long.txt", long_labels);
  file("unknown.csv", "start,end,label\n0,2,dance\n");
  const auto manifest_path = file(
      "m.csv",
      "video,split,annotation\na.avi,train,overlap.csv\na.avi,train,past.csv\n"
      "missing.avi,train,wave\na.avi,train,bad.csv\na.avi,train,header.csv\na.avi,train,long.txt\n"
      "a.avi,train,nowhere.csv\na.avi,train\na.avi,train,unknown.csv\n");
  DataProblems problems;
  const Manifest manifest = read_manifest(manifest_path, problems);
  config::DataConfig data;
  data.labels = {"wave", "jump"};
  const auto labels = label_set(manifest, data);
  for (const auto& clip : manifest.clips) frame_targets(clip, 20, 25, labels, data, problems);
  const std::string all = [&] {
    std::string text;
    for (const auto& m : problems.messages()) text += m + "\n";
    return text;
  }();
  auto has = [&](const std::string& part) {
    EXPECT_NE(all.find(part), std::string::npos) << "missing: " << part << "\nin:\n" << all;
  };
  has(path("m.csv") + ":4: video " + path("missing.avi") + " does not exist");
  has(path("m.csv") + ":8: annotation " + path("nowhere.csv") + " does not exist");
  has(path("m.csv") + ":9: expected video,split,annotation");
  has(path("bad.csv") + ":2: start and end must be numbers");
  has(path("bad.csv") + ":3: segment [4, 2) is empty or negative");
  has(path("bad.csv") + ":4: segment end 1e300 is out of range");
  has(path("header.csv") + ":1: header must be start,end,label");
  has(path("past.csv") + ":2: segment [0, 50) ends past the video's end (20 frames)");
  has(path("overlap.csv") + ":3: segment [5, 12) overlaps line 2's [0, 10)");

  has(path("long.txt") + ": 25 labels for a video of 20 decoded frames (one label per frame expected)");
  has(path("unknown.csv") + ":2: unknown label 'dance' (known: wave, jump, background)");
  try {
    problems.throw_if_any();
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("problems:"), std::string::npos);
  }
}

TEST_F(DatasetTest, ATrackColumnNamesThePersonOfSeveralAClipIsAbout) {
  file("two.avi", "x");
  file("p1.csv", "start_s,end_s,label\n0,1,wave\n");
  file("p1.track.csv", "frame,x0,y0,x1,y1\n0,1,2,3,4\n");
  const auto manifest_path =
      file("m.csv",
           "video,split,annotation,group,track\ntwo.avi,train,p1.csv,,p1.track.csv\n"
           "two.avi,train,p1.csv,,\ntwo.avi,val,p1.csv,,gone.track.csv\n");
  DataProblems problems;
  const Manifest manifest = read_manifest(manifest_path, problems);
  ASSERT_EQ(manifest.clips.size(), 3u);
  EXPECT_EQ(manifest.clips[0].track, path("p1.track.csv"));
  EXPECT_EQ(manifest.clips[1].track, "");  // the main person, as without the column
  ASSERT_EQ(problems.messages().size(), 1u);
  EXPECT_EQ(problems.messages()[0],
            manifest_path + ":4: track " + path("gone.track.csv") + " does not exist");
}

TEST_F(DatasetTest, MissingManifestAndEmptyManifest) {
  DataProblems problems;
  read_manifest(path("none.csv"), problems);
  EXPECT_EQ(problems.messages().at(0), path("none.csv") + ": no such manifest file");
  DataProblems empty;
  read_manifest(file("m.csv", "video,split,annotation\n"), empty);
  EXPECT_EQ(empty.messages().at(0), path("m.csv") + ": lists no clips");
}

}  // namespace
}  // namespace actrec::data
