// The converted TorchScript against the TensorFlow.js runtime itself, on real frames. Fixtures
// come from scripts/make_tfjs_fixtures.sh (ref.js in ../shared/tools/tfjs-ref); models from
// scripts/fetch_models.sh.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_paths.hpp"
#include "actrec/convert/tfjs_to_torchscript.hpp"

namespace actrec::convert {
namespace {

const std::string kModels = std::string(ACTREC_SOURCE_DIR) + "/models/tfjs/";
const std::string kFixtures = std::string(ACTREC_SOURCE_DIR) + "/tests/fixtures/tfjs/";

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), {}};
}

struct Fixture {
  torch::Tensor input;  // NHWC, int32 or float32 as the model takes it
  std::vector<std::string> names;
  std::vector<torch::Tensor> expected;  // NHWC float32
};

Fixture load_fixture(const std::string& name) {
  const std::string dir = kFixtures + name + "/";
  Fixture fixture;
  const auto input_meta = nlohmann::json::parse(read_bytes(dir + "input.json"));
  std::string bytes = read_bytes(dir + "input.u8");
  auto shape = input_meta["shape"].get<std::vector<int64_t>>();
  fixture.input = torch::from_blob(bytes.data(), shape, torch::kUInt8)
                      .to(input_meta["dtype"] == "int32" ? torch::kInt32 : torch::kFloat32);
  const auto outputs = nlohmann::json::parse(read_bytes(dir + "outputs.json"));
  for (const auto& output : outputs["outputs"]) {
    std::string data = read_bytes(dir + output["file"].get<std::string>());
    fixture.names.push_back(output["name"]);
    fixture.expected.push_back(
        torch::from_blob(data.data(), output["shape"].get<std::vector<int64_t>>(), torch::kFloat32)
            .clone());
  }
  return fixture;
}

// Runs the converted model item by item (MoveNet bakes in batch 1) and stacks the results.
std::vector<torch::Tensor> run(const std::string& model, const Fixture& fixture) {
  const TfjsGraph graph = load_tfjs_graph(kModels + model + ".json");
  ImportOptions options;
  options.outputs = fixture.names;
  torch::jit::Module module = convert_tfjs(graph, options);
  module.eval();
  torch::NoGradGuard no_grad;
  std::vector<std::vector<torch::Tensor>> per_output(fixture.names.size());
  for (int64_t i = 0; i < fixture.input.size(0); ++i) {
    auto result = module.forward({fixture.input.slice(0, i, i + 1)});
    if (fixture.names.size() == 1) {
      per_output[0].push_back(result.toTensor());
    } else {
      const auto items = result.toTuple()->elements();
      for (size_t k = 0; k < items.size(); ++k) per_output[k].push_back(items[k].toTensor());
    }
  }
  std::vector<torch::Tensor> outputs;
  for (auto& parts : per_output) outputs.push_back(torch::cat(parts, 0).to(torch::kFloat32));
  return outputs;
}

struct Difference {
  double max_abs, max_rel_excess, cosine;
};

Difference compare(const torch::Tensor& actual, const torch::Tensor& expected, double rtol) {
  const auto diff = (actual - expected).abs();
  const auto allowed = expected.abs() * rtol;
  const auto a = actual.flatten().to(torch::kFloat64), e = expected.flatten().to(torch::kFloat64);
  return {diff.max().item<double>(), (diff - allowed).max().item<double>(),
          (a.dot(e) / (a.norm() * e.norm() + 1e-30)).item<double>()};
}

#define ACTREC_REQUIRE_MODEL(name)                        \
  if (!std::filesystem::exists(kModels + name + ".json")) \
  GTEST_SKIP() << kModels << name << ".json is absent: run scripts/fetch_models.sh"

TEST(TfjsReference, MoveNetKeypointsWithin1e3) {
  ACTREC_REQUIRE_MODEL("movenet-lightning");
  const Fixture fixture = load_fixture("movenet_keypoints");
  const auto actual = run("movenet-lightning", fixture);
  ASSERT_EQ(actual[0].sizes(), fixture.expected[0].sizes());  // [4, 1, 17, 3]: y, x, score
  const double max_abs = (actual[0] - fixture.expected[0]).abs().max().item<double>();
  std::cout << "MoveNet keypoints, 4 real frames: max |diff| = " << max_abs << "\n";
  EXPECT_LT(max_abs, 1e-3);
}

// Every map within |diff| <= atol + 1e-3 |expected|, and pointing the same way (cosine).
void expect_maps_match(const std::string& model, const std::string& fixture_name, double atol) {
  const Fixture fixture = load_fixture(fixture_name);
  const auto actual = run(model, fixture);
  for (size_t k = 0; k < actual.size(); ++k) {
    SCOPED_TRACE(fixture.names[k]);
    ASSERT_EQ(actual[k].sizes(), fixture.expected[k].sizes());
    const auto d = compare(actual[k], fixture.expected[k], 1e-3);
    std::cout << fixture.names[k] << ": max |diff| " << d.max_abs << ", cosine " << d.cosine
              << "\n";
    EXPECT_LT(d.max_rel_excess, atol);
    EXPECT_GT(d.cosine, 0.99999);
  }
}

TEST(TfjsReference, MoveNetMapsMatch) {
  ACTREC_REQUIRE_MODEL("movenet-lightning");
  // The keypoint regression map holds offsets of tens of pixels: float sums in another order
  // move it by up to 1.5e-4 on an AVX-512 machine and 3.5e-4 on an AVX2 one (measured).
  expect_maps_match("movenet-lightning", "movenet_maps", 1e-3);
}

TEST(TfjsReference, CenterNetMapsMatch) {
  ACTREC_REQUIRE_MODEL("centernet");
  expect_maps_match("centernet", "centernet_maps", 1e-3);
}

// MultiPose as scripts/fetch_models.sh converts it (any multiple of 32, up to 10 people) gives
// the first 6 people exactly as the graph itself (fixed size, 6 people) at every size.
TEST(TfjsReference, MultiPoseAtAnySizeWithMorePeopleKeepsTheFirstSix) {
  ACTREC_REQUIRE_MODEL("movenet-multipose");
  const TfjsGraph graph = load_tfjs_graph(kModels + "movenet-multipose.json");
  ImportOptions wide;
  wide.outputs = {"Identity:0"};
  wide.input_multiple = 32;
  wide.people = 10;
  torch::jit::Module any_size = convert_tfjs(graph, wide);
  torch::manual_seed(3);
  for (const auto& [height, width] : std::vector<std::pair<int, int>>{{256, 256}, {256, 320}}) {
    SCOPED_TRACE(std::to_string(width) + "x" + std::to_string(height));
    ImportOptions fixed;
    fixed.outputs = {"Identity:0"};
    fixed.input_height = height;
    fixed.input_width = width;
    torch::jit::Module exact = convert_tfjs(graph, fixed);
    // Real frames (the street of vtest.avi, 192x192), padded with black to the size: people
    // for the decoding to find (on noise, centres tie and either may come first).
    const auto frames = load_fixture("movenet_keypoints").input;
    torch::NoGradGuard no_grad;
    double best = 0;
    int64_t moved_total = 0;
    for (int64_t f = 0; f < frames.size(0); ++f) {
      auto image = torch::zeros({1, height, width, 3}, torch::kInt32);
      image.slice(1, (height - 192) / 2, (height + 192) / 2)
          .slice(2, (width - 192) / 2, (width + 192) / 2)
          .copy_(frames.slice(0, f, f + 1));
      const auto six = exact.forward({image}).toTensor();
      const auto ten = any_size.forward({image}).toTensor();
      ASSERT_EQ(six.sizes(), (std::vector<int64_t>{1, 6, 56}));
      ASSERT_EQ(ten.sizes(), (std::vector<int64_t>{1, 10, 56}));
      for (int64_t p = 0; p < 6; ++p) {
        // The same people, keypoint for keypoint, but for a near-tie in a keypoint's search
        // that breaks the other way now and then (float sums over more people): at most two of
        // a found person's 17 keypoints move; a candidate scoring about nothing may differ more.
        const auto a = ten[0][p].slice(0, 0, 51).reshape({17, 3});
        const auto b = six[0][p].slice(0, 0, 51).reshape({17, 3});
        const int64_t moved = (a != b).any(1).sum().item<int64_t>();
        moved_total += moved;
        if (six[0][p][55].item<double>() >= 0.05) {
          EXPECT_LE(moved, 2) << "frame " << f << " person " << p;
          EXPECT_LT((ten[0][p] - six[0][p]).abs().max().item<double>(), 0.05);
        }
      }
      best = std::max(best, six.select(2, 55).max().item<double>());
      const auto scores = ten.select(2, 55);
      EXPECT_GE(scores.min().item<double>(), 0.0);
      EXPECT_LE(scores.max().item<double>(), 1.0);
    }
    EXPECT_GT(best, 0.3);  // someone was found
    std::cout << "MultiPose, 10 people at any size against 6 at a fixed size: " << moved_total
              << " of " << frames.size(0) * 6 * 17 << " keypoints moved\n";
  }
}

}  // namespace
}  // namespace actrec::convert
