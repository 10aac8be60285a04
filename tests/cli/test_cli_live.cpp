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
#include <thread>

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
    ACTREC_SKIP_WITHOUT("ffmpeg");  // the senders and servers of streams
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
    return live_with(model_, args);
  }
  std::unique_ptr<ChildProcess> live_with(const std::string& model,
                                          const std::vector<std::string>& args) {
    std::vector<std::string> argv = {ACTREC_BINARY,  "live",      "--model", model,
                                     "--no-display", "--threads", "1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<ChildProcess>(argv, log_);
  }

  TempDir dir_;
  const std::string model_ = dir_.file("colour.actrec");
  const std::string video_ = dir_.file("source.avi");
  const std::string log_ = dir_.file("live.log");
  const std::string frames_ = dir_.file("frames.jsonl");
  std::string q(const std::string& name) { return shell_quote(dir_.file(name)); }
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

TEST_F(LiveNetwork, AStreamThatStartsWithinTheTimeoutOpensAtTheFirstTry) {
  const int port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/live.ts";
  auto run = live({"--source", url, "--timeout", "5", "--events", events_, "--max-downtime", "4"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a camera still booting
  auto server = ffmpeg_sender(url, {"-listen", "1"});
  ASSERT_TRUE(wait_until([&] { return count_event(json_lines(events_), "label") >= 1; }, 30))
      << read_text(log_);
  server->stop();
  EXPECT_EQ(run->wait(30), 3) << read_text(log_);
  const std::string log = read_text(log_);
  EXPECT_FALSE(contains(log.substr(0, log.find("stream lost")), "failed")) << log;
}

TEST_F(LiveNetwork, AMaxDowntimeShorterThanTheTimeoutIsKeptAndTheFiguresAreSaid) {
  const int port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/live.ts";
  auto server = ffmpeg_sender(url, {"-listen", "1"});
  ASSERT_TRUE(wait_until([&] { return listening(port); }, 10));
  auto run = live({"--source", url, "--timeout", "10", "--max-downtime", "2", "--events", events_});
  ASSERT_TRUE(wait_until([&] { return count_event(json_lines(events_), "label") >= 1; }, 30))
      << read_text(log_);
  server->stop(SIGKILL);  // the camera loses power: nothing more comes, nothing says so
  EXPECT_EQ(run->wait(30), 3) << read_text(log_);
  const std::string log = read_text(log_);
  std::smatch down;
  ASSERT_TRUE(std::regex_search(log, down, std::regex("no frames for ([0-9.]+) s"))) << log;
  EXPECT_LT(std::stod(down[1]), 5.0) << "waited for the 10 s timeout, not the 2 s allowed";
  EXPECT_TRUE(contains(log, "frames labelled in")) << log;  // the figures, then the error
  EXPECT_LT(log.find("frames labelled in"), log.find("error: stream lost")) << log;
}

TEST_F(LiveNetwork, RtspCameraThatRestartsIsReconnected) {
  if (ChildProcess(
          std::vector<std::string>{system_python(), "-c",
                                   "import gi; gi.require_version('GstRtspServer', '1.0')"},
          dir_.file("gi.log"))
          .wait(30) != 0) {
    GTEST_SKIP() << "GStreamer's RTSP server for Python is not installed (scripts/test.sh "
                    "installs it): skipped";
  }
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
  // Nothing listens there: every try fails, and each says so without the password, whether it
  // is given before the host or in the query.
  const std::string url = "rtsp://admin:s3cret@127.0.0.1:" + std::to_string(free_port()) +
                          "/cam?user=a&pwd=s3cret2&token=s3cret3&channel=1";
  auto run = live({"--source", url, "--timeout", "1", "--max-downtime", "2", "--events", events_});
  EXPECT_EQ(run->wait(30), 3);
  const std::string log = read_text(log_);
  EXPECT_TRUE(contains(log, "rtsp://***@127.0.0.1:")) << log;
  EXPECT_TRUE(contains(log, "/cam?user=***&pwd=***&token=***&channel=1")) << log;
  EXPECT_TRUE(contains(log, "try 1 failed")) << log;
  EXPECT_FALSE(contains(log, "s3cret")) << log;
  EXPECT_FALSE(contains(read_text(events_), "s3cret")) << read_text(events_);
}

TEST_F(LiveNetwork, LabelNeverWritesAStreamsCredentials) {
  const int port = free_port();
  const std::string url =
      "http://user:s3cret@127.0.0.1:" + std::to_string(port) + "/live.ts?pwd=s3cret2";
  std::vector<std::string> argv = {
      "ffmpeg",  "-nostdin", "-v",
      "error",   "-re",      "-i",
      video_,    "-c:v",     "mpeg4",
      "-q:v",    "4",        "-g",
      "5",       "-f",       "mpegts",
      "-listen", "1",        "http://127.0.0.1:" + std::to_string(port) + "/live.ts"};
  ChildProcess server(argv, dir_.file("server.log"));
  ASSERT_TRUE(wait_until([&] { return listening(port); }, 10));
  const auto labelled = run_actrec(
      "label --model " + shell_quote(model_) + " " + shell_quote(url) + " -o " + q("out"), 60);
  EXPECT_EQ(labelled.exit_code, 0) << labelled.err;
  EXPECT_FALSE(contains(labelled.err, "s3cret")) << labelled.err;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.file("out"))) {
    EXPECT_FALSE(contains(entry.path().filename().string(), "s3cret")) << entry.path();
    EXPECT_FALSE(contains(read_text(entry.path().string()), "s3cret")) << entry.path();
  }
  EXPECT_TRUE(std::filesystem::exists(
      dir_.file("out/127_0_0_1_" + std::to_string(port) + "_live_ts.segments.json")));
}

// Every line of a finished file, each of which must be whole JSON.
std::vector<nlohmann::json> whole_json_lines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(read_text(path));
  for (std::string line; std::getline(in, line);) {
    EXPECT_TRUE(nlohmann::json::accept(line)) << "a broken line in " << path << ": " << line;
    if (nlohmann::json::accept(line)) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

TEST_F(LiveNetwork, EventFilesAreAppendedToAndTwoOutputsNeverShareOne) {
  const std::string live_args = "live --model " + shell_quote(model_) + " --no-display --source " +
                                shell_quote(video_) + " --events " + shell_quote(events_);
  ASSERT_EQ(run_actrec(live_args).exit_code, 0);
  const size_t first = whole_json_lines(events_).size();
  ASSERT_GT(first, 0u);
  const auto again = run_actrec(live_args);  // a restart adds to the history
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(whole_json_lines(events_).size(), 2 * first);
  // The same file for both, however it is named: refused before anything is written.
  const auto both =
      run_actrec(live_args + " --jsonl " + shell_quote(dir_.file("./") + "events.jsonl"));
  EXPECT_EQ(both.exit_code, 2) << both.err;
  EXPECT_TRUE(contains(both.err, "--jsonl writes there too")) << both.err;
  EXPECT_EQ(whole_json_lines(events_).size(), 2 * first);
}

TEST_F(LiveNetwork, AFullDiskIsAnErrorAndNeverLeavesAHalfLine) {
  // /dev/full: every write fails. The run goes to its end, says so, and exits with an error.
  const auto full = run_actrec("live --model " + shell_quote(model_) + " --no-display --source " +
                               shell_quote(video_) + " --events /dev/full");
  EXPECT_EQ(full.exit_code, 1) << full.err;
  EXPECT_TRUE(contains(full.err, "cannot write /dev/full: No space left on device")) << full.err;
  EXPECT_TRUE(contains(full.err, "50 frames labelled")) << full.err;  // the summary
  // A file that may grow to 3000 bytes: the per-frame lines stop there, each one whole.
  const auto limited =
      run_actrec("live --model " + shell_quote(model_) + " --no-display --source " +
                     shell_quote(video_) + " --jsonl " + shell_quote(frames_),
                 60, 3000);
  EXPECT_EQ(limited.exit_code, 1) << limited.err;
  EXPECT_TRUE(contains(limited.err, "File too large")) << limited.err;
  EXPECT_TRUE(contains(limited.err, "lines lost")) << limited.err;
  const auto lines = whole_json_lines(frames_);
  EXPECT_GT(lines.size(), 5u);
  EXPECT_LT(lines.size(), 50u);
}

TEST_F(LiveNetwork, AFallClipCutShortIsReportedNotAnnounced) {
  write_people_backbone(dir_.file("people.pt"));
  write_falling_person_video(dir_.file("fall.avi"));
  write_motion_bundle(dir_.file("motion.actrec"), people_features(dir_.file("people.pt")));
  const std::string args = "live --model " + q("motion.actrec") + " --no-display --source " +
                           q("fall.avi") + " --persons multi --events " + shell_quote(events_) +
                           " --clips " + q("clips") +
                           " --set events.fall_label=dark --set events.confirm_s=1";
  // Files may grow to 8 KB: the event lines fit, a clip does not.
  const auto cut = run_actrec(args, 60, 8000);
  EXPECT_EQ(cut.exit_code, 1) << cut.err;
  const auto lines = whole_json_lines(events_);
  ASSERT_EQ(count_event(lines, "fall"), 1) << read_text(events_);
  const auto clip = std::find_if(lines.begin(), lines.end(),
                                 [](const auto& line) { return line["event"] == "clip"; });
  ASSERT_NE(clip, lines.end()) << read_text(events_);
  EXPECT_FALSE((*clip)["written"].get<bool>()) << *clip;
  EXPECT_TRUE(contains((*clip)["error"], "disk full?")) << *clip;
  EXPECT_FALSE(contains(cut.err, "event clip written")) << cut.err;
  EXPECT_TRUE(std::filesystem::is_empty(dir_.file("clips")));  // no half file, no temporary
  // Room enough: the clip is written and said to be.
  const auto whole = run_actrec(args);
  EXPECT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_EQ(count_event(whole_json_lines(events_), "clip"), 2);
  EXPECT_TRUE(whole_json_lines(events_).back()["written"].get<bool>());
}

TEST_F(LiveNetwork, ACameraNameIsOneThatTopicsIdsAndFilesTake) {
  for (const std::string name : {"../x", "a/b", "Living room", "hall #1+", "x\xff"}) {
    const auto run =
        run_actrec("live --model " + shell_quote(model_) + " --no-display --source " +
                   shell_quote(video_) + " --name " + shell_quote(name) + " --clips " + q("clips"));
    EXPECT_EQ(run.exit_code, 2) << name << ": " << run.err;
    EXPECT_TRUE(contains(run.err, "invalid --name: '" + name + "': a camera name is")) << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.file("x")));
  EXPECT_EQ(run_actrec("live --model " + shell_quote(model_) + " --no-display --source " +
                       shell_quote(video_) + " --name Living_room-2")
                .exit_code,
            0);
}

class LiveMqttBroker : public LiveNetwork {
 protected:
  void SetUp() override {
    ACTREC_SKIP_WITHOUT("mosquitto");
    LiveNetwork::SetUp();
    broker_ = std::make_unique<MqttTestBroker>(dir_.file(""));
  }
  std::vector<std::string> messages(const std::string& topic) { return broker().messages(topic); }
  MqttTestBroker& broker() { return *broker_; }
  std::unique_ptr<MqttTestBroker> broker_;
};

TEST_F(LiveMqttBroker, PublishesEventsStateAndHomeAssistantDiscovery) {
  auto run =
      live({"--source", video_, "--realtime", "--mqtt", broker().address(), "--name", "hall"});
  EXPECT_EQ(run->wait(60), 0) << read_text(log_);
  ASSERT_TRUE(wait_until([&] { return messages("actrec/hall/availability").size() >= 2; }, 10))
      << broker().all();
  // Home Assistant's discovery: a "person down" binary sensor for this camera, by itself.
  const auto configs = messages("homeassistant/binary_sensor/actrec_hall/person_down/config");
  ASSERT_EQ(configs.size(), 1u) << broker().all();
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
                               dir_.file("clips"), "--mqtt", broker().address(), "--name", "hall",
                               // (the figure lies for about 1.6 s: less than the default)
                               "--set", "events.fall_label=dark", "--set", "events.confirm_s=1"},
      log_);
  EXPECT_EQ(run->wait(60), 0) << read_text(log_);
  const auto lines = json_lines(events_);
  EXPECT_EQ(count_event(lines, "fall"), 1) << read_text(events_);
  EXPECT_EQ(count_event(lines, "up"), 1) << read_text(events_);
  EXPECT_EQ(messages("actrec/hall/person_down"), (std::vector<std::string>{"OFF", "ON", "OFF"}))
      << broker().all();
  // A clip of the fall, whole, in the folder asked for.
  ASSERT_TRUE(wait_until(
      [&] {
        return std::filesystem::exists(dir_.file("clips")) &&
               !std::filesystem::is_empty(dir_.file("clips"));
      },
      10));
  for (const auto& entry : std::filesystem::directory_iterator(dir_.file("clips"))) {
    EXPECT_EQ(entry.path().extension(), ".mp4") << entry.path();
  }
}

// live with the falling figure's bundle: multi mode; falls are its `dark` frames.
std::vector<std::string> fall_args() {
  return {"--persons", "multi", "--set", "events.fall_label=dark", "--set", "events.confirm_s=1"};
}

TEST_F(LiveMqttBroker, AFallenPersonLostFromViewKeepsThePersonDownSensorOn) {
  // The figure falls, then the camera sees nobody for 8 s: nobody got up.
  write_people_backbone(dir_.file("people.pt"));
  write_falling_person_video(dir_.file("dark.avi"), 200, false);
  write_motion_bundle(dir_.file("motion.actrec"), people_features(dir_.file("people.pt")));
  auto args = fall_args();
  args.insert(args.end(), {"--source", dir_.file("dark.avi"), "--events", events_, "--mqtt",
                           broker().address(), "--name", "hall"});
  auto run = live_with(dir_.file("motion.actrec"), args);
  EXPECT_EQ(run->wait(60), 0) << read_text(log_);
  const auto lines = json_lines(events_);
  EXPECT_EQ(count_event(lines, "fall"), 1) << read_text(events_);
  EXPECT_EQ(count_event(lines, "unseen"), 1) << read_text(events_);
  EXPECT_EQ(count_event(lines, "up"), 0) << read_text(events_);
  const auto gone = std::find_if(lines.begin(), lines.end(),
                                 [](const auto& line) { return line["event"] == "gone"; });
  ASSERT_NE(gone, lines.end()) << read_text(events_);
  EXPECT_TRUE((*gone)["down"].get<bool>()) << *gone;
  ASSERT_TRUE(
      wait_until([&] { return broker().last_is("actrec/hall/availability", "offline"); }, 10));
  EXPECT_EQ(messages("actrec/hall/person_down"), (std::vector<std::string>{"OFF", "ON"}))
      << broker().all();
}

TEST_F(LiveMqttBroker, AFallBeforeAReconnectClearsOnlyWhenEveryoneInViewIsSeenUp) {
  // The figure falls and the stream drops while it lies; it comes back showing someone standing
  // (a new id: nobody can say whether it is the one who fell), up for 2 s: then it clears.
  write_people_backbone(dir_.file("people.pt"));
  write_falling_person_video(dir_.file("fall.avi"), 0, false);
  write_standing_person_video(dir_.file("up.avi"), 50);
  write_motion_bundle(dir_.file("motion.actrec"), people_features(dir_.file("people.pt")));
  const int port = free_port(true);
  const std::string url = "udp://127.0.0.1:" + std::to_string(port);
  auto send = [&](const std::string& video, bool loop) {
    std::vector<std::string> argv = {"ffmpeg", "-nostdin", "-v", "error", "-re"};
    if (loop) argv.insert(argv.end(), {"-stream_loop", "-1"});
    argv.insert(argv.end(),
                {"-i", video, "-c:v", "mpeg4", "-q:v", "2", "-g", "5", "-f", "mpegts", url});
    return std::make_unique<ChildProcess>(argv, dir_.file("sender" + std::to_string(++senders_)));
  };
  auto args = fall_args();
  args.insert(args.end(), {"--source", url, "--timeout", "2", "--events", events_, "--mqtt",
                           broker().address(), "--name", "hall"});
  auto run = live_with(dir_.file("motion.actrec"), args);
  // Sent once live listens, so that it sees the fall from its start.
  ASSERT_TRUE(wait_until([&] { return receiving_udp(port); }, 30)) << read_text(log_);
  auto sender = send(dir_.file("fall.avi"), false);
  ASSERT_TRUE(wait_until([&] { return count_event(json_lines(events_), "fall") == 1; }, 30))
      << read_text(log_) << read_text(events_);
  ASSERT_TRUE(wait_until([&] { return count_event(json_lines(events_), "stream_lost") == 1; }, 30))
      << read_text(log_);
  EXPECT_TRUE(broker().last_is("actrec/hall/person_down", "ON")) << broker().all();
  sender = send(dir_.file("up.avi"), true);
  ASSERT_TRUE(wait_until([&] { return count_event(json_lines(events_), "up") == 1; }, 30))
      << read_text(log_) << read_text(events_);
  EXPECT_EQ(run->stop(SIGINT), 0) << read_text(log_);
  const auto lines = json_lines(events_);
  const auto up = std::find_if(lines.begin(), lines.end(),
                               [](const auto& line) { return line["event"] == "up"; });
  const auto fall = std::find_if(lines.begin(), lines.end(),
                                 [](const auto& line) { return line["event"] == "fall"; });
  EXPECT_EQ((*up)["person"], (*fall)["person"]);
  EXPECT_TRUE((*up)["identity_lost"].get<bool>()) << *up;
  const auto back = std::find_if(lines.begin(), lines.end(),
                                 [](const auto& line) { return line["event"] == "stream_back"; });
  EXPECT_GE((*up)["time_s"].get<double>(), (*back)["time_s"].get<double>() + 2.0 - 0.002);
  EXPECT_TRUE(wait_until([&] { return broker().last_is("actrec/hall/person_down", "OFF"); }, 10))
      << broker().all();
}

TEST_F(LiveMqttBroker, EventsWhileTheBrokerIsAwayAreSentWhenItReturns) {
  write_people_backbone(dir_.file("people.pt"));
  write_falling_person_video(dir_.file("dark.avi"), 200, false);  // 11.6 s; a fall at about 2 s
  write_motion_bundle(dir_.file("motion.actrec"), people_features(dir_.file("people.pt")));
  auto args = fall_args();
  args.insert(args.end(), {"--source", dir_.file("dark.avi"), "--realtime", "--events", events_,
                           "--mqtt", broker().address(), "--name", "hall"});
  auto run = live_with(dir_.file("motion.actrec"), args);
  ASSERT_TRUE(
      wait_until([&] { return broker().last_is("actrec/hall/availability", "online"); }, 30))
      << read_text(log_);
  broker().stop();
  ASSERT_TRUE(wait_until([&] { return count_event(json_lines(events_), "fall") == 1; }, 30))
      << read_text(log_);
  broker().start();
  // The fall reaches the broker once it is back, and the sensor with it, within seconds.
  EXPECT_TRUE(wait_until(
      [&] {
        const auto published = messages("actrec/hall/events");
        return std::any_of(published.begin(), published.end(), [](const std::string& text) {
          return nlohmann::json::parse(text)["event"] == "fall";
        });
      },
      5))
      << broker().all();
  EXPECT_TRUE(wait_until([&] { return broker().last_is("actrec/hall/person_down", "ON"); }, 5))
      << broker().all();
  EXPECT_EQ(run->wait(30), 0) << read_text(log_);
}

TEST_F(LiveMqttBroker, KilledProcessIsReportedOfflineByTheBroker) {
  write_index_video(dir_.file("long.avi"), 300, 10.0);
  auto run = live({"--source", dir_.file("long.avi"), "--realtime", "--mqtt", broker().address(),
                   "--name", "hall"});
  ASSERT_TRUE(
      wait_until([&] { return broker().last_is("actrec/hall/availability", "online"); }, 30))
      << read_text(log_);
  run->stop(SIGKILL);  // no goodbye: the broker's last will says it
  EXPECT_TRUE(
      wait_until([&] { return broker().last_is("actrec/hall/availability", "offline"); }, 10))
      << broker().all();
}

TEST_F(LiveNetwork, PageShowsTheVideoAndLabelledPeopleInABrowser) {
  ACTREC_SKIP_WITHOUT("chromium");
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
  // Six frames of a 10 fps stream played in real time: at least 600 ms (not six of the model's
  // 25 fps, 240 ms); a busy machine only adds to it.
  EXPECT_GE(smoothing_ms[smoothing_ms.size() / 2], 540);
  std::smatch figures;
  ASSERT_TRUE(std::regex_search(result.err, figures,
                                std::regex("latency p50 ([0-9]+) ms, p95 [0-9]+ ms, of which the "
                                           "smoothing's look-ahead p50 ([0-9]+) ms, p95 [0-9]+ "
                                           "ms \\(6 steps at 10 fps\\)")))
      << result.err;
  EXPECT_GE(std::stod(figures[1]), std::stod(figures[2]));  // a part, not an addition
  EXPECT_GE(std::stod(figures[2]), 540);
}

}  // namespace
}  // namespace actrec::test
