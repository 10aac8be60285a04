// The network outputs of `live`, each alone: addresses, Home Assistant's discovery, the page's
// server (read with cpp-httplib's client), the MQTT client against a real broker on loopback,
// and event clips.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "actrec/core/error.hpp"
#include "actrec/output/event_clips.hpp"
#include "actrec/output/live_mqtt.hpp"
#include "actrec/output/live_server.hpp"
#include "child_process.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"

namespace actrec::output {
namespace {

TEST(HostPort, ParsesHostsPortsAndRefusesNonsense) {
  using P = std::pair<std::string, int>;
  EXPECT_EQ(parse_host_port("broker.lan", 1883, "--mqtt"), P("broker.lan", 1883));
  EXPECT_EQ(parse_host_port("127.0.0.1:1884", 1883, "--mqtt"), P("127.0.0.1", 1884));
  EXPECT_EQ(parse_host_port("[::1]:8080", 0, "--serve"), P("::1", 8080));
  EXPECT_EQ(parse_host_port("127.0.0.1:0", 0, "--serve", true), P("127.0.0.1", 0));
  for (const char* bad : {"", ":1883", "host:", "host:70000", "host:12ab", "[::1", "host:0"}) {
    const std::string message =
        test::error_message<ConfigError>([&] { parse_host_port(bad, 1883, "--mqtt"); });
    EXPECT_NE(message.find("invalid --mqtt"), std::string::npos) << bad << ": " << message;
  }
}

TEST(HomeAssistant, DiscoveryDescribesAPersonDownSensorPerCamera) {
  LiveMqttOptions options;
  options.prefix = "actrec/porch";
  options.camera = "porch";
  const auto configs = home_assistant_discovery(options);
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[0].first, "homeassistant/binary_sensor/actrec_porch/person_down/config");
  const auto down = nlohmann::json::parse(configs[0].second);
  EXPECT_EQ(down["state_topic"], "actrec/porch/person_down");
  EXPECT_EQ(down["payload_on"], "ON");
  EXPECT_EQ(down["payload_off"], "OFF");
  EXPECT_EQ(down["availability_topic"], "actrec/porch/availability");
  EXPECT_EQ(down["device"]["identifiers"][0], "actrec_porch");
  EXPECT_EQ(configs[1].first, "homeassistant/sensor/actrec_porch/people/config");
  options.discovery = "";
  EXPECT_TRUE(home_assistant_discovery(options).empty());
}

TEST(MqttClient, PublishesRetainedStateAndSaysOfflineOnExit) {
  TempDir dir;
  ACTREC_SKIP_WITHOUT("mosquitto");
  test::MqttTestBroker broker(dir.path());
  {
    LiveMqttOptions options;
    options.broker.port = broker.port();
    options.broker.client_id = "actrec-test";
    options.prefix = "actrec/test";
    options.camera = "test";
    LiveMqtt mqtt(options);
    ASSERT_TRUE(mqtt.client().wait_connected(5));
    mqtt.online(true);
    mqtt.person_down(true);
    mqtt.person_down(true);  // no change: not published again
    mqtt.person_down(false);
    mqtt.event(R"({"event":"fall"})");
  }
  ASSERT_TRUE(
      test::wait_until([&] { return broker.last_is("actrec/test/availability", "offline"); }, 10))
      << broker.all();
  EXPECT_EQ(broker.messages("actrec/test/person_down"),
            (std::vector<std::string>{"OFF", "ON", "OFF"}));
  EXPECT_EQ(broker.messages("actrec/test/events"), std::vector<std::string>{R"({"event":"fall"})"});
  EXPECT_EQ(broker.messages("homeassistant/binary_sensor/actrec_test/person_down/config").size(),
            1u);
}

Jpeg jpeg_of(int index) {
  auto bytes = std::make_shared<std::vector<unsigned char>>();
  cv::imencode(".jpg", test::index_frame(index), *bytes);
  return bytes;
}

TEST(LiveServer, ServesThePageStateAndTheNewestFrameAsMjpeg) {
  LiveServer server("127.0.0.1", 0);
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()) + "/");
  server.state("porch", R"({"camera":"porch","note":"</script>"})");
  server.frame("porch", jpeg_of(7));
  httplib::Client client("127.0.0.1", server.port());
  const auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("mjpg"), std::string::npos);
  // The state is in the page, with nothing in it able to end the script early.
  EXPECT_NE(page->body.find(R"("note":"<\/script>")"), std::string::npos);
  const auto state = client.Get("/state.json");
  ASSERT_TRUE(state);
  EXPECT_EQ(nlohmann::json::parse(state->body)["camera"], "porch");
  // The first part of the MJPEG stream is the newest frame, whole.
  std::string received;
  int viewers = 0;
  client.Get("/stream.mjpg", [&](const char* data, size_t length) {
    received.append(data, length);
    viewers = server.viewers("porch");
    return received.size() < 2000;  // one small frame is well under this
  });
  EXPECT_EQ(viewers, 1);
  const size_t start = received.find("\r\n\r\n");
  ASSERT_NE(start, std::string::npos) << received.substr(0, 200);
  EXPECT_NE(received.find("Content-Type: image/jpeg"), std::string::npos);
  const std::vector<unsigned char> bytes(received.begin() + static_cast<long>(start) + 4,
                                         received.end());
  const cv::Mat image = cv::imdecode(bytes, cv::IMREAD_COLOR);
  ASSERT_FALSE(image.empty());
  EXPECT_EQ(test::decode_index(image), 7);
  EXPECT_TRUE(test::wait_until([&] { return server.viewers("porch") == 0; }, 5));
}

// The first frame's index in camera `name`'s MJPEG stream.
int first_frame_of(httplib::Client& client, const std::string& path) {
  std::string received;
  client.Get(path.c_str(), [&](const char* data, size_t length) {
    received.append(data, length);
    return received.size() < 2000;
  });
  const size_t start = received.find("\r\n\r\n");
  if (start == std::string::npos) return -1;
  const std::vector<unsigned char> bytes(received.begin() + static_cast<long>(start) + 4,
                                         received.end());
  const cv::Mat image = cv::imdecode(bytes, cv::IMREAD_COLOR);
  return image.empty() ? -1 : test::decode_index(image);
}

TEST(LiveServer, EveryCameraHasItsImageStateAndClips) {
  TempDir dir;
  LiveServer server("127.0.0.1", 0);
  server.state("hall", R"({"people":[]})");
  server.state("kitchen", R"({"people":[{"person":1}]})");
  server.frame("hall", jpeg_of(3));
  server.frame("kitchen", jpeg_of(9));
  test::write_text(dir.file("fall.mp4"), "not really a video");
  test::write_text(dir.file(".fall.tmp123.mp4"), "being written");
  server.clips("kitchen", dir.path());
  httplib::Client client("127.0.0.1", server.port());
  const auto state = nlohmann::json::parse(client.Get("/state.json")->body);
  ASSERT_EQ(state["cameras"].size(), 2u);
  EXPECT_EQ(state["cameras"][0]["camera"], "hall");
  EXPECT_EQ(state["cameras"][1]["camera"], "kitchen");
  EXPECT_EQ(state["cameras"][1]["people"].size(), 1u);
  EXPECT_EQ(first_frame_of(client, "/stream/hall.mjpg"), 3);
  EXPECT_EQ(first_frame_of(client, "/stream/kitchen.mjpg"), 9);
  EXPECT_EQ(first_frame_of(client, "/stream.mjpg"), 3);  // the first camera
  EXPECT_EQ(client.Get("/stream/attic.mjpg")->status, 404);
  const auto clip = client.Get("/clips/kitchen/fall.mp4");
  EXPECT_EQ(clip->status, 200);
  EXPECT_EQ(clip->body, "not really a video");
  EXPECT_EQ(clip->get_header_value("Content-Type"), "video/mp4");
  // Nothing but a finished clip of that folder.
  for (const char* path :
       {"/clips/kitchen/.fall.tmp123.mp4", "/clips/hall/fall.mp4", "/clips/kitchen/..%2Ffall.mp4",
        "/clips/kitchen/../kitchen/fall.mp4", "/clips/kitchen/%2Fetc%2Fpasswd.mp4"}) {
    const auto refused = client.Get(path);
    ASSERT_TRUE(refused) << path;
    EXPECT_NE(refused->status, 200) << path;
  }
  server.remove("hall");
  EXPECT_EQ(nlohmann::json::parse(client.Get("/state.json")->body)["cameras"].size(), 1u);
  EXPECT_EQ(client.Get("/stream/hall.mjpg")->status, 404);
}

TEST(LiveServer, APortInUseIsAClearError) {
  LiveServer first("127.0.0.1", 0);
  const std::string message =
      test::error_message<Error>([&] { LiveServer second("127.0.0.1", first.port()); });
  EXPECT_NE(message.find("cannot serve the page: 127.0.0.1:" + std::to_string(first.port())),
            std::string::npos)
      << message;
}

TEST(EventClipRecorder, CutsTheSecondsAroundAnEventIntoAWholeVideo) {
  TempDir dir;
  std::string path;
  {
    // Frames kept for 2 s back (the clip's second before, and its falling run).
    EventClipRecorder clips(dir.file("clips"), 10, 1.0, 1.0, 2.0);
    size_t most_kept = 0;
    for (int i = 0; i < 100; ++i) {  // 10 s at 10 fps
      clips.add(i / 10.0, jpeg_of(i));
      if (i == 50) path = clips.record("fall.mp4", 4.0, 5.0);  // fell at 4 s, down by 5 s
      most_kept = std::max(most_kept, clips.frames_kept());
    }
    // What is kept stays bounded: the window a clip may reach back to, or the waiting clip's
    // frames from its start (3 s) while it waits for its end (6 s).
    EXPECT_LE(most_kept, 31u);
    EXPECT_GE(most_kept, 21u);  // and it is kept: the clip below has the frames it asked for
    clips.wait();
    EXPECT_EQ(clips.written(), 1);
  }
  ASSERT_EQ(path, dir.file("clips/fall.mp4"));
  cv::VideoCapture video(path, cv::CAP_FFMPEG);
  ASSERT_TRUE(video.isOpened());
  std::vector<int> indices;
  for (cv::Mat frame; video.read(frame);) indices.push_back(test::decode_index(frame));
  // From a second before the fall to a second after it was confirmed: frames 30..60.
  ASSERT_FALSE(indices.empty());
  EXPECT_EQ(indices.front(), 30);
  EXPECT_EQ(indices.back(), 60);
  EXPECT_EQ(indices.size(), 31u);
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("clips"))) {
    EXPECT_EQ(entry.path().filename(), "fall.mp4") << "a temporary left behind";
  }
}

TEST(EventClipRecorder, AClipStillWaitingIsWrittenWithWhatThereIsAtTheEnd) {
  TempDir dir;
  {
    EventClipRecorder clips(dir.file("clips"), 10, 2.0, 5.0);
    for (int i = 0; i < 30; ++i) clips.add(i / 10.0, jpeg_of(i));
    clips.record("late.mp4", 2.5, 2.9);  // its end (7.9 s) never comes: the stream ends first
  }
  EXPECT_TRUE(std::filesystem::exists(dir.file("clips/late.mp4")));
}

}  // namespace
}  // namespace actrec::output
