// The models the repository ships, with the backbone scripts/fetch_models.sh makes on this
// machine: each must load (its probe observations match) and label a real clip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "actrec/config/config.hpp"
#include "actrec/model/bundle_info.hpp"
#include "actrec/pipeline/labeler.hpp"
#include "actrec/video/frame_source.hpp"
#include "test_paths.hpp"
#include "temp_dir.hpp"

namespace actrec::test {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> shipped_bundles() {
  std::vector<std::string> bundles;
  for (const auto& entry : fs::directory_iterator(std::string(ACTREC_SOURCE_DIR) + "/models")) {
    if (entry.path().extension() == ".actrec") bundles.push_back(entry.path().string());
  }
  std::sort(bundles.begin(), bundles.end());
  return bundles;
}

class ShippedModels : public ::testing::Test {
 protected:
  void SetUp() override {
    // Bundles name their backbone relative to the checkout, as the README runs them.
    ASSERT_EQ(::chdir(ACTREC_SOURCE_DIR), 0);
    if (!fs::exists("models/movenet-lightning.pt")) {
      GTEST_SKIP() << "models/movenet-lightning.pt is absent: run scripts/fetch_models.sh";
    }
  }
};

TEST_F(ShippedModels, EachLoadsWithTheBackboneThisMachineConverted) {
  const auto bundles = shipped_bundles();
  ASSERT_FALSE(bundles.empty());
  for (const auto& bundle : bundles) {
    SCOPED_TRACE(bundle);
    EXPECT_NO_THROW(pipeline::Labeler{bundle});
  }
}

// The recipe in a training config's YAML: without its `finetune:` block (those settings shape
// only a model fine-tuned from another, train --init, never one trained from nothing as the
// shipped ones are) and without `mocap:`'s folder (where the data came from, as --data is).
std::string recipe(const std::string& yaml) {
  std::istringstream in(yaml);
  std::string out, line, section;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ') section = line.substr(0, line.find(':'));
    if (section == "finetune" || (section == "mocap" && line.rfind("  folder:", 0) == 0)) continue;
    out += line + "\n";
  }
  return out;
}

// The built-in defaults in each shipped bundle, but for the training settings `train` where a
// bundle's recipe names them.
void expect_built_in_defaults(const pipeline::Labeler& labeler,
                              const config::TrainConfig& train = config::TrainConfig{}) {
  const auto training = nlohmann::json::parse(labeler.info().training_json);
  const config::Config defaults;
  EXPECT_EQ(config::to_yaml(labeler.info().model), config::to_yaml(defaults.model));
  EXPECT_EQ(recipe(training.at("train_config").get<std::string>()), recipe(config::to_yaml(train)));
  EXPECT_EQ(config::to_yaml(labeler.info().smoothing), config::to_yaml(defaults.smoothing));
  EXPECT_DOUBLE_EQ(labeler.info().fps, defaults.data.fps);
  config::FeaturesConfig features = labeler.info().features;
  EXPECT_EQ(config::to_yaml(features), config::to_yaml(defaults.features));
}

bool has(const std::vector<std::string>& labels, const std::string& label) {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

TEST_F(ShippedModels, TheDefaultModelWasTrainedWithTheBuiltInDefaults) {
  pipeline::Labeler labeler("models/default.actrec");
  // With the motion capture scripts/train_default.sh mixes in (its folder is where the data
  // came from, as --data is, and not compared).
  config::TrainConfig with_mocap;
  with_mocap.mocap.share = 0.3;
  expect_built_in_defaults(labeler, with_mocap);
  for (const char* label : {"walking", "running", "standing", "sitting", "lying", "bending",
                            "jumping", "falling", "background"}) {
    EXPECT_TRUE(has(labeler.labels(), label)) << label;
  }
  // Everyday activity only: the gesture classes ship in models/gestures.actrec.
  for (const char* label : {"boxing", "handclapping", "arm_gesture"}) {
    EXPECT_FALSE(has(labeler.labels(), label)) << label;
  }
}

TEST_F(ShippedModels, TheGesturesModelIsTheSameRecipeWithTheGestureClasses) {
  pipeline::Labeler gestures("models/gestures.actrec");
  expect_built_in_defaults(gestures);
  pipeline::Labeler everyday("models/default.actrec");
  for (const auto& label : everyday.labels()) EXPECT_TRUE(has(gestures.labels(), label)) << label;
  for (const char* label : {"boxing", "handclapping", "arm_gesture"}) {
    EXPECT_TRUE(has(gestures.labels(), label)) << label;
  }
}

TEST_F(ShippedModels, TheDefaultModelSeesAWalkerWalk) {
  ACTREC_REQUIRE_SHARED();
  pipeline::Labeler labeler("models/default.actrec");
  const std::string clip = shared_dir() + "/datasets/kth_actions/person01_walking_d1.avi";
  auto source = video::open_source(video::classify_source(clip));
  pipeline::StreamLabeler stream(labeler, source->fps(), source->frame_size(), {});
  std::map<std::string, int> counts;
  auto count = [&](const std::vector<pipeline::LabelledFrame>& frames) {
    for (const auto& frame : frames) ++counts[labeler.labels()[frame.people.at(0).label]];
  };
  int frames = 0;
  while (auto frame = source->read()) {
    frame->prepared = labeler.extractor().prepare(frame->image);
    count(stream.push(std::move(*frame)));
    ++frames;
  }
  count(stream.finish());
  EXPECT_EQ(frames, 555);
  // KTH's walker is in view about half the time; walking must lead while they are.
  std::string most;
  for (const auto& [label, n] : counts) {
    if (label != "background" && (most.empty() || n > counts[most])) most = label;
  }
  EXPECT_EQ(most, "walking");
}

}  // namespace
}  // namespace actrec::test
