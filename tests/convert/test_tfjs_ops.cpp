// Each supported op converted from a hand-made graph and checked against values worked out by
// hand from TensorFlow's definitions (padding, resize modes, fused activations, ...).
#include <gtest/gtest.h>

#include <filesystem>

#include <cstring>
#include <nlohmann/json.hpp>

#include "actrec/convert/tfjs_to_torchscript.hpp"
#include "actrec/core/error.hpp"
#include "temp_dir.hpp"

namespace actrec::convert {
namespace {

using nlohmann::json;

std::string b64(const std::string& text) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : text) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 63];
  while (out.size() % 4) out += '=';
  return out;
}

// Builds a model.json and its one weight shard in memory.
class GraphBuilder {
 public:
  GraphBuilder& input(const std::string& name, std::vector<int64_t> shape,
                      const std::string& dtype = "DT_FLOAT") {
    json dims = json::array();
    for (auto d : shape) dims.push_back({{"size", std::to_string(d)}});
    nodes_.push_back(
        {{"name", name},
         {"op", "Placeholder"},
         {"attr", {{"dtype", {{"type", dtype}}}, {"shape", {{"shape", {{"dim", dims}}}}}}}});
    return *this;
  }
  GraphBuilder& floats(const std::string& name, std::vector<int64_t> shape, std::vector<float> v) {
    add_const(name, shape, "float32");
    bytes_.append(reinterpret_cast<const char*>(v.data()), v.size() * 4);
    return *this;
  }
  GraphBuilder& ints(const std::string& name, std::vector<int64_t> shape, std::vector<int32_t> v) {
    add_const(name, shape, "int32");
    bytes_.append(reinterpret_cast<const char*>(v.data()), v.size() * 4);
    return *this;
  }
  GraphBuilder& halves(const std::string& name, std::vector<int64_t> shape,
                       std::vector<uint16_t> bits) {
    add_const(name, shape, "float32", {{"dtype", "float16"}, {"original_dtype", "float32"}});
    bytes_.append(reinterpret_cast<const char*>(bits.data()), bits.size() * 2);
    return *this;
  }
  GraphBuilder& bytes_const(const std::string& name, std::vector<int64_t> shape,
                            std::vector<uint8_t> q, double scale, double min) {
    add_const(name, shape, "float32", {{"dtype", "uint8"}, {"scale", scale}, {"min", min}});
    bytes_.append(reinterpret_cast<const char*>(q.data()), q.size());
    return *this;
  }
  GraphBuilder& op(const std::string& name, const std::string& op, std::vector<std::string> inputs,
                   json attr = json::object()) {
    nodes_.push_back({{"name", name}, {"op", op}, {"input", inputs}, {"attr", attr}});
    return *this;
  }
  std::string text() const {
    return json{{"format", "graph-model"},
                {"modelTopology", {{"node", nodes_}}},
                {"weightsManifest", {{{"paths", {"w.bin"}}, {"weights", weights_}}}}}
        .dump();
  }
  TfjsGraph graph(size_t keep_bytes = std::string::npos) const {
    const std::string shard = bytes_.substr(0, keep_bytes);
    return parse_tfjs_graph(text(), "test.json", [shard](const std::string&, size_t) { return shard; });
  }

 private:
  void add_const(const std::string& name, const std::vector<int64_t>& shape,
                 const std::string& dtype, json quantization = nullptr) {
    nodes_.push_back({{"name", name}, {"op", "Const"}});
    json entry = {{"name", name}, {"shape", shape}, {"dtype", dtype}};
    if (!quantization.is_null()) entry["quantization"] = quantization;
    weights_.push_back(entry);
  }
  json nodes_ = json::array();
  json weights_ = json::array();
  std::string bytes_;
};

json s_attr(const std::string& text) { return {{"s", b64(text)}}; }
json ints_attr(std::vector<int> values) {
  json list = json::array();
  for (int v : values) list.push_back(std::to_string(v));
  return {{"list", {{"i", list}}}};
}
json strings_attr(std::vector<std::string> values) {
  json list = json::array();
  for (auto& v : values) list.push_back(b64(v));
  return {{"list", {{"s", list}}}};
}

torch::Tensor run(const GraphBuilder& builder, const std::string& output, const torch::Tensor& x,
                  ImportReport* report = nullptr) {
  auto module = convert_tfjs(builder.graph(), {{output}}, report);
  return module.forward({x}).toTensor();
}

std::vector<float> values(const torch::Tensor& t) {
  auto flat = t.to(torch::kFloat32).contiguous().flatten();
  return {flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel()};
}

json conv_attr(const std::string& padding, int stride) {
  return {{"padding", s_attr(padding)},
          {"strides", ints_attr({1, stride, stride, 1})},
          {"data_format", s_attr("NHWC")}};
}

TEST(TfjsOps, Conv2DSameStride2PadsOnlyAfter) {
  GraphBuilder g;
  g.input("x", {1, 4, 4, 1}).floats("w", {3, 3, 1, 1}, std::vector<float>(9, 1.0f));
  g.op("conv", "Conv2D", {"x", "w"}, conv_attr("SAME", 2));
  const auto x = torch::arange(16, torch::kFloat32).reshape({1, 4, 4, 1});
  // pad_total = (2-1)*2 + 3 - 4 = 1: nothing before, one row/column after (TensorFlow 'SAME').
  EXPECT_EQ(values(run(g, "conv", x)), (std::vector<float>{45, 39, 66, 50}));
}

// With the input's size known, SAME padding is folded into the convolution (one more zero row
// and column before the kernel where TensorFlow pads one more after): no padding op in the
// graph, and the very numbers of the padding op used when the size is not known.
TEST(TfjsOps, SamePaddingFoldsIntoTheConvolutionWhenTheSizeIsKnown) {
  torch::manual_seed(5);
  for (const int side : {7, 8, 9, 12}) {
    for (const int kernel : {3, 5}) {
      SCOPED_TRACE("input " + std::to_string(side) + ", kernel " + std::to_string(kernel));
      const auto weights = torch::randn({kernel, kernel, 2, 3});
      std::vector<float> w(weights.data_ptr<float>(), weights.data_ptr<float>() + weights.numel());
      GraphBuilder known, unknown;
      known.input("x", {1, side, side, 2}).floats("w", {kernel, kernel, 2, 3}, w);
      unknown.input("x", {1, -1, -1, 2}).floats("w", {kernel, kernel, 2, 3}, w);
      known.op("conv", "Conv2D", {"x", "w"}, conv_attr("SAME", 2));
      unknown.op("conv", "Conv2D", {"x", "w"}, conv_attr("SAME", 2));
      auto folded = convert_tfjs(known.graph(), {{"conv"}});
      auto padded = convert_tfjs(unknown.graph(), {{"conv"}});
      EXPECT_FALSE(folded.find_method("same_pad").has_value());
      EXPECT_TRUE(padded.find_method("same_pad").has_value());
      const auto x = torch::randn({1, side, side, 2});
      const auto a = folded.forward({x}).toTensor(), b = padded.forward({x}).toTensor();
      ASSERT_EQ(a.sizes(), b.sizes());
      EXPECT_LT((a - b).abs().max().item<double>(), 1e-4);
    }
  }
}

// Sides known only to be multiples of a number fold SAME padding where the strides divide it,
// and give what the padding op gives; beyond that (a stride the multiple no longer divides)
// the padding op returns.
TEST(TfjsOps, SamePaddingFoldsWhenTheSidesAreKnownMultiples) {
  torch::manual_seed(7);
  const auto weights = torch::randn({3, 3, 2, 2});
  std::vector<float> w(weights.data_ptr<float>(), weights.data_ptr<float>() + weights.numel());
  GraphBuilder g;
  g.input("x", {1, -1, -1, 2}).floats("w", {3, 3, 2, 2}, w);
  g.op("a", "Conv2D", {"x", "w"}, conv_attr("SAME", 2));
  g.op("b", "Conv2D", {"a", "w"}, conv_attr("SAME", 2));
  g.op("c", "Conv2D", {"b", "w"}, conv_attr("SAME", 1));
  ImportOptions padded_options{{"c"}}, folded_options{{"c"}}, half_options{{"c"}};
  folded_options.input_multiple = 4;
  half_options.input_multiple = 2;  // divides the first stride only
  ImportReport report;
  auto padded = convert_tfjs(g.graph(), padded_options, &report);
  EXPECT_EQ(report.input_multiple, 0);
  auto folded = convert_tfjs(g.graph(), folded_options, &report);
  EXPECT_EQ(report.input_multiple, 4);  // and so says the module
  EXPECT_EQ(folded.attr("input_multiple").toInt(), 4);
  auto half = convert_tfjs(g.graph(), half_options);
  EXPECT_TRUE(padded.find_method("same_pad").has_value());
  EXPECT_FALSE(folded.find_method("same_pad").has_value());
  EXPECT_TRUE(half.find_method("same_pad").has_value());
  for (const auto& size : std::vector<std::pair<int, int>>{{8, 8}, {12, 8}, {4, 20}}) {
    const auto x = torch::randn({1, size.first, size.second, 2});
    const auto expected = padded.forward({x}).toTensor();
    EXPECT_LT((folded.forward({x}).toTensor() - expected).abs().max().item<double>(), 1e-4);
    EXPECT_LT((half.forward({x}).toTensor() - expected).abs().max().item<double>(), 1e-4);
  }
  EXPECT_THROW(folded.forward({torch::randn({1, 10, 8, 2})}), std::exception);  // not a multiple
}

TEST(TfjsOps, Conv2DSameStride1AndValid) {
  GraphBuilder g;
  g.input("x", {1, 3, 3, 1}).floats("w", {3, 3, 1, 1}, std::vector<float>(9, 1.0f));
  g.op("same", "Conv2D", {"x", "w"}, conv_attr("SAME", 1));
  g.op("valid", "Conv2D", {"x", "w"}, conv_attr("VALID", 1));
  const auto x = torch::arange(9, torch::kFloat32).reshape({1, 3, 3, 1});
  EXPECT_EQ(values(run(g, "same", x)), (std::vector<float>{8, 15, 12, 21, 36, 27, 20, 33, 24}));
  EXPECT_EQ(values(run(g, "valid", x)), (std::vector<float>{36}));
}

TEST(TfjsOps, FusedConvBiasRelu6AndHwioLayout) {
  GraphBuilder g;
  // 1x1 conv, 2 in -> 2 out channels: out0 = 1*a + 2*b, out1 = -1*a + 0*b (HWIO [1,1,2,2]).
  g.input("x", {1, 1, 2, 2}).floats("w", {1, 1, 2, 2}, {1, -1, 2, 0}).floats("b", {2}, {0.5f, 1});
  g.op("conv", "_FusedConv2D", {"x", "w", "b"},
       {{"padding", s_attr("VALID")},
        {"strides", ints_attr({1, 1, 1, 1})},
        {"fused_ops", strings_attr({"BiasAdd", "Relu6"})},
        {"num_args", {{"i", "1"}}}});
  const auto x = torch::tensor({1.0f, 1.0f, 3.0f, -4.0f}).reshape({1, 1, 2, 2});
  // pixel (1,1): [3.5, 0]; pixel (3,-4): [3-8+0.5 -> 0, -3+1 -> 0]... clipped to [0, 6]
  EXPECT_EQ(values(run(g, "conv", x)), (std::vector<float>{3.5f, 0.0f, 0.0f, 0.0f}));
  const auto y = torch::tensor({4.0f, 2.0f, -9.0f, 0.0f}).reshape({1, 1, 2, 2});
  EXPECT_EQ(values(run(g, "conv", y)), (std::vector<float>{6.0f, 0.0f, 0.0f, 6.0f}));
}

TEST(TfjsOps, DepthwiseFusedBiasRelu) {
  GraphBuilder g;
  g.input("x", {1, 1, 2, 2}).floats("w", {1, 1, 2, 1}, {2, 3}).floats("b", {2}, {1, -10});
  g.op("dw", "FusedDepthwiseConv2dNative", {"x", "w", "b"},
       {{"padding", s_attr("SAME")},
        {"strides", ints_attr({1, 1, 1, 1})},
        {"fused_ops", strings_attr({"BiasAdd", "Relu"})}});
  const auto x = torch::tensor({1.0f, 2.0f, 5.0f, 4.0f}).reshape({1, 1, 2, 2});
  // channel 0: 2x+1; channel 1: relu(3x-10)
  EXPECT_EQ(values(run(g, "dw", x)), (std::vector<float>{3, 0, 11, 2}));
}

TEST(TfjsOps, UnsupportedFusedOpIsAModelError) {
  GraphBuilder g;
  g.input("x", {1, 1, 1, 1}).floats("w", {1, 1, 1, 1}, {1}).floats("b", {1}, {0});
  g.op("conv", "_FusedConv2D", {"x", "w", "b"},
       {{"padding", s_attr("VALID")}, {"fused_ops", strings_attr({"BiasAdd", "Gelu"})}});
  try {
    convert_tfjs(g.graph(), {{"conv"}});
    FAIL() << "no ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("node conv (op _FusedConv2D): fused op 'Gelu'"),
              std::string::npos)
        << e.what();
  }
}

TEST(TfjsOps, ResizeBilinearAllThreeModes) {
  GraphBuilder g;
  g.input("x", {1, 1, 2, 1}).ints("size", {2}, {1, 4});
  g.op("legacy", "ResizeBilinear", {"x", "size"},
       {{"align_corners", {{"b", false}}}, {"half_pixel_centers", {{"b", false}}}});
  g.op("half", "ResizeBilinear", {"x", "size"},
       {{"align_corners", {{"b", false}}}, {"half_pixel_centers", {{"b", true}}}});
  g.op("corners", "ResizeBilinear", {"x", "size"},
       {{"align_corners", {{"b", true}}}, {"half_pixel_centers", {{"b", false}}}});
  const auto x = torch::tensor({0.0f, 12.0f}).reshape({1, 1, 2, 1});
  EXPECT_EQ(values(run(g, "legacy", x)), (std::vector<float>{0, 6, 12, 12}));  // src = dst/2
  EXPECT_EQ(values(run(g, "half", x)), (std::vector<float>{0, 3, 9, 12}));     // (dst+.5)/2-.5
  const auto corners = values(run(g, "corners", x));                           // src = dst/3
  ASSERT_EQ(corners.size(), 4u);
  EXPECT_FLOAT_EQ(corners[1], 4.0f);
  EXPECT_FLOAT_EQ(corners[2], 8.0f);
}

TEST(TfjsOps, MaxPoolSameAndMeanKeepDims) {
  GraphBuilder g;
  g.input("x", {1, 2, 2, 1}).ints("axes", {2}, {1, 2});
  g.op("pool", "MaxPool", {"x"},
       {{"padding", s_attr("SAME")},
        {"ksize", ints_attr({1, 3, 3, 1})},
        {"strides", ints_attr({1, 1, 1, 1})}});
  g.op("mean", "Mean", {"pool", "axes"}, {{"keep_dims", {{"b", true}}}});
  const auto x = torch::tensor({-1.0f, -5.0f, -3.0f, -2.0f}).reshape({1, 2, 2, 1});
  EXPECT_EQ(values(run(g, "pool", x)), (std::vector<float>{-1, -1, -1, -1}));  // -inf padding
  const auto mean = run(g, "mean", x);
  EXPECT_EQ(mean.sizes(), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(values(mean), (std::vector<float>{-1}));
}

TEST(TfjsOps, ElementwiseWithConstantsAndBroadcasting) {
  GraphBuilder g;
  g.input("x", {1, 1, 2, 2}).floats("c", {2}, {10, 20}).floats("half", {}, {0.5f});
  g.op("add", "AddV2", {"x", "c"})
      .op("mul", "Mul", {"half", "add"})
      .op("sub", "Sub", {"half", "x"});
  g.op("sq", "SquaredDifference", {"x", "c"}).op("div", "RealDiv", {"x", "half"});
  g.op("sig", "Sigmoid", {"x"}).op("r6", "Relu6", {"div"});
  const auto x = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}).reshape({1, 1, 2, 2});
  EXPECT_EQ(values(run(g, "mul", x)), (std::vector<float>{5.5f, 11, 6.5f, 12}));
  EXPECT_EQ(values(run(g, "sub", x)), (std::vector<float>{-0.5f, -1.5f, -2.5f, -3.5f}));
  EXPECT_EQ(values(run(g, "sq", x)), (std::vector<float>{81, 324, 49, 256}));
  EXPECT_EQ(values(run(g, "r6", x)), (std::vector<float>{2, 4, 6, 6}));
  EXPECT_FLOAT_EQ(values(run(g, "sig", x))[0], 1.0f / (1.0f + std::exp(-1.0f)));
}

TEST(TfjsOps, IntegerArithmeticFloorsLikeTensorFlow) {
  GraphBuilder g;
  g.input("x", {3}, "DT_INT32").ints("two", {}, {2});
  g.op("div", "FloorDiv", {"x", "two"}).op("mod", "FloorMod", {"x", "two"});
  g.op("f", "Cast", {"div"}, {{"DstT", {{"type", "DT_FLOAT"}}}});
  const auto x = torch::tensor({-7, 7, -1}, torch::kInt32);
  EXPECT_EQ(values(run(g, "div", x)), (std::vector<float>{-4, 3, -1}));
  EXPECT_EQ(values(run(g, "mod", x)), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(run(g, "f", x).scalar_type(), torch::kFloat32);
}

TEST(TfjsOps, GatherNdArgMaxReshapeStack) {
  GraphBuilder g;
  g.input("x", {2, 3}).ints("idx", {2, 2}, {1, 2, 0, 0}).ints("axis", {}, {1});
  g.ints("shape", {1}, {6}).ints("zero", {}, {0});
  g.op("gather", "GatherNd", {"x", "idx"}).op("arg", "ArgMax", {"x", "axis"});
  g.op("flat", "Reshape", {"x", "shape"})
      .op("pair", "Pack", {"gather", "gather"}, {{"axis", {{"i", "1"}}}});
  g.op("cat", "ConcatV2", {"flat", "gather", "zero"});
  const auto x = torch::tensor({1.0f, 9.0f, 9.0f, 4.0f, 5.0f, 6.0f}).reshape({2, 3});
  EXPECT_EQ(values(run(g, "gather", x)), (std::vector<float>{6, 1}));
  EXPECT_EQ(values(run(g, "arg", x)), (std::vector<float>{1, 2}));  // first of equal maxima
  EXPECT_EQ(values(run(g, "pair", x)), (std::vector<float>{6, 6, 1, 1}));
  EXPECT_EQ(values(run(g, "cat", x)), (std::vector<float>{1, 9, 9, 4, 5, 6, 6, 1}));
}

TEST(TfjsOps, StridedSliceMasksAndTopK) {
  GraphBuilder g;
  g.input("x", {3, 4}).ints("b", {2}, {1, 0}).ints("e", {2}, {3, 0}).ints("s", {2}, {1, 2});
  g.ints("k", {}, {2});
  g.op("slice", "StridedSlice", {"x", "b", "e", "s"}, {{"end_mask", {{"i", "2"}}}});
  g.op("row", "StridedSlice", {"x", "b", "e", "s"},
       {{"end_mask", {{"i", "2"}}}, {"shrink_axis_mask", {{"i", "1"}}}});
  g.op("top", "TopKV2", {"x", "k"}, {{"sorted", {{"b", true}}}});
  const auto x = torch::arange(12, torch::kFloat32).reshape({3, 4});
  EXPECT_EQ(values(run(g, "slice", x)), (std::vector<float>{4, 6, 8, 10}));
  EXPECT_EQ(values(run(g, "row", x)), (std::vector<float>{4, 6}));
  EXPECT_EQ(values(run(g, "top:1", x)), (std::vector<float>{3, 2, 3, 2, 3, 2}));
  EXPECT_EQ(values(run(g, "top", x)), (std::vector<float>{3, 2, 7, 6, 11, 10}));
}

TEST(TfjsOps, QuantisedWeightsDecodeExactly) {
  GraphBuilder g;
  g.input("x", {4});
  // float16: 1.5, -2, 65504 (largest), 2^-24 (smallest subnormal)
  g.halves("h", {4}, {0x3E00, 0xC000, 0x7BFF, 0x0001});
  g.bytes_const("q", {2}, {0, 255}, 0.1, -1.0);
  g.op("hx", "Mul", {"x", "h"}).op("qx", "Identity", {"q"});
  EXPECT_EQ(values(run(g, "hx", torch::ones({4}))),
            (std::vector<float>{1.5f, -2.0f, 65504.0f, std::ldexp(1.0f, -24)}));
  const auto q = values(run(g, "qx", torch::ones({4})));
  EXPECT_FLOAT_EQ(q[0], -1.0f);
  EXPECT_FLOAT_EQ(q[1], 24.5f);
}

TEST(TfjsOps, BatchAgnosticGraphsTakeAnyBatch) {
  GraphBuilder g;
  g.input("x", {1, 2, 2, 1}).floats("w", {1, 1, 1, 1}, {3}).ints("shape", {1}, {-1});
  g.op("conv", "Conv2D", {"x", "w"}, conv_attr("SAME", 1));
  g.op("flat", "Reshape", {"conv", "shape"});
  ImportReport report;
  const auto x = torch::arange(8, torch::kFloat32).reshape({2, 2, 2, 1});
  EXPECT_EQ(values(run(g, "conv", x, &report)), values(x * 3));
  EXPECT_TRUE(report.batch_agnostic);
  auto pinned = convert_tfjs(g.graph(), {{"flat"}}, &report);
  EXPECT_FALSE(report.batch_agnostic);
  EXPECT_THROW(pinned.forward({x}), std::exception);  // refuses batch 2 instead of mixing items
  EXPECT_EQ(pinned.forward({x.slice(0, 0, 1)}).toTensor().numel(), 4);
}

// A graph that keeps its k best candidates and shapes what follows by k (as MoveNet MultiPose
// does with its 6 best person centres) decodes another number of them on request.
TEST(TfjsPeople, TheBestCandidatesAndWhatFollowsThemTakeTheNewCount) {
  GraphBuilder g;
  g.input("x", {1, 8}).floats("twice", {1, 8}, std::vector<float>(8, 2.0f)).ints("k", {}, {2});
  g.floats("zeros", {1, 2}, {0, 0}).ints("shape", {3}, {1, 2, 1}).ints("ids", {2}, {7, 7});
  g.op("scaled", "Mul", {"x", "twice"});  // before the TopKV2: left alone though 8 = 4 k
  g.op("top", "TopKV2", {"scaled", "k"}, {{"sorted", {{"b", true}}}});
  g.op("plus", "AddV2", {"top", "zeros"});
  g.op("people", "Reshape", {"plus", "shape"});
  g.op("tags", "Identity", {"ids"});
  g.op("tagged", "AddV2", {"top:1", "ids"});
  const auto x = torch::tensor({{3.0f, 9.0f, 1.0f, 7.0f, 5.0f, 0.0f, 8.0f, 2.0f}});
  EXPECT_EQ(values(run(g, "people", x)), (std::vector<float>{18, 16}));
  ImportOptions options{{"people", "tagged"}};
  options.people = 3;
  auto module = convert_tfjs(g.graph(), options);
  const auto out = module.forward({x}).toTuple()->elements();
  EXPECT_EQ(out[0].toTensor().sizes(), (std::vector<int64_t>{1, 3, 1}));
  EXPECT_EQ(values(out[0].toTensor()), (std::vector<float>{18, 16, 14}));
  EXPECT_EQ(values(out[1].toTensor()), (std::vector<float>{8, 13, 10}));  // indices 1, 6, 3 + 7
  TfjsGraph graph = g.graph();
  EXPECT_EQ(decode_people(graph, 3), 4);  // k, zeros, shape, ids; not "twice"
  EXPECT_EQ(graph.constants.at("twice").shape, (std::vector<int64_t>{1, 8}));
  EXPECT_EQ(graph.constants.at("ids").ints, (std::vector<int64_t>{7, 7, 7}));
  GraphBuilder none;
  none.input("x", {4}).op("y", "Relu", {"x"});
  TfjsGraph plain = none.graph();
  EXPECT_THROW(decode_people(plain, 3), ModelError);
}

TEST(TfjsErrors, UnsupportedOpNamesOpAndNode) {
  GraphBuilder g;
  g.input("x", {2}).op("weird", "Erf", {"x"});
  EXPECT_EQ(test::error_message<ModelError>([&] { convert_tfjs(g.graph(), {{"weird"}}); }),
            "cannot convert TensorFlow.js model: test.json: node weird (op Erf): op is not "
            "supported by the converter");
}

TEST(TfjsErrors, UnknownOutputNode) {
  GraphBuilder g;
  g.input("x", {2});
  EXPECT_NE(test::error_message<ModelError>([&] {
              convert_tfjs(g.graph(), {{"nope"}});
            }).find("no node named 'nope'"),
            std::string::npos);
}

TEST(TfjsErrors, CorruptJsonAndShortShard) {
  EXPECT_NE(test::error_message<ModelError>([] {
              parse_tfjs_graph("{\"modelTopology\": [", "m.json", [](auto&, size_t) { return ""; });
            }).find("m.json: not valid JSON"),
            std::string::npos);
  EXPECT_NE(test::error_message<ModelError>([] {
              parse_tfjs_graph("[1, 2]", "m.json", [](auto&, size_t) { return ""; });
            }).find("m.json: no modelTopology"),
            std::string::npos);
  GraphBuilder g;
  g.input("x", {2}).floats("w", {4}, {1, 2, 3, 4});
  EXPECT_NE(test::error_message<ModelError>([&] {
              g.graph(10);
            }).find("shards are shorter than the manifest says"),
            std::string::npos);
}

// Found by fuzz_tfjs: a shape size "y1" escaped as std::invalid_argument from std::stoll.
TEST(TfjsErrors, MalformedAttributesNameFileNodeAndAttribute) {
  const auto message_for = [](const std::string& attr) {
    return test::error_message<ModelError>([&] {
      parse_tfjs_graph(
          R"({"modelTopology": {"node": [{"name": "x", "op": "Placeholder", "attr": )" + attr +
              "}]}}",
          "m.json", [](auto&, size_t) { return ""; });
    });
  };
  EXPECT_EQ(message_for(R"({"shape": {"shape": {"dim": [{"size": "y1"}]}}})"),
            "cannot read TensorFlow.js model: m.json: node x (op Placeholder): attribute shape is "
            "malformed: 'y1' is not a 64-bit integer");
  EXPECT_NE(message_for(R"({"n": {"i": "99999999999999999999"}})").find("attribute n is malformed"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"strides": {"list": {"i": [1, "two"]}}})").find("attribute strides"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"t": {"b": 3}})").find("attribute t is malformed"), std::string::npos);
  EXPECT_NE(message_for(R"([1, 2])").find("node x: attr is not an object"), std::string::npos);
  EXPECT_EQ(split_tensor_name("x:99999999999999").first, "x:99999999999999");
}

TEST(TfjsErrors, MissingFileAndShardNamePaths) {
  EXPECT_EQ(test::error_message<ModelError>([] { load_tfjs_graph("/nonexistent/model.json"); }),
            "cannot read TensorFlow.js model: /nonexistent/model.json: no such file");
}

TEST(TfjsErrors, ShardsMustBeRegularFilesInsideTheModelsFolderNoLargerThanDeclared) {
  // A crafted model.json must not read other files into the converted model, nor grow memory
  // without bound from a device.
  test::TempDir dir;
  std::filesystem::create_directories(dir.file("model"));
  std::filesystem::create_directories(dir.file("model/sub"));
  test::write_text(dir.file("secret.bin"), std::string(16, 's'));
  test::write_text(dir.file("model/w.bin"), std::string(16, '\0'));
  test::write_text(dir.file("model/sub/w.bin"), std::string(16, '\0'));
  test::write_text(dir.file("model/big.bin"), std::string(64, '\0'));
  std::filesystem::create_symlink(dir.file("secret.bin"), dir.file("model/link.bin"));
  const auto model_with_shard = [&](const std::string& shard) {
    const json model = {
        {"format", "graph-model"},
        {"modelTopology", {{"node", {{{"name", "c"}, {"op", "Const"}}}}}},
        {"weightsManifest",
         {{{"paths", {shard}}, {"weights", {{{"name", "c"}, {"shape", {4}}, {"dtype", "float32"}}}}}}}};
    test::write_text(dir.file("model/model.json"), model.dump());
    return dir.file("model/model.json");
  };
  EXPECT_NO_THROW(load_tfjs_graph(model_with_shard("w.bin")));
  EXPECT_NO_THROW(load_tfjs_graph(model_with_shard("sub/../w.bin")));
  EXPECT_NO_THROW(load_tfjs_graph(model_with_shard("sub/w.bin")));
  for (const std::string& shard : std::vector<std::string>{"../secret.bin", "../../../../../../etc/passwd", "link.bin",
                                  dir.file("secret.bin"), "/etc/passwd"}) {
    SCOPED_TRACE(shard);
    const std::string message =
        test::error_message<ModelError>([&] { load_tfjs_graph(model_with_shard(shard)); });
    EXPECT_NE(message.find("outside the model's folder"), std::string::npos) << message;
  }
  EXPECT_NE(test::error_message<ModelError>([&] { load_tfjs_graph(model_with_shard("big.bin")); })
                .find("holds 64 bytes, more than the 16 its weights take"),
            std::string::npos);
  EXPECT_NE(test::error_message<ModelError>([&] { load_tfjs_graph(model_with_shard("sub")); })
                .find("not a regular file"),
            std::string::npos);
  // /dev/zero from inside the folder (a symlink) is outside it once resolved.
  std::filesystem::create_symlink("/dev/zero", dir.file("model/zero.bin"));
  EXPECT_NE(test::error_message<ModelError>([&] { load_tfjs_graph(model_with_shard("zero.bin")); })
                .find("outside the model's folder"),
            std::string::npos);
}

}  // namespace
}  // namespace actrec::convert
