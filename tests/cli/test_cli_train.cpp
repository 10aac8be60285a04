// The training commands end to end, as a user runs them, on videos and a backbone the test makes:
// each video shows red then blue; the labels say so.
#include <gtest/gtest.h>
#include <torch/script.h>

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "run_command.hpp"
#include "temp_dir.hpp"

namespace actrec::test {
namespace {


class TrainCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    // Backbone: the mean colour of the frame, as a [B, 3] "feature map".
    torch::jit::Module backbone("MeanColour");
    backbone.define(R"(
def forward(self, x: Tensor):
    return x.float().mean([1, 2]) / 255.0
)");
    backbone.save(dir_.file("colour.pt"));
    write_text(dir_.file("config.yaml"),
               "features:\n  backbone: " + dir_.file("colour.pt") +
                   "\n  input_width: 16\n  input_height: 16\n  resize: stretch\n"
                   "  input_dtype: float32\n  preset: appearance\n  pose_output: -1\n"
                   "  map_output: 0\nmodel:\n  hidden: 16\n"
                   "train:\n  epochs: 25\n  batch_size: 2\n  lr: 0.02\n  tbptt_steps: 8\n"
                   "  cache_dir: " +
                   dir_.file("cache") + "\n");
    std::string manifest = "video,split,annotation\n";
    for (int i = 0; i < 4; ++i) {
      const int red = 10 + 3 * i, blue = 30 - 2 * i;
      const std::string name = "v" + std::to_string(i);
      cv::VideoWriter writer(dir_.file(name + ".avi"), cv::CAP_FFMPEG,
                             cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25, {32, 32});
      for (int f = 0; f < red + blue; ++f) {
        writer.write(
            cv::Mat(32, 32, CV_8UC3, f < red ? cv::Scalar(0, 0, 255) : cv::Scalar(255, 0, 0)));
      }
      write_text(dir_.file(name + ".csv"), "start,end,label\n0," + std::to_string(red) + ",red\n" +
                                               std::to_string(red) + "," +
                                               std::to_string(red + blue) + ",blue\n");
      manifest += name + ".avi," + (i < 3 ? "train" : "val") + "," + name + ".csv\n";
      manifest += name + ".avi,test," + name + ".csv\n";
    }
    write_text(dir_.file("manifest.csv"), manifest);
  }
  std::string q(const std::string& name) { return shell_quote(dir_.file(name)); }
  TempDir dir_;
};

TEST_F(TrainCommands, AnnotationsAreCheckedAgainstTheirVideosBeforeAnythingIsExtracted) {
  const int frames = 10 + 30;  // v0: 10 red, 30 blue
  write_text(dir_.file("v0.csv"), "start,end,label\n0,10,red\n10,99,blue\n");
  const auto trained = run_actrec("train -c " + q("config.yaml") + " --data " + q("manifest.csv") +
                                  " -o " + q("run"));
  EXPECT_EQ(trained.exit_code, 5) << trained.err;
  EXPECT_TRUE(contains(trained.err, dir_.file("v0.csv") + ":3: segment [10, 99) ends past the "
                                        "video's end (" + std::to_string(frames) + " frames)"))
      << trained.err;
  // Found before extraction: nothing was extracted into the cache.
  std::error_code error;
  EXPECT_TRUE(!std::filesystem::exists(dir_.file("cache")) ||
              std::filesystem::is_empty(dir_.file("cache"), error));
}

TEST_F(TrainCommands, ADatasetOfOneClassOrAClipInTrainAndTestIsSaid) {
  write_text(dir_.file("one.csv"), "video,split,annotation\nv0.avi,train,red\nv1.avi,train,red\n"
                                   "v1.avi,test,red\n");
  const auto trained = run_actrec("train -c " + q("config.yaml") + " --data " + q("one.csv") +
                                  " -o " + q("run") + " --set train.epochs=1");
  EXPECT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_TRUE(contains(trained.err, "only 1 class besides background (red)")) << trained.err;
  EXPECT_TRUE(contains(trained.err, "v1.avi is in 'train' and in another split")) << trained.err;
}

TEST_F(TrainCommands, DataCheckTrainEval) {
  auto check = run_actrec("data check " + q("manifest.csv"));
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_TRUE(contains(check.out, "no problems found")) << check.out;

  const auto trained = run_actrec("train -c " + q("config.yaml") + " --data " + q("manifest.csv") +
                                  " -o " + q("run"));
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_TRUE(contains(trained.err, "epoch  25/25")) << trained.err;
  for (const char* file :
       {"best.actrec", "last.actrec", "train_log.csv", "train_curves.png", "config.yaml"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_.file(std::string("run/") + file))) << file;
  }
  const auto evaluated = run_actrec("eval --model " + q("run/best.actrec") + " --data " +
                                    q("manifest.csv") + " --split test --json " + q("eval.json"));
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  std::ifstream in(dir_.file("eval.json"));
  const auto json = nlohmann::json::parse(in);
  EXPECT_GT(json["frame_accuracy"].get<double>(), 0.9);  // colour is all it takes
  EXPECT_GT(json["f1@50"].get<double>(), 50.0);
  EXPECT_TRUE(std::filesystem::exists(dir_.file("eval.confusion.png")));

  // The backbone changes under the model: refused, naming the bundle, exit code 4.
  torch::jit::Module other("Other");
  other.define("def forward(self, x: Tensor):\n    return x.float().mean([1, 2])\n");
  other.save(dir_.file("colour.pt"));
  const auto refused = run_actrec("eval --model " + q("run/best.actrec") + " --data " +
                                  q("manifest.csv") + " --split test");
  EXPECT_EQ(refused.exit_code, 4);
  EXPECT_TRUE(contains(refused.err, "run/best.actrec")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "other observations of the probe images")) << refused.err;
}

TEST_F(TrainCommands, FineTuningABundleKeepsItsClassesAddsNewOnesAndRefusesOtherFeatures) {
  const auto base = run_actrec("train -c " + q("config.yaml") + " --data " + q("manifest.csv") +
                               " -o " + q("base"));
  ASSERT_EQ(base.exit_code, 0) << base.err;
  // A user's own clips: green, a class the bundle never saw, beside red and blue.
  std::string manifest = "video,split,annotation\n";
  for (int i = 0; i < 3; ++i) {
    const std::string name = "g" + std::to_string(i);
    cv::VideoWriter writer(dir_.file(name + ".avi"), cv::CAP_FFMPEG,
                           cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25, {32, 32});
    for (int f = 0; f < 40; ++f) {
      writer.write(cv::Mat(32, 32, CV_8UC3, f < 20 ? cv::Scalar(0, 255, 0) : cv::Scalar(0, 0, 255)));
    }
    write_text(dir_.file(name + ".csv"), "start,end,label\n0,20,green\n20,40,red\n");
    manifest += name + ".avi,train," + name + ".csv\n";
  }
  write_text(dir_.file("mine.csv"), manifest);
  // No -c: the bundle says how its features are made (only the cache is the test's).
  // (A step this large for so little data; the defaults are for real clips: see results.md.)
  const std::string cache = " --set train.cache_dir=" + q("cache");
  const auto tuned = run_actrec("train --init " + q("base/best.actrec") + " --data " +
                                q("mine.csv") + " -o " + q("tuned") + cache +
                                " --set train.finetune.lr=0.05 --set train.batch_size=2");
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_TRUE(contains(tuned.err, "epoch  40/40")) << tuned.err;  // train.finetune.epochs
  EXPECT_TRUE(contains(tuned.err, "best.actrec is the last epoch's model")) << tuned.err;
  EXPECT_TRUE(contains(tuned.err, "1 new classes")) << tuned.err;
  const auto evaluated = run_actrec("eval --model " + q("tuned/best.actrec") + " --data " +
                                    q("mine.csv") + " --split train --json " + q("tuned.json") + cache);
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  const auto json = nlohmann::json::parse(read_text(dir_.file("tuned.json")));
  // The bundle's classes first, in its order, then the new one.
  EXPECT_EQ(json["classes"], (nlohmann::json{"blue", "red", "background", "green"}));
  EXPECT_GT(json["per_class"]["green"]["recall"].get<double>(), 0.8);
  EXPECT_GT(json["per_class"]["red"]["recall"].get<double>(), 0.8);
  // Resuming a finished fine-tuning run does nothing more.
  const auto resumed = run_actrec("train --init " + q("base/best.actrec") + " --data " +
                                  q("mine.csv") + " -o " + q("tuned") + " --resume" + cache);
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(contains(resumed.err, "resuming")) << resumed.err;
  EXPECT_FALSE(contains(resumed.err, "epoch   1/20")) << resumed.err;
  // The backbone here no longer makes what the bundle learnt from: refused, saying so.
  torch::jit::Module other("Other");
  other.define("def forward(self, x: Tensor):\n    return x.float().mean([1, 2])\n");
  other.save(dir_.file("colour.pt"));
  const auto refused = run_actrec("train --init " + q("base/best.actrec") + " --data " +
                                  q("mine.csv") + " -o " + q("refused") + cache);
  EXPECT_EQ(refused.exit_code, 4) << refused.err;
  EXPECT_TRUE(contains(refused.err, "base/best.actrec")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "other observations of the probe images")) << refused.err;
}

TEST_F(TrainCommands, WithoutAConfigTrainingUsesTheBuiltInRecommendedSettings) {
  // Only what this test's backbone needs is set; everything else is the default.
  const std::string backbone =
      " --set features.backbone=" + q("colour.pt") +
      " --set features.input_dtype=float32 --set features.preset=appearance"
      " --set features.pose_output=-1 --set features.map_output=0 --set train.epochs=1"
      " --set train.cache_dir=" + q("cache");
  const auto trained =
      run_actrec("train --data " + q("manifest.csv") + " -o " + q("defaults") + backbone);
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto shown = run_actrec("config show" + backbone);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(read_text(dir_.file("defaults/config.yaml")), shown.out);
  const std::string defaults = run_actrec("config show").out;
  for (const char* line : {"cell: lstm", "hidden: 64", "recipe: tbptt", "fps: 15"}) {
    EXPECT_TRUE(contains(defaults, line)) << line;
  }
}

TEST_F(TrainCommands, DataProblemsExitWithFiveListingAll) {
  write_text(dir_.file("v0.csv"), "start,end,label\n0,5,red\n3,900,blue\n");
  const auto check = run_actrec("data check " + q("manifest.csv"));
  EXPECT_EQ(check.exit_code, 5);
  EXPECT_TRUE(contains(check.err, dir_.file("v0.csv") + ":3: segment [3, 900) ends past"))
      << check.err;
  const auto trained = run_actrec("train -c " + q("config.yaml") + " --data " + q("manifest.csv") +
                                  " -o " + q("run"));
  EXPECT_EQ(trained.exit_code, 5);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("run/best.actrec")));
}

TEST_F(TrainCommands, EmptySplitIsADataError) {
  write_text(dir_.file("train_only.csv"), "video,split,annotation\nv0.avi,train,red\n");
  const auto trained = run_actrec("train -c " + q("config.yaml") + " --data " + q("manifest.csv") +
                                  " -o " + q("run") + " --set train.epochs=1");
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto evaluated = run_actrec("eval --model " + q("run/best.actrec") + " --data " +
                                    q("train_only.csv") + " --split test");
  EXPECT_EQ(evaluated.exit_code, 5);
  EXPECT_TRUE(contains(evaluated.err, "no clips in split 'test'")) << evaluated.err;
}

}  // namespace
}  // namespace actrec::test

namespace actrec::test {
namespace {

// train_log.csv without its timing columns (frames_per_second, seconds).
std::vector<std::vector<double>> log_figures(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<double>> rows;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::stringstream cells(line);
    int column = 0;
    for (std::string cell; std::getline(cells, cell, ','); ++column) {
      if (column != 9 && column != 10) row.push_back(std::stod(cell));
    }
    rows.push_back(row);
  }
  return rows;
}

TEST_F(TrainCommands, KilledAtRandomPointsThenResumedEndsLikeAnUninterruptedRun) {
  const std::vector<std::string> base = {"train", "-c", dir_.file("config.yaml"), "--data",
                                         dir_.file("manifest.csv")};
  auto with = [&](std::vector<std::string> args, std::initializer_list<std::string> more) {
    args.insert(args.end(), more);
    return args;
  };
  ASSERT_EQ(wait_for(spawn_actrec(with(base, {"-o", dir_.file("whole")}), dir_.file("whole.log"))),
            0);
  const auto expected = log_figures(dir_.file("whole/train_log.csv"));
  ASSERT_EQ(expected.size(), 25u);
  std::mt19937 random(2026);
  for (int trial = 0; trial < 3; ++trial) {
    const std::string run = dir_.file("killed" + std::to_string(trial));
    const int pid = spawn_actrec(with(base, {"-o", run}), run + ".log");
    // Killed as soon as epoch k has been reported (its checkpoints written): inside epoch k+1.
    const int kill_after = std::uniform_int_distribution<int>(1, 24)(random);
    const std::string line = fmt::format("epoch {:>3}/25", kill_after);
    EXPECT_TRUE(wait_until([&] { return read_text(run + ".log").find(line) != std::string::npos; },
                           120))
        << line;
    kill(pid, SIGKILL);
    SCOPED_TRACE("killed after '" + line + "'");
    const int code = wait_for(pid);
    EXPECT_TRUE(code == 128 + SIGKILL || code == 0) << code;  // 0: it was faster this time
    if (std::filesystem::exists(run + "/last.actrec")) {      // what was written is whole
      EXPECT_EQ(run_actrec("eval --model " + shell_quote(run + "/last.actrec") + " --data " +
                           q("manifest.csv") + " --split test")
                    .exit_code,
                0);
    }
    // A kill inside a write leaves its temporary; plant one of each so the rare case is tested.
    std::filesystem::create_directories(run);
    for (const char* name : {".config.tmp1.yaml", ".last.tmp1.actrec", ".train_log.tmp1.csv"}) {
      write_text(run + "/" + name, "half");
    }
    ASSERT_EQ(wait_for(spawn_actrec(with(base, {"-o", run, "--resume"}), run + ".resume.log")), 0);
    const auto resumed = log_figures(run + "/train_log.csv");
    ASSERT_EQ(resumed.size(), expected.size());
    for (size_t epoch = 0; epoch < expected.size(); ++epoch) {
      for (size_t k = 0; k < expected[epoch].size(); ++k) {
        EXPECT_NEAR(resumed[epoch][k], expected[epoch][k],
                    1e-5 + 1e-4 * std::abs(expected[epoch][k]))
            << "epoch " << epoch + 1 << " column " << k;
      }
    }
    for (const auto& entry : std::filesystem::directory_iterator(run)) {
      EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
    }
  }
}

}  // namespace
}  // namespace actrec::test
