// `actrec annotate`: what its page may serve of a folder (no browser needed), and the page itself
// in headless Chromium driven by WebDriver (tests/cli/annotate_page.py): a video played, a
// person's segments changed with keys and the mouse, a file changed by someone else, the train
// button. The tests read what the page saved on disk. Waits are bounded; none asserts a speed.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "actrec/annotate/annotate_server.hpp"
#include "actrec/annotate/served_path.hpp"
#include "child_process.hpp"
#include "raw_client.hpp"
#include "run_command.hpp"
#include "stub_models.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"
#include "test_binary.hpp"
#include "test_paths.hpp"

namespace actrec::test {
namespace {
namespace fs = std::filesystem;

struct Row {
  double start_s, end_s;
  std::string label;
};

std::vector<Row> read_annotation(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "start_s,end_s,label") << path;
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    const auto comma = line.find(','), second = line.find(',', comma + 1);
    rows.push_back({std::stod(line.substr(0, comma)),
                    std::stod(line.substr(comma + 1, second - comma - 1)),
                    line.substr(second + 1)});
  }
  return rows;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// Why the browser tests cannot run here, or empty.
std::string browser_missing() {
  if (!have_program("chromium")) return "chromium is not installed";
  if (!have_program("chromedriver")) return "chromedriver is not installed (chromium-driver)";
  if (std::system((std::string(system_python()) + " -c 'import selenium' 2>/dev/null").c_str()) !=
      0) {
    return std::string(system_python()) + " has no selenium (python3-selenium)";
  }
  return "";
}

TEST(ServedPath, OnlyTheFolderOwnFiles) {
  TempDir dir;
  const std::string root = dir.file("videos");
  fs::create_directories(root + "/sub");
  fs::create_directories(root + "/.actrec");
  for (const auto& file :
       {root + "/a.avi", root + "/sub/b.avi", root + "/.actrec/c.mp4", dir.file("secret.avi")}) {
    std::ofstream(file) << "x";
  }
  fs::create_symlink(dir.file("secret.avi"), root + "/link.avi");
  fs::create_symlink(dir.path(), root + "/up");
  fs::create_symlink("a.avi", root + "/inside.avi");
  const std::string canonical_root = fs::canonical(root).string();
  EXPECT_EQ(annotate::served_path(root, "a.avi"), canonical_root + "/a.avi");
  EXPECT_EQ(annotate::served_path(root, "sub/b.avi"), canonical_root + "/sub/b.avi");
  EXPECT_EQ(annotate::served_path(root, "inside.avi"), canonical_root + "/a.avi");
  for (const std::string& refused : std::vector<std::string>{
           "../secret.avi", "sub/../a.avi", "sub/../../secret.avi", "/etc/passwd",
           dir.file("secret.avi"), "link.avi", "up/secret.avi", ".actrec/c.mp4", "", ".", "sub/",
           "a.avi\\..", "missing.avi", "sub"}) {
    EXPECT_FALSE(annotate::served_path(root, refused)) << refused;
  }
}

class Annotate : public ::testing::Test {
 protected:
  void SetUp() override {
    write_people_backbone(dir_.file("people.pt"));
    write_bundle(model_, people_features(dir_.file("people.pt")), config::Cell::gru);
    fs::create_directories(videos_);
  }

  // `actrec annotate` on the videos; the page's address as printed at start.
  std::string serve(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {ACTREC_BINARY, "--threads", "1",       "annotate", videos_,
                                     "--model",     model_,      "--serve", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    run_ = std::make_unique<ChildProcess>(argv, log_);
    const auto match =
        wait_for_match(log_, "serving the annotate page at (http://([0-9.]+):([0-9]+)/\\S*)", 60);
    EXPECT_FALSE(match.empty()) << read_text(log_);
    if (match.empty()) return "";
    port_ = std::stoi(match[3]);
    return match[1];
  }

  // The answer to a request sent as written (no client tidies the path first).
  std::string answer_to(const std::string& target, const std::string& headers = "") {
    RawClient client("127.0.0.1", port_);
    client.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) + "\r\n" +
                headers + "Connection: close\r\n\r\n");
    client.wait_closed(60);
    return client.received();
  }
  std::string post(const std::string& target, const std::string& body) {
    RawClient client("127.0.0.1", port_);
    client.send("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                "\r\nContent-Type: text/csv\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\nConnection: close\r\n\r\n" + body);
    client.wait_closed(60);
    return client.received();
  }
  std::string status_of(const std::string& target) {
    const std::string answer = answer_to(target);
    return answer.substr(0, answer.find("\r\n"));
  }

  // Runs the page script; its result file.
  nlohmann::json page(const std::string& url, const std::vector<std::string>& args) {
    const std::string out = dir_.file("page-" + args[0] + ".json");
    std::vector<std::string> argv = {system_python(),
                                     ACTREC_SOURCE_DIR "/tests/cli/annotate_page.py", url};
    argv.insert(argv.end(), args.begin(), args.begin() + 1);
    argv.push_back(out);
    argv.insert(argv.end(), args.begin() + 1, args.end());
    const std::string log = dir_.file("page-" + args[0] + ".log");
    ChildProcess script(argv, log);
    const int code = script.wait(400);
    EXPECT_EQ(code, 0) << read_text(log) << "\nserver:\n" << read_text(log_);
    if (code != 0) return nlohmann::json();
    return read_json(out);
  }

  TempDir dir_;
  const std::string model_ = dir_.file("people.actrec");
  const std::string videos_ = dir_.file("videos");
  const std::string log_ = dir_.file("annotate.log");
  std::unique_ptr<ChildProcess> run_;
  int port_ = 0;
};

TEST_F(Annotate, ServesOnlyTheFolderOwnVideos) {
  write_index_video(videos_ + "/clip.avi", 20, 25.0);
  write_index_video(dir_.file("secret.avi"), 20, 25.0);
  fs::create_symlink(dir_.file("secret.avi"), videos_ + "/link.avi");
  ASSERT_FALSE(serve().empty());
  EXPECT_EQ(status_of("/video/clip.avi"), "HTTP/1.1 200 OK");
  // The page lists the folder's own videos only.
  EXPECT_EQ(annotate::folder_videos(videos_), std::vector<std::string>{"clip.avi"});
  const std::string state = answer_to("/api/state");
  EXPECT_NE(state.find("\"clip.avi\""), std::string::npos) << state;
  EXPECT_EQ(state.find("link.avi"), std::string::npos) << state;
  for (const std::string& target : std::vector<std::string>{
           "/video/../secret.avi", "/video/%2e%2e/secret.avi", "/video/%2E%2E%2Fsecret.avi",
           "/video/..%2fsecret.avi", "/video/" + dir_.file("secret.avi"),
           "/video/%2F" + dir_.file("secret.avi").substr(1), "/video/link.avi",
           "/video/.actrec/play/clip.avi.mp4", "/video/missing.avi", "/../secret.avi"}) {
    const std::string status = status_of(target);
    EXPECT_TRUE(status == "HTTP/1.1 404 Not Found" || status == "HTTP/1.1 403 Forbidden" ||
                status == "HTTP/1.1 400 Bad Request")
        << target << ": " << status;
  }
  // What the page gets to play is H.264, in the folder's cache, and the browser seeks in it by
  // ranges.
  EXPECT_TRUE(fs::exists(videos_ + "/.actrec/play/clip.avi.mp4"));
  const std::string part = answer_to("/video/clip.avi", "Range: bytes=100-199\r\n");
  EXPECT_EQ(part.substr(0, part.find("\r\n")), "HTTP/1.1 206 Partial Content");
  const std::string whole = read_text(videos_ + "/.actrec/play/clip.avi.mp4");
  EXPECT_EQ(part.substr(part.find("\r\n\r\n") + 4), whole.substr(100, 100));
}

TEST_F(Annotate, OnlyAnnotationsTrainingReadsAreSaved) {
  write_two_people_video(videos_ + "/two.avi", 25, 25.0);
  ASSERT_FALSE(serve().empty());
  // Labelled on first open: asked once, then followed until done (a bounded wait).
  EXPECT_NE(answer_to("/api/video?name=two.avi").find(" 202 "), std::string::npos);
  for (int i = 0; i < 600 && !fs::exists(videos_ + "/.actrec/labels/two.poses.csv"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_NE(answer_to("/api/video?name=two.avi").find(" 200 "), std::string::npos);
  const std::string target = "/api/annotation?name=two.avi&person=0";
  EXPECT_NE(
      post(target, "start_s,end_s,label\n0,0.5,flying\n").find("line 2: unknown label 'flying'"),
      std::string::npos);
  EXPECT_NE(post(target, "start_s,end_s,label\n0.5,0.2,dark\n").find("line 2: expected"),
            std::string::npos);
  EXPECT_NE(post(target, "start,end,label\n0,1,dark\n").find("line 1: expected the header"),
            std::string::npos);
  EXPECT_NE(post("/api/annotation?name=other.avi", "start_s,end_s,label\n").find(" 404 "),
            std::string::npos);
  EXPECT_FALSE(fs::exists(videos_ + "/.actrec/annotations/two.labels.csv"));
  const std::string good = "start_s,end_s,label\n0.000,0.400,dark\n0.400,1.000,light\n";
  EXPECT_NE(post(target, good).find(" 200 "), std::string::npos);
  EXPECT_EQ(read_text(videos_ + "/.actrec/annotations/two.labels.csv"), good);
  // With the segments JSON beside it: `data import labels` takes the folder as it is.
  const auto imported =
      run_actrec("data import labels " + shell_quote(videos_ + "/.actrec/annotations") + " -o " +
                 shell_quote(dir_.file("m.csv")));
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
}

TEST_F(Annotate, EditsInTheBrowserAreSavedPerPerson) {
  const std::string missing = browser_missing();
  if (!missing.empty()) GTEST_SKIP() << missing << ": the page is not driven in a browser";
  write_two_people_video(videos_ + "/two.avi", 100, 25.0);
  const std::string url = serve({"--persons", "multi"});
  ASSERT_FALSE(url.empty());
  const auto done = page(url, {"edit"});
  ASSERT_FALSE(done.is_null());
  EXPECT_GT(done["played_s"].get<double>(), 0.3);  // the video played
  const std::string file = done["file"];
  EXPECT_NE(file.find(".p"), std::string::npos) << file << ": one file per person";
  const auto rows = read_annotation(videos_ + "/.actrec/annotations/" + file);
  const double duration = done["duration_s"];
  const double selected_end = done["selected"][1];
  // The stretch selected with the mouse and given the key 2 (the second class), its start
  // edge dragged to a tenth of the track: one row from there to the stretch's end.
  const std::string second = done["classes"][1];
  const auto stretch = std::find_if(rows.begin(), rows.end(), [&](const Row& row) {
    return row.label == second && std::abs(row.end_s - selected_end) < 0.002;
  });
  ASSERT_NE(stretch, rows.end()) << read_text(videos_ + "/.actrec/annotations/" + file);
  EXPECT_NEAR(stretch->start_s, 0.1 * duration, 0.05);
  // The file is what the page shows after the undo: the key 1 pressed last left no trace.
  ASSERT_EQ(rows.size(), done["segments"].size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_NEAR(rows[i].start_s, done["segments"][i]["start_s"].get<double>(), 0.0006);
    EXPECT_NEAR(rows[i].end_s, done["segments"][i]["end_s"].get<double>(), 0.0006);
    EXPECT_EQ(rows[i].label, done["segments"][i]["label"]);
  }
  // Rows in order, none overlapping.
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_LE(rows[i - 1].end_s, rows[i].start_s + 1e-6);

  // Both people have a track, and each is drawn where the labelled run found them: the box
  // at 0.5 s is the one the frames CSV gives for that frame.
  ASSERT_EQ(done["drawn"].size(), 2u);
  const std::string frames = read_text(videos_ + "/.actrec/labels/two.frames.csv");
  for (const auto& drawn : done["drawn"]) {
    ASSERT_TRUE(drawn[1].is_array()) << drawn;
    const int person = drawn[0];
    std::istringstream lines(frames);
    std::string row;
    bool found = false;
    while (std::getline(lines, row)) {
      // frame,time_s,person,x,y,w,h,...: frame 12 is at 0.48 s, the last frame up to 0.5 s.
      if (row.rfind("12,", 0) != 0) continue;
      std::vector<std::string> fields;
      std::istringstream cells(row);
      for (std::string cell; std::getline(cells, cell, ',');) fields.push_back(cell);
      if (std::stoi(fields[2]) != person) continue;
      found = true;
      EXPECT_NEAR(drawn[1][1].get<double>(), std::stod(fields[3]), 0.2) << row;
      EXPECT_NEAR(drawn[1][2].get<double>(), std::stod(fields[4]), 0.2) << row;
      EXPECT_NEAR(drawn[1][3].get<double>(), std::stod(fields[3]) + std::stod(fields[5]), 0.2);
      EXPECT_NEAR(drawn[1][4].get<double>(), std::stod(fields[4]) + std::stod(fields[6]), 0.2);
    }
    EXPECT_TRUE(found) << "person " << person << " not in frame 12 of the frames CSV";
  }

  // Someone else rewrites the file: the open page reads it again and says so.
  const auto external = page(url, {"external", videos_ + "/.actrec/annotations/" + file});
  ASSERT_FALSE(external.is_null());
  EXPECT_NE(external["notice"].get<std::string>().find(file), std::string::npos);
  ASSERT_EQ(external["segments"].size(), 1u);
  EXPECT_EQ(external["segments"][0]["label"], done["classes"][0]);
}

TEST_F(Annotate, TrainButtonFineTunesOnTheCorrections) {
  const std::string missing = browser_missing();
  if (!missing.empty()) GTEST_SKIP() << missing << ": the page is not driven in a browser";
  write_two_people_video(videos_ + "/two.avi", 100, 25.0);
  const auto before = fs::last_write_time(model_);
  const std::string url = serve();
  ASSERT_FALSE(url.empty());
  const auto done = page(url, {"train", "2"});
  ASSERT_FALSE(done.is_null());
  ASSERT_EQ(done["train"]["state"], "done") << done.dump(2) << read_text(log_);
  // The new bundle beside the old, which stays as it was.
  const std::string bundle = videos_ + "/.actrec/models/1.actrec";
  EXPECT_TRUE(fs::exists(bundle));
  EXPECT_EQ(done["train"]["bundle"], bundle);
  EXPECT_EQ(fs::last_write_time(model_), before);
  // Per video: frames that changed, and corrected frames the new model labels right.
  ASSERT_EQ(done["train"]["report"].size(), 1u);
  const auto& report = done["train"]["report"][0];
  EXPECT_EQ(report["video"], "two.avi");
  EXPECT_EQ(report["frames"], 100);
  EXPECT_EQ(report["corrected"], 100);  // the whole video, corrected to one class
  EXPECT_LE(report["right"].get<int>(), 100);
  ASSERT_EQ(done["report"].size(), 1u);
  EXPECT_NE(done["report"][0].get<std::string>().find("two.avi"), std::string::npos);
  EXPECT_NE(done["report"][0].get<std::string>().find("/100"), std::string::npos);
}

TEST_F(Annotate, TrainingIsCancelledFromThePage) {
  const std::string missing = browser_missing();
  if (!missing.empty()) GTEST_SKIP() << missing << ": the page is not driven in a browser";
  write_two_people_video(videos_ + "/two.avi", 50, 25.0);
  const std::string url = serve();
  ASSERT_FALSE(url.empty());
  const auto done = page(url, {"cancel"});
  ASSERT_FALSE(done.is_null());
  EXPECT_EQ(done["train"]["state"], "cancelled") << done.dump(2);
  EXPECT_FALSE(fs::exists(videos_ + "/.actrec/models/1.actrec"));
}

TEST_F(Annotate, AFolderThatIsNotThereIsSaid) {
  const auto result = run_actrec("annotate " + shell_quote(dir_.file("nowhere")) + " --model " +
                                 shell_quote(model_) + " --serve 0");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find(dir_.file("nowhere") + ": no such folder"), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace actrec::test
