// Bundles: what they keep, and the check that a bundle runs only on the observations it was
// trained on, whatever bytes the backbone file has on this machine.
#include <gtest/gtest.h>

#include <cmath>

#include "actrec/core/error.hpp"
#include "actrec/features/feature_extractor.hpp"
#include "actrec/model/bundle.hpp"
#include "stub_models.hpp"
#include "temp_dir.hpp"

namespace actrec::model {
namespace {

BundleInfo info_for(int64_t dim) {
  BundleInfo info;
  info.labels = {"a", "b", "c"};
  info.feature_dim = dim;
  info.observation_names = {"appearance.0"};
  info.probe = {1, 2, 3};
  info.fps = 15;
  info.model.cell = config::Cell::gru;
  info.model.hidden = 8;
  return info;
}

// A model for `info` with seeded random weights, saved at `path`.
RecurrentLabeler saved_model(const std::string& path, const BundleInfo& info, uint64_t seed) {
  torch::manual_seed(seed);
  auto model = make_labeler(info);
  save_bundle(path, info, model);
  return model;
}

TEST(Bundle, RoundTripKeepsWeightsLabelsConfigsAndProbes) {
  test::TempDir dir;
  BundleInfo info = info_for(5);
  info.features.preset = config::Preset::pose;
  info.smoothing.switch_penalty = 2.5;
  info.backbone_source = "tfjs-graph sha256:abc converter 1 outputs Identity:0";
  torch::manual_seed(3);
  auto model = make_labeler(info);
  model->set_normalization(torch::full({5}, 2.0), torch::full({5}, 3.0));
  save_bundle(dir.file("m.actrec"), info, model);
  Bundle back = load_bundle(dir.file("m.actrec"));
  EXPECT_EQ(back.info.labels, info.labels);
  EXPECT_EQ(back.info.model.cell, config::Cell::gru);
  EXPECT_EQ(back.info.features.preset, config::Preset::pose);
  EXPECT_EQ(back.info.smoothing.switch_penalty, 2.5);
  EXPECT_EQ(back.info.backbone_source, info.backbone_source);
  EXPECT_EQ(back.info.probe, info.probe);
  model->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({1, 6, 5});
  EXPECT_TRUE(torch::equal(model->forward(x), back.model->forward(x)));
}

TEST(Bundle, NotABundleOrAnOlderFormatIsAModelError) {
  test::TempDir dir;
  test::write_text(dir.file("x.actrec"), "garbage");
  EXPECT_THROW(load_bundle(dir.file("x.actrec")), ModelError);
  EXPECT_THROW(load_bundle(dir.file("missing.actrec")), ModelError);
  const std::string old = test::error_message<ModelError>([] {
    bundle_info_from_json(R"({"format": "actrec-bundle/1", "labels": ["a"]})", "old.actrec");
  });
  EXPECT_NE(old.find("old.actrec: made by an earlier actrec (format actrec-bundle/1)"),
            std::string::npos)
      << old;
}

TEST(Bundle, DamagedBytesOrWeightsThatAreNotNumbersAreRefused) {
  test::TempDir dir;
  BundleInfo info = info_for(5);
  auto model = saved_model(dir.file("m.actrec"), info, 3);
  EXPECT_NO_THROW(load_bundle(dir.file("m.actrec")));
  // Flip a byte of the first tensor's data: its CRC-32 no longer matches. (The local header:
  // the name at +30, the extra field's length at +28, then the data after both.)
  std::string bytes = test::read_text(dir.file("m.actrec"));
  const std::string entry = "archive/data/0";
  const size_t name = bytes.find(entry);
  ASSERT_NE(name, std::string::npos);
  const size_t extra = static_cast<uint8_t>(bytes[name - 2]) | static_cast<uint8_t>(bytes[name - 1]) << 8;
  bytes[name + entry.size() + extra] ^= 0x5a;
  test::write_text(dir.file("flipped.actrec"), bytes);
  const std::string flipped =
      test::error_message<ModelError>([&] { load_bundle(dir.file("flipped.actrec")); });
  EXPECT_NE(flipped.find(dir.file("flipped.actrec") + ": corrupt: entry "), std::string::npos) << flipped;
  EXPECT_NE(flipped.find("fails its checksum"), std::string::npos) << flipped;
  // Whole bytes, NaN weights (a training run that diverged).
  {
    torch::NoGradGuard no_grad;
    model->parameters()[0].fill_(std::nanf(""));
  }
  save_bundle(dir.file("nan.actrec"), info, model);
  EXPECT_NE(test::error_message<ModelError>([&] { load_bundle(dir.file("nan.actrec")); })
                .find("NaN or infinite"),
            std::string::npos);
  // Metadata without probe observations cannot be checked against a backbone.
  info.probe.clear();
  EXPECT_NE(test::error_message<ModelError>([&] {
              bundle_info_from_json(bundle_info_to_json(info), "noprobe.actrec");
            }).find("noprobe.actrec: no labels, feature size, observations, probe observations"),
            std::string::npos);
}

TEST(Bundle, ADigestOfTheWeightsIsRecordedAndBundlesMadeBeforeItStillLoad) {
  test::TempDir dir;
  BundleInfo info = info_for(5);
  auto model = saved_model(dir.file("m.actrec"), info, 3);
  const std::string digest = load_bundle(dir.file("m.actrec")).info.weights_sha256;
  EXPECT_EQ(digest.size(), 64u);
  saved_model(dir.file("other.actrec"), info, 4);
  EXPECT_NE(load_bundle(dir.file("other.actrec")).info.weights_sha256, digest);
  // Written as save_bundle did before digests (models/default.actrec is such a bundle).
  ASSERT_TRUE(info.weights_sha256.empty());
  torch::serialize::OutputArchive archive, weights;
  archive.write("info", c10::IValue(bundle_info_to_json(info)));
  model->save(weights);
  archive.write("model", weights);
  archive.save_to(dir.file("before.actrec"));
  ASSERT_EQ(test::read_text(dir.file("before.actrec")).find("weights_sha256"), std::string::npos);
  Bundle before = load_bundle(dir.file("before.actrec"));
  EXPECT_TRUE(before.info.weights_sha256.empty());
  model->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({1, 4, 5});
  EXPECT_TRUE(torch::equal(model->forward(x), before.model->forward(x)));
}

// A backbone saved twice with different bytes but the same source and function.
class BackboneIdentity : public ::testing::Test {
 protected:
  const std::string source_ = "tfjs-graph sha256:0123 converter 1 outputs people,map";
  test::TempDir dir_;
  std::string path_ = dir_.file("people.pt");
};

TEST_F(BackboneIdentity, OtherBytesSameObservationsAreAccepted) {
  test::write_people_backbone(path_, 1.0, source_);
  const features::FeatureExtractor trained(test::people_features(path_));
  BundleInfo info = info_for(1);
  set_extractor(info, trained.identity());
  const std::string bytes_before = test::read_text(path_);
  // Regenerated on another machine: an unused constant makes the file differ byte for byte.
  torch::jit::Module module = torch::jit::load(path_);
  module.register_buffer("padding", torch::ones({7}));
  module.save(path_);
  ASSERT_NE(test::read_text(path_), bytes_before);
  const features::FeatureExtractor here(test::people_features(path_));
  EXPECT_NO_THROW(check_features_match(info, here.identity(), 1, "m.actrec"));
}

TEST_F(BackboneIdentity, AnotherBackboneOrPreprocessingIsRefusedSayingWhatDiffers) {
  test::write_people_backbone(path_, 1.0, source_);
  const features::FeatureExtractor trained(test::people_features(path_));
  BundleInfo info = info_for(1);
  set_extractor(info, trained.identity());

  // Another source recorded in the file.
  test::write_people_backbone(path_, 1.0, "tfjs-graph sha256:4567 converter 1 outputs people,map");
  std::string message = test::error_message<ModelError>([&] {
    check_features_match(info, features::FeatureExtractor(test::people_features(path_)).identity(),
                         1, "m.actrec");
  });
  EXPECT_NE(message.find("m.actrec: it was trained on backbone '" + source_ + "' but"),
            std::string::npos)
      << message;

  // No source recorded, other weights: the probe images tell.
  test::write_people_backbone(path_, 1.3);
  message = test::error_message<ModelError>([&] {
    check_features_match(info, features::FeatureExtractor(test::people_features(path_)).identity(),
                         1, "m.actrec");
  });
  EXPECT_NE(message.find("gives other observations of the probe images than the backbone it was "
                         "trained on: largest difference"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find(" of probe 3 (trained "), std::string::npos) << message;  // names it

  // The same backbone with other preprocessing.
  test::write_people_backbone(path_, 1.0, source_);
  auto letterboxed = test::people_features(path_);
  letterboxed.resize = config::ResizeMode::letterbox;
  message = test::error_message<ModelError>([&] {
    check_features_match(info, features::FeatureExtractor(letterboxed).identity(), 1, "m.actrec");
  });
  EXPECT_NE(message.find("other features settings (resize: stretch vs letterbox"),
            std::string::npos)
      << message;

  // What this version makes from the observations differs from what the model takes.
  message = test::error_message<ModelError>([&] {
    check_features_match(info, features::FeatureExtractor(test::people_features(path_)).identity(),
                         2, "m.actrec");
  });
  EXPECT_NE(message.find("it takes 1 features per frame, this version of actrec makes 2"),
            std::string::npos)
      << message;
}

// A backbone converted to find more people per frame (import-tfjs --people) runs a bundle
// trained on fewer when its first people are what the bundle's backbone found.
TEST_F(BackboneIdentity, MorePeoplePerFrameMatchWhenTheFirstOnesAreTheBundles) {
  test::write_people_backbone(path_, 1.0, source_);
  features::ExtractorIdentity trained =
      features::FeatureExtractor(test::people_features(path_)).identity();
  trained.names = {"p0.nose.x", "p0.score", "appearance.0"};
  trained.probe = {1, 2, 3, 4, 5, 6};  // two probe images
  BundleInfo info = info_for(1);
  set_extractor(info, trained);

  features::ExtractorIdentity more = trained;
  more.names = {"p0.nose.x", "p0.score", "p1.nose.x", "p1.score", "appearance.0"};
  more.probe = {1, 2, 9, 9, 3, 4, 5, 9, 9, 6};
  EXPECT_NO_THROW(check_features_match(info, more, 1, "m.actrec"));

  more.probe[1] = 2.5f;  // the first person differs: refused
  const std::string message =
      test::error_message<ModelError>([&] { check_features_match(info, more, 1, "m.actrec"); });
  EXPECT_NE(message.find("gives other observations of the probe images"), std::string::npos)
      << message;
}

TEST_F(BackboneIdentity, ProbeObservationsDoNotDependOnThreadsOrBatchSize) {
  test::write_people_backbone(path_, 1.0, source_);
  const auto one = features::FeatureExtractor(test::people_features(path_)).identity();
  auto batched = test::people_features(path_);
  batched.batch_size = 3;
  at::set_num_threads(2);
  const auto other = features::FeatureExtractor(batched).identity();
  at::set_num_threads(1);
  BundleInfo info = info_for(1);
  set_extractor(info, one);
  EXPECT_NO_THROW(check_features_match(info, other, 1, "m.actrec"));
  EXPECT_EQ(one.probe.size(), 3 * one.names.size());  // three probe images
}

}  // namespace
}  // namespace actrec::model
