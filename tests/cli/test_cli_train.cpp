// The training commands end to end, as a user runs them, on videos and a backbone the test makes:
// each video shows red then blue; the labels say so.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/script.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "actrec/model/bundle.hpp"
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
  // A user's own clip: 20 frames green, a colour the bundles never saw, then 20 red.
  void write_green_red_video(const std::string& name) {
    cv::VideoWriter writer(dir_.file(name), cv::CAP_FFMPEG,
                           cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25, {32, 32});
    for (int f = 0; f < 40; ++f) {
      writer.write(
          cv::Mat(32, 32, CV_8UC3, f < 20 ? cv::Scalar(0, 255, 0) : cv::Scalar(0, 0, 255)));
    }
  }
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
    write_green_red_video(name + ".avi");
    write_text(dir_.file(name + ".csv"), "start,end,label\n0,20,green\n20,40,red\n");
    manifest += name + ".avi,train," + name + ".csv\n";
  }
  write_text(dir_.file("mine.csv"), manifest);
  // No -c: the bundle says how its features are made (only the cache is the test's).
  // (A step this large for so little data; the defaults are for real clips: see results.md.)
  const std::string cache = " --set train.cache_dir=" + q("cache");
  const auto tuned = run_actrec("train --init " + q("base/best.actrec") + " --data " +
                                q("mine.csv") + " -o " + q("tuned") + cache +
                                " --new-class green --set train.finetune.lr=0.05 --set "
                                "train.batch_size=2");
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
  const auto resumed =
      run_actrec("train --init " + q("base/best.actrec") + " --data " + q("mine.csv") + " -o " +
                 q("tuned") + " --resume" + cache + " --new-class green");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(contains(resumed.err, "resuming")) << resumed.err;
  EXPECT_FALSE(contains(resumed.err, "epoch   1/20")) << resumed.err;
  // The backbone here no longer makes what the bundle learnt from: refused, saying so.
  torch::jit::Module other("Other");
  other.define("def forward(self, x: Tensor):\n    return x.float().mean([1, 2])\n");
  other.save(dir_.file("colour.pt"));
  const auto refused =
      run_actrec("train --init " + q("base/best.actrec") + " --data " + q("mine.csv") + " -o " +
                 q("refused") + cache + " --new-class green");
  EXPECT_EQ(refused.exit_code, 4) << refused.err;
  EXPECT_TRUE(contains(refused.err, "base/best.actrec")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "other observations of the probe images")) << refused.err;
}

TEST_F(TrainCommands, FineTuningTakesLabelsTheBundleDoesNotKnowOnlyAsNewClassesAskedFor) {
  ASSERT_EQ(run_actrec("train -c " + q("config.yaml") + " --data " + q("manifest.csv") + " -o " +
                       q("base") + " --set train.epochs=2")
                .exit_code,
            0);
  // Typed by hand: 'Red' is the bundle's red; 'green' and 'Green' are no class of it.
  std::string manifest = "video,split,annotation\n";
  for (int i = 0; i < 2; ++i) {
    const std::string name = "g" + std::to_string(i);
    write_green_red_video(name + ".avi");
    manifest += name + ".avi," + (i == 0 ? "train" : "val") + "," + name + ".csv\n";
  }
  write_text(dir_.file("g0.csv"), "start,end,label\n0,20,green\n20,40,Red\n");
  write_text(dir_.file("g1.csv"), "start,end,label\n0,20,Green\n20,40,blue\n");
  write_text(dir_.file("mine.csv"), manifest);
  const std::string tune = "train --init " + q("base/best.actrec") + " --data " + q("mine.csv") +
                           " --set train.cache_dir=" + q("cache") +
                           " --set train.finetune.epochs=2";
  const auto refused = run_actrec(tune + " -o " + q("refused"));
  EXPECT_EQ(refused.exit_code, 5) << refused.err;
  for (const std::string where : {"g0.csv:2: 'green'", "g1.csv:2: 'Green'"}) {
    EXPECT_TRUE(contains(refused.err, dir_.file(where) + " is not one of " +
                                          dir_.file("base/best.actrec") +
                                          "'s classes (nearest: 'red'; known: blue, red, "
                                          "background): correct it, or ask for a new class "
                                          "with --new-class green"))
        << refused.err;
  }
  EXPECT_FALSE(contains(refused.err, "'Red' is not")) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("refused/best.actrec")));
  // Asked for: a class after the bundle's; 'Red' is red, said; blue only in val, said.
  const auto tuned = run_actrec(tune + " -o " + q("tuned") + " --new-class green");
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_TRUE(contains(tuned.err, dir_.file("g0.csv") + ":3: 'Red' taken as " +
                                      dir_.file("base/best.actrec") + "'s class 'red'"))
      << tuned.err;
  EXPECT_TRUE(contains(tuned.err,
                       "'blue' labels 20 frames of split 'val' and none of 'train': "
                       "the model cannot learn it from this data"))
      << tuned.err;
  EXPECT_EQ(model::load_bundle(dir_.file("tuned/best.actrec")).info.labels,
            (std::vector<std::string>{"blue", "red", "background", "green"}));
  // A new class asked for with nothing to learn it from, or one the bundle has: refused.
  const auto nothing =
      run_actrec(tune + " -o " + q("nothing") + " --new-class green --new-class purple");
  EXPECT_EQ(nothing.exit_code, 5) << nothing.err;
  EXPECT_TRUE(contains(nothing.err,
                       "--new-class purple: no frame of split 'train' is labelled "
                       "purple: nothing to learn it from"))
      << nothing.err;
  const auto known = run_actrec(tune + " -o " + q("known") + " --new-class green --new-class Blue");
  EXPECT_EQ(known.exit_code, 2) << known.err;
  EXPECT_TRUE(contains(known.err, "--new-class Blue: " + dir_.file("base/best.actrec") +
                                      " has that class already ('blue')"))
      << known.err;
}

TEST_F(TrainCommands, ValidationFramesOfAClassTrainingNeverShowsAreSaid) {
  // How best.actrec came to be saved at accuracy 0.000: the validation clip's only class was
  // one no training clip had, so validation could only count its frames wrong. (Whether a
  // model of random weights for that class happens to say it is chance: the accuracy is not
  // asserted.)
  write_green_red_video("g.avi");
  write_text(dir_.file("g.csv"), "start,end,label\n0,40,green\n");
  write_text(dir_.file("val_only.csv"),
             "video,split,annotation\nv0.avi,train,v0.csv\n"
             "v1.avi,train,v1.csv\ng.avi,val,g.csv\n");
  const auto trained = run_actrec("train -c " + q("config.yaml") + " --data " + q("val_only.csv") +
                                  " -o " + q("run") + " --set train.epochs=2");
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_TRUE(contains(trained.err, "'green' labels 40 frames of split 'val' and none of 'train'"))
      << trained.err;
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

TEST_F(TrainCommands, ARunFolderHoldingARunIsContinuedOrReplacedOnlyWhenAskedTo) {
  const std::string train = "train -c " + q("config.yaml") + " --set train.epochs=1 -o " + q("run");
  ASSERT_EQ(run_actrec(train + " --data " + q("manifest.csv")).exit_code, 0);
  const std::string first = read_text(dir_.file("run/best.actrec"));
  write_text(dir_.file("other.csv"), "video,split,annotation\nv0.avi,train,v0.csv\n");
  // Other data, or the same again: either would write over best.actrec. Refused, said how not to.
  for (const char* data : {"other.csv", "manifest.csv"}) {
    const auto again = run_actrec(train + " --data " + q(data));
    EXPECT_EQ(again.exit_code, 2) << again.err;
    EXPECT_TRUE(contains(again.err, "cannot train into " + dir_.file("run") +
                                        ": it holds a run already (trained on " +
                                        dir_.file("manifest.csv") + ")"))
        << again.err;
    EXPECT_TRUE(contains(again.err, "--resume continues it, --overwrite replaces it")) << again.err;
    EXPECT_TRUE(read_text(dir_.file("run/best.actrec")) == first) << "best.actrec replaced";
  }
  // --resume is for the same run only.
  const auto resumed = run_actrec(train + " --data " + q("other.csv") + " --resume");
  EXPECT_EQ(resumed.exit_code, 2) << resumed.err;
  EXPECT_TRUE(contains(resumed.err, "cannot resume: " + dir_.file("run") + ": it was trained on " +
                                        dir_.file("manifest.csv") + ", not on " +
                                        dir_.file("other.csv")))
      << resumed.err;
  EXPECT_TRUE(read_text(dir_.file("run/best.actrec")) == first) << "best.actrec replaced";
  // --overwrite: a new run, from nothing.
  const auto replaced = run_actrec(train + " --data " + q("other.csv") + " --overwrite");
  ASSERT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_TRUE(read_text(dir_.file("run/best.actrec")) != first) << "best.actrec kept";
  EXPECT_FALSE(contains(replaced.err, "resuming")) << replaced.err;
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
