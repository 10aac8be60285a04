#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "actrec/features/tracker.hpp"

namespace actrec::features {
namespace {

// A person as a box of keypoints centred at (cx, cy), 40x120 px.
void place(float* values, float cx, float cy, float score = 0.9f) {
  Pose pose{values};
  for (int k = 0; k < kKeypoints; ++k) {
    pose.x(k) = cx + static_cast<float>((k % 3) - 1) * 15;
    pose.y(k) = cy - 60 + static_cast<float>(k) * 7;
    pose.score(k) = score;
  }
  box_from_keypoints(pose, 0.2f);
  pose.person_score() = score;
}

TEST(Tracker, TwoPeopleMovingApartAndBackKeepTheirIdsWhateverTheSlotOrder) {
  Tracker tracker({});
  std::mt19937 random(3);
  std::map<int, float> side;  // id -> which way it went
  for (int f = 0; f < 90; ++f) {
    const float apart = 60 * (1 - std::cos(2 * static_cast<float>(M_PI) * f / 90));
    std::vector<float> poses(3 * kPoseValues, 0.0f);  // a third, empty slot
    const bool swap = random() % 2;                   // models list people in any order
    place(poses.data() + (swap ? 1 : 0) * kPoseValues, 200 - apart, 200);
    place(poses.data() + (swap ? 0 : 1) * kPoseValues, 260 + apart, 200);
    const auto seen = tracker.update(poses.data(), 3, f * 33333);
    ASSERT_EQ(seen.size(), 2u) << "frame " << f;
    for (const auto& person : seen) {
      const float x = ConstPose{poses.data() + person.slot * kPoseValues}.x(0);
      if (!side.count(person.id)) side[person.id] = x;
      EXPECT_EQ(x < 230, side[person.id] < 230) << "id " << person.id << " changed sides";
    }
  }
  EXPECT_EQ(side.size(), 2u);  // two ids for the whole clip
}

TEST(Tracker, SomeoneWhoLeavesIsDroppedAfterMaxAgeAndNewcomersGetNewIds) {
  config::PeopleConfig config;
  config.max_age_s = 0.5;
  Tracker tracker(config);
  std::vector<float> one(kPoseValues), none(kPoseValues, 0.0f);
  place(one.data(), 100, 100);
  const int first = tracker.update(one.data(), 1, 0).at(0).id;
  std::vector<int> dropped;
  EXPECT_TRUE(tracker.update(none.data(), 1, 300000, &dropped).empty());  // out of view a while
  EXPECT_TRUE(dropped.empty());
  EXPECT_EQ(tracker.update(one.data(), 1, 400000).at(0).id, first);  // back within max_age
  tracker.update(none.data(), 1, 1000000, &dropped);
  EXPECT_EQ(dropped, std::vector<int>{first});
  EXPECT_EQ(tracker.tracks(), 0u);  // nothing kept for people gone
  place(one.data(), 400, 100);
  EXPECT_GT(tracker.update(one.data(), 1, 1100000).at(0).id, first);
}

TEST(Tracker, AFaintPersonStartsNoTrackButKeepsOneGoing) {
  config::PeopleConfig config;
  config.min_person_score = 0.3;
  config.keep_person_score = 0.1;
  Tracker tracker(config);
  std::vector<float> pose(kPoseValues);
  place(pose.data(), 100, 100, 0.2f);  // between the two scores
  EXPECT_TRUE(tracker.update(pose.data(), 1, 0).empty());
  place(pose.data(), 100, 100, 0.9f);
  const int id = tracker.update(pose.data(), 1, 100000).at(0).id;
  place(pose.data(), 105, 100, 0.2f);  // half hidden now: still the same person
  const auto seen = tracker.update(pose.data(), 1, 200000);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].id, id);
  place(pose.data(), 105, 100, 0.05f);  // below keep_person_score: nobody
  EXPECT_TRUE(tracker.update(pose.data(), 1, 300000).empty());
  place(pose.data(), 400, 300, 0.2f);  // a faint stranger far from the track: nobody new
  EXPECT_TRUE(tracker.update(pose.data(), 1, 400000).empty());
}

TEST(Tracker, ThirtyPeopleAtOnceEachGetTheirOwnId) {
  Tracker tracker({});
  std::vector<float> crowd(30 * kPoseValues);
  for (int i = 0; i < 30; ++i) place(crowd.data() + i * kPoseValues, 50.0f + 60 * (i % 10), 150.0f + 200 * (i / 10));
  std::set<int> ids;
  for (int f = 0; f < 5; ++f) {
    const auto seen = tracker.update(crowd.data(), 30, f * 40000);
    ASSERT_EQ(seen.size(), 30u);
    for (const auto& person : seen) ids.insert(person.id);
  }
  EXPECT_EQ(ids.size(), 30u);
}

TEST(MainPerson, TheLargestMostCentralTrackOfAClip) {
  FeatureFile file;
  file.width = 640;
  file.height = 480;
  file.names.assign(2 * kPoseValues, "v");
  for (int f = 0; f < 20; ++f) {
    std::vector<float> frame(2 * kPoseValues);
    place(frame.data(), 60, 100);  // a small one in the corner, slot 0
    Pose big{frame.data() + kPoseValues};
    place(big.v, 320, 240);
    for (int k = 0; k < kKeypoints; ++k) big.y(k) = 240 + (big.y(k) - 240) * 2;  // twice as tall
    box_from_keypoints(big, 0.2f);
    file.values.insert(file.values.end(), frame.begin(), frame.end());
    file.timestamps_us.push_back(f * 40000);
  }
  EXPECT_EQ(main_person(file, 2, {}), std::vector<int>(20, 1));
  EXPECT_EQ(main_person(file, 1, {}), std::vector<int>(20, 0));  // one slot: that one
}

TEST(MainPerson, ChosenAsTheStreamComesAsLabellingChooses) {
  // Someone small alone, then someone four times their size: training follows the small one
  // while alone, then the large one, as label and live do; never a choice from later frames.
  FeatureFile file;
  file.width = 640;
  file.height = 480;
  file.names.assign(2 * kPoseValues, "v");
  for (int f = 0; f < 20; ++f) {
    std::vector<float> frame(2 * kPoseValues);
    place(frame.data(), 60, 100);
    if (f >= 10) {
      Pose big{frame.data() + kPoseValues};
      place(big.v, 320, 240);
      for (int k = 0; k < kKeypoints; ++k) {
        big.x(k) = 320 + (big.x(k) - 320) * 2;
        big.y(k) = 240 + (big.y(k) - 240) * 2;
      }
      box_from_keypoints(big, 0.2f);
    }
    file.values.insert(file.values.end(), frame.begin(), frame.end());
    file.timestamps_us.push_back(f * 40000);
  }
  std::vector<int> expected(10, 0);
  expected.resize(20, 1);
  EXPECT_EQ(main_person(file, 2, {}), expected);
}

}  // namespace
}  // namespace actrec::features
