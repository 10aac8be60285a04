// `live` as a deployed user runs it, through the binary, against real servers the tests start on
// loopback (127.0.0.1, free ports): ffmpeg sending UDP and serving HTTP, GStreamer's RTSP
// server, a mosquitto broker, and headless Chromium looking at the page. Each waits for what
// the binary writes (a line, a file), with a bound, never for a fixed time.
//
// Falls through the binary: a clip of a figure that tips over, lies and gets up, with a bundle
// whose fall class is the figure moving left (FallThroughTheBinary...); what live does with a
// fall in every output is also tested by feeding LiveOutputs frames in
// tests/pipeline/test_live_outputs.cpp.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <regex>
#include <sstream>

#include "actrec/output/label_outputs.hpp"
#include "child_process.hpp"
#include "run_command.hpp"
#include "stub_models.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"
#include "test_binary.hpp"
#include "test_paths.hpp"

namespace actrec::test {
namespace {

// The whole JSON lines of a file that is still being written (a last partial line is left).
std::vector<nlohmann::json> json_lines(const std::string& path) {
  const std::string text = read_text(path);
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(nlohmann::json::parse(text.substr(start, end - start)));
  }
  return lines;
}

int count_event(const std::vector<nlohmann::json>& lines, const std::string& kind) {
  return static_cast<int>(std::count_if(lines.begin(), lines.end(), [&](const auto& line) {
    return line.contains("event") && line["event"] == kind;
  }));
}

// Per-frame lines: those without an "event".
std::vector<int64_t> frame_numbers(const std::vector<nlohmann::json>& lines) {
  std::vector<int64_t> frames;
  for (const auto& line : lines) {
    if (!line.contains("event")) frames.push_back(line["frame"].get<int64_t>());
  }
  return frames;
}

class LiveNetwork : public ::testing::Test {
 protected:
  void SetUp() override {
    write_colour_backbone(dir_.file("colour.pt"));
    write_bundle(model_, colour_features(dir_.file("colour.pt")), config::Cell::gru);
    write_index_video(video_, 50, 10.0);  // 5 s at 10 fps, looped by the senders
  }

  // ffmpeg playing the test video over and over in real time to `url` as MPEG-TS (MPEG-4
  // Part 2 video: FFmpeg opens it in a fraction of a second, where MPEG-2 takes a second or
  // more; MPEG-1 takes no 10 fps).
  std::unique_ptr<ChildProcess> ffmpeg_sender(const std::string& url,
                                              const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {"ffmpeg", "-nostdin", "-v",   "error", "-re",   "-stream_loop",
                                     "-1",     "-i",       video_, "-c:v",  "mpeg4", "-q:v",
                                     "4",      "-g",       "5",    "-f",    "mpegts"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(url);
    return std::make_unique<ChildProcess>(
        argv, dir_.file("sender" + std::to_string(++senders_) + ".log"));
  }

  std::unique_ptr<ChildProcess> live(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {ACTREC_BINARY,  "live",      "--model", model_,
                                     "--no-display", "--threads", "1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<ChildProcess>(argv, log_);
  }

  TempDir dir_;
  const std::string model_ = dir_.file("colour.actrec");
  const std::string video_ = dir_.file("source.avi");
  const std::string log_ = dir_.file("live.log");
  const std::string frames_ = dir_.file("frames.jsonl");
  const std::string events_ = dir_.file("events.jsonl");
  int senders_ = 0;
};

TEST_F(LiveNetwork, UdpStreamThatStopsIsReportedReconnectedAndLabelledAfresh) {
  const std::string url = "udp://127.0.0.1:" + std::to_string(free_port(true));
  auto sender = ffmpeg_sender(url);
  auto run = live({"--source", url, "--timeout", "2", "--jsonl", frames_, "--events", events_});
  ASSERT_TRUE(wait_until([&] { return frame_numbers(json_lines(frames_)).size() >= 5; }, 30))
      << read_text(log_);
  sender->stop();
  ASSERT_TRUE(wait_until([&] { return count_event(json_lines(events_), "stream_lost") == 1; }, 15))
      << read_text(log_);
  const size_t before = frame_numbers(json_lines(frames_)).size();
  sender = ffmpeg_sender(url);
  ASSERT_TRUE(wait_until([&] { return count_event(json_lines(events_), "stream_back") == 1; }, 30))
      << read_text(log_);
  ASSERT_TRUE(
      wait_until([&] { return frame_numbers(json_lines(frames_)).size() >= before + 5; }, 30));
  EXPECT_EQ(run->stop(SIGINT), 0) << read_text(log_);

  const auto lines = json_lines(frames_);
  // The per-frame output says the stream was lost and came back, in its place among frames...
  EXPECT_EQ(count_event(lines, "stream_lost"), 1);
  EXPECT_EQ(count_event(lines, "stream_back"), 1);
  // ...and frame numbers go on across the reconnect instead of starting again at 0.
  const auto frames = frame_numbers(lines);
  EXPECT_TRUE(std::is_sorted(frames.begin(), frames.end()));
  const auto events = json_lines(events_);
  for (const auto& event : events) {
    EXPECT_EQ(event["camera"], "127_0_0_1_" + url.substr(url.rfind(':') + 1)) << event;
    EXPECT_TRUE(event.contains("time") && event.contains("time_s")) << event;
  }
  const auto lost = *std::find_if(events.begin(), events.end(),
                                  [](const auto& e) { return e["event"] == "stream_lost"; });
  EXPECT_EQ(lost["source"], url);
  EXPECT_TRUE(contains(lost["reason"], "no frame for 2 s")) << lost;
  const auto back = *std::find_if(events.begin(), events.end(),
                                  [](const auto& e) { return e["event"] == "stream_back"; });
  EXPECT_GT(back["downtime_s"].get<double>(), 0);
  EXPECT_LT(back["downtime_s"].get<double>(), 30);
  // A label event follows the reconnect: the new connection's first label is news.
  EXPECT_GE(count_event(events, "label"), 2);
  const std::string log = read_text(log_);
  EXPECT_TRUE(contains(log, "1 reconnect")) << log;
  EXPECT_TRUE(contains(log, "(interrupted)")) << log;
  // MPEG-TS claims 25 fps; the smoothing's share is stated at the 10 fps it delivers.
  EXPECT_TRUE(contains(log, "at 10 fps)")) << log;
}

TEST_F(LiveNetwork, HttpStreamReconnectsThenGivesUpAfterMaxDowntimeWithExit3) {
  const int port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/live.ts";
  auto serve = [&] {
    auto server = ffmpeg_sender(url, {"-listen", "1"});
    EXPECT_TRUE(wait_until([&] { return listening(port); }, 10));
    return server;
  };
  auto server = serve();
  auto run = live({"--source", url, "--timeout", "2", "--max-downtime", "4", "--events", events_});
  ASSERT_TRUE(wait_until([&] { return count_event(json_lines(events_), "label") >= 1; }, 30))
      << read_text(log_);
  server->stop();
  server = serve();  // back at once: reconnected within the allowed downtime
  ASSERT_TRUE(wait_until([&] { return count_event(json_lines(events_), "stream_back") == 1; }, 20))
      << read_text(log_);
  server->stop();  // gone for good
  EXPECT_EQ(run->wait(30), 3) << read_text(log_);
  const std::string log = read_text(log_);
  EXPECT_TRUE(contains(log, "error: stream lost: " + url + ": no frames for")) << log;
  EXPECT_TRUE(contains(log, "--max-downtime")) << log;
  EXPECT_EQ(count_event(json_lines(events_), "stream_lost"), 2);
}

TEST_F(LiveNetwork, RtspCameraThatRestartsIsReconnected) {
  const int port = free_port();
  auto rtsp_server = [&] {
    const std::string log = dir_.file("rtsp" + std::to_string(++senders_) + ".log");
    auto server = std::make_unique<ChildProcess>(
        std::vector<std::string>{system_python(),
                                 std::string(ACTREC_SOURCE_DIR) + "/tests/support/rtsp_server.py",
                                 std::to_string(port)},
        log);
    EXPECT_TRUE(wait_until([&] { return contains(read_text(log), "ready"); }, 20))
        << read_text(log);
    return server;
  };
  auto server = rtsp_server();
  const std::string url = "rtsp://127.0.0.1:" + std::to_string(port) + "/cam";
  auto run = live({"--source", url, "--timeout", "5", "--jsonl", frames_, "--events", events_,
                   "--name", "porch"});
  ASSERT_TRUE(wait_until([&] { return frame_numbers(json_lines(frames_)).size() >= 5; }, 30))
      << read_text(log_);
  server->stop();
  ASSERT_TRUE(wait_until([&] { return count_event(json_lines(events_), "stream_lost") == 1; }, 20))
      << read_text(log_);
  const size_t before = frame_numbers(json_lines(frames_)).size();
  server = rtsp_server();
  ASSERT_TRUE(wait_until([&] { return count_event(json_lines(events_), "stream_back") == 1; }, 40))
      << read_text(log_);
  ASSERT_TRUE(
      wait_until([&] { return frame_numbers(json_lines(frames_)).size() >= before + 5; }, 30));
  EXPECT_EQ(run->stop(SIGINT), 0) << read_text(log_);
  for (const auto& event : json_lines(events_)) EXPECT_EQ(event["camera"], "porch");
}

TEST_F(LiveNetwork, StreamWithCredentialsNeverShowsThePassword) {
  // Nothing listens there: every try fails, and each says so without the password.
  const std::string url = "rtsp://admin:s3cret@127.0.0.1:" + std::to_string(free_port()) + "/cam";
  auto run = live({"--source", url, "--timeout", "1", "--max-downtime", "2"});
  EXPECT_EQ(run->wait(30), 3);
  const std::string log = read_text(log_);
  EXPECT_TRUE(contains(log, "rtsp://***@127.0.0.1:")) << log;
  EXPECT_TRUE(contains(log, "try 1 failed")) << log;
  EXPECT_FALSE(contains(log, "s3cret")) << log;
}

class LiveMqttBroker : public LiveNetwork {
 protected:
  std::vector<std::string> messages(const std::string& topic) { return broker_.messages(topic); }
  MqttTestBroker broker_{dir_.file("")};
};

TEST_F(LiveMqttBroker, PublishesEventsStateAndHomeAssistantDiscovery) {
  auto run =
      live({"--source", video_, "--realtime", "--mqtt", broker_.address(), "--name", "hall"});
  EXPECT_EQ(run->wait(60), 0) << read_text(log_);
  ASSERT_TRUE(wait_until([&] { return messages("actrec/hall/availability").size() >= 2; }, 10))
      << broker_.all();
  // Home Assistant's discovery: a "person down" binary sensor for this camera, by itself.
  const auto configs = messages("homeassistant/binary_sensor/actrec_hall/person_down/config");
  ASSERT_EQ(configs.size(), 1u) << broker_.all();
  const auto config = nlohmann::json::parse(configs[0]);
  EXPECT_EQ(config["state_topic"], "actrec/hall/person_down");
  EXPECT_EQ(config["device_class"], "safety");
  EXPECT_EQ(config["availability_topic"], "actrec/hall/availability");
  EXPECT_EQ(config["unique_id"], "actrec_hall_person_down");
  EXPECT_EQ(messages("homeassistant/sensor/actrec_hall/people/config").size(), 1u);
  EXPECT_EQ(messages("actrec/hall/person_down"), std::vector<std::string>{"OFF"});
  // Online while the source delivered, offline once the run ended.
  EXPECT_EQ(messages("actrec/hall/availability").back(), "offline");
  EXPECT_NE(std::find(messages("actrec/hall/availability").begin(),
                      messages("actrec/hall/availability").end(), "online"),
            messages("actrec/hall/availability").end());
  const auto events = messages("actrec/hall/events");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(nlohmann::json::parse(events[0])["event"], "label");
  EXPECT_EQ(nlohmann::json::parse(events[0])["camera"], "hall");
  // The colour backbone sees no people: the count says so.
  EXPECT_EQ(nlohmann::json::parse(messages("actrec/hall/people").back())["count"], 0);
}

TEST_F(LiveMqttBroker, AFallThroughTheBinaryTurnsThePersonDownSensorOnThenOff) {
  write_people_backbone(dir_.file("people.pt"));
  write_falling_person_video(dir_.file("fall.avi"));
  write_motion_bundle(dir_.file("motion.actrec"), people_features(dir_.file("people.pt")));
  auto run = std::make_unique<ChildProcess>(
      std::vector<std::string>{ACTREC_BINARY, "live", "--model", dir_.file("motion.actrec"),
                               "--no-display", "--threads", "1", "--source", dir_.file("fall.avi"),
                               "--persons", "multi", "--events", events_, "--clips",
                               dir_.file("clips"), "--mqtt", broker_.address(), "--name", "hall",
                               // (the figure lies for about 1.6 s: less than the default)
                               "--set", "events.fall_label=dark", "--set", "events.confirm_s=1"},
      log_);
  EXPECT_EQ(run->wait(60), 0) << read_text(log_);
  const auto lines = json_lines(events_);
  EXPECT_EQ(count_event(lines, "fall"), 1) << read_text(events_);
  EXPECT_EQ(count_event(lines, "up"), 1) << read_text(events_);
  EXPECT_EQ(messages("actrec/hall/person_down"), (std::vector<std::string>{"OFF", "ON", "OFF"}))
      << broker_.all();
  // A clip of the fall, whole, in the folder asked for.
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir_.file("clips")) &&
                                      !std::filesystem::is_empty(dir_.file("clips")); }, 10));
  for (const auto& entry : std::filesystem::directory_iterator(dir_.file("clips"))) {
    EXPECT_EQ(entry.path().extension(), ".mp4") << entry.path();
  }
}

TEST_F(LiveMqttBroker, KilledProcessIsReportedOfflineByTheBroker) {
  write_index_video(dir_.file("long.avi"), 300, 10.0);
  auto run = live({"--source", dir_.file("long.avi"), "--realtime", "--mqtt", broker_.address(),
                   "--name", "hall"});
  ASSERT_TRUE(wait_until([&] { return broker_.last_is("actrec/hall/availability", "online"); }, 30))
      << read_text(log_);
  run->stop(SIGKILL);  // no goodbye: the broker's last will says it
  EXPECT_TRUE(wait_until([&] { return broker_.last_is("actrec/hall/availability", "offline"); }, 10))
      << broker_.all();
}

TEST_F(LiveNetwork, PageShowsTheVideoAndLabelledPeopleInABrowser) {
  write_people_backbone(dir_.file("people.pt"));
  write_bundle(dir_.file("people.actrec"), people_features(dir_.file("people.pt")),
               config::Cell::gru);
  write_two_people_video(dir_.file("two.avi"), 600, 10.0);  // a minute: the test ends it
  auto run = std::make_unique<ChildProcess>(
      std::vector<std::string>{ACTREC_BINARY, "live", "--model", dir_.file("people.actrec"),
                               "--source", dir_.file("two.avi"), "--realtime", "--no-display",
                               "--persons", "multi", "--serve", "0", "--threads", "1"},
      log_);
  const auto match =
      wait_for_match(log_, "serving the live page at (http://127\\.0\\.0\\.1:([0-9]+)/)", 30);
  ASSERT_FALSE(match.empty()) << read_text(log_);
  const std::string url = match[1];
  httplib::Client client("127.0.0.1", std::stoi(match[2]));
  nlohmann::json state;
  ASSERT_TRUE(wait_until(
      [&] {
        auto response = client.Get("/state.json");
        if (!response || response->status != 200) return false;
        state = nlohmann::json::parse(response->body);
        return state["people"].size() == 2;
      },
      30))
      << state;
  EXPECT_EQ(state["online"], true);
  // The page, as a person sees it: headless Chromium, a fresh profile, nothing from outside.
  const std::string shot = dir_.file("page.png");
  const std::vector<std::string> browser = {"chromium",
                                            "--headless",
                                            "--no-sandbox",
                                            "--disable-gpu",
                                            "--disable-quic",
                                            "--no-first-run",
                                            "--disable-background-networking",
                                            "--disable-component-update",
                                            "--disable-sync",
                                            "--user-data-dir=" + dir_.file("profile"),
                                            "--window-size=1100,600"};
  auto screenshot = browser;
  screenshot.push_back("--screenshot=" + shot);
  screenshot.push_back(url);
  ChildProcess chromium(screenshot, dir_.file("chromium.log"));
  ASSERT_EQ(chromium.wait(60), 0) << read_text(dir_.file("chromium.log"));
  auto dump = browser;
  dump.push_back("--dump-dom");
  dump.push_back(url);
  ChildProcess dom(dump, dir_.file("dom.html"));
  ASSERT_EQ(dom.wait(60), 0) << read_text(dir_.file("dom.html"));
  run->stop(SIGINT);

  const cv::Mat page = cv::imread(shot, cv::IMREAD_COLOR);
  ASSERT_FALSE(page.empty()) << "no screenshot";
  // The video sits left of the people list, below the title bar: its figures are white, and
  // each is boxed in the colour of its label. Neither is anywhere else on the dark page.
  const cv::Mat video = page(cv::Rect(0, 50, page.cols * 65 / 100, page.rows - 50));
  cv::Mat white;
  cv::inRange(video, cv::Scalar(200, 200, 200), cv::Scalar(255, 255, 255), white);
  EXPECT_GT(cv::countNonZero(white), 500) << "no video in the page: " << shot;
  // Labels change from frame to frame: any label's colour will do.
  int boxed = 0;
  for (int64_t label = 0; label < 3; ++label) {
    const cv::Scalar bgr = output::class_colour(label);
    cv::Mat box;
    cv::inRange(video, bgr - cv::Scalar(40, 40, 40), bgr + cv::Scalar(40, 40, 40), box);
    boxed += cv::countNonZero(box) > 100;
  }
  EXPECT_GE(boxed, 1) << "no labelled person in the video: " << shot;
  // The people list the page's script filled in: ids and labels.
  const std::string html = read_text(dir_.file("dom.html"));
  EXPECT_TRUE(contains(html, "<td>#1</td>")) << html;
  EXPECT_TRUE(std::regex_search(html, std::regex(">(dark|light|background)</span>"))) << html;
  if (const char* keep = std::getenv("ACTREC_KEEP_SCREENSHOT")) {
    std::filesystem::copy_file(shot, keep, std::filesystem::copy_options::overwrite_existing);
  }
}

TEST_F(LiveNetwork, LatencyStatesTheSmoothingAsAPartAtTheStreamsRate) {
  config::SmoothingConfig smoothing;
  smoothing.switch_penalty = 2;
  smoothing.delay_s = 0.24;  // 6 steps of the test bundle's 25 fps; a 10 fps source waits 0.6 s
  write_bundle(dir_.file("smooth.actrec"), colour_features(dir_.file("colour.pt")),
               config::Cell::gru, smoothing);
  const auto result =
      run_actrec("live --model " + shell_quote(dir_.file("smooth.actrec")) + " --source " +
                     shell_quote(video_) + " --realtime --no-display --threads 1 --jsonl -",
                 60);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<double> smoothing_ms;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    const auto json = nlohmann::json::parse(line);
    EXPECT_LE(json["smoothing_ms"].get<double>(), json["latency_ms"].get<double>()) << line;
    smoothing_ms.push_back(json["smoothing_ms"]);
  }
  ASSERT_GE(smoothing_ms.size(), 40u);  // a busy machine may drop a few
  std::sort(smoothing_ms.begin(), smoothing_ms.end());
  // Six frames of a 10 fps stream: 600 ms (not six of the model's 25 fps, 240 ms).
  EXPECT_NEAR(smoothing_ms[smoothing_ms.size() / 2], 600, 120);
  std::smatch figures;
  ASSERT_TRUE(std::regex_search(result.err, figures,
                                std::regex("latency p50 ([0-9]+) ms, p95 [0-9]+ ms, of which the "
                                           "smoothing's look-ahead p50 ([0-9]+) ms, p95 [0-9]+ "
                                           "ms \\(6 steps at 10 fps\\)")))
      << result.err;
  EXPECT_GE(std::stod(figures[1]), std::stod(figures[2]));  // a part, not an addition
  EXPECT_NEAR(std::stod(figures[2]), 600, 120);
}

}  // namespace
}  // namespace actrec::test
