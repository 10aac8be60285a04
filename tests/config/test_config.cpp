#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "actrec/config/config.hpp"
#include "actrec/core/error.hpp"
#include "temp_dir.hpp"
#include "test_paths.hpp"

namespace actrec::config {
namespace {


std::string error_loading(const std::string& yaml) {
  test::TempDir dir;
  const auto path = dir.file("bad.yaml");
  test::write_text(path, yaml);
  auto message = test::error_message<ConfigError>([&] { load(path); });
  // Replace the random directory so expectations can name the file.
  const auto at = message.find(path);
  if (at != std::string::npos) message.replace(at, path.size(), "bad.yaml");
  return message;
}

TEST(Config, DefaultsWhenNoFile) {
  const Config config = load("");
  EXPECT_EQ(config.runtime.threads, 0);
  EXPECT_EQ(to_yaml(config), to_yaml(Config{}));
  EXPECT_EQ(config.features.preset, Preset::pose);  // what generalises: docs/results.md
  EXPECT_EQ(config.video.queue_size, 8);
}

TEST(Config, FileValuesReplaceDefaultsAndOthersStay) {
  test::TempDir dir;
  test::write_text(dir.file("c.yaml"),
                   "model:\n  cell: rnn\n  hidden: 48\nruntime:\n  threads: 2\n");
  const Config config = load(dir.file("c.yaml"));
  EXPECT_EQ(config.model.cell, Cell::rnn);
  EXPECT_EQ(config.model.hidden, 48);
  EXPECT_EQ(config.model.layers, Config{}.model.layers);
  EXPECT_EQ(config.runtime.threads, 2);
}

TEST(Config, EmptyFileMeansDefaults) {
  test::TempDir dir;
  test::write_text(dir.file("empty.yaml"), "");
  EXPECT_EQ(to_yaml(load(dir.file("empty.yaml"))), to_yaml(Config{}));
}

TEST(Config, UnknownKeyNamesPathAndLine) {
  EXPECT_EQ(error_loading("model:\n  cell: gru\n  hiden: 3\n"),
            "invalid config: bad.yaml:3: model.hiden: unknown key (known here: cell, dropout, "
            "hidden, layers, projection)");
  EXPECT_NE(error_loading("modle:\n  hidden: 3\n").find("bad.yaml:1: modle: unknown key"),
            std::string::npos);
}

TEST(Config, WrongTypeNamesPathLineAndValue) {
  EXPECT_EQ(error_loading("model:\n  hidden: abc\n"),
            "invalid config: bad.yaml:2: model.hidden: expected an integer, got 'abc'");
  EXPECT_EQ(error_loading("model:\n  hidden: 2.5\n"),
            "invalid config: bad.yaml:2: model.hidden: expected an integer, got '2.5'");
  EXPECT_EQ(error_loading("video:\n  image_folder_fps: [1, 2]\n"),
            "invalid config: bad.yaml:2: video.image_folder_fps: expected a number");
  EXPECT_EQ(error_loading("model: 5\n"), "invalid config: bad.yaml:1: model: expected a mapping");
}

TEST(Config, OutOfRangeValuesRejected) {
  EXPECT_EQ(error_loading("model:\n  hidden: -4\n"),
            "invalid config: bad.yaml:2: model.hidden: must be between 1 and 65536, got '-4'");
  EXPECT_EQ(error_loading("runtime:\n  threads: -1\n"),
            "invalid config: bad.yaml:2: runtime.threads: must be at least 0, got '-1'");
  EXPECT_EQ(error_loading("model:\n  cell: transformer\n"),
            "invalid config: bad.yaml:2: model.cell: must be one of: lstm, gru, rnn, linear, got "
            "'transformer'");
}

TEST(Config, SyntaxErrorNamesLine) {
  EXPECT_NE(error_loading("model:\n  hidden: [1, 2\n").find("bad.yaml:"), std::string::npos);
}

TEST(Config, MissingFileNamesPath) {
  EXPECT_EQ(test::error_message<ConfigError>([] { load("/nonexistent/x.yaml"); }),
            "cannot read config: /nonexistent/x.yaml: no such file");
}

TEST(Config, OverridesApplyAfterTheFile) {
  test::TempDir dir;
  test::write_text(dir.file("c.yaml"), "model:\n  hidden: 48\n");
  const Config config = load(dir.file("c.yaml"), {"model.hidden=128", "model.cell=rnn"});
  EXPECT_EQ(config.model.hidden, 128);
  EXPECT_EQ(config.model.cell, Cell::rnn);
}

TEST(Config, BadOverridesNameTheOverride) {
  Config config;
  EXPECT_EQ(test::error_message<ConfigError>([&] { apply_override(config, "model.hidden=abc"); }),
            "invalid config: --set model.hidden=abc: model.hidden: expected an integer, got 'abc'");
  EXPECT_EQ(test::error_message<ConfigError>([&] { apply_override(config, "model.size=3"); }),
            "invalid config: --set model.size=3: model.size: unknown key (known here: cell, "
            "dropout, hidden, layers, projection)");
  EXPECT_EQ(test::error_message<ConfigError>([&] { apply_override(config, "model.hidden"); }),
            "invalid config: --set model.hidden: expected KEY=VALUE, e.g. model.hidden=256");
  EXPECT_NE(test::error_message<ConfigError>([&] { apply_override(config, "model..hidden=3"); }).find("has an empty part"),
            std::string::npos);
  EXPECT_EQ(config.model.hidden, Config{}.model.hidden);  // nothing half-applied
}

TEST(Config, EveryMalformedKeyIsAnErrorNamingIt) {
  Config config;
  for (const std::string assignment : {".hidden=1", ".x=1", "x.=1", "x..y=1", "=1", ".=1", "..=1",
                                       "model.=3", "model.hidden.=3"}) {
    SCOPED_TRACE(assignment);
    const std::string message =
        test::error_message<ConfigError>([&] { apply_override(config, assignment); });
    EXPECT_NE(message.find("--set " + assignment), std::string::npos) << message;
  }
  EXPECT_NE(test::error_message<ConfigError>([&] { apply_override(config, ".hidden=1"); })
                .find("key '.hidden' has an empty part"),
            std::string::npos);
  EXPECT_EQ(config.model.hidden, Config{}.model.hidden);
}

TEST(Config, KeysGivenTwiceAreErrorsNamingBothLines) {
  EXPECT_EQ(error_loading("model: {hidden: 32}\nx:\n  y: 1\nmodel:\n  hidden: 128\n"),
            "invalid config: bad.yaml:4: key 'model' is given twice (lines 1 and 4)");
  EXPECT_EQ(error_loading("model:\n  hidden: 32\n  cell: gru\n  hidden: 128\n"),
            "invalid config: bad.yaml:4: key 'hidden' is given twice (lines 2 and 4)");
  test::TempDir dir;
  test::write_text(dir.file("map.yaml"), "labels:\n  Walk: walking\n  Walk: running\n");
  EXPECT_EQ(test::error_message<ConfigError>([&] { load_label_map(dir.file("map.yaml")); }),
            "invalid label map: " + dir.file("map.yaml") +
                ":3: key 'Walk' is given twice (lines 2 and 3)");
  Config config;
  EXPECT_NE(test::error_message<ConfigError>(
                [&] { apply_override(config, "model={hidden: 1, hidden: 2}"); })
                .find("given twice"),
            std::string::npos);
}

TEST(Config, IntegersAreDecimalAndBoundsReadable) {
  EXPECT_EQ(load("", {"model.hidden=010"}).model.hidden, 10);  // not octal 8
  EXPECT_EQ(load("", {"model.hidden=+12"}).model.hidden, 12);
  for (const std::string bad : {"0x10", "1e3", "12.5", "99999999999999999999", "-", ""}) {
    SCOPED_TRACE(bad);
    EXPECT_NE(test::error_message<ConfigError>([&] { load("", {"model.hidden=" + bad}); })
                  .find("expected an integer"),
              std::string::npos);
  }
  const std::string message =
      test::error_message<ConfigError>([&] { load("", {"features.input_scale=1e300"}); });
  EXPECT_NE(message.find("must be between 1e-09 and 1e+09"), std::string::npos) << message;
  EXPECT_LT(message.size(), 200u) << message;
}

TEST(Config, OnlyARegularFileIsAConfig) {
  test::TempDir dir;
  EXPECT_EQ(test::error_message<ConfigError>([&] { load(dir.path()); }),
            "cannot read config: " + dir.path() + ": is a directory, not a YAML file");
  EXPECT_EQ(test::error_message<ConfigError>([&] { load("/dev/zero"); }),
            "cannot read config: /dev/zero: not a regular file");
  EXPECT_EQ(test::error_message<ConfigError>([&] { load(dir.file("none.yaml")); }),
            "cannot read config: " + dir.file("none.yaml") + ": no such file");
  test::write_text(dir.file("huge.yaml"), std::string(2 << 20, '#'));
  EXPECT_NE(test::error_message<ConfigError>([&] { load(dir.file("huge.yaml")); }).find("larger than"),
            std::string::npos);
  EXPECT_NE(test::error_message<ConfigError>([&] { load_label_map(dir.path()); }).find("is a directory"),
            std::string::npos);
}

TEST(Config, YamlRoundTripKeepsEveryValue) {
  Config config;
  config.runtime.threads = 3;
  config.model.cell = Cell::rnn;
  config.model.dropout = 0.25;
  config.train.augment.mirror = 0.125;
  config.features.preset = Preset::pose_appearance;
  config.video.image_folder_fps = 12.5;
  const std::string yaml = to_yaml(config);
  Config reloaded;
  apply_yaml(reloaded, yaml, "round-trip");
  EXPECT_EQ(to_yaml(reloaded), yaml);
  EXPECT_EQ(reloaded.model.cell, Cell::rnn);
  EXPECT_EQ(reloaded.features.preset, Preset::pose_appearance);
  EXPECT_NE(yaml.find("preset: pose+appearance"), std::string::npos);
  EXPECT_DOUBLE_EQ(reloaded.model.dropout, 0.25);
  EXPECT_DOUBLE_EQ(reloaded.train.augment.mirror, 0.125);
}

TEST(Config, ChoicesAreReadByNameAndNestedSectionsByPath) {
  EXPECT_EQ(error_loading("features:\n  resize: zoom\n"),
            "invalid config: bad.yaml:2: features.resize: must be one of: stretch, letterbox, "
            "crop, got 'zoom'");
  EXPECT_EQ(error_loading("train:\n  augment:\n    mirror: 2\n"),
            "invalid config: bad.yaml:3: train.augment.mirror: must be between 0 and 1, got '2'");
  EXPECT_EQ(load("", {"people.persons=multi"}).people.persons, Persons::multi);
}

TEST(Config, ExtractionDifferencesNameKeysThatChangeObservationsOnly) {
  FeaturesConfig a, b;
  b.backbone = "elsewhere/movenet.pt";  // where the file is: not a difference
  b.batch_size = 1;                     // how fast: not a difference
  b.motion_s = 0.5;                     // applied after extraction: not a difference
  EXPECT_TRUE(extraction_differences(a, b).empty());
  b.resize = ResizeMode::stretch;
  b.color = ColorOrder::bgr;
  EXPECT_EQ(extraction_differences(a, b),
            (std::vector<std::string>{"resize: letterbox vs stretch", "color: rgb vs bgr"}));
}

TEST(LabelMap, RulesInOrderPrecedenceAndErrorsWithLines) {
  test::TempDir dir;
  test::write_text(dir.file("map.yaml"),
                   "labels:\n  Sleeping: lying\n  \"Fall*\": falling\n  Reading: ~\n"
                   "precedence: [falling, lying]\n");
  const LabelMap map = load_label_map(dir.file("map.yaml"));
  EXPECT_EQ(map.rules, (std::vector<std::pair<std::string, std::string>>{
                           {"Sleeping", "lying"}, {"Fall*", "falling"}, {"Reading", ""}}));
  EXPECT_EQ(map.precedence, (std::vector<std::string>{"falling", "lying"}));
  test::write_text(dir.file("bad.yaml"), "labels:\n  a: b\nprecedense: [a]\n");
  EXPECT_EQ(test::error_message<ConfigError>([&] { load_label_map(dir.file("bad.yaml")); }),
            "invalid label map: " + dir.file("bad.yaml") +
                ":3: unknown key 'precedense' (known here: labels, precedence)");
}

TEST(Config, EveryShippedConfigLoads) {
  int found = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(std::string(ACTREC_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    ++found;
    if (entry.path().parent_path().filename() == "labels") {  // label maps for data import
      EXPECT_NO_THROW(load_label_map(entry.path().string()));
    } else if (entry.path().parent_path().filename() == "service") {
      // The service's cameras file: its cameras are examples, commented out; with them in it
      // is a cameras file that loads.
      std::string text = test::read_text(entry.path().string());
      text = std::regex_replace(text, std::regex("\n# cameras:"), "\ncameras:");
      text = std::regex_replace(text, std::regex("\n#   "), "\n  ");
      TempDir dir;
      test::write_text(dir.file("cameras.yaml"), text);
      CamerasFile cameras;
      EXPECT_NO_THROW(cameras = load_cameras(dir.file("cameras.yaml")));
      EXPECT_EQ(cameras.cameras.size(), 2u) << text;
    } else {
      EXPECT_NO_THROW(load(entry.path().string()));
    }
  }
  EXPECT_GE(found, 5);  // configs/backbones/*.yaml and configs/labels/*.yaml
}

}  // namespace
}  // namespace actrec::config
