#include <gtest/gtest.h>

#include "actrec/config/config.hpp"
#include "actrec/core/error.hpp"
#include "temp_dir.hpp"

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
  EXPECT_EQ(config.model.cell, "lstm");
  EXPECT_EQ(config.model.hidden, 256);
  EXPECT_EQ(config.video.queue_size, 8);
}

TEST(Config, FileValuesReplaceDefaultsAndOthersStay) {
  test::TempDir dir;
  test::write_text(dir.file("c.yaml"),
                   "model:\n  cell: gru\n  hidden: 64\nruntime:\n  threads: 2\n");
  const Config config = load(dir.file("c.yaml"));
  EXPECT_EQ(config.model.cell, "gru");
  EXPECT_EQ(config.model.hidden, 64);
  EXPECT_EQ(config.model.layers, 1);
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
            "cannot read config: /nonexistent/x.yaml: no such file or unreadable");
}

TEST(Config, OverridesApplyAfterTheFile) {
  test::TempDir dir;
  test::write_text(dir.file("c.yaml"), "model:\n  hidden: 64\n");
  const Config config = load(dir.file("c.yaml"), {"model.hidden=128", "model.cell=rnn"});
  EXPECT_EQ(config.model.hidden, 128);
  EXPECT_EQ(config.model.cell, "rnn");
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
  EXPECT_NE(test::error_message<ConfigError>([&] { apply_override(config, "model..hidden=3"); }).find("empty key"),
            std::string::npos);
  EXPECT_EQ(config.model.hidden, 256);  // nothing half-applied
}

TEST(Config, YamlRoundTripKeepsEveryValue) {
  Config config;
  config.runtime.threads = 3;
  config.model.cell = "gru";
  config.model.dropout = 0.25;
  config.video.image_folder_fps = 12.5;
  const std::string yaml = to_yaml(config);
  Config reloaded;
  apply_yaml(reloaded, yaml, "round-trip");
  EXPECT_EQ(to_yaml(reloaded), yaml);
  EXPECT_EQ(reloaded.model.cell, "gru");
  EXPECT_DOUBLE_EQ(reloaded.model.dropout, 0.25);
}

TEST(Config, ShippedConfigsLoad) {
  for (const char* name : {"default.yaml"}) {
    SCOPED_TRACE(name);
    EXPECT_NO_THROW(load(std::string(ACTREC_SOURCE_DIR) + "/configs/" + name));
  }
}

}  // namespace
}  // namespace actrec::config
