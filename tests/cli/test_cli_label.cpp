// label and live as a user runs them, with bundles the test makes (random weights: what matters
// is that both commands give the same labels and write whole files).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "actrec/data/dataset.hpp"
#include "test_binary.hpp"
#include "stub_models.hpp"
#include "run_command.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"

namespace actrec::test {
namespace {

std::vector<std::string> csv_column(const std::string& path, size_t column) {
  std::ifstream in(path);
  std::vector<std::string> values;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string cell;
    for (size_t i = 0; i <= column; ++i) std::getline(row, cell, ',');
    values.push_back(cell);
  }
  return values;
}

class LabelCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    write_colour_backbone(dir_.file("colour.pt"));
    write_index_video(dir_.file("a.avi"), 40, 25.0);
    write_index_video(dir_.file("b.avi"), 25, 25.0);
  }

  // A bundle with random weights for `cell`, on the test's colour backbone.
  std::string bundle(config::Cell cell) {
    const std::string path = dir_.file(std::string(config::to_string(cell)) + ".actrec");
    write_bundle(path, colour_features(dir_.file("colour.pt")), cell);
    return path;
  }
  std::string q(const std::string& name) { return shell_quote(dir_.file(name)); }
  TempDir dir_;
};

class EachCell : public LabelCommands, public ::testing::WithParamInterface<config::Cell> {};

TEST_P(EachCell, LiveGivesExactlyTheLabelsOfLabel) {
  const std::string model = shell_quote(bundle(GetParam()));
  const auto labelled = run_actrec("label --model " + model + " " + q("a.avi") + " -o " + q("out"));
  ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
  const auto live =
      run_actrec("live --model " + model + " --source " + q("a.avi") + " --no-display --jsonl -");
  ASSERT_EQ(live.exit_code, 0) << live.err;
  std::vector<std::string> live_labels;
  std::stringstream lines(live.out);
  for (std::string line; std::getline(lines, line);) {
    live_labels.push_back(nlohmann::json::parse(line)["label"]);
  }
  const auto file_labels = csv_column(dir_.file("out/a.frames.csv"), 2);
  EXPECT_EQ(file_labels.size(), 40u);
  EXPECT_EQ(live_labels, file_labels);
}

INSTANTIATE_TEST_SUITE_P(Cells, EachCell,
                         ::testing::Values(config::Cell::lstm, config::Cell::gru, config::Cell::rnn),
                         [](const auto& cell) { return config::to_string(cell.param); });

TEST_F(LabelCommands, SeveralPeopleEachGetRowsIdsAndTheSameLabelsLiveAndInFiles) {
  write_people_backbone(dir_.file("people.pt"));
  write_two_people_video(dir_.file("two.avi"), 50, 25);
  const std::string model = dir_.file("people.actrec");
  write_bundle(model, people_features(dir_.file("people.pt")), config::Cell::gru);
  const auto labelled = run_actrec("label --model " + shell_quote(model) + " " + q("two.avi") +
                                   " -o " + q("out") + " --persons multi --overlay");
  ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
  std::ifstream csv(dir_.file("out/two.frames.csv"));
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header,
            "frame,time_s,person,x,y,w,h,label,confidence,visible,edge,dark,light,background");
  std::map<std::pair<std::string, std::string>, std::string> rows;  // (frame, person) -> label
  std::set<std::string> ids;
  for (std::string line; std::getline(csv, line);) {
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    rows[{cells[0], cells[2]}] = cells[7];
    ids.insert(cells[2]);
    EXPECT_GT(std::stod(cells[6]), 30) << line;  // a figure's box, in pixels of the frame
  }
  EXPECT_EQ(ids, (std::set<std::string>{"1", "2"}));
  EXPECT_EQ(rows.size(), 100u);  // two people in each of 50 frames
  std::ifstream segments_file(dir_.file("out/two.segments.json"));
  const auto segments = nlohmann::json::parse(segments_file);
  EXPECT_EQ(segments["people"].size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(dir_.file("out/two.overlay.mp4")));
  EXPECT_NE(read_text(dir_.file("out/two.srt")).find("#1 "), std::string::npos);

  const auto live = run_actrec("live --model " + shell_quote(model) + " --source " + q("two.avi") +
                               " --no-display --jsonl - --persons multi");
  ASSERT_EQ(live.exit_code, 0) << live.err;
  std::map<std::pair<std::string, std::string>, std::string> live_rows;
  std::stringstream lines(live.out);
  for (std::string line; std::getline(lines, line);) {
    const auto json = nlohmann::json::parse(line);
    live_rows[{std::to_string(json["frame"].get<int>()), std::to_string(json["person"].get<int>())}] =
        json["label"];
  }
  EXPECT_EQ(live_rows, rows);

  // --min-segment merges short runs in the segments and, the same way, in the subtitles: with
  // a minimum longer than the clip each person has one run, and every cue says just that.
  // (Labels that follow motion: each figure moves out and back, so each has two runs.)
  const std::string motion = dir_.file("motion.actrec");
  write_motion_bundle(motion, people_features(dir_.file("people.pt")));
  const auto unmerged = run_actrec("label --model " + shell_quote(motion) + " " + q("two.avi") +
                                   " -o " + q("unmerged") + " --persons multi");
  ASSERT_EQ(unmerged.exit_code, 0) << unmerged.err;
  const std::string unmerged_cues = read_text(dir_.file("unmerged/two.srt"));
  EXPECT_GE(std::count(unmerged_cues.begin(), unmerged_cues.end(), '#'), 4) << unmerged_cues;
  const auto merged = run_actrec("label --model " + shell_quote(motion) + " " + q("two.avi") +
                                 " -o " + q("merged") + " --persons multi --vtt --min-segment 1000");
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  std::ifstream merged_file(dir_.file("merged/two.segments.json"));
  const auto merged_segments = nlohmann::json::parse(merged_file);
  std::string expected_cue;
  for (const auto& person : merged_segments["people"]) {
    ASSERT_EQ(person["segments"].size(), 1u);
    expected_cue += (expected_cue.empty() ? "#" : " · #") + std::to_string(person["person"].get<int>()) +
                    " " + person["segments"][0]["label"].get<std::string>();
  }
  for (const char* name : {"merged/two.srt", "merged/two.vtt"}) {
    const std::string cues = read_text(dir_.file(name));
    EXPECT_NE(cues.find(expected_cue), std::string::npos) << cues;
    EXPECT_EQ(std::count(cues.begin(), cues.end(), '#'), 2) << name << ": one cue, two people\n" << cues;
  }
}

TEST_F(LabelCommands, WritesAllOutputsAndABadFileDoesNotStopTheBatch) {
  write_text(dir_.file("broken.avi"), std::string(5000, 'z'));
  const auto result =
      run_actrec("label --model " + shell_quote(bundle(config::Cell::lstm)) + " " + q("a.avi") + " " +
                 q("broken.avi") + " " + q("b.avi") + " -o " + q("out") + " --overlay --vtt");
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find("broken.avi"), std::string::npos) << result.err;
  for (const char* stem : {"a", "b"}) {
    for (const char* ext : {".frames.csv", ".segments.json", ".srt", ".vtt", ".overlay.mp4"}) {
      EXPECT_TRUE(std::filesystem::exists(dir_.file(std::string("out/") + stem + ext)))
          << stem << ext;
    }
  }
  EXPECT_EQ(csv_column(dir_.file("out/b.frames.csv"), 0).size(), 25u);  // a row per frame
  EXPECT_FALSE(std::filesystem::exists(dir_.file("out/broken.frames.csv")));
  for (const auto& entry : std::filesystem::directory_iterator(dir_.file("out"))) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
  std::ifstream segments(dir_.file("out/a.segments.json"));
  const auto json = nlohmann::json::parse(segments);
  EXPECT_EQ(json["segments"].back()["end_frame"], 40);
}

TEST_F(LabelCommands, ShardsSplitTheInputsAndSkipExistingResumes) {
  for (int i = 0; i < 5; ++i)
    write_index_video(dir_.file("s" + std::to_string(i) + ".avi"), 5, 25.0);
  const std::string model = shell_quote(bundle(config::Cell::gru));
  std::set<std::string> seen;
  for (int shard = 0; shard < 2; ++shard) {
    const std::string out = "shard" + std::to_string(shard);
    const auto result = run_actrec("label --model " + model + " " + q("s*.avi") + " -o " + q(out) +
                                   " --shard " + std::to_string(shard) + "/2");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.file(out))) {
      if (entry.path().extension() == ".srt") {
        EXPECT_TRUE(seen.insert(entry.path().stem().string()).second) << "labelled twice";
      }
    }
  }
  EXPECT_EQ(seen.size(), 5u);  // every video in exactly one share
  const auto again = run_actrec("label --model " + model + " " + q("s*.avi") + " -o " +
                                q("shard0") + " --shard 0/2 --skip-existing");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.err.find("outputs exist, skipped"), std::string::npos) << again.err;
  EXPECT_EQ(run_actrec("label --model " + model + " " + q("a.avi") + " --shard 2/2").exit_code, 2);
  for (const char* bad : {"0/-2", "-1/2", "1/0", "a/b", "0/2/3", "0 /2"}) {
    const auto refused = run_actrec("label --model " + model + " " + q("a.avi") + " --shard '" + bad + "'");
    EXPECT_EQ(refused.exit_code, 2) << bad;
    EXPECT_TRUE(contains(refused.err, "invalid --shard")) << refused.err;
  }
}

TEST_F(LabelCommands, VideosOfOneNameInOtherFoldersKeepTheirOwnOutputsInEveryShard) {
  std::filesystem::create_directories(dir_.file("x"));
  std::filesystem::create_directories(dir_.file("y"));
  write_index_video(dir_.file("x/a.avi"), 5, 25.0);
  write_index_video(dir_.file("y/a.avi"), 7, 25.0);
  const std::string model = shell_quote(bundle(config::Cell::gru));
  const std::string inputs = q("x/a.avi") + " " + q("y/a.avi");
  for (const std::string extra : {"", " --skip-existing"}) {
    for (int shard = 0; shard < 2; ++shard) {
      const auto result = run_actrec("label --model " + model + " " + inputs + " -o " + q("out") +
                                     " --shard " + std::to_string(shard) + "/2" + extra);
      ASSERT_EQ(result.exit_code, 0) << result.err;
    }
    // Each video's labels, under the name it has in the whole list whichever share it fell in.
    EXPECT_EQ(csv_column(dir_.file("out/a.frames.csv"), 0).size(), 5u);
    EXPECT_EQ(csv_column(dir_.file("out/a-2.frames.csv"), 0).size(), 7u);
  }
  // Another run giving only y/a.avi would name it a: refused, x/a.avi's labels kept.
  const std::string before = read_text(dir_.file("out/a.frames.csv"));
  for (const std::string extra : {"", " --skip-existing"}) {
    const auto clash = run_actrec("label --model " + model + " " + q("y/a.avi") + " -o " + q("out") + extra);
    EXPECT_EQ(clash.exit_code, 3) << clash.err;
    EXPECT_TRUE(contains(clash.err, "holds the labels of")) << clash.err;
    EXPECT_EQ(read_text(dir_.file("out/a.frames.csv")), before);
  }
  // A very long name: the temporaries fit the file-name limit too.
  const std::string long_name = std::string(231, 'v') + ".avi";
  write_index_video(dir_.file(long_name), 5, 25.0);
  const auto long_run = run_actrec("label --model " + model + " " + q(long_name) + " -o " + q("long"));
  EXPECT_EQ(long_run.exit_code, 0) << long_run.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("long/" + std::string(231, 'v') + ".segments.json")));
}

TEST_F(LabelCommands, LiveRealtimeStreamsAndStopsOnSigint) {
  write_index_video(dir_.file("long.avi"), 500, 25.0);  // 20 s
  const std::string model = bundle(config::Cell::lstm);
  const std::string jsonl = dir_.file("live.jsonl");
  const pid_t child = fork();
  if (child == 0) {
    const std::string err = dir_.file("live.err");
    freopen(err.c_str(), "w", stderr);
    execl(ACTREC_BINARY, ACTREC_BINARY, "live", "--model", model.c_str(), "--source",
          dir_.file("long.avi").c_str(), "--realtime", "--no-display", "--jsonl", jsonl.c_str(),
          nullptr);
    _exit(127);
  }
  // Labelled lines coming in mean it runs, its handler in place: interrupt it then.
  auto lines_so_far = [&] {
    const std::string text = read_text(jsonl);
    return std::count(text.begin(), text.end(), '\n');
  };
  EXPECT_TRUE(wait_until([&] { return lines_so_far() >= 11; }, 60));
  kill(child, SIGINT);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::ifstream in(jsonl);
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    const auto json = nlohmann::json::parse(line);
    for (const char* key : {"frame", "time_s", "label", "confidence", "latency_ms", "dropped"}) {
      EXPECT_TRUE(json.contains(key)) << key;
    }
  }
  EXPECT_GT(lines, 10);   // it was streaming at the file's pace...
  EXPECT_LT(lines, 200);  // ...and stopped long before the end
  std::ifstream err(dir_.file("live.err"));
  const std::string summary((std::istreambuf_iterator<char>(err)), {});
  EXPECT_NE(summary.find("(interrupted)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("latency p50"), std::string::npos) << summary;
}

// Keeps the cores busy while it lives, as other programs on a user's machine do.
class BusyCpu {
 public:
  explicit BusyCpu(int threads) {
    for (int i = 0; i < threads; ++i) {
      spinners_.emplace_back([this] {
        volatile uint64_t x = 0;
        while (!stop_) x = x + 1;
      });
    }
  }
  ~BusyCpu() {
    stop_ = true;
    for (auto& t : spinners_) t.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> spinners_;
};

TEST_F(LabelCommands, AFallThatStaysDownIsAnEventThatStandingUpClears) {
  // A figure that tips over moving left (labelled dark: the fall class here), lies still,
  // then stands: one fall, one clearance, in events.json; the overlay and CSV are written too.
  write_people_backbone(dir_.file("people.pt"));
  write_falling_person_video(dir_.file("fall.avi"));
  write_motion_bundle(dir_.file("motion.actrec"), people_features(dir_.file("people.pt")));
  const auto labelled = run_actrec("label --model " + q("motion.actrec") + " " + q("fall.avi") +
                                   " -o " + q("out") + " --persons multi --events --overlay "
                                   // (the figure lies for about 1.6 s: less than the default)
                                   "--set events.fall_label=dark --set events.confirm_s=1");
  ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
  const auto json = nlohmann::json::parse(read_text(dir_.file("out/fall.events.json")));
  ASSERT_EQ(json["events"].size(), 2u) << json.dump(2) << read_text(dir_.file("out/fall.frames.csv"));
  const auto& fall = json["events"][0];
  EXPECT_EQ(fall["event"], "fall");
  EXPECT_GE(fall["start_s"].get<double>(), 0.75);  // tipping over starts at 0.8 s
  EXPECT_LE(fall["start_s"].get<double>(), 1.25);
  EXPECT_GE(fall["end_s"].get<double>(), fall["start_s"].get<double>() + 1.0);  // confirmed down
  EXPECT_EQ(json["events"][1]["event"], "up");
  EXPECT_EQ(json["events"][1]["person"], fall["person"]);
  EXPECT_FALSE(json["events"][1].contains("identity_lost"));
  EXPECT_GE(json["events"][1]["time_s"].get<double>(), 3.6 + 2.0);  // up from 3.6 s, for 2 s
  // Without --events no file; with a zone over where it lies, no fall.
  const auto zoned = run_actrec("label --model " + q("motion.actrec") + " " + q("fall.avi") +
                                " -o " + q("zoned") + " --persons multi --events "
                                "--set events.fall_label=dark --set 'events.zones=[\"0.5,0 1,0 1,1 0.5,1\"]'");
  ASSERT_EQ(zoned.exit_code, 0) << zoned.err;
  EXPECT_TRUE(nlohmann::json::parse(read_text(dir_.file("zoned/fall.events.json")))["events"].empty());
}

TEST_F(LabelCommands, AFallStandsWhileNobodyIsSeenAndClearsOnlyWhenTheyAreSeenUp) {
  // The figure falls, then the camera sees nobody for 8 s (lights out, a lying body the detector
  // loses): not seeing a person is not seeing them get up, in either mode.
  write_people_backbone(dir_.file("people.pt"));
  write_falling_person_video(dir_.file("dark.avi"), 200, false);
  write_falling_person_video(dir_.file("back.avi"), 200, true);
  write_motion_bundle(dir_.file("motion.actrec"), people_features(dir_.file("people.pt")));
  const auto events = [&](const std::string& video, const std::string& persons) {
    const std::string out = persons + "-" + video;
    const auto labelled = run_actrec("label --model " + q("motion.actrec") + " " + q(video) +
                                     " -o " + q(out) + " --events --persons " + persons +
                                     " --set events.fall_label=dark --set events.confirm_s=1");
    EXPECT_EQ(labelled.exit_code, 0) << labelled.err;
    const std::string stem = video.substr(0, video.find('.'));
    return nlohmann::json::parse(read_text(dir_.file(out + "/" + stem + ".events.json")))["events"];
  };
  for (const std::string persons : {"single", "multi"}) {
    SCOPED_TRACE(persons);
    const auto dark = events("dark.avi", persons);
    ASSERT_EQ(dark.size(), 2u) << dark.dump(1);
    EXPECT_EQ(dark[0]["event"], "fall");
    EXPECT_EQ(dark[1]["event"], "unseen");  // said once, and the fall stands to the end
    EXPECT_EQ(dark[1]["person"], dark[0]["person"]);
    EXPECT_NEAR(dark[1]["time_s"].get<double>(), 3.6 + 1.0, 0.2);  // unseen from 3.6 s
    // Seen again lying at 11.6 s, up from about 12.2 s: cleared 2 s after they are seen up.
    const auto back = events("back.avi", persons);
    ASSERT_EQ(back.size(), 3u) << back.dump(1);
    EXPECT_EQ(back[2]["event"], "up");
    EXPECT_NEAR(back[2]["time_s"].get<double>(), 12.2 + 2.0, 0.3);
    // Multi mode followed them afresh (a new id): the fall cleared when everyone in view was up.
    EXPECT_EQ(back[2].contains("identity_lost"), persons == "multi") << back[2];
  }
}

TEST_F(LabelCommands, SetTakesOneKeyEachAndSaysWhatTheBundleIgnores) {
  const std::string model = shell_quote(bundle(config::Cell::gru));
  // --set before the input: the input is the command's, not a second KEY=VALUE.
  const auto labelled =
      run_actrec("label --model " + model + " --set smoothing.switch_penalty=0 " + q("a.avi") +
                 " -o " + q("out") + " --set model.hidden=7 --set events.up_s=3");
  ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("out/a.frames.csv")));
  // What a trained bundle fixes is not silently ignored; what labelling uses is not warned of.
  EXPECT_TRUE(contains(labelled.err, "--set model.hidden=7: ignored")) << labelled.err;
  EXPECT_FALSE(contains(labelled.err, "smoothing.switch_penalty=0: ignored")) << labelled.err;
  EXPECT_FALSE(contains(labelled.err, "events.up_s=3: ignored")) << labelled.err;
}

TEST_F(LabelCommands, AFileNameThatIsNotUtf8IsLabelledLikeAnyOther) {
  // Names from another system (Latin-1, a camera's own bytes) are bytes, not UTF-8.
  const std::string name = "caf\xe9-\xff.avi";
  write_index_video(dir_.file(name), 10, 25.0);
  const auto labelled = run_actrec("label --model " + shell_quote(bundle(config::Cell::gru)) + " " +
                                   q(name) + " -o " + q("out") + " --events --annotations");
  ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
  for (const char* ext : {".segments.json", ".events.json"}) {
    const std::string text = read_text(dir_.file("out/caf\xe9-\xff" + std::string(ext)));
    EXPECT_TRUE(nlohmann::json::accept(text)) << ext;
  }
}

TEST_F(LabelCommands, LabelsBecomeAnnotationsThatComeBackAsTheSameSegments) {
  // label -> (correct by hand) -> data import labels -> a manifest whose targets are the labels.
  write_people_backbone(dir_.file("people.pt"));
  write_two_people_video(dir_.file("two.avi"), 50, 25);
  write_motion_bundle(dir_.file("motion.actrec"), people_features(dir_.file("people.pt")));
  for (const char* persons : {"single", "multi"}) {
    const auto labelled = run_actrec("label --model " + q("motion.actrec") + " " + q("two.avi") +
                                     " -o " + q("out") + " --annotations --persons " + persons);
    ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
  }
  EXPECT_TRUE(std::filesystem::exists(dir_.file("out/two.p1.labels.csv")));  // from multi
  // The single-person file, as written (the multi run wrote over the rest of the outputs).
  const auto single = run_actrec("label --model " + q("motion.actrec") + " " + q("two.avi") +
                                 " -o " + q("out") + " --annotations");
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const auto frame_labels = csv_column(dir_.file("out/two.frames.csv"), 2);
  const auto imported = run_actrec("data import labels " + q("out") + " -o " + q("m.csv"));
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  // The multi run's per-person file, its frames CSV since written over by a single run: no
  // boxes to follow the person by.
  EXPECT_TRUE(contains(imported.err, "two.p1.labels.csv: person 1 has no box in")) << imported.err;
  EXPECT_TRUE(contains(imported.out, "1 clips")) << imported.out;
  const auto check = run_actrec("data check " + q("m.csv"));
  EXPECT_EQ(check.exit_code, 0) << check.err << check.out;
  // The manifest says, frame by frame, what label said: read it back through training's reader.
  const auto targets = [&] {
    data::DataProblems problems;
    const auto manifest = data::read_manifest(dir_.file("m.csv"), problems);
    EXPECT_TRUE(problems.empty());
    config::DataConfig config;
    config.labels = {"dark", "light", "background"};
    return data::frame_targets(manifest.clips.at(0), 50, 25, config.labels, config, problems);
  }();
  ASSERT_EQ(targets.size(), frame_labels.size());
  const std::vector<std::string> names = {"dark", "light", "background"};
  for (size_t f = 0; f < targets.size(); ++f) {
    ASSERT_GE(targets[f], 0) << f;
    EXPECT_EQ(names[static_cast<size_t>(targets[f])], frame_labels[f]) << "frame " << f;
  }
  // A person corrects the first segment's label by hand: the manifest says what they said.
  std::string edited = read_text(dir_.file("out/two.labels.csv"));
  const size_t line_start = edited.find('\n') + 1, line_end = edited.find('\n', line_start);
  const std::string line = edited.substr(line_start, line_end - line_start);  // start,end,label
  const std::string wrong = line.substr(line.rfind(',') + 1);
  const std::string right = wrong == "background" ? "dark" : "background";
  edited.replace(line_start, line_end - line_start, line.substr(0, line.rfind(',') + 1) + right);
  write_text(dir_.file("out/two.labels.csv"), edited);
  ASSERT_EQ(run_actrec("data import labels " + q("out") + " -o " + q("m.csv")).exit_code, 0);
  data::DataProblems problems;
  const auto manifest = data::read_manifest(dir_.file("m.csv"), problems);
  config::DataConfig config;
  config.labels = names;
  const auto corrected = data::frame_targets(manifest.clips.at(0), 50, 25, names, config, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(names[static_cast<size_t>(corrected[0])], right);
  EXPECT_EQ(frame_labels[0], wrong);
}

TEST_F(LabelCommands, EachAnnotatedPersonOfAClipTrainsAsASequenceOfTheirOwn) {
  // Two people, labelled each: each one's annotation a clip, following that person's boxes.
  write_people_backbone(dir_.file("people.pt"));
  write_two_people_video(dir_.file("two.avi"), 50, 25);
  write_motion_bundle(dir_.file("motion.actrec"), people_features(dir_.file("people.pt")));
  const auto labelled = run_actrec("label --model " + q("motion.actrec") + " " + q("two.avi") +
                                   " -o " + q("out") + " --annotations --persons multi");
  ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
  std::vector<std::string> people;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.file("out"))) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("two.p", 0) == 0) people.push_back(name);
  }
  ASSERT_EQ(people.size(), 2u);
  const auto imported = run_actrec("data import labels " + q("out") + " -o " + q("m.csv"));
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(contains(imported.out, "2 clips")) << imported.out;
  data::DataProblems problems;
  const auto manifest = data::read_manifest(dir_.file("m.csv"), problems);
  EXPECT_TRUE(problems.empty()) << problems.messages().at(0);
  ASSERT_EQ(manifest.clips.size(), 2u);
  // Each track is the person's boxes from the run: the left figure's and the right one's.
  std::vector<double> lefts;
  for (const auto& clip : manifest.clips) {
    ASSERT_FALSE(clip.track.empty());
    const auto x0 = csv_column(clip.track, 1);
    ASSERT_EQ(x0.size(), 50u) << clip.track;
    lefts.push_back(std::stod(x0[0]));
  }
  EXPECT_GT(std::abs(lefts[0] - lefts[1]), 40) << "both tracks follow the same person";
  const auto tuned = run_actrec("train --init " + q("motion.actrec") + " --data " + q("m.csv") +
                                " -o " + q("run") + " --set train.finetune.epochs=2");
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_TRUE(contains(tuned.err, "on 2 clips")) << tuned.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("run/best.actrec")));
}

TEST_F(LabelCommands, TheFineTuneLoopTakesActrecsOwnLabelsOfAClipWithUnevenTimestamps) {
  // README's three commands, unedited, on a clip whose frames are 33 and 67 ms apart (a phone's,
  // GMDCSA24's): label --annotations, data import labels, train --init.
  write_people_backbone(dir_.file("people.pt"));
  write_two_people_video(dir_.file("even.avi"), 90, 30);
  write_uneven_copy(dir_.file("even.avi"), dir_.file("uneven.mp4"));
  write_motion_bundle(dir_.file("motion.actrec"), people_features(dir_.file("people.pt")));
  const auto labelled = run_actrec("label --model " + q("motion.actrec") + " " + q("uneven.mp4") +
                                   " -o " + q("labelled") + " --annotations");
  ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
  // Each segment ends where the next begins: at the next one's first frame.
  const auto starts = csv_column(dir_.file("labelled/uneven.labels.csv"), 0);
  const auto ends = csv_column(dir_.file("labelled/uneven.labels.csv"), 1);
  ASSERT_GE(starts.size(), 3u) << read_text(dir_.file("labelled/uneven.labels.csv"));
  for (size_t i = 1; i < starts.size(); ++i) EXPECT_EQ(ends[i - 1], starts[i]) << "segment " << i;
  const auto imported = run_actrec("data import labels " + q("labelled") + " -o " + q("mine.csv"));
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  const auto checked = run_actrec("data check " + q("mine.csv"));
  EXPECT_EQ(checked.exit_code, 0) << checked.err;
  const auto tuned = run_actrec("train --init " + q("motion.actrec") + " --data " + q("mine.csv") +
                                " -o " + q("run") + " --set train.finetune.epochs=2");
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("run/best.actrec")));
  // Frame for frame, the targets are the labels label gave, read by the frames' own times.
  const auto frame_labels = csv_column(dir_.file("labelled/uneven.frames.csv"), 2);
  std::vector<int64_t> times_us;
  for (const auto& time : csv_column(dir_.file("labelled/uneven.frames.csv"), 1)) {
    times_us.push_back(std::llround(std::stod(time) * 1e6));
  }
  data::DataProblems problems;
  const auto manifest = data::read_manifest(dir_.file("mine.csv"), problems);
  const std::vector<std::string> names = {"dark", "light", "background"};
  config::DataConfig config;
  config.labels = names;
  const auto targets =
      data::frame_targets(manifest.clips.at(0), static_cast<int64_t>(times_us.size()), 20, names,
                          config, problems, times_us);
  EXPECT_TRUE(problems.empty()) << problems.messages().at(0);
  ASSERT_EQ(targets.size(), frame_labels.size());
  for (size_t f = 0; f < targets.size(); ++f) {
    ASSERT_GE(targets[f], 0) << f;
    EXPECT_EQ(names[static_cast<size_t>(targets[f])], frame_labels[f]) << "frame " << f;
  }
}

TEST_F(LabelCommands, ImportedLabelsTakeWhatSpreadsheetsWriteAndLoseOnlyTheRowsThatAreWrong) {
  write_people_backbone(dir_.file("people.pt"));
  write_two_people_video(dir_.file("two.avi"), 50, 25);  // 2 s
  write_motion_bundle(dir_.file("motion.actrec"), people_features(dir_.file("people.pt")));
  ASSERT_EQ(run_actrec("label --model " + q("motion.actrec") + " " + q("two.avi") + " -o " +
                       q("labelled") + " --annotations")
                .exit_code,
            0);
  // The same clip, corrected by hand in several ways: each file beside its own segments JSON.
  const std::map<std::string, std::string> edits = {
      // A European spreadsheet: BOM, ';', decimal commas, CRLF, quotes, capitals.
      {"semicolons",
       "\xEF\xBB\xBFStart_s;End_s;Label\r\n0;0,8;Dark\r\n0,8;1,2;\"light\"\r\n"
       "1,2;2;Background\r\n"},
      // The header in capitals: frames, as the manifest format says.
      {"frames", "Start,End,Label\n0,20,dark\n20,50,light\n"},
      // One row that is wrong: reported, left out, its time not scored; the rest kept.
      {"badrow", "start_s,end_s,label\n0,0.8,dark\n0.8,about 1.2,light\n1.2,2,light\n"},
      // Only a header: nothing to learn from.
      {"empty", "start_s,end_s,label\n"},
  };
  for (const auto& [stem, text] : edits) {
    write_text(dir_.file("labelled/" + stem + ".labels.csv"), text);
    std::filesystem::copy_file(dir_.file("labelled/two.segments.json"),
                               dir_.file("labelled/" + stem + ".segments.json"));
  }
  const auto imported = run_actrec("data import labels " + q("labelled") + " -o " + q("m.csv"));
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(contains(imported.out, "4 clips"))
      << imported.out;  // two, semicolons, frames, badrow
  EXPECT_TRUE(contains(imported.err, dir_.file("labelled/badrow.labels.csv") +
                                         ":3: start and end must be numbers, got '0.8' and "
                                         "'about 1.2'; left out (its time is not scored)"))
      << imported.err;
  EXPECT_TRUE(contains(
      imported.err, dir_.file("labelled/empty.labels.csv") + ": no labelled time in it; left out"))
      << imported.err;
  // A label spelt otherwise than the model's class is that class, said once for every row.
  EXPECT_TRUE(contains(imported.err, dir_.file("labelled/semicolons.labels.csv") +
                                         ":2: 'Dark' taken as the model's class 'dark'"))
      << imported.err;
  EXPECT_EQ(std::count(imported.err.begin(), imported.err.end(), '\n'), 4) << imported.err;
  const auto checked = run_actrec("data check " + q("m.csv"));
  EXPECT_EQ(checked.exit_code, 0) << checked.err << checked.out;
  data::DataProblems problems;
  const auto manifest = data::read_manifest(dir_.file("m.csv"), problems);
  ASSERT_TRUE(problems.empty()) << problems.messages().at(0);
  const std::vector<std::string> names = {"dark", "light", "background"};
  config::DataConfig config;
  config.labels = names;
  std::map<std::string, std::vector<int64_t>> targets;
  for (const auto& clip : manifest.clips) {
    targets[std::filesystem::path(clip.annotation_path).stem().string()] =
        data::frame_targets(clip, 50, 25, names, config, problems);
  }
  EXPECT_TRUE(problems.empty()) << problems.messages().at(0);
  ASSERT_EQ(targets.size(), 4u);
  std::vector<int64_t> expected(50, 1);
  std::fill(expected.begin(), expected.begin() + 20, 0);
  EXPECT_EQ(targets["frames"], expected);
  std::fill(expected.begin() + 30, expected.end(), 2);
  EXPECT_EQ(targets["semicolons"], expected);
  std::fill(expected.begin() + 20, expected.begin() + 30, -1);  // the row left out
  std::fill(expected.begin() + 30, expected.end(), 1);
  EXPECT_EQ(targets["badrow"], expected);

  // A label that is no class of the model is kept, and said, with what to do about it.
  std::filesystem::create_directories(dir_.file("own"));
  write_text(dir_.file("own/a.labels.csv"), "start_s,end_s,label\n0,1,Dancing\n1,2,dark\n");
  std::filesystem::copy_file(dir_.file("labelled/two.segments.json"),
                             dir_.file("own/a.segments.json"));
  const auto own = run_actrec("data import labels " + q("own") + " -o " + q("own.csv"));
  EXPECT_EQ(own.exit_code, 0) << own.err;
  EXPECT_TRUE(contains(own.err, "warning: " + dir_.file("own/a.labels.csv") +
                                    ":2: 'Dancing' is not one of the model's classes (nearest: "
                                    "'dark'): train --init refuses it unless it is asked for as "
                                    "a new class (--new-class dancing)"))
      << own.err;

  // An import that yields nothing is an error saying why.
  std::filesystem::create_directories(dir_.file("nothing"));
  for (const char* name : {"empty.labels.csv", "empty.segments.json"}) {
    std::filesystem::copy_file(dir_.file(std::string("labelled/") + name),
                               dir_.file(std::string("nothing/") + name));
  }
  const auto none = run_actrec("data import labels " + q("nothing") + " -o " + q("none.csv"));
  EXPECT_EQ(none.exit_code, 5) << none.err;
  EXPECT_TRUE(
      contains(none.err, "cannot import: " + dir_.file("nothing") + ": no clip to import: " +
                             dir_.file("nothing/empty.labels.csv") + ": no labelled time in it"))
      << none.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("none.csv")));
}

TEST_F(LabelCommands, TwoRunsAtOnceOnVideosOfOneNameNeverLoseEitherOnesOutputs) {
  // Run A labels x/a.avi into out/; once it is under way it is paused (SIGSTOP), so that run B,
  // on y/a.avi into the same folder, starts and ends while A is in the middle of its video.
  for (const char* folder : {"x", "y"}) std::filesystem::create_directories(dir_.file(folder));
  write_index_video(dir_.file("x/a.avi"), 600, 25.0);
  write_index_video(dir_.file("y/a.avi"), 12, 25.0);
  const std::string model = bundle(config::Cell::gru);
  const int first = spawn_actrec(
      {"label", "--model", model, dir_.file("x/a.avi"), "-o", dir_.file("out"), "--overlay"},
      dir_.file("first.log"));
  // Its frames CSV is being written (a hidden temporary): it is labelling.
  auto labelling = [&] {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.file("out"), error)) {
      if (entry.path().filename().string().rfind(".a.frames.tmp", 0) == 0) return true;
    }
    return false;
  };
  ASSERT_TRUE(wait_until([&] { return labelling() && ::kill(first, SIGSTOP) == 0; }, 60));
  ASSERT_FALSE(std::filesystem::exists(dir_.file("out/a.segments.json")))
      << "A ended before it could be paused: give it a longer video";
  const auto second =
      run_actrec("label --model " + shell_quote(model) + " " + q("y/a.avi") + " -o " + q("out"));
  ::kill(first, SIGCONT);
  EXPECT_EQ(second.exit_code, 3) << second.err;
  EXPECT_TRUE(contains(second.err, "cannot label " + dir_.file("y/a.avi") + ": " +
                                       dir_.file("out/a") +
                                       ".* are being written by another "
                                       "actrec process labelling " +
                                       dir_.file("x/a.avi")))
      << second.err;
  // A ends with its own outputs, its claim on the name gone.
  EXPECT_EQ(wait_for(first), 0) << read_text(dir_.file("first.log"));
  EXPECT_EQ(csv_column(dir_.file("out/a.frames.csv"), 0).size(), 600u);
  const auto segments = nlohmann::json::parse(read_text(dir_.file("out/a.segments.json")));
  EXPECT_EQ(segments["video"], dir_.file("x/a.avi"));
  for (const auto& entry : std::filesystem::directory_iterator(dir_.file("out"))) {
    EXPECT_NE(entry.path().filename().string()[0], '.') << "left behind: " << entry.path();
  }
  // Once A has ended, the name is free, and its outputs are A's: B is refused for that.
  const auto after =
      run_actrec("label --model " + shell_quote(model) + " " + q("y/a.avi") + " -o " + q("out"));
  EXPECT_EQ(after.exit_code, 3) << after.err;
  EXPECT_TRUE(contains(after.err, "holds the labels of")) << after.err;
}

TEST_F(LabelCommands, OpenMPSpinsBrieflyUnlessTheUserChoseOtherwise) {
  // Spinning OpenMP workers starve everything else on a busy machine, sleeping ones are slow on
  // a quiet one (docs/results.md): actrec runs with a short spin count unless OMP_WAIT_POLICY
  // or GOMP_SPINCOUNT says otherwise.
  const std::string model = shell_quote(bundle(config::Cell::gru));
  const auto log_with = [&](const std::string& environment) {
    const std::string command = environment + " " + shell_quote(ACTREC_BINARY) + " -v label --model " +
                                model + " " + q("b.avi") + " -o " + q("out") + " 2>" + q("log");
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return read_text(dir_.file("log"));
  };
  const std::string brief = log_with("env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT");
  EXPECT_TRUE(contains(brief, "OpenMP wait policy (OpenMP's default), spin count 1000")) << brief;
  const std::string chosen = log_with("env -u GOMP_SPINCOUNT OMP_WAIT_POLICY=ACTIVE");
  EXPECT_TRUE(contains(chosen, "OpenMP wait policy ACTIVE, spin count (OpenMP's default)"))
      << chosen;
  const std::string spin = log_with("env -u OMP_WAIT_POLICY GOMP_SPINCOUNT=5");
  EXPECT_TRUE(contains(spin, "spin count 5")) << spin;
}

TEST_F(LabelCommands, LiveOnABusyMachineDropsFramesAndLabelsToTheEnd) {
  // A camera faster than the labeller on a loaded CPU: the newest frame wins, the rest are
  // dropped, and the run labels the stream to its last frame without crashing.
  write_people_backbone(dir_.file("people.pt"));
  write_two_people_video(dir_.file("fast.avi"), 1500, 1000);  // 1.5 s at 1000 fps
  config::SmoothingConfig smoothing;
  smoothing.switch_penalty = 4;  // labels wait for later frames: the bookkeeping drops stress
  smoothing.delay_s = 0.3;
  write_bundle(dir_.file("people.actrec"), people_features(dir_.file("people.pt")),
               config::Cell::gru, smoothing);
  BusyCpu busy(3);
  for (const std::string persons : {"single", "multi"}) {
    const auto live = run_actrec("live --model " + q("people.actrec") + " --source " +
                                     q("fast.avi") + " --realtime --no-display --jsonl - --persons " +
                                     persons,
                                 120);
    ASSERT_EQ(live.exit_code, 0) << persons << ": " << live.err;
    std::stringstream lines(live.out);
    int64_t last_frame = -1, dropped = 0;
    int count = 0;
    for (std::string line; std::getline(lines, line); ++count) {
      const auto json = nlohmann::json::parse(line);
      EXPECT_GE(json["frame"].get<int64_t>(), last_frame) << persons;  // in order
      last_frame = json["frame"];
      dropped = json["dropped"];
    }
    EXPECT_GT(dropped, 0) << persons << ": nothing was dropped, the test tested nothing";
    EXPECT_GT(count, 10) << persons;
    EXPECT_EQ(last_frame, 1499) << persons << ": the newest frame always gets through";
    EXPECT_TRUE(contains(live.err, "dropped")) << live.err;
  }
}

}  // namespace
}  // namespace actrec::test

namespace actrec::test {
namespace {

int rows_in(const std::string& csv) {
  std::ifstream in(csv);
  int rows = -1;  // the header
  for (std::string line; std::getline(in, line);) ++rows;
  return rows;
}

TEST_F(LabelCommands, KilledMidBatchLeavesOnlyWholeFilesAndSkipExistingCompletes) {
  for (int i = 0; i < 6; ++i)
    write_index_video(dir_.file("k" + std::to_string(i) + ".avi"), 60, 25.0);
  const std::string model = bundle(config::Cell::lstm);
  std::mt19937 random(7);
  for (int trial = 0; trial < 3; ++trial) {
    const std::string out = dir_.file("out" + std::to_string(trial));
    const std::vector<std::string> args = {"label", "--model", model,      dir_.file("k*.avi"),
                                           "-o",    out,       "--overlay"};
    const int pid = spawn_actrec(args, out + ".log");
    // Killed once the n-th file of the batch has appeared: mid-batch, wherever that leaves it.
    const int files = std::uniform_int_distribution<int>(1, 20)(random);
    auto written = [&] {
      int count = 0;
      std::error_code error;
      for (const auto& entry : std::filesystem::directory_iterator(out, error)) {
        count += entry.path().filename().string()[0] != '.';
      }
      return count;
    };
    EXPECT_TRUE(wait_until([&] { return written() >= files; }, 120));
    kill(pid, SIGKILL);
    SCOPED_TRACE("killed after " + std::to_string(files) + " files");
    wait_for(pid);
    // Whatever is there under its real name is whole.
    if (std::filesystem::exists(out)) {
      for (const auto& entry : std::filesystem::directory_iterator(out)) {
        const std::string name = entry.path().filename().string();
        if (name[0] == '.') continue;  // a temporary of the killed run: not an output
        if (entry.path().extension() == ".csv") {
          EXPECT_EQ(rows_in(entry.path().string()), 60) << name;
        }
        if (entry.path().extension() == ".json") {
          std::ifstream in(entry.path());
          EXPECT_EQ(nlohmann::json::parse(in)["segments"].back()["end_frame"], 60) << name;
        }
      }
    }
    std::vector<std::string> resume = args;
    resume.push_back("--skip-existing");
    ASSERT_EQ(wait_for(spawn_actrec(resume, out + ".resume.log")), 0);
    int srt = 0;
    for (const auto& entry : std::filesystem::directory_iterator(out)) {
      const std::string name = entry.path().filename().string();
      EXPECT_NE(name[0], '.') << "partial file left: " << name;
      if (entry.path().extension() == ".csv") {
        EXPECT_EQ(rows_in(entry.path().string()), 60) << name;
      }
      if (entry.path().extension() == ".srt") ++srt;
    }
    EXPECT_EQ(srt, 6);
  }
}

TEST_F(LabelCommands, FullDiskIsAClearErrorAndEarlierOutputsStayIntact) {
  const std::string model = shell_quote(bundle(config::Cell::gru));
  ASSERT_EQ(run_actrec("label --model " + model + " " + q("b.avi") + " -o " + q("out")).exit_code,
            0);
  const std::string before = [&] {
    std::ifstream in(dir_.file("out/b.frames.csv"));
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }();
  // A 1 KiB file-size limit: a.avi's CSV (40 rows, about 1.8 KiB) cannot be written whole.
  const std::string command = "ulimit -f 1; exec " + shell_quote(ACTREC_BINARY) +
                              " label --model " + model + " " + q("a.avi") + " -o " + q("out");
  std::FILE* pipe = ::popen(("bash -c " + shell_quote(command) + " 2>&1").c_str(), "r");
  std::string output;
  char buffer[512];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_NE(output.find("error: cannot write " + dir_.file("out/a.frames.csv")), std::string::npos)
      << output;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("out/a.frames.csv")));
  std::ifstream in(dir_.file("out/b.frames.csv"));
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), {}), before);
  for (const auto& entry : std::filesystem::directory_iterator(dir_.file("out"))) {
    EXPECT_NE(entry.path().filename().string()[0], '.') << "partial file left: " << entry.path();
  }
}

}  // namespace
}  // namespace actrec::test
