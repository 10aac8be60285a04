// Smoke tests of the `actrec` binary as a user runs it: output, messages and exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_paths.hpp"
#include "run_command.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"

namespace actrec::test {
namespace {


TEST(Cli, HelpListsCommandsAndExitCodes) {
  const auto result = run_actrec("--help");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(contains(result.out, "probe")) << result.out;
  EXPECT_TRUE(contains(result.out, "config")) << result.out;
  EXPECT_TRUE(contains(result.out, "Exit codes")) << result.out;
  EXPECT_TRUE(contains(result.out, "3  input error")) << result.out;
}

TEST(Cli, EveryCommandPathHasHelpWithItsDefaults) {
  for (const char* command :
       {"probe", "config", "config show", "import-tfjs", "extract", "label", "live", "data",
        "data check", "data import", "train", "eval", "eval people", "bench", "bench extract", "bench train",
        "bench memory", "bench label", "bench live"}) {
    SCOPED_TRACE(command);
    const auto result = run_actrec(std::string(command) + " --help");
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_TRUE(contains(result.out, "Usage: actrec " + std::string(command))) << result.out;
  }
  EXPECT_TRUE(contains(run_actrec("label --help").out, "--persons single|multi")) ;
  EXPECT_TRUE(contains(run_actrec("bench memory --help").out, "--delay INT=50"));  // a default
}

TEST(Cli, Version) {
  const auto result = run_actrec("--version");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, std::string("actrec ") + ACTREC_VERSION_STRING + "\n");
}

TEST(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_actrec("").exit_code, 2);
  EXPECT_EQ(run_actrec("no-such-command").exit_code, 2);
  EXPECT_EQ(run_actrec("probe").exit_code, 2);  // VIDEO is required
  EXPECT_EQ(run_actrec("--threads -3 config show").exit_code, 2);
}

TEST(Cli, EvalPeopleScoresFoundBoxesAgainstCountedOnes) {
  TempDir dir;
  write_text(dir.file("counts.tsv"),
             "frame\tperson\tx\ty\tw\th\tmoving\tpartial\tnote\n"
             "3\t1\t10\t10\t20\t50\tyes\tno\t\n"
             "3\t2\t100\t10\t30\t120\tyes\tno\t\n");
  write_text(dir.file("v.frames.csv"),
             "frame,time_s,person,x,y,w,h,label\n3,0.3,1,11,12,20,48,walking\n"
             "3,0.3,2,300,300,20,40,walking\n");
  const auto result = run_actrec("eval people " + shell_quote(dir.file("counts.tsv")) + " " +
                                 shell_quote(dir.file("v.frames.csv")) + " --json " +
                                 shell_quote(dir.file("out.json")));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "people found: 1 of 2 (0.50) on 1 frames; 2 boxes found, 1 "
                                   "matched nobody"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "height < 60 px         1 of    1")) << result.out;
  EXPECT_EQ(nlohmann::json::parse(read_text(dir.file("out.json")))["found"], 1);
  EXPECT_EQ(run_actrec("eval people " + shell_quote(dir.file("v.frames.csv")) + " " +
                       shell_quote(dir.file("counts.tsv")))
                .exit_code,
            5);  // the files the wrong way round: no columns x, y... in the TSV read as one
  EXPECT_EQ(run_actrec("eval --data x.csv").exit_code, 2);  // --model still required
}

TEST(Cli, ProbePrintsCounts) {
  TempDir dir;
  write_index_video(dir.file("clip.avi"), 42, 25.0);
  const auto result = run_actrec("probe " + shell_quote(dir.file("clip.avi")));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "42 decoded, 42 in container")) << result.out;
  EXPECT_TRUE(contains(result.out, "160x120")) << result.out;
  EXPECT_EQ(result.err, "");  // no warnings, no library noise
}

TEST(Cli, ProbeJson) {
  TempDir dir;
  write_index_video(dir.file("clip.avi"), 30, 15.0);
  const auto result = run_actrec("probe --json " + shell_quote(dir.file("clip.avi")));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["decoded_frames"], 30);
  EXPECT_EQ(json[0]["container_frames"], 30);
  EXPECT_DOUBLE_EQ(json[0]["fps"].get<double>(), 15.0);
  EXPECT_NEAR(json[0]["duration_s"].get<double>(), 2.0, 1e-3);
}

TEST(Cli, CorruptFileAmongGoodOnesIsReportedAndTheRestFinish) {
  TempDir dir;
  write_index_video(dir.file("good.avi"), 10, 25.0);
  write_text(dir.file("bad.avi"), std::string(3000, 'x'));
  const auto result = run_actrec("probe " + shell_quote(dir.file("bad.avi")) + " " +
                                 shell_quote(dir.file("good.avi")));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_TRUE(contains(result.out, "10 decoded")) << result.out;
  // Our one-line message naming the file, and nothing from OpenCV or FFmpeg.
  EXPECT_EQ(result.err, "error: cannot open video: " + dir.file("bad.avi") +
                            ": not a video file, or a format FFmpeg cannot read\n");
}

TEST(Cli, ConfigShowFillsDefaultsAndAppliesOverrides) {
  TempDir dir;
  write_text(dir.file("c.yaml"), "model:\n  cell: rnn\n");
  const auto result = run_actrec("config show " + shell_quote(dir.file("c.yaml")) +
                                 " --set model.hidden=17 --threads 2");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "cell: rnn")) << result.out;
  EXPECT_TRUE(contains(result.out, "hidden: 17")) << result.out;
  EXPECT_TRUE(contains(result.out, "threads: 2")) << result.out;
  EXPECT_TRUE(contains(result.out, "queue_size: 8")) << result.out;  // a default
}

TEST(Cli, BadConfigExitsWithTwoNamingKeyAndLine) {
  TempDir dir;
  write_text(dir.file("c.yaml"), "model:\n  hidden: many\n");
  const auto result = run_actrec("config show " + shell_quote(dir.file("c.yaml")));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "error: invalid config: " + dir.file("c.yaml") +
                            ":2: model.hidden: expected an integer, got 'many'\n");
}

TEST(Cli, RealClip) {
  ACTREC_REQUIRE_SHARED();
  const auto result = run_actrec(
      "probe " + shell_quote(shared_dir() + "/datasets/kth_actions/person01_walking_d1.avi"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "555 decoded, 555 in container")) << result.out;
}

}  // namespace
}  // namespace actrec::test
