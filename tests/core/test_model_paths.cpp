// Where model files are found: as given, then $ACTREC_MODELS, then the install's models folder
// (in a build tree, the checkout's models/, as an install lays it out).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "actrec/core/error.hpp"
#include "actrec/core/model_paths.hpp"
#include "temp_dir.hpp"
#include "test_paths.hpp"

namespace actrec {
namespace {
namespace fs = std::filesystem;

class ModelPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    cwd_ = fs::current_path();
    if (const char* env = std::getenv("ACTREC_MODELS")) saved_env_ = env;
    ::unsetenv("ACTREC_MODELS");
    fs::current_path(here_.path());  // nothing relative is found through the checkout
    fs::create_directories(here_.file("models"));
  }
  void TearDown() override {
    fs::current_path(cwd_);
    if (saved_env_.empty()) {
      ::unsetenv("ACTREC_MODELS");
    } else {
      ::setenv("ACTREC_MODELS", saved_env_.c_str(), 1);
    }
  }
  static void touch(const std::string& path) { test::write_text(path, "x"); }

  fs::path cwd_;
  std::string saved_env_;
  test::TempDir here_, folder_;
};

TEST_F(ModelPaths, ABuildTreeIsLaidOutAsAnInstallWithTheCheckoutsModels) {
  const std::string installed = installed_models_dir();
  ASSERT_FALSE(installed.empty());
  EXPECT_TRUE(fs::equivalent(installed, fs::path(ACTREC_SOURCE_DIR) / "models")) << installed;
  // So the default bundle is found from any folder, with nothing set.
  EXPECT_TRUE(
      fs::equivalent(find_model_file(kDefaultBundle), fs::path(installed) / "default.actrec"));
}

TEST_F(ModelPaths, HereThenActrecModelsThenTheInstall) {
  const std::string name = "models/default.actrec";
  ::setenv("ACTREC_MODELS", folder_.path().c_str(), 1);
  // Not here, not in $ACTREC_MODELS: the installed one.
  EXPECT_EQ(fs::path(find_model_file(name)).parent_path(), fs::path(installed_models_dir()));
  touch(folder_.file("default.actrec"));
  EXPECT_EQ(find_model_file(name), folder_.file("default.actrec"));
  touch(here_.file(name));
  EXPECT_EQ(find_model_file(name), name);  // as given, from the current folder
  EXPECT_EQ(model_search_dirs(),
            (std::vector<std::string>{folder_.path(), installed_models_dir()}));
}

TEST_F(ModelPaths, AnAbsolutePathIsOnlyTakenAsGiven) {
  ::setenv("ACTREC_MODELS", folder_.path().c_str(), 1);
  touch(folder_.file("mine.actrec"));
  const std::string absolute = here_.file("mine.actrec");
  const std::string message = test::error_message<ModelError>([&] { find_model_file(absolute); });
  EXPECT_EQ(message.rfind("cannot find model: " + absolute + ": looked at " + absolute + " (", 0),
            0u)
      << message;
}

TEST_F(ModelPaths, AMissingModelNamesEveryPlaceLookedAt) {
  ::setenv("ACTREC_MODELS", folder_.path().c_str(), 1);
  const std::string message = test::error_message<ModelError>([] { find_model_file("none.pt"); });
  const std::string places = "none.pt, " + folder_.file("none.pt") + ", " +
                             (fs::path(installed_models_dir()) / "none.pt").string();
  EXPECT_NE(message.find("cannot find model: none.pt: looked at " + places + " ("),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace actrec
