#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <torch/script.h>

#include "test_paths.hpp"
#include "actrec/config/config.hpp"
#include "actrec/core/error.hpp"
#include "actrec/features/extract.hpp"
#include "actrec/features/feature_extractor.hpp"
#include "actrec/features/feature_file.hpp"
#include "actrec/features/pose.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"

namespace actrec::features {
namespace {

// Keypoints (y, x) for a body whose 17 points sit on the four corners of a box centred at
// (cy, cx), half-height h and half-width w; shoulders 5, 6 and hips 11, 12 on all four.
std::vector<float> box_keypoints(double cy, double cx, double h, double w) {
  std::vector<float> kp;
  const int corners[17] = {0, 1, 2, 3, 0, 0, 1, 2, 3, 0, 1, 2, 2, 3, 0, 1, 2};
  const int shoulder_hip_corners[4] = {0, 1, 2, 3};
  for (int i = 0; i < 17; ++i) {
    int corner = corners[i];
    if (i == 5 || i == 6) corner = shoulder_hip_corners[i - 5];
    if (i == 11 || i == 12) corner = shoulder_hip_corners[i - 9];
    kp.push_back(static_cast<float>(cy + (corner >= 2 ? h : -h)));
    kp.push_back(static_cast<float>(cx + (corner % 2 ? w : -w)));
    kp.push_back(1.0f);
  }
  return kp;
}

// A stand-in backbone: fixed keypoints [B,1,17,3], and a "feature map" that is the input's
// top-left 2x2 pixels (NHWC), so pooling gives the mean colour the backbone saw.
std::string write_backbone(const std::string& path, const std::vector<float>& keypoints,
                           bool batch_agnostic = true) {
  torch::jit::Module module("Stub");
  module.register_buffer("kp", torch::tensor(keypoints).reshape({1, 1, 17, 3}));
  module.register_attribute("batch_agnostic", c10::BoolType::get(), batch_agnostic);
  module.define(R"(
def forward(self, x: Tensor):
    b = x.size(0)
    return (self.kp.expand(b, 1, 17, 3), x.float()[:, 0:2, 0:2, :])
)");
  module.save(path);
  return path;
}

config::FeaturesConfig stub_config(const std::string& backbone, const std::string& preset) {
  config::FeaturesConfig config = config::load("", {"features.preset=" + preset}).features;
  config.backbone = backbone;
  config.input_width = 8;
  config.input_height = 8;
  config.map_output = 1;  // the stub's second output
  return config;
}

cv::Mat solid(cv::Scalar bgr) { return cv::Mat(16, 16, CV_8UC3, bgr); }

TEST(FeatureExtractor, KeypointsComeBackInPixelsOfTheSourceFrame) {
  test::TempDir dir;
  // Corners at +-0.1 (x) and +-0.2 (y) of the 8x8 input from its centre.
  FeatureExtractor extractor(
      stub_config(write_backbone(dir.file("a.pt"), box_keypoints(0.5, 0.5, 0.2, 0.1)), "pose"));
  ASSERT_EQ(extractor.persons(), 1);
  ASSERT_EQ(extractor.dim(), kPoseValues);
  EXPECT_EQ(extractor.names()[0], "p0.nose.x");
  EXPECT_EQ(extractor.names()[kPoseValues - 1], "p0.score");
  std::vector<float> out;
  // A 32x16 frame letterboxed into 8x8: scale 0.25, 2 rows of padding above; the input's centre
  // is the frame's centre (16, 8), and 0.1 of the input's width is 3.2 frame pixels.
  extractor.extract({cv::Mat(16, 32, CV_8UC3, cv::Scalar::all(0))}, out);
  const ConstPose pose{out.data()};
  EXPECT_NEAR(pose.x(kNose), 16 - 3.2, 1e-4);  // the nose at the top-left corner
  EXPECT_NEAR(pose.y(kNose), 8 - 6.4, 1e-4);
  EXPECT_FLOAT_EQ(pose.score(kNose), 1.0f);
  EXPECT_NEAR(pose.box(0), 16 - 3.2, 1e-4);  // no box in the output: one around the keypoints
  EXPECT_NEAR(pose.box(3), 8 + 6.4, 1e-4);
  EXPECT_FLOAT_EQ(pose.person_score(), 1.0f);
}

// A file that takes any input whose sides are multiples of 8 (as import-tfjs --input-multiple
// writes): frames are seen at people.input_*, the probes still at features.input_*.
TEST(FeatureExtractor, FramesAreSeenAtThePeopleSizeWhereTheFileTakesSeveral) {
  test::TempDir dir;
  const auto path = write_backbone(dir.file("a.pt"), box_keypoints(0.5, 0.5, 0.2, 0.1));
  const FeatureExtractor fixed(stub_config(path, "pose"));
  torch::jit::Module module = torch::jit::load(path);
  module.register_attribute("input_multiple", c10::IntType::get(), int64_t{8});
  module.save(path);
  config::PeopleConfig people;
  people.input_width = 16;
  people.input_height = 8;
  FeatureExtractor wide(stub_config(path, "pose"), people);
  EXPECT_EQ(wide.input_size(), cv::Size(16, 8));
  EXPECT_EQ(wide.prepare(cv::Mat(16, 32, CV_8UC3, cv::Scalar::all(0))).size(), cv::Size(16, 8));
  // A frame smaller than that is not blown up: its own size, rounded up to multiples of 8.
  EXPECT_EQ(wide.prepare(cv::Mat(6, 6, CV_8UC3, cv::Scalar::all(0))).size(), cv::Size(8, 8));
  // What a bundle checks is unchanged; what the cache keys on is not.
  EXPECT_EQ(wide.identity().probe, fixed.identity().probe);
  EXPECT_NE(wide.fingerprint(), fixed.fingerprint());

  // A 32x16 frame fills the 16x8 input (scale 0.5, no padding): 0.1 of its width is 3.2 frame
  // pixels, 0.2 of its height 3.2 too; keypoints still in pixels of the frame.
  std::vector<float> out;
  wide.extract({cv::Mat(16, 32, CV_8UC3, cv::Scalar::all(0))}, out);
  const ConstPose pose{out.data()};
  EXPECT_NEAR(pose.x(kNose), 16 - 3.2, 1e-4);
  EXPECT_NEAR(pose.y(kNose), 8 - 3.2, 1e-4);

  // 0 means features.input_*; a size the file does not take is refused naming the keys.
  config::PeopleConfig unset;
  unset.input_width = unset.input_height = 0;
  EXPECT_EQ(FeatureExtractor(stub_config(path, "pose"), unset).input_size(), cv::Size(8, 8));
  people.input_width = 12;
  const std::string message = test::error_message<ConfigError>(
      [&] { FeatureExtractor(stub_config(path, "pose"), people); });
  EXPECT_NE(message.find("people.input_width and input_height: 12x8"), std::string::npos)
      << message;
  EXPECT_NE(message.find("multiples of 8"), std::string::npos) << message;
}

// A file fixed at one size (no input_multiple) sees frames at features.input_*, whatever
// people.input_* says: shipped single-size backbones keep working.
TEST(FeatureExtractor, AFixedSizeFileIgnoresThePeopleSize) {
  test::TempDir dir;
  const auto path = write_backbone(dir.file("a.pt"), box_keypoints(0.5, 0.5, 0.2, 0.1));
  config::PeopleConfig people;
  people.input_width = 16;
  people.input_height = 8;
  const FeatureExtractor extractor(stub_config(path, "pose"), people);
  EXPECT_EQ(extractor.input_size(), cv::Size(8, 8));
  EXPECT_EQ(extractor.fingerprint(), FeatureExtractor(stub_config(path, "pose")).fingerprint());
}

TEST(FeatureExtractor, AppearancePoolsTheMapInTheBackbonesColourOrder) {
  test::TempDir dir;
  const auto path = write_backbone(dir.file("a.pt"), box_keypoints(0.5, 0.5, 0.2, 0.1));
  FeatureExtractor rgb(stub_config(path, "appearance"));
  ASSERT_EQ(rgb.dim(), 3);
  std::vector<float> out;
  rgb.extract({solid({10, 20, 30}), solid({0, 0, 200})}, out);
  EXPECT_EQ(out, (std::vector<float>{30, 20, 10, 200, 0, 0}));
  auto bgr_config = stub_config(path, "pose+appearance");
  bgr_config.color = config::ColorOrder::bgr;
  FeatureExtractor both(bgr_config);
  ASSERT_EQ(both.dim(), kPoseValues + 3);
  out.clear();
  both.extract({solid({10, 20, 30})}, out);
  EXPECT_EQ(std::vector<float>(out.begin() + kPoseValues, out.end()),
            (std::vector<float>{10, 20, 30}));
}

TEST(FeatureExtractor, BatchedEqualsOneByOne) {
  test::TempDir dir;
  auto config = stub_config(write_backbone(dir.file("a.pt"), box_keypoints(0.5, 0.5, 0.2, 0.1)),
                            "pose+appearance");
  config.batch_size = 4;
  FeatureExtractor batched(config);
  EXPECT_EQ(batched.batch_size(), 4);
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 6; ++i) frames.push_back(solid({i * 10.0, 5.0, 200.0 - i}));
  std::vector<float> together, apart;
  batched.extract(frames, together);
  for (const auto& frame : frames) batched.extract({frame}, apart);
  EXPECT_EQ(together, apart);
  FeatureExtractor pinned(stub_config(
      write_backbone(dir.file("b.pt"), box_keypoints(0.5, 0.5, 0.2, 0.1), false), "pose"));
  EXPECT_EQ(pinned.batch_size(), 1);  // the file says it bakes in batch 1
}

TEST(FeatureExtractor, FingerprintFollowsWhatDecidesTheFeatures) {
  test::TempDir dir;
  const auto path = write_backbone(dir.file("a.pt"), box_keypoints(0.5, 0.5, 0.2, 0.1));
  const auto base = stub_config(path, "pose");
  const std::string fingerprint = FeatureExtractor(base).fingerprint();
  EXPECT_EQ(fingerprint.rfind("sha256:", 0), 0u);
  auto faster = base;
  faster.batch_size = 32;
  EXPECT_EQ(FeatureExtractor(faster).fingerprint(), fingerprint);
  auto cropped = base;
  cropped.resize = config::ResizeMode::crop;
  EXPECT_NE(FeatureExtractor(cropped).fingerprint(), fingerprint);
  write_backbone(path, box_keypoints(0.5, 0.5, 0.3, 0.1));  // same path, other weights
  EXPECT_NE(FeatureExtractor(base).fingerprint(), fingerprint);
  // A file that says where it came from is known by that, not by its bytes.
  torch::jit::Module module = torch::jit::load(path);
  module.register_attribute("source", c10::StringType::get(), std::string("tfjs-graph sha256:1"));
  module.save(path);
  const std::string by_source = FeatureExtractor(base).fingerprint();
  module.register_buffer("padding", torch::ones({3}));  // other bytes
  module.save(path);
  EXPECT_EQ(FeatureExtractor(base).fingerprint(), by_source);
}


TEST(FeatureExtractor, BadBackbonesAreModelErrorsNamingTheFile) {
  test::TempDir dir;
  test::write_text(dir.file("junk.pt"), "not a model");
  EXPECT_NE(test::error_message<ModelError>([&] { FeatureExtractor(stub_config(dir.file("junk.pt"), "pose")); })
                .find("cannot load model: " + dir.file("junk.pt")),
            std::string::npos);
  EXPECT_NE(test::error_message<ModelError>([&] { FeatureExtractor(stub_config(dir.file("none.pt"), "pose")); })
                .find("cannot find model: " + dir.file("none.pt")),
            std::string::npos);
  auto config = stub_config(write_backbone(dir.file("a.pt"), box_keypoints(0.5, 0.5, 0.2, 0.1)), "pose");
  config.pose_output = 1;  // the map is not 17 keypoints
  EXPECT_NE(test::error_message<ModelError>([&] { FeatureExtractor{config}; })
                .find("output 1 should hold 17 (y, x, score) keypoints per person"),
            std::string::npos);
  config.pose_output = 5;
  EXPECT_NE(test::error_message<ModelError>([&] { FeatureExtractor{config}; })
                .find("features.pose_output is 5 but it returns 2 outputs"),
            std::string::npos);
  config.pose_output = -1;
  EXPECT_THROW(FeatureExtractor{config}, ConfigError);
}

// Backbones that load but cannot take what the config feeds them, or return no tensors.
TEST(FeatureExtractor, BackbonesThatRejectTheirInputAreModelErrorsNamingTheFile) {
  test::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> scripts = {
      // NCHW convolution fed the config's NHWC input: 8 channels where it wants 3.
      {"nchw.pt", "def forward(self, x: Tensor):\n    return torch.conv2d(x.float(), self.w)\n"},
      {"asserts.pt", "def forward(self, x: Tensor):\n    assert x.size(1) == 224, 'only 224x224'\n    return x\n"},
      {"number.pt", "def forward(self, x: Tensor):\n    return x.size(0)\n"},
      {"two_inputs.pt", "def forward(self, x: Tensor, y: Tensor):\n    return x + y\n"},
  };
  for (const auto& [name, script] : scripts) {
    SCOPED_TRACE(name);
    torch::jit::Module module("Misfit");
    module.register_parameter("w", torch::zeros({4, 3, 3, 3}), false);
    module.define(script);
    module.save(dir.file(name));
    const std::string message = test::error_message<ModelError>(
        [&] { FeatureExtractor(stub_config(dir.file(name), "appearance")); });
    EXPECT_NE(message.find("backbone does not fit its config: " + dir.file(name) +
                           ": inference failed"),
              std::string::npos)
        << message;
    if (name == "asserts.pt") {
      EXPECT_NE(message.find("only 224x224"), std::string::npos);
    }
  }
}

TEST(FeatureCache, ExtractsEveryFrameThenReusesUntilSomethingChanges) {
  test::TempDir dir;
  const auto video = dir.file("clip.avi");
  test::write_index_video(video, 30, 25.0);
  FeatureExtractor extractor(stub_config(
      write_backbone(dir.file("a.pt"), box_keypoints(0.5, 0.5, 0.2, 0.1)), "pose+appearance"));
  const auto cache = dir.file("cache");
  ExtractStats stats;
  const FeatureFile first = features_for_video(extractor, video, cache, 4, {}, &stats);
  EXPECT_FALSE(stats.cached);
  EXPECT_EQ(first.frames(), 30);
  EXPECT_EQ(first.dim(), kPoseValues + 3);
  EXPECT_EQ(first.values.size(), 30u * (kPoseValues + 3));
  EXPECT_NEAR(first.timestamps_us[29], 29 * 40000, 1000);
  const FeatureFile second = features_for_video(extractor, video, cache, 4, {}, &stats);
  EXPECT_TRUE(stats.cached);
  EXPECT_EQ(second.values, first.values);
  EXPECT_EQ(second.timestamps_us, first.timestamps_us);

  auto other = extractor.config();
  other.color = config::ColorOrder::bgr;
  FeatureExtractor recoloured(other);
  features_for_video(recoloured, video, cache, 4, {}, &stats);
  EXPECT_FALSE(stats.cached);  // another fingerprint

  std::filesystem::last_write_time(video, std::filesystem::last_write_time(video) +
                                              std::chrono::seconds(5));
  features_for_video(recoloured, video, cache, 4, {}, &stats);
  EXPECT_FALSE(stats.cached);  // the video changed

  test::write_text(cache_path(cache, video, recoloured.fingerprint()), "ACTRECFEAT1\n{}\n");  // corrupt cache file
  const FeatureFile again = features_for_video(recoloured, video, cache, 4, {}, &stats);
  EXPECT_FALSE(stats.cached);
  EXPECT_EQ(again.frames(), 30);
}

TEST(FeatureFileFormat, RoundTripAndTruncation) {
  test::TempDir dir;
  FeatureFile file;
  file.video = "v.avi";
  file.fingerprint = "sha256:x";
  file.fps = 25;
  file.names = {"a", "b"};
  file.timestamps_us = {0, 40000, 80000};
  file.values = {1, 2, 3, 4, 5, 6};
  write_feature_file(dir.file("f.feat"), file);
  const FeatureFile back = read_feature_file(dir.file("f.feat"));
  EXPECT_EQ(back.values, file.values);
  EXPECT_EQ(back.timestamps_us, file.timestamps_us);
  EXPECT_EQ(back.names, file.names);
  std::filesystem::resize_file(dir.file("f.feat"), std::filesystem::file_size(dir.file("f.feat")) - 9);
  EXPECT_THROW(read_feature_file(dir.file("f.feat")), InputError);
  EXPECT_THROW(read_feature_file(dir.file("none.feat")), InputError);
  // Found by fuzz_feature_file: a header claiming 10^12 frames must not be allocated for.
  test::write_text(dir.file("huge.feat"),
                   "ACTRECFEAT1\n{\"video\":\"v\",\"video_bytes\":1,\"video_mtime_ns\":1,"
                   "\"fingerprint\":\"x\",\"fps\":25,\"width\":4,\"height\":4,"
                   "\"frames\":1000000000000,\"names\":[\"a\"]}\n");
  EXPECT_NE(test::error_message<InputError>([&] { read_feature_header(dir.file("huge.feat")); })
                .find("header says 1000000000000 frames of 1 features"),
            std::string::npos);
}

// A real backbone with its shipped config on a real clip: every frame, and a person found in most
// of them. Lightning, the fast one (the default MultiPose runs on real video in test_shipped).
TEST(RealBackbone, ExtractsPoseOfARealWalker) {
  ACTREC_REQUIRE_SHARED();
  const std::string source = ACTREC_SOURCE_DIR;
  const std::string model = source + "/models/movenet-lightning.pt";
  if (!std::filesystem::exists(model)) GTEST_SKIP() << model << " absent: run scripts/fetch_models.sh";
  config::FeaturesConfig config =
      config::load(source + "/configs/backbones/movenet-lightning.yaml", {}).features;
  config.backbone = model;
  FeatureExtractor extractor(config);
  ASSERT_EQ(extractor.dim(), kPoseValues);  // the default preset: pose
  test::TempDir dir;
  const FeatureFile file = features_for_video(
      extractor, test::shared_dir() + "/datasets/kth_actions/person01_walking_d1.avi", "");
  EXPECT_EQ(file.frames(), 555);
  double mean_score = 0;
  for (int64_t f = 0; f < file.frames(); ++f) {
    for (int k = 0; k < kKeypoints; ++k) mean_score += ConstPose{&file.values[f * file.dim()]}.score(k);
  }
  mean_score /= file.frames() * 17.0;
  EXPECT_GT(mean_score, 0.2);  // a walker crosses the frame: keypoints are found
}

}  // namespace
}  // namespace actrec::features
