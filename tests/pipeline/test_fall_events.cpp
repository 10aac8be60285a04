// Fall events from final labels: a falling run, then down, raises a fall; up again clears it.
#include <gtest/gtest.h>

#include "actrec/features/pose.hpp"
#include "actrec/pipeline/fall_events.hpp"

namespace actrec::pipeline {
namespace {

const std::vector<std::string> kFallTestLabels = {"standing", "walking", "falling", "lying"};
constexpr int64_t kStanding = 0, kFalling = 2, kLying = 3;

// A person standing (upright box) or lying (wide box) at (x, y) in a 640x480 frame.
std::vector<float> pose_at(float x, float y, bool lying) {
  std::vector<float> values(features::kPoseValues, 0.0f);
  features::Pose pose{values.data()};
  for (int k = 0; k < features::kKeypoints; ++k) {
    const float along = static_cast<float>(k) / features::kKeypoints;
    pose.x(k) = lying ? x + 150 * along : x;
    pose.y(k) = lying ? y : y + 150 * along;
    pose.score(k) = 0.9f;
  }
  features::box_from_keypoints(pose, 0.2f);
  return values;
}

// Feeds `labels` (one per frame, 10 fps) for person 1 and returns the events raised.
std::vector<PersonEvent> run(FallEvents& events, const std::vector<int64_t>& labels,
                             int64_t first_frame = 0) {
  std::vector<PersonEvent> raised;
  for (size_t i = 0; i < labels.size(); ++i) {
    LabelledFrame frame;
    frame.index = first_frame + static_cast<int64_t>(i);
    frame.timestamp_us = frame.index * 100000;
    PersonLabel person;
    person.person = 1;
    person.label = labels[i];
    person.confidence = 0.8;
    person.visible = 1;
    person.pose = pose_at(100, 100, labels[i] == kLying);
    frame.people.push_back(person);
    events.watch(frame);
    raised.insert(raised.end(), frame.events.begin(), frame.events.end());
  }
  return raised;
}

std::vector<int64_t> repeat(int64_t label, int frames) { return std::vector<int64_t>(frames, label); }
std::vector<int64_t> operator+(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

config::EventsConfig events_config() {
  config::EventsConfig config;
  config.min_fall_s = 0.25;
  config.confirm_s = 1.0;
  config.up_s = 2.0;
  return config;
}

TEST(FallEvents, AFallThenStayingDownRaisesOneFallAndGettingUpClearsIt) {
  FallEvents events(events_config(), kFallTestLabels, {640, 480});
  const auto raised = run(events, repeat(kStanding, 10) + repeat(kFalling, 5) + repeat(kLying, 15) +
                                      repeat(kStanding, 25));
  ASSERT_EQ(raised.size(), 2u);
  EXPECT_EQ(raised[0].kind, PersonEvent::Kind::fall);
  EXPECT_EQ(raised[0].person, 1);
  EXPECT_EQ(raised[0].frame, 10);  // the first falling frame shows it
  EXPECT_NEAR(raised[0].start_s, 1.0, 1e-9);
  EXPECT_NEAR(raised[0].end_s, 2.5, 1e-9);  // down from 1.5 s, confirmed 1 s later
  EXPECT_NEAR(raised[0].confidence, 0.8, 1e-9);
  EXPECT_EQ(raised[1].kind, PersonEvent::Kind::up);
  EXPECT_NEAR(raised[1].end_s, 3.0 + 2.0, 1e-9);  // up from 3 s, for 2 s
  EXPECT_FALSE(raised[1].left_view);
}

TEST(FallEvents, AFallingRunThatGoesOnIsAFallConfirmed) {
  // Labels that call the lying after a fall `falling` to the end: down once the run is a fall.
  FallEvents events(events_config(), kFallTestLabels, {640, 480});
  const auto raised = run(events, repeat(kStanding, 10) + repeat(kFalling, 30));
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].kind, PersonEvent::Kind::fall);
  EXPECT_EQ(raised[0].frame, 10);
  // The first frame (10 fps) at least min_fall_s + confirm_s after the run began at 1.0 s.
  EXPECT_NEAR(raised[0].end_s, 2.3, 1e-9);
  // One frame short of that: nothing yet.
  FallEvents shorter(events_config(), kFallTestLabels, {640, 480});
  EXPECT_TRUE(run(shorter, repeat(kStanding, 10) + repeat(kFalling, 12) + repeat(kStanding, 30)).empty());
}

TEST(FallEvents, StumblesBlipsAndSittingDownQuicklyRaiseNothing) {
  FallEvents events(events_config(), kFallTestLabels, {640, 480});
  // Falling, then straight back up; a 0.1 s blip of falling then lying; down too briefly.
  EXPECT_TRUE(run(events, repeat(kFalling, 6) + repeat(kStanding, 20)).empty());
  EXPECT_TRUE(run(events, repeat(kFalling, 1) + repeat(kLying, 20), 100).empty());
  EXPECT_TRUE(run(events, repeat(kFalling, 5) + repeat(kLying, 8) + repeat(kStanding, 10), 200).empty());
}

TEST(FallEvents, ABodyLowAndLevelIsDownWhateverItsLabel) {
  FallEvents events(events_config(), kFallTestLabels, {640, 480});
  PersonLabel person;
  person.label = kStanding;
  person.visible = 1;
  person.pose = pose_at(100, 100, true);
  EXPECT_TRUE(events.is_down(person));  // a wide box: along the floor
  person.pose = pose_at(100, 100, false);
  EXPECT_FALSE(events.is_down(person));
  person.label = kLying;
  EXPECT_TRUE(events.is_down(person));
}

TEST(FallEvents, NoFallInAZoneWhereLyingIsNormal) {
  config::EventsConfig config = events_config();
  config.zones = {"0,0 0.5,0 0.5,0.5 0,0.5"};  // the top-left quarter, in fractions
  FallEvents events(config, kFallTestLabels, {640, 480});
  EXPECT_TRUE(events.in_zone({100, 100}));
  EXPECT_FALSE(events.in_zone({400, 100}));
  EXPECT_TRUE(run(events, repeat(kFalling, 5) + repeat(kLying, 15)).empty());
  config.zones = {"300,300 600,300 600,470 300,470"};  // in pixels, elsewhere
  FallEvents elsewhere(config, kFallTestLabels, {640, 480});
  EXPECT_EQ(run(elsewhere, repeat(kFalling, 5) + repeat(kLying, 15)).size(), 1u);
}

TEST(FallEvents, APersonWhoLeavesWhileDownClearsSayingSo) {
  FallEvents events(events_config(), kFallTestLabels, {640, 480});
  ASSERT_EQ(run(events, repeat(kFalling, 5) + repeat(kLying, 15)).size(), 1u);
  events.gone(1);
  LabelledFrame next;
  next.index = 20;
  next.timestamp_us = 2000000;
  events.watch(next);
  ASSERT_EQ(next.events.size(), 1u);
  EXPECT_EQ(next.events[0].kind, PersonEvent::Kind::up);
  EXPECT_TRUE(next.events[0].left_view);
}

TEST(FallEvents, AModelWithoutAFallClassRaisesNothing) {
  FallEvents events(events_config(), {"a", "b"}, {640, 480});
  EXPECT_TRUE(run(events, repeat(0, 30)).empty());
}

}  // namespace
}  // namespace actrec::pipeline
