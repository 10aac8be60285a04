// Several cameras in one process (`live --cameras FILE.yaml`), through the binary: each camera
// labelled and on the page, a reload that leaves the cameras it does not touch alone, the motion
// gate that skips still rooms without changing a fall's events, and cameras files that are
// wrong. Streams are ffmpeg senders on loopback; every wait is for what the binary writes.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "child_process.hpp"
#include "run_command.hpp"
#include "stub_models.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"
#include "test_binary.hpp"
#include "test_paths.hpp"

namespace actrec::test {
namespace {

// Every whole JSON line of a file still being written.
std::vector<nlohmann::json> lines_of(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(read_text(path));
  for (std::string line; std::getline(in, line);) {
    if (nlohmann::json::accept(line)) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

int count_of(const std::vector<nlohmann::json>& lines, const std::string& kind,
             const std::string& camera = "") {
  return static_cast<int>(std::count_if(lines.begin(), lines.end(), [&](const auto& line) {
    return line.value("event", "") == kind &&
           (camera.empty() || line.value("camera", "") == camera);
  }));
}

class LiveCameras : public ::testing::Test {
 protected:
  void SetUp() override {
    write_people_backbone(dir_.file("people.pt"));
    write_motion_bundle(model_, people_features(dir_.file("people.pt")));
  }
  std::unique_ptr<ChildProcess> live(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {ACTREC_BINARY, "live", "--model", model_, "--threads", "1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<ChildProcess>(argv, log_);
  }
  TempDir dir_;
  const std::string model_ = dir_.file("motion.actrec");
  const std::string log_ = dir_.file("live.log");
  const std::string events_ = dir_.file("events.jsonl");
  const std::string cameras_ = dir_.file("cameras.yaml");
};

TEST_F(LiveCameras, EveryCameraOfTheFileIsLabelledInOneProcessAndShownOnOnePage) {
  write_falling_person_video(dir_.file("fall.avi"));
  write_two_people_video(dir_.file("two.avi"), 150, 25);
  write_still_room_video(dir_.file("room.avi"), 100);
  write_text(cameras_,
             "people: {persons: multi}\n"
             "events: {fall_label: dark, confirm_s: 1}\n"
             "live: {events_file: " +
                 events_ +
                 ", serve: '0'}\n"
                 "cameras:\n"
                 "  hall: {source: " +
                 dir_.file("fall.avi") +
                 ", realtime: true}\n"
                 // (its two figures walk left and right: no class of theirs is a fall)
                 "  street: {source: " +
                 dir_.file("two.avi") +
                 ", realtime: true, events: {fall_label: falling}}\n"
                 "  bedroom:\n"
                 "    source: " +
                 dir_.file("room.avi") +
                 "\n"
                 "    realtime: true\n"
                 "    persons: single\n");
  auto run = live({"--cameras", cameras_});
  const auto url =
      wait_for_match(log_, "serving the live page at http://127\\.0\\.0\\.1:([0-9]+)/", 30);
  ASSERT_FALSE(url.empty()) << read_text(log_);
  httplib::Client client("127.0.0.1", std::stoi(url[1]));
  nlohmann::json state;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto response = client.Get("/state.json");
        if (!response || response->status != 200) return false;
        state = nlohmann::json::parse(response->body);
        return state["cameras"].size() == 3;
      },
      30))
      << state;
  std::set<std::string> shown;
  for (const auto& camera : state["cameras"]) shown.insert(camera["camera"].get<std::string>());
  EXPECT_EQ(shown, (std::set<std::string>{"hall", "street", "bedroom"}));
  EXPECT_EQ(run->wait(60), 0) << read_text(log_);
  // Each camera's own events, the fall on the one that showed it, the model loaded once.
  const auto lines = lines_of(events_);
  EXPECT_EQ(count_of(lines, "fall", "hall"), 1) << read_text(events_);
  EXPECT_EQ(count_of(lines, "fall", "street") + count_of(lines, "fall", "bedroom"), 0);
  EXPECT_GE(count_of(lines, "label", "street"), 2);
  const std::string log = read_text(log_);
  for (const char* camera : {"hall", "street", "bedroom"}) {
    EXPECT_TRUE(
        std::regex_search(log, std::regex(std::string(camera) + ": [0-9]+ frames labelled")))
        << log;
    EXPECT_TRUE(contains(log, std::string(camera) + ": decode ")) << log;  // per-stage figures
  }
  // The still room was looked at a few times, not at every frame.
  std::smatch looked;
  ASSERT_TRUE(std::regex_search(
      log, looked, std::regex("bedroom: .*the pose network looked at ([0-9]+) of ([0-9]+) frames")))
      << log;
  EXPECT_LE(std::stoi(looked[1]), 5) << log;
  EXPECT_GE(std::stoi(looked[2]), 50) << log;
}

TEST_F(LiveCameras, AReloadStartsAndStopsOnlyTheCamerasThatChanged) {
  ACTREC_SKIP_WITHOUT("ffmpeg");
  write_index_video(dir_.file("loop.avi"), 50, 10.0);
  std::vector<int> ports;
  std::vector<std::unique_ptr<ChildProcess>> senders;
  for (int i = 0; i < 3; ++i) {
    ports.push_back(free_port(true));
    senders.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{"ffmpeg", "-nostdin", "-v", "error", "-re", "-stream_loop", "-1",
                                 "-i", dir_.file("loop.avi"), "-c:v", "mpeg4", "-g", "5", "-f",
                                 "mpegts", "udp://127.0.0.1:" + std::to_string(ports[i])},
        dir_.file("sender" + std::to_string(i))));
  }
  const auto camera = [&](const std::string& name, int port) {
    return "  " + name + ": {source: 'udp://127.0.0.1:" + std::to_string(port) + "'}\n";
  };
  const std::string top = "live: {events_file: " + events_ + ", timeout_s: 2}\ncameras:\n";
  write_text(cameras_, top + camera("a", ports[0]) + camera("b", ports[1]));
  auto run = live({"--cameras", cameras_});
  ASSERT_TRUE(wait_until(
      [&] {
        const auto lines = lines_of(events_);
        return count_of(lines, "label", "a") > 0 && count_of(lines, "label", "b") > 0;
      },
      30))
      << read_text(log_);
  // b goes, c comes, a is as it was.
  write_text(cameras_, top + camera("a", ports[0]) + camera("c", ports[2]));
  ::kill(run->pid(), SIGHUP);
  ASSERT_TRUE(wait_until([&] { return count_of(lines_of(events_), "label", "c") > 0; }, 30))
      << read_text(log_);
  const std::string log = read_text(log_);
  EXPECT_TRUE(contains(log, "reload: camera b removed")) << log;
  EXPECT_TRUE(contains(log, "reload: camera c started")) << log;
  EXPECT_FALSE(contains(log, "camera a changed")) << log;
  // A file that is wrong now keeps the cameras running.
  write_text(cameras_, top + "  a: {sauce: nowhere}\n");
  ::kill(run->pid(), SIGHUP);
  ASSERT_FALSE(wait_for_match(log_, "reload: .*sauce", 10).empty()) << read_text(log_);
  const size_t labels_of_a = count_of(lines_of(events_), "label", "a");
  EXPECT_EQ(run->stop(SIGINT), 0) << read_text(log_);
  EXPECT_EQ(count_of(lines_of(events_), "stream_lost", "a"), 0);  // a never stopped
  EXPECT_GE(count_of(lines_of(events_), "label", "a"), static_cast<int>(labels_of_a));
}

TEST_F(LiveCameras, TheMotionGateChangesNoFallEventOfSomeoneLyingStill) {
  // The figure falls, lies still for 8 s (the gate holds its pose, looking once a second), then
  // gets up: the same events as with every frame looked at.
  write_falling_person_video(dir_.file("fall.avi"), 0, true);
  write_falling_person_video(dir_.file("still.avi"), 200, true);
  const auto events_of = [&](const std::string& gate) {
    const std::string out = dir_.file("events-" + gate + ".jsonl");
    auto run = live({"--source", dir_.file("fall.avi"), "--realtime", "--no-display", "--persons",
                     "multi", "--events", out, "--set", "events.fall_label=dark", "--set",
                     "events.confirm_s=1", "--set", "gate.enabled=" + gate});
    EXPECT_EQ(run->wait(60), 0) << read_text(log_);
    std::vector<std::pair<std::string, double>> falls;
    for (const auto& line : lines_of(out)) {
      const std::string kind = line["event"];
      if (kind == "fall" || kind == "up") falls.emplace_back(kind, line["time_s"].get<double>());
    }
    return falls;
  };
  const auto gated = events_of("true"), every = events_of("false");
  ASSERT_EQ(gated.size(), 2u);
  ASSERT_EQ(every.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(gated[i].first, every[i].first);
    EXPECT_NEAR(gated[i].second, every[i].second, 0.25) << gated[i].first;
  }
}

TEST_F(LiveCameras, TheServiceRunsTheCamerasFileItShipsWithAndReloadsIt) {
  // What systemd runs (configs/service/actrec.service), with the cameras file the package puts
  // in /etc/actrec/ and its paths under /var/lib/actrec moved here.
  const std::string unit =
      read_text(std::string(ACTREC_SOURCE_DIR) + "/configs/service/actrec.service");
  const auto setting = [&](const std::string& key) {
    std::smatch found;
    return std::regex_search(unit, found, std::regex("\n" + key + "=([^\n]*)")) ? found[1].str()
                                                                                : std::string();
  };
  EXPECT_EQ(setting("ExecReload"), "/bin/kill -HUP $MAINPID");
  EXPECT_EQ(setting("User"), "actrec");
  EXPECT_EQ(setting("WorkingDirectory"), "/var/lib/actrec");
  std::vector<std::string> argv;
  std::istringstream words(setting("ExecStart"));
  for (std::string word; words >> word;) argv.push_back(word);
  ASSERT_GE(argv.size(), 4u) << unit;
  ASSERT_EQ(argv[0], "/usr/bin/actrec");
  argv[0] = ACTREC_BINARY;
  for (auto& word : argv) {
    if (word == "/etc/actrec/cameras.yaml") word = cameras_;
  }
  argv.insert(argv.end(), {"--model", model_, "--threads", "1"});

  std::string shipped = read_text(std::string(ACTREC_SOURCE_DIR) + "/configs/service/cameras.yaml");
  shipped = std::regex_replace(shipped, std::regex("/var/lib/actrec"), dir_.path());
  shipped = std::regex_replace(shipped, std::regex("serve: '8080'"), "serve: '0'");
  EXPECT_EQ(shipped.find("\ncameras:"), std::string::npos);  // only examples, commented out
  write_falling_person_video(dir_.file("fall.avi"));
  write_two_people_video(dir_.file("two.avi"), 200, 25);
  const std::string top = shipped + "events: {fall_label: dark, confirm_s: 1}\ncameras:\n";
  const std::string hall = "  hall: {source: " + dir_.file("fall.avi") + ", realtime: true}\n";
  write_text(cameras_, top + hall);
  ChildProcess run(argv, log_);
  const std::string events = dir_.file("events.jsonl");
  ASSERT_TRUE(wait_until([&] { return count_of(lines_of(events), "label", "hall") > 0; }, 30))
      << read_text(log_);
  // systemctl reload: a camera added, the hall going on.
  write_text(cameras_,
             top + hall + "  street: {source: " + dir_.file("two.avi") + ", realtime: true}\n");
  ::kill(run.pid(), SIGHUP);
  EXPECT_FALSE(wait_for_match(log_, "reload: camera street started", 20).empty())
      << read_text(log_);
  EXPECT_EQ(run.wait(60), 0) << read_text(log_);
  const auto lines = lines_of(events);
  EXPECT_EQ(count_of(lines, "fall", "hall"), 1) << read_text(events);
  EXPECT_EQ(count_of(lines, "stream_lost", "hall"), 0) << read_text(events);
  EXPECT_GT(count_of(lines, "label", "street"), 0) << read_text(events);
  // The fall's clip, where the shipped file keeps clips.
  bool clip = false;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.file("clips"))) {
    clip = clip || entry.path().extension() == ".mp4";
  }
  EXPECT_TRUE(clip) << read_text(log_);
}

TEST_F(LiveCameras, ACamerasFileThatIsWrongIsRefusedNamingTheLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"cameras:\n  Living room: {source: x.avi}\n", ":2: cameras.Living room: a camera name is"},
      {"cameras:\n  hall: {persons: multi}\n", ":2: cameras.hall.source: missing"},
      {"cameras:\n  hall: {source: x.avi, zones: [\"1,2\"]}\n", "cameras.hall.zones: each zone"},
      {"cameras:\n  hall: {source: x.avi, live: {serve: '8080'}}\n", "the page is the process's"},
      {"gate: {width: 3}\ncameras:\n  hall: {source: x.avi}\n", ":1: gate.width: must be between"},
      {"cameras: []\n", "cameras: expected a mapping"},
  };
  for (const auto& [text, message] : cases) {
    write_text(cameras_, text);
    const auto result =
        run_actrec("live --model " + shell_quote(model_) + " --cameras " + shell_quote(cameras_));
    EXPECT_EQ(result.exit_code, 2) << text << result.err;
    EXPECT_TRUE(contains(result.err, message)) << text << result.err;
  }
  // A camera's settings are in the file: one flag for them all would be ignored, or wrong.
  write_text(cameras_, "cameras:\n  hall: {source: x.avi}\n");
  for (const std::string flag :
       {"--name hall", "--events e.jsonl", "--serve 0", "--persons multi"}) {
    const auto result = run_actrec("live --model " + shell_quote(model_) + " --cameras " +
                                   shell_quote(cameras_) + " " + flag);
    EXPECT_EQ(result.exit_code, 2) << flag << result.err;
    EXPECT_TRUE(contains(result.err, "--cameras excludes " + flag.substr(0, flag.find(' '))))
        << result.err;
  }
}

}  // namespace
}  // namespace actrec::test
