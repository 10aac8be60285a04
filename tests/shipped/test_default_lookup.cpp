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

}  // namespace
}  // namespace actrec::test
