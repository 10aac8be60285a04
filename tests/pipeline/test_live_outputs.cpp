// What live makes of labelled frames, fed frames the test makes: events from labels (changes,
// first seen, gone), and the fall path end to end (falls the test raises itself): the JSONL
// lines, the MQTT messages with the Home Assistant sensor on and off again against a real
// broker, and the clip of the fall.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>
#include <sstream>

#include "actrec/features/pose.hpp"
#include "actrec/pipeline/live_events.hpp"
#include "actrec/pipeline/live_outputs.hpp"
#include "child_process.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"

namespace actrec::pipeline {
namespace {

const std::vector<std::string> kLabels = {"walking", "falling", "lying", "background"};

// A frame at 10 fps with `people` (id, label), each seen (a pose) unless the id is negative.
LabelledFrame frame_at(int64_t index, const std::vector<std::pair<int, int64_t>>& people) {
  LabelledFrame frame;
  frame.index = index;
  frame.timestamp_us = index * 100000;
  for (const auto& [id, label] : people) {
    PersonLabel person;
    person.person = std::abs(id);
    person.label = label;
    person.confidence = 0.9;
    person.probabilities.assign(kLabels.size(), 0.1);
    if (id >= 0) person.pose.assign(features::kPoseValues, 0.5f);
    frame.people.push_back(person);
  }
  return frame;
}

std::vector<std::string> kinds(const std::vector<nlohmann::json>& events) {
  std::vector<std::string> out;
  for (const auto& event : events) out.push_back(event["event"]);
  return out;
}

TEST(LiveEvents, ALabelChangeIsOneEventAndSoIsAPersonGone) {
  LiveEvents events(kLabels, "hall", 1.0);
  auto first = events.frame(frame_at(0, {{1, 0}, {2, 0}}), 0.0);
  ASSERT_EQ(kinds(first), (std::vector<std::string>{"label", "label"}));
  EXPECT_TRUE(first[0]["previous"].is_null());  // first seen
  EXPECT_EQ(first[0]["camera"], "hall");
  EXPECT_EQ(first[0]["person"], 1);
  EXPECT_TRUE(events.frame(frame_at(1, {{1, 0}, {2, 0}}), 0.1).empty());  // nothing new
  auto change = events.frame(frame_at(2, {{1, 2}, {2, 0}}), 0.2);
  ASSERT_EQ(kinds(change), std::vector<std::string>{"label"});
  EXPECT_EQ(change[0]["label"], "lying");
  EXPECT_EQ(change[0]["previous"], "walking");
  EXPECT_EQ(change[0]["frame"], 2);
  EXPECT_EQ(events.people()["count"], 2);
  // Person 2 is not in the frames after 0.2 s: gone once a second has passed.
  EXPECT_TRUE(events.frame(frame_at(5, {{1, 2}}), 0.5).empty());
  auto gone = events.frame(frame_at(12, {{1, 2}}), 1.2);
  ASSERT_EQ(kinds(gone), std::vector<std::string>{"gone"});
  EXPECT_EQ(gone[0]["person"], 2);
  EXPECT_EQ(events.people()["count"], 1);
  auto lost = events.stream_lost("udp://127.0.0.1:5000", "no frame for 5 s", 1.3);
  EXPECT_EQ(kinds(lost), (std::vector<std::string>{"gone", "stream_lost"}));
  EXPECT_EQ(lost[1]["source"], "udp://127.0.0.1:5000");
  EXPECT_EQ(events.stream_back("udp://127.0.0.1:5000", 4.25, 3, 5.5)["downtime_s"], 4.3);
}

TEST(LiveEvents, AFallHoldsSomeoneDownUntilTheirUp) {
  LiveEvents events(kLabels, "hall", 1.0);
  LabelledFrame fell = frame_at(30, {{1, 2}, {2, 0}});
  fell.events.push_back({PersonEvent::Kind::fall, 1, 20, 2.0, 3.0, 0.8});
  const auto raised = events.frame(fell, 3.0);
  ASSERT_EQ(kinds(raised), (std::vector<std::string>{"label", "label", "fall"}));
  EXPECT_EQ(raised[2]["start_s"], 2.0);
  EXPECT_EQ(raised[2]["frame"], 20);
  EXPECT_TRUE(events.anyone_down());
  LabelledFrame other_up = frame_at(31, {{1, 2}, {2, 0}});
  other_up.events.push_back({PersonEvent::Kind::up, 2, 31, 0, 3.1, 0});
  events.frame(other_up, 3.1);
  EXPECT_TRUE(events.anyone_down()) << "someone else's up clears nobody's fall";
  LabelledFrame up = frame_at(40, {{1, 0}, {2, 0}});
  up.events.push_back({PersonEvent::Kind::up, 1, 40, 0, 4.0, 0});
  EXPECT_EQ(kinds(events.frame(up, 4.0)), (std::vector<std::string>{"label", "up"}));
  EXPECT_FALSE(events.anyone_down());
}

std::vector<nlohmann::json> json_lines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(test::read_text(path));
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(LiveOutputs, AFallReachesEveryOutputAndTheSensorClearsWhenThePersonIsUp) {
  TempDir dir;
  ACTREC_SKIP_WITHOUT("mosquitto");
  test::MqttTestBroker broker(dir.path());
  LiveOptions options;
  options.display = false;
  options.jsonl = dir.file("frames.jsonl");
  options.events = dir.file("events.jsonl");
  options.mqtt = broker.address();
  options.clips = dir.file("clips");
  options.clip_before_s = 1;
  options.clip_after_s = 1;
  options.people.persons = config::Persons::multi;
  {
    LiveOutputs outputs(kLabels, options, "hall", "rtsp://***@cam/1", true);
    ASSERT_TRUE(outputs.keeps_images());  // the clips need them
    outputs.connected(10);
    for (int i = 0; i < 80; ++i) {  // person 1 walks, falls at 3 s, lies, is up at 6 s
      const int64_t label = i < 30 ? 0 : i < 35 ? 1 : i < 60 ? 2 : 0;
      LabelledFrame frame = frame_at(i, {{1, label}});
      frame.image = test::index_frame(i);
      if (i == 45) frame.events.push_back({PersonEvent::Kind::fall, 1, 30, 3.0, 4.5, 0.7});
      if (i == 60) frame.events.push_back({PersonEvent::Kind::up, 1, 60, 0, 6.0, 0});
      outputs.frame(frame, 120, 100, 0);
      if (i == 50) {
        EXPECT_TRUE(outputs.anyone_down());
        EXPECT_TRUE(
            test::wait_until([&] { return broker.last_is("actrec/hall/person_down", "ON"); }, 10))
            << broker.all();
      }
    }
    outputs.finish();
    EXPECT_EQ(outputs.clips(), 1);
  }
  // The per-frame lines, and among them the fall and the up (not the label changes).
  const auto frames = json_lines(options.jsonl);
  std::vector<std::string> frame_events;
  for (const auto& line : frames) {
    if (line.contains("event")) frame_events.push_back(line["event"]);
  }
  EXPECT_EQ(frame_events, (std::vector<std::string>{"fall", "up", "clip"}));
  EXPECT_EQ(frames.size(), 83u);
  // The events: label changes, the fall with its clip, the up, the clip on disk (written once
  // a second after the fall was confirmed has been seen).
  const auto events = json_lines(options.events);
  EXPECT_EQ(kinds(events),
            (std::vector<std::string>{"label", "label", "label", "fall", "label", "up", "clip"}));
  EXPECT_EQ(events[6]["clip"], events[3]["clip"]);
  EXPECT_TRUE(events[6]["written"].get<bool>());
  const auto& fall = events[3];
  EXPECT_EQ(fall["person"], 1);
  EXPECT_EQ(fall["start_s"], 3.0);
  ASSERT_TRUE(fall.contains("clip")) << fall;
  const std::string clip = fall["clip"];
  EXPECT_EQ(std::filesystem::path(clip).parent_path(), std::filesystem::path(options.clips));
  EXPECT_NE(clip.find("hall-"), std::string::npos);
  // The clip: a second before the fall began to a second after it was confirmed.
  cv::VideoCapture video(clip, cv::CAP_FFMPEG);
  ASSERT_TRUE(video.isOpened()) << clip;
  std::vector<int> shown;
  for (cv::Mat image; video.read(image);) shown.push_back(test::decode_index(image));
  ASSERT_FALSE(shown.empty());
  EXPECT_EQ(shown.front(), 20);
  EXPECT_EQ(shown.back(), 55);
  // Home Assistant's sensor: off, on at the fall, off again when the person is up.
  ASSERT_TRUE(
      test::wait_until([&] { return broker.last_is("actrec/hall/availability", "offline"); }, 10))
      << broker.all();
  EXPECT_EQ(broker.messages("actrec/hall/person_down"),
            (std::vector<std::string>{"OFF", "ON", "OFF"}));
  std::vector<std::string> published;
  for (const auto& text : broker.messages("actrec/hall/events")) {
    published.push_back(nlohmann::json::parse(text)["event"]);
  }
  EXPECT_EQ(published, kinds(events));
}

}  // namespace
}  // namespace actrec::pipeline
