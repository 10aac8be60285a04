#include "generator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "actrec/core/error.hpp"

namespace actrec::convert::detail {
namespace {

// TensorFlow's SAME padding of one dimension: before and after.
std::pair<int64_t, int64_t> same_padding(int64_t in, int64_t k, int64_t s, int64_t d) {
  const int64_t out = (in + s - 1) / s;
  const int64_t total = std::max<int64_t>((out - 1) * s + (k - 1) * d + 1 - in, 0);
  return {total / 2, total - total / 2};
}

int64_t output_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pads) {
  return in < 0 ? -1 : (in + pads - (k - 1) * d - 1) / s + 1;
}

}  // namespace

Generator::WindowPadding Generator::window_padding(const TfjsNode& node, const Value& input,
                                                   const std::string& x, int64_t kh, int64_t kw,
                                                   int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                                                   const std::string& pad_value,
                                                   bool can_grow_kernel) {
  const std::string padding = node.attr_string("padding", "VALID");
  const bool known = input.height > 0 && input.width > 0;
  WindowPadding result{x, {0, 0}, {0, 0}, -1, -1};
  if (padding == "VALID") {
    result.height = output_size(input.height, kh, sh, dh, 0);
    result.width = output_size(input.width, kw, sw, dw, 0);
    return result;
  }
  if (padding == "SAME") {
    // Where a side is only known to be a multiple of the stride, its padding is known all the
    // same: TensorFlow pads (k - 1) * d + 1 - s in all then, whatever the side.
    const bool aligned =
        !known && input.multiple > 0 && input.multiple % sh == 0 && input.multiple % sw == 0;
    if (known || aligned) {
      if (known) {
        result.height = (input.height + sh - 1) / sh;
        result.width = (input.width + sw - 1) / sw;
      } else if (sh == sw) {
        result.multiple = input.multiple / sh;
      }
      const auto [top, bottom] = same_padding(known ? input.height : input.multiple, kh, sh, dh);
      const auto [left, right] = same_padding(known ? input.width : input.multiple, kw, sw, dw);
      const bool grow_h = bottom == top + 1 && dh == 1 && can_grow_kernel;
      const bool grow_w = right == left + 1 && dw == 1 && can_grow_kernel;
      if ((top == bottom || grow_h) && (left == right || grow_w)) {
        result.pads = {bottom, right};
        result.grow = {grow_h ? 1 : 0, grow_w ? 1 : 0};
        return result;
      }
      result.multiple = 0;
    } else if (sh == 1 && sw == 1 && (kh - 1) * dh % 2 == 0 && (kw - 1) * dw % 2 == 0) {
      // Stride 1 with an even span pads symmetrically whatever the size.
      result.pads = {(kh - 1) * dh / 2, (kw - 1) * dw / 2};
      return result;
    }
    helpers_.insert("same_pad");
    result.input = fmt::format("v{}", next_var_++);
    body_ << fmt::format("    {} = self.same_pad({}, {}, {}, {}, {}, {}, {}, {})\n", result.input,
                         x, kh, kw, sh, sw, dh, dw, pad_value);
    return result;
  }
  if (padding == "EXPLICIT") {
    const auto pads = node.attr_ints("explicit_paddings");  // NHWC pairs
    if (pads.size() != 8) fail_node(node, "explicit_paddings must hold 8 values");
    result.height = output_size(input.height, kh, sh, dh, pads[2] + pads[3]);
    result.width = output_size(input.width, kw, sw, dw, pads[4] + pads[5]);
    if (pads[2] == pads[3] && pads[4] == pads[5]) {
      result.pads = {pads[2], pads[4]};
      return result;
    }
    result.input = fmt::format("v{}", next_var_++);
    body_ << fmt::format("    {} = torch.constant_pad_nd({}, [{}, {}, {}, {}], {})\n", result.input,
                         x, pads[4], pads[5], pads[2], pads[3], pad_value);
    return result;
  }
  fail_node(node, "padding '" + padding + "' is not supported");
}

void Generator::check_nhwc(const TfjsNode& node) {
  const std::string format = node.attr_string("data_format", "NHWC");
  if (format != "NHWC") fail_node(node, "data_format " + format + " is not supported");
}

std::vector<int64_t> Generator::spatial(const TfjsNode& node, const std::string& key) {
  auto values = node.attr_ints(key);
  if (values.empty()) return {1, 1};
  if (values.size() != 4 || values[0] != 1 || values[3] != 1) {
    fail_node(node, key + " must be [1, h, w, 1]");
  }
  return {values[1], values[2]};
}

void Generator::emit_conv(const TfjsNode& node) {
  check_nhwc(node);
  const bool depthwise = node.op.find("Depthwise") != std::string::npos;
  const bool fused = node.op.rfind("Fused", 0) == 0 || node.op.rfind("_Fused", 0) == 0;
  if (node.inputs.size() < 2) fail_node(node, "expects an input and a filter");
  Value& input = value_of(node.inputs[0]);
  Value& filter_value = value_of(node.inputs[1]);
  if (!filter_value.constant || filter_value.constant->shape.size() != 4) {
    fail_node(node, "filter must be a constant 4-D tensor");
  }
  const HostTensor& filter = *filter_value.constant;
  const int64_t kh = filter.shape[0], kw = filter.shape[1], in = filter.shape[2],
                out = filter.shape[3];
  const auto strides = spatial(node, "strides");
  const auto dilations = spatial(node, "dilations");

  // Weights in LibTorch's layout: HWIO -> OIHW; depthwise [kh,kw,C,m] -> [C*m,1,kh,kw].
  torch::Tensor weight = torch::tensor(filter.floats, torch::kFloat32).reshape(filter.shape);
  int64_t groups = 1;
  if (depthwise) {
    weight = weight.permute({2, 3, 0, 1}).reshape({in * out, 1, kh, kw}).contiguous();
    groups = in;
  } else {
    weight = weight.permute({3, 2, 0, 1}).contiguous();
  }
  std::string bias = "None";
  std::vector<std::string> activations;
  if (fused) {
    const auto fused_ops = node.attr_strings("fused_ops");
    const int64_t extra = node.attr_int("num_args", static_cast<int64_t>(node.inputs.size()) - 2);
    size_t next = 0;
    if (next < fused_ops.size() && fused_ops[next] == "BiasAdd") {
      if (extra < 1 || node.inputs.size() < 3) fail_node(node, "BiasAdd needs a bias input");
      Value& bias_value = value_of(node.inputs[2]);
      if (!bias_value.constant) fail_node(node, "bias must be a constant");
      bias = buffer(*bias_value.constant, Layout::nhwc);
      ++next;
    }
    for (; next < fused_ops.size(); ++next) {
      const std::string& fused_op = fused_ops[next];
      if (fused_op == "Relu") {
        activations.push_back("torch.relu({})");
      } else if (fused_op == "Relu6") {
        activations.push_back("torch.clamp({}, 0.0, 6.0)");
      } else if (fused_op == "Elu") {
        activations.push_back("torch.elu({})");
      } else if (fused_op == "Sigmoid") {
        activations.push_back("torch.sigmoid({})");
      } else if (fused_op == "Tanh") {
        activations.push_back("torch.tanh({})");
      } else if (fused_op == "LeakyRelu") {
        activations.push_back("torch.leaky_relu({}, " +
                              float_literal(node.attr_float("leakyrelu_alpha", 0.2f)) + ")");
      } else {
        fail_node(node, "fused op '" + fused_op + "' is not supported");
      }
    }
  }
  const std::string x = nchw(input, node);
  const WindowPadding window = window_padding(node, input, x, kh, kw, strides[0], strides[1],
                                              dilations[0], dilations[1], "0.0", true);
  if (window.grow[0] > 0 || window.grow[1] > 0) {
    torch::Tensor grown = torch::zeros(
        {weight.size(0), weight.size(1), kh + window.grow[0], kw + window.grow[1]});
    grown.slice(2, window.grow[0]).slice(3, window.grow[1]).copy_(weight);
    weight = grown;
  }
  const std::string weight_name = fmt::format("w{}", stored_++);
  module_.register_buffer(weight_name, weight);
  std::string expr =
      fmt::format("torch.conv2d({}, self.{}, {}, {}, {}, {}, {})", window.input, weight_name, bias,
                  int_list(strides), int_list(window.pads), int_list(dilations), groups);
  for (const auto& activation : activations) expr = fmt::format(fmt::runtime(activation), expr);
  Value result;
  result.layout = Layout::nchw;
  result.rank = 4;
  result.height = window.height;
  result.width = window.width;
  result.multiple = window.multiple;
  result.batch = input.batch == Batch::leading ? Batch::leading : Batch::none;
  assign(node, expr, result);
}

void Generator::emit_max_pool(const TfjsNode& node) {
  check_nhwc(node);
  Value& input = value_of(node.inputs.at(0));
  const auto ksize = spatial(node, "ksize");
  const auto strides = spatial(node, "strides");
  const std::string x = nchw(input, node);
  const WindowPadding window = window_padding(node, input, x, ksize[0], ksize[1], strides[0],
                                              strides[1], 1, 1, "float('-inf')", false);
  Value result;
  result.layout = Layout::nchw;
  result.rank = 4;
  result.batch = input.batch;
  result.height = window.height;
  result.width = window.width;
  result.multiple = window.multiple;
  assign(node,
         fmt::format("torch.max_pool2d({}, {}, {}, {}, [1, 1], False)", window.input,
                     int_list(ksize), int_list(strides), int_list(window.pads)),
         result);
}

void Generator::emit_resize(const TfjsNode& node) {
  Value& input = value_of(node.inputs.at(0));
  Value& size = value_of(node.inputs.at(1));
  std::string height, width;
  int64_t known_height = -1, known_width = -1;
  if (size.constant) {
    const auto values = constant_ints(node, 1);
    if (values.size() != 2) fail_node(node, "size must hold 2 values");
    height = std::to_string(values[0]);
    width = std::to_string(values[1]);
    known_height = values[0];
    known_width = values[1];
  } else {
    helpers_.insert("to_int_list");
    const std::string list = fmt::format("v{}", next_var_++);
    body_ << fmt::format("    {} = self.to_int_list({})\n", list, nhwc(size));
    height = list + "[0]";
    width = list + "[1]";
  }
  const bool align = node.attr_bool("align_corners", false);
  const bool half_pixel = node.attr_bool("half_pixel_centers", false);
  const std::string x = nchw(input, node);
  std::string expr;
  if (node.op == "ResizeBilinear") {
    if (align && half_pixel) fail_node(node, "align_corners with half_pixel_centers is invalid");
    if (align || half_pixel) {
      // LibTorch's bilinear is TensorFlow's half-pixel mode, or its align-corners mode.
      expr = fmt::format("torch.upsample_bilinear2d({}, [{}, {}], {}, None, None)", x, height,
                         width, align ? "True" : "False");
    } else {
      helpers_.insert("resize_bilinear_legacy");
      expr = fmt::format("self.resize_bilinear_legacy({}, {}, {})", x, height, width);
    }
  } else {
    if (align || half_pixel)
      fail_node(node, "only the legacy nearest-neighbour mode is supported");
    expr = fmt::format("torch.upsample_nearest2d({}, [{}, {}], None, None)", x, height, width);
  }
  Value result;
  result.layout = Layout::nchw;
  result.rank = 4;
  result.batch = input.batch;
  result.height = known_height;
  result.width = known_width;
  assign(node, expr, result);
}

bool Generator::emit_window_op(const TfjsNode& node) {
  const std::string& op = node.op;
  if (op == "Conv2D" || op == "_FusedConv2D" || op == "DepthwiseConv2dNative" ||
      op == "FusedDepthwiseConv2dNative") {
    emit_conv(node);
  } else if (op == "MaxPool") {
    emit_max_pool(node);
  } else if (op == "ResizeBilinear" || op == "ResizeNearestNeighbor") {
    emit_resize(node);
  } else {
    return false;
  }
  return true;
}

}  // namespace actrec::convert::detail
