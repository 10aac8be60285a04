// `actrec label VIDEO` with no --model and no $ACTREC_MODELS, from a folder that is not the
// checkout: the default bundle and its backbone are found as an installed actrec finds them
// (the build tree is laid out as an install; scripts/check_package.sh checks a real one).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "run_command.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"
#include "test_paths.hpp"

namespace actrec::test {
namespace {
namespace fs = std::filesystem;

TEST(DefaultModel, FoundFromAnyFolderWithoutModelOrEnvironment) {
  if (!fs::exists(std::string(ACTREC_SOURCE_DIR) + "/models/movenet-multipose.pt")) {
    GTEST_SKIP() << "models/movenet-multipose.pt is absent: run scripts/fetch_models.sh";
  }
  TempDir dir;
  write_index_video(dir.file("clip.avi"), 20);
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  const char* env = std::getenv("ACTREC_MODELS");
  const std::string saved = env ? env : "";
  ::unsetenv("ACTREC_MODELS");
  const auto result = run_actrec("label clip.avi -o out", 300);
  if (!saved.empty()) ::setenv("ACTREC_MODELS", saved.c_str(), 1);
  fs::current_path(cwd);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string csv = read_text(dir.file("out/clip.frames.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 21) << csv;  // a header, 20 frames
}

TEST(DefaultModel, EveryCommandFindsABundleInActrecModelsAndItsBackboneInTheInstall) {
  if (!fs::exists(std::string(ACTREC_SOURCE_DIR) + "/models/movenet-multipose.pt")) {
    GTEST_SKIP() << "models/movenet-multipose.pt is absent: run scripts/fetch_models.sh";
  }
  // A user's folder of models holding one fine-tuned bundle, and nothing else.
  TempDir dir, mine;
  fs::copy_file(std::string(ACTREC_SOURCE_DIR) + "/models/default.actrec",
                mine.file("mine.actrec"));
  write_index_video(dir.file("clip.avi"), 20);
  write_text(dir.file("data.csv"), "video,split,annotation\nclip.avi,train,standing\n");
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  const char* env = std::getenv("ACTREC_MODELS");
  const std::string saved = env ? env : "";
  ::setenv("ACTREC_MODELS", mine.path().c_str(), 1);
  const auto label = run_actrec("label --model mine.actrec clip.avi -o out", 300);
  const auto live = run_actrec("live --model mine.actrec --source clip.avi --no-display", 300);
  const auto live_default = run_actrec("live --source clip.avi --no-display", 300);
  const auto train = run_actrec(
      "train --init mine.actrec --data data.csv -o run --set train.finetune.epochs=1", 300);
  saved.empty() ? ::unsetenv("ACTREC_MODELS") : ::setenv("ACTREC_MODELS", saved.c_str(), 1);
  fs::current_path(cwd);
  EXPECT_EQ(label.exit_code, 0) << label.err;
  EXPECT_EQ(live.exit_code, 0) << live.err;
  EXPECT_EQ(live_default.exit_code, 0) << live_default.err;  // the shipped model, no --model
  EXPECT_EQ(train.exit_code, 0) << train.err;
  EXPECT_TRUE(fs::exists(dir.file("run/last.actrec")));
}

}  // namespace
}  // namespace actrec::test
