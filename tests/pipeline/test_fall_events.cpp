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

std::vector<int64_t> repeat(int64_t label, int frames) {
  return std::vector<int64_t>(frames, label);
}
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
  EXPECT_FALSE(raised[1].identity_lost);
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
  EXPECT_TRUE(
      run(shorter, repeat(kStanding, 10) + repeat(kFalling, 12) + repeat(kStanding, 30)).empty());
}

TEST(FallEvents, StumblesBlipsAndSittingDownQuicklyRaiseNothing) {
  FallEvents events(events_config(), kFallTestLabels, {640, 480});
  // Falling, then straight back up; a 0.1 s blip of falling then lying; down too briefly.
  EXPECT_TRUE(run(events, repeat(kFalling, 6) + repeat(kStanding, 20)).empty());
  EXPECT_TRUE(run(events, repeat(kFalling, 1) + repeat(kLying, 20), 100).empty());
  EXPECT_TRUE(
      run(events, repeat(kFalling, 5) + repeat(kLying, 8) + repeat(kStanding, 10), 200).empty());
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

// Frames at 10 fps from `first`, one per entry: who is in view (id, label, lying) in each.
struct Seen {
  int id;
  int64_t label;
};
std::vector<PersonEvent> run_people(FallEvents& events,
                                    const std::vector<std::vector<Seen>>& frames, int64_t first) {
  std::vector<PersonEvent> raised;
  for (size_t i = 0; i < frames.size(); ++i) {
    LabelledFrame frame;
    frame.index = first + static_cast<int64_t>(i);
    frame.timestamp_us = frame.index * 100000;
    for (const auto& [id, label] : frames[i]) {
      PersonLabel person;
      person.person = id;
      person.label = label;
      person.visible = 1;
      person.pose = pose_at(100, 100, label == kLying);
      frame.people.push_back(person);
    }
    events.watch(frame);
    raised.insert(raised.end(), frame.events.begin(), frame.events.end());
  }
  return raised;
}
std::vector<std::vector<Seen>> times(const std::vector<Seen>& people, int frames) {
  return std::vector<std::vector<Seen>>(static_cast<size_t>(frames), people);
}
std::vector<std::vector<Seen>> operator+(std::vector<std::vector<Seen>> a,
                                         const std::vector<std::vector<Seen>>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
std::vector<PersonEvent::Kind> kinds(const std::vector<PersonEvent>& events) {
  std::vector<PersonEvent::Kind> out;
  for (const auto& event : events) out.push_back(event.kind);
  return out;
}
using Kind = PersonEvent::Kind;

TEST(FallEvents, AFallenPersonNoLongerSeenStaysDownAndIsSaidUnseenOnce) {
  FallEvents events(events_config(), kFallTestLabels, {640, 480}, 1.0);
  ASSERT_EQ(run(events, repeat(kFalling, 5) + repeat(kLying, 15)).size(), 1u);
  // Nobody in view for 8 s (single mode's frames where nobody is seen, labelled anything).
  LabelledFrame dark;
  std::vector<PersonEvent> raised;
  for (int64_t i = 20; i < 100; ++i) {
    dark = {};
    dark.index = i;
    dark.timestamp_us = i * 100000;
    PersonLabel nobody;
    nobody.person = 1;
    nobody.label = kStanding;  // what a model makes of no features: not a sign of anything
    dark.people.push_back(nobody);
    events.watch(dark);
    raised.insert(raised.end(), dark.events.begin(), dark.events.end());
  }
  ASSERT_EQ(kinds(raised), std::vector<Kind>{Kind::unseen});
  EXPECT_NEAR(raised[0].end_s, 1.9 + 1.0, 1e-6);  // last seen at 1.9 s
  EXPECT_EQ(events.standing(), std::vector<int>{1});
  // Seen again standing: up after 2 s of being seen up, not before.
  EXPECT_TRUE(run(events, repeat(kStanding, 20), 100).empty());  // 10.0 .. 11.9 s
  const auto back = run(events, repeat(kStanding, 1), 120);
  EXPECT_EQ(kinds(back), std::vector<Kind>{Kind::up});
  EXPECT_FALSE(back.at(0).identity_lost);
  EXPECT_NEAR(back.at(0).end_s, 12.0, 1e-6);
}

TEST(FallEvents, GapsInSeeingSomeoneUpNeitherCountNorReset) {
  FallEvents events(events_config(), kFallTestLabels, {640, 480}, 1.0);
  ASSERT_EQ(run(events, repeat(kFalling, 5) + repeat(kLying, 15)).size(), 1u);
  // Up for 1 s, unseen for 5 s, up for 0.5 s: 1.4 s seen up in all, still down.
  auto frames = times({{1, kStanding}}, 11) + times({}, 50) + times({{1, kStanding}}, 6);
  EXPECT_EQ(kinds(run_people(events, frames, 20)), std::vector<Kind>{Kind::unseen});
  // Another 0.6 s seen up makes 2 s.
  const auto up = run_people(events, times({{1, kStanding}}, 7), 87);
  EXPECT_EQ(kinds(up), std::vector<Kind>{Kind::up});
}

TEST(FallEvents, AFallWhoseTrackEndedClearsOnlyWhenEveryoneInViewIsUp) {
  FallEvents events(events_config(), kFallTestLabels, {640, 480}, 1.0);
  ASSERT_EQ(run(events, repeat(kFalling, 5) + repeat(kLying, 15)).size(), 1u);
  events.gone(1);  // the tracker lost them: their identity is lost, the fall stands
  // Nobody in view: nothing clears. Said unseen once.
  EXPECT_EQ(kinds(run_people(events, times({}, 50), 20)), std::vector<Kind>{Kind::unseen});
  // Someone up beside someone lying (the fallen person, found again with a new id): no.
  EXPECT_TRUE(run_people(events, times({{2, kStanding}, {3, kLying}}, 40), 70).empty());
  EXPECT_EQ(events.standing(), std::vector<int>{1});
  // Everyone in view up for 2 s: the fall clears, saying the identity was lost.
  const auto up = run_people(events, times({{2, kStanding}, {3, kStanding}}, 21), 110);
  ASSERT_EQ(kinds(up), std::vector<Kind>{Kind::up});
  EXPECT_EQ(up[0].person, 1);
  EXPECT_TRUE(up[0].identity_lost);
  EXPECT_NEAR(up[0].end_s, 13.0, 1e-6);
  EXPECT_TRUE(events.standing().empty());
}

TEST(FallEvents, ANewConnectionLeavesAStandingFallStandingUntilEveryoneIsUp) {
  FallEvents events(events_config(), kFallTestLabels, {640, 480}, 1.0);
  ASSERT_EQ(run(events, repeat(kFalling, 5) + repeat(kLying, 15)).size(), 1u);
  events.identity_lost();  // the stream came back: ids start afresh
  // Person 1 of the new connection is someone else; they are up, but only just.
  EXPECT_TRUE(run_people(events, times({{7, kStanding}}, 15), 200).empty());
  const auto up = run_people(events, times({{7, kStanding}}, 10), 215);
  ASSERT_EQ(kinds(up), std::vector<Kind>{Kind::up});
  EXPECT_EQ(up[0].person, 1);
  EXPECT_TRUE(up[0].identity_lost);
}

TEST(FallEvents, AModelWithoutAFallClassRaisesNothing) {
  FallEvents events(events_config(), {"a", "b"}, {640, 480});
  EXPECT_TRUE(run(events, repeat(0, 30)).empty());
}

}  // namespace
}  // namespace actrec::pipeline
