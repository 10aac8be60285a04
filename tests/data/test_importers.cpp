#include <gtest/gtest.h>

#include <filesystem>

#include "actrec/core/error.hpp"
#include "actrec/data/dataset.hpp"
#include "actrec/data/importers.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"

namespace actrec::data {
namespace {
namespace fs = std::filesystem;

TEST(Importers, OverlapsGoToTheLabelWithPrecedenceAndGapsStayGaps) {
  const auto resolved = resolve_overlaps(
      {{0, 8, "sitting"}, {6.5, 11, "reading"}, {3, 4, "falling"}, {12, 13, "sitting"}},
      {"falling", "sitting"});
  ASSERT_EQ(resolved.size(), 5u);
  EXPECT_EQ(resolved[0].label, "sitting");
  EXPECT_EQ(resolved[1].label, "falling");
  EXPECT_DOUBLE_EQ(resolved[2].end, 8);  // sitting outranks reading where both are
  EXPECT_EQ(resolved[3].label, "reading");
  EXPECT_DOUBLE_EQ(resolved[3].start, 8);
  EXPECT_DOUBLE_EQ(resolved[4].start, 12);  // 11..12: nothing, no segment
}

TEST(Importers, LabelMapRenamesMergesDropsAndSaysWhatItDoesNotKnow) {
  config::LabelMap map;
  map.rules = {{"Sleeping", "lying"}, {"Fall*", "falling"}, {"Reading", ""}};
  EXPECT_EQ(map_label(map, "Falling (SW)"), "falling");
  EXPECT_EQ(map_label(map, "Fall (FW)"), "falling");
  EXPECT_EQ(map_label(map, "Reading"), "");
  EXPECT_EQ(map_label(map, "Dancing"), std::nullopt);
  EXPECT_EQ(map_label({}, "Dancing"), "Dancing");  // no map: as the dataset spells it
}

class ImportGmdcsa : public ::testing::Test {
 protected:
  void SetUp() override {
    // Real videos (the importer decodes each to know its length), at 10 fps.
    for (const auto& [clip, seconds] : std::vector<std::pair<std::string, int>>{
             {"1/ADL/01.mp4", 8}, {"1/ADL/02.mp4", 10}, {"1/ADL/03.mp4", 10}, {"1/ADL/04.mp4", 10},
             {"1/Fall/01.mp4", 6}, {"1/Fall/02.mp4", 10}, {"1/Fall/03.mp4", 6},
             {"1/Fall/04.mp4", 6}, {"1/Fall/05.mp4", 6}}) {
      const fs::path path = dir_.file("gmd/Subject " + clip);
      fs::create_directories(path.parent_path());
      test::write_index_video(path.string(), seconds * 10, 10.0);
    }
    // Header with a byte-order mark; rows: a posture and an activity at once; a range list
    // with two ranges; an unclosed bracket; a label without a range; a clip not in this copy.
    test::write_text(dir_.file("gmd/Subject 1/ADL.csv"),
                     "\xEF\xBB\xBF" "File Name,Length (seconds),Time of Recording,Attire,Description, Classes\n"
                     "01.mp4,08, Day, Shirt, Reading on the bed, Reading[0 to 8]; Sitting[0 to 6]\n"
                     "02.mp4,10, Day, Shirt, Up and down, Standing[2.4 to 3.6; 6.6 to 7.9]; Walking[4 to 6]\n"
                     "03.mp4,10, Day, Shirt, Broken, Standing[2.4 to 3.6; 6.6 to 7.9; Walking[3.6 to 5.2]\n"
                     "04.mp4,10, Day, Shirt, No range, Reading; Sitting[0.8 to 8.1]\n"
                     "99.mp4,10, Day, Shirt, Not here, Sitting[0 to 1]\n");
    test::write_text(dir_.file("gmd/Subject 1/Fall.csv"),
                     "File Name,Length (seconds),Time of Recording,Attire,Description, Classes\n"
                     "01.mp4,06, Day, Shirt, Fall, Falling (SW)[3.4 to 6]; Sitting[0 to 3.4]\n"
                     "02.mp4,06, Day, Shirt, Typo, Falling (BW[5.9 to 10]; Walking[0 to 1.3]\n"
                     "03.mp4,06, Day, Shirt, Backwards, Sitting[9.7 to 3]\n"
                     "04.mp4,06, Day, Shirt, A little past the end, Falling[3 to 6.5]\n"
                     "05.mp4,06, Day, Shirt, Far past the end, Falling[3 to 8]\n");
  }
  test::TempDir dir_;
};

TEST_F(ImportGmdcsa, EveryReadableRowBecomesAClipAndEveryOtherIsReportedWithItsLine) {
  ImportOptions options;
  options.format = ImportFormat::gmdcsa24;
  options.source = dir_.file("gmd");
  options.manifest = dir_.file("out/gmd.csv");
  fs::create_directories(dir_.file("out"));
  options.labels.rules = {{"Fall*", "falling"}, {"Sitting", "sitting"}, {"Standing", "standing"},
                          {"Walking", "walking"}, {"Reading", ""}};
  options.labels.precedence = {"falling", "sitting"};
  const ImportReport report = import_dataset(options);
  EXPECT_EQ(report.clips, 5u);  // 01, 02 (ADL), 01, 02, 04 (Fall)
  ASSERT_EQ(report.problems.size(), 4u);
  EXPECT_NE(report.problems[0].find("ADL.csv:4: 03.mp4: the bracket after 'Standing' is not closed"),
            std::string::npos) << report.problems[0];
  EXPECT_NE(report.problems[1].find("ADL.csv:5: 04.mp4: label 'Reading' has no [start to end] range"),
            std::string::npos) << report.problems[1];
  EXPECT_NE(report.problems[2].find("Fall.csv:4: 03.mp4: range [9.7 to 3] of Sitting ends before it starts"),
            std::string::npos) << report.problems[2];
  // The dataset's own CSV overshoots a video's end: cut when by less than a second, and said.
  EXPECT_NE(report.problems[3].find("Fall.csv:6: 05.mp4: falling [3 to 8] ends 2.00 s past the "
                                    "video's end (6.000 s)"),
            std::string::npos) << report.problems[3];
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_NE(report.notes[0].find("Fall.csv:5: 04.mp4: falling [3 to 6.5] ends 0.50 s past the "
                                 "video's end: cut at 6.000 s"),
            std::string::npos) << report.notes[0];
  EXPECT_EQ(test::read_text(dir_.file("out/gmd.labels/Subject_1_Fall_04.csv")),
            "start_s,end_s,label\n0,3,-\n3,6,falling\n");
  // The unclosed parenthesis of "Falling (BW[" still reads: the bracket is what matters.
  EXPECT_EQ(test::read_text(dir_.file("out/gmd.labels/Subject_1_Fall_02.csv")),
            "start_s,end_s,label\n0,1.3,walking\n1.3,5.9,-\n5.9,10,falling\n");
  // Reading is dropped; the gap before the posture is not scored.
  EXPECT_EQ(test::read_text(dir_.file("out/gmd.labels/Subject_1_ADL_01.csv")),
            "start_s,end_s,label\n0,6,sitting\n6,8,-\n");
  EXPECT_EQ(test::read_text(dir_.file("out/gmd.labels/Subject_1_ADL_02.csv")),
            "start_s,end_s,label\n0,2.4,-\n2.4,3.6,standing\n3.6,4,-\n4,6,walking\n6,6.6,-\n"
            "6.6,7.9,standing\n7.9,10,-\n");
  // The manifest reads back as a dataset with the subject as its group.
  DataProblems problems;
  const Manifest manifest = read_manifest(options.manifest, problems);
  ASSERT_TRUE(problems.empty()) << problems.messages()[0];
  ASSERT_EQ(manifest.clips.size(), 5u);
  EXPECT_EQ(manifest.clips[0].group, "Subject 1");
  EXPECT_EQ(manifest.clips[0].split, "train");
  config::DataConfig data;
  EXPECT_EQ(label_set(manifest, data),
            (std::vector<std::string>{"falling", "sitting", "standing", "walking", "background"}));
  // 0..1.3 s walking, then unscored, at 10 fps for 10 s.
  const auto targets = frame_targets(manifest.clips[3], 100, 10, label_set(manifest, data), data, problems);
  EXPECT_EQ(targets[0], 3);
  EXPECT_EQ(targets[20], -1);
  EXPECT_EQ(targets[60], 0);
  EXPECT_TRUE(problems.empty());
}

TEST_F(ImportGmdcsa, ALabelTheMapDoesNotKnowLeavesTheRowOutAndNothingLeftIsAnError) {
  ImportOptions options;
  options.format = ImportFormat::gmdcsa24;
  options.source = dir_.file("gmd");
  options.manifest = dir_.file("gmd.csv");
  options.labels.rules = {{"Sitting", "sitting"}};
  // Every row left out: no manifest, and the error lists why.
  const std::string message = test::error_message<DataError>([&] { import_dataset(options); });
  EXPECT_NE(message.find("cannot import: " + options.source + ": no clip to import:\n  "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("ADL.csv:2: 01.mp4: label 'Reading' is not in the label map"),
            std::string::npos)
      << message;
  EXPECT_FALSE(fs::exists(options.manifest));
}

TEST(Importers, FoldersTakeTheLabelFromTheFileOrFolderName) {
  test::TempDir dir;
  for (const char* name : {"videos/adl/01_walking_slowly.mp4", "videos/adl/03_jogging_slowly.mp4",
                           "videos/imm/01_imm_back.mp4", "videos/adl/20_dancing.mp4"}) {
    fs::create_directories(fs::path(dir.file(name)).parent_path());
    test::write_text(dir.file(name), "x");
  }
  ImportOptions options;
  options.format = ImportFormat::folders;
  options.source = dir.file("videos");
  options.manifest = dir.file("assist.csv");
  options.label_from_file = true;
  options.labels.rules = {{"walking_*", "walking"}, {"jogging_*", "running"}, {"imm_*", "lying"}};
  options.split = "val";
  const ImportReport report = import_dataset(options);
  EXPECT_EQ(report.clips, 3u);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find("20_dancing.mp4: label 'dancing' is not in the label map"),
            std::string::npos);
  EXPECT_EQ(test::read_text(dir.file("assist.csv")),
            "video,split,annotation,group\nvideos/adl/01_walking_slowly.mp4,val,walking,adl\n"
            "videos/adl/03_jogging_slowly.mp4,val,running,adl\nvideos/imm/01_imm_back.mp4,val,lying,imm\n");
  options.label_from_file = false;  // the folder: adl, imm
  options.labels = {};
  EXPECT_EQ(import_dataset(options).seconds.count("imm"), 1u);
}

TEST(Importers, MstcnFramesMappedWithAMappingOfTheVocabulary) {
  test::TempDir dir;
  fs::create_directories(dir.file("mstcn/groundTruth"));
  fs::create_directories(dir.file("mstcn/videos"));
  test::write_text(dir.file("mstcn/groundTruth/a.txt"), "SIL\npour_milk\npour_milk\nstir\n");
  test::write_text(dir.file("mstcn/groundTruth/b.txt"), "SIL\n");
  test::write_text(dir.file("mstcn/videos/a.mp4"), "x");
  ImportOptions options;
  options.format = ImportFormat::mstcn;
  options.source = dir.file("mstcn");
  options.manifest = dir.file("m.csv");
  options.labels.rules = {{"SIL", ""}, {"pour_*", "pour"}, {"stir", "stir"}};
  const ImportReport report = import_dataset(options);
  EXPECT_EQ(report.clips, 1u);
  ASSERT_EQ(report.problems.size(), 1u);  // b has no video
  EXPECT_EQ(test::read_text(dir.file("m.labels/a.txt")), "-\npour\npour\nstir\n");
  EXPECT_EQ(test::read_text(dir.file("m.labels/mapping.txt")), "0 pour\n1 stir\n");
  options.source = dir.path();  // no groundTruth/ there
  EXPECT_THROW(import_dataset(options), InputError);
}

}  // namespace
}  // namespace actrec::data
