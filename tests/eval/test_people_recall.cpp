// People found against people counted by eye, on cases worked out by hand.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "actrec/core/error.hpp"
#include "actrec/eval/people_recall.hpp"
#include "temp_dir.hpp"

namespace actrec::eval {
namespace {

CountedPerson counted(int64_t frame, int person, double x, double y, double w, double h) {
  CountedPerson p;
  p.frame = frame;
  p.person = person;
  p.box = {x, y, w, h};
  return p;
}

FoundBox found(int64_t frame, int person, double x, double y, double w, double h) {
  return {frame, person, {x, y, w, h}};
}

TEST(PeopleRecall, MatchesOneToOneByIouOrCentreAndBinsByHeight) {
  const std::vector<CountedPerson> people = {
      counted(5, 1, 100, 100, 20, 40),   // small: found exactly
      counted(5, 2, 300, 100, 40, 80),   // middle: a box around its centre, IoU < 0.3
      counted(5, 3, 500, 100, 60, 120),  // large: missed
      counted(9, 1, 10, 10, 30, 70),     // frame 9: found, once only
  };
  const std::vector<FoundBox> boxes = {
      found(5, 7, 100, 100, 20, 40),  // IoU 1 with #1
      found(5, 8, 310, 130, 10, 10),  // centre (315, 135) inside #2, IoU 100/3200
      found(5, 9, 0, 400, 50, 50),    // nobody: a false box
      found(9, 1, 10, 10, 30, 70),    // IoU 1
      found(9, 2, 12, 12, 30, 70),    // the same person again: matched already, false
      found(6, 3, 10, 10, 30, 70),    // frame 6 was not counted: ignored
  };
  const auto r = score_people(people, boxes);
  EXPECT_EQ(r.frames, (std::vector<int64_t>{5, 9}));
  EXPECT_EQ(r.counted(), 4);
  EXPECT_EQ(r.found(), 3);
  EXPECT_DOUBLE_EQ(r.recall(), 0.75);
  EXPECT_EQ(r.found_boxes, 5);
  ASSERT_EQ(r.bins.size(), 3u);
  EXPECT_EQ(r.bins[0].counted, 1);  // 40 px
  EXPECT_EQ(r.bins[0].found, 1);
  EXPECT_EQ(r.bins[1].counted, 2);  // 80 and 70 px
  EXPECT_EQ(r.bins[1].found, 2);
  EXPECT_EQ(r.bins[2].counted, 1);  // 120 px
  EXPECT_EQ(r.bins[2].found, 0);
  ASSERT_EQ(r.false_boxes.size(), 2u);
  EXPECT_EQ(r.false_boxes[0].person, 9);
  EXPECT_EQ(r.false_boxes[1].person, 2);
  EXPECT_TRUE(r.merges.empty());
  EXPECT_NEAR(r.outcomes[1].iou, 100.0 / 3200.0, 1e-12);
  EXPECT_NE(r.report().find("missed frame 5 #3"), std::string::npos) << r.report();
  const auto json = nlohmann::json::parse(r.to_json());
  EXPECT_EQ(json["found"], 3);
  EXPECT_EQ(json["height_bins"][2]["found"], 0);
}

TEST(PeopleRecall, GreedyByIouGivesEachBoxToItsBestPerson) {
  // Two people overlapping; box A fits #2 best (IoU 1), box B fits #1 (IoU 1) and #2 (less).
  const std::vector<CountedPerson> people = {counted(0, 1, 0, 0, 20, 60),
                                             counted(0, 2, 10, 0, 20, 60)};
  const std::vector<FoundBox> boxes = {found(0, 1, 10, 0, 20, 60), found(0, 2, 0, 0, 20, 60)};
  const auto r = score_people(people, boxes);
  EXPECT_EQ(r.found(), 2);
  EXPECT_EQ(r.outcomes[0].found, 1);
  EXPECT_EQ(r.outcomes[1].found, 0);
  EXPECT_TRUE(r.false_boxes.empty());
}

TEST(PeopleRecall, OneBoxAroundTwoPeopleIsAMergeAndFindsOne) {
  const std::vector<CountedPerson> people = {counted(0, 1, 100, 100, 30, 90),
                                             counted(0, 2, 135, 100, 30, 90)};
  const auto merged = score_people(people, {found(0, 1, 98, 98, 70, 94)});
  EXPECT_EQ(merged.found(), 1);  // centre (133, 145) lies in neither; IoU 2700/6580 with both
  ASSERT_EQ(merged.merges.size(), 1u);
  // A box around one person of a pair standing one behind the other is no merge.
  const std::vector<CountedPerson> behind = {counted(0, 1, 100, 100, 30, 90),
                                             counted(0, 2, 110, 95, 30, 90)};
  const auto one = score_people(behind, {found(0, 1, 100, 100, 30, 90)});
  EXPECT_TRUE(one.merges.empty());
  EXPECT_EQ(one.found(), 1);
}

TEST(PeopleRecall, DoubtfulRowsLeftOutUnlessAsked) {
  auto maybe = counted(0, 2, 300, 0, 10, 20);
  maybe.doubtful = true;
  const std::vector<CountedPerson> people = {counted(0, 1, 0, 0, 10, 20), maybe};
  EXPECT_EQ(score_people(people, {}).counted(), 1);
  PeopleRecallOptions all;
  all.skip_doubtful = false;
  EXPECT_EQ(score_people(people, {}, all).counted(), 2);
  all.height_bins = {100, 60};
  EXPECT_THROW(score_people(people, {}, all), ConfigError);
}

TEST(PeopleRecall, ReadsCountsAndFramesFiles) {
  test::TempDir dir;
  {
    std::ofstream tsv(dir.file("counts.tsv"));
    tsv << "frame\tperson\tx\ty\tw\th\tmoving\tpartial\tnote\n"
           "25\t1\t372\t188\t30\t85\tyes\tno\tdark jacket\n"
           "25\t2\t389\t175\t24\t78\tunclear\tyes\t\n"
           "50\t1\t1\t2\t3\t4\tno\tno\tdoubtful: a bottle?\n";
    std::ofstream csv(dir.file("v.frames.csv"));
    csv << "frame,time_s,person,x,y,w,h,label,confidence,visible,edge,walking\n"
           "25,2.5,3,370.0,190.5,31.0,80.0,walking,0.9,1.0,0,0.9\n";
  }
  const auto people = read_counted_people(dir.file("counts.tsv"));
  ASSERT_EQ(people.size(), 3u);
  EXPECT_EQ(people[0].frame, 25);
  EXPECT_EQ(people[0].box, cv::Rect2d(372, 188, 30, 85));
  EXPECT_FALSE(people[0].partial);
  EXPECT_TRUE(people[1].partial);
  EXPECT_TRUE(people[2].doubtful);
  const auto boxes = read_found_boxes(dir.file("v.frames.csv"));
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0].person, 3);
  EXPECT_EQ(boxes[0].box, cv::Rect2d(370, 190.5, 31, 80));
  {
    std::ofstream bad(dir.file("bad.tsv"));
    bad << "frame\tperson\tx\ty\tw\th\n25\t1\t372\tabc\t30\t85\n";
    std::ofstream single(dir.file("single.csv"));
    single << "frame,time_s,label,confidence\n0,0,walking,1\n";
  }
  try {
    read_counted_people(dir.file("bad.tsv"));
    FAIL() << "a bad row was read";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.tsv:2: y should be a number"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(read_found_boxes(dir.file("single.csv")), DataError);
  EXPECT_THROW(read_found_boxes(dir.file("missing.csv")), DataError);
}

}  // namespace
}  // namespace actrec::eval
