#include "generator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "actrec/core/error.hpp"

namespace actrec::convert::detail {
void Generator::emit_reduce(const TfjsNode& node) {
  Value& input = value_of(node.inputs.at(0));
  auto axes = constant_ints(node, 1);
  const bool keep = node.attr_bool("keep_dims", false);
  static const std::map<std::string, std::string> kFunction = {
      {"Mean", "torch.mean"}, {"Sum", "torch.sum"}, {"Max", "torch.amax"}, {"Min", "torch.amin"}};
  std::set<int64_t> normalized;
  for (int64_t axis : axes)
    normalized.insert(input.rank > 0 && axis < 0 ? axis + input.rank : axis);
  Value result;
  result.dtype = input.dtype;
  result.batch = normalized.count(0) ? Batch::none : input.batch;
  std::string x;
  if (input.layout == Layout::nchw && (keep || normalized == std::set<int64_t>{1, 2})) {
    for (auto& axis : axes) axis = to_nchw_axis(axis);
    x = input.expr;
    result.layout = keep ? Layout::nchw : Layout::nhwc;  // [N, C] reads the same either way
    result.rank = keep ? 4 : 2;
  } else {
    x = nhwc(input);
    result.rank = input.rank < 0 ? -1
                  : keep         ? input.rank
                                 : input.rank - static_cast<int>(normalized.size());
  }
  assign(node,
         fmt::format("{}({}, {}, {})", kFunction.at(node.op), x, int_list(axes),
                     keep ? "True" : "False"),
         result);
}

void Generator::emit_unpack(const TfjsNode& node) {
  Value& input = value_of(node.inputs.at(0));
  const int64_t axis = node.attr_int("axis", 0);
  const int64_t num = node.attr_int("num", -1);
  if (axis == 0 && num == 1 && input.batch == Batch::leading) {
    Value result = input;  // the same tensor, standing for its single item
    result.batch = Batch::unstacked;
    result.rank = input.rank < 0 ? -1 : input.rank - 1;
    set(node, 0, result);
    return;
  }
  const std::string parts = fmt::format("v{}", next_var_++);
  body_ << fmt::format("    {} = torch.unbind({}, {})\n", parts, nhwc(input), axis);
  if (num >= 0) body_ << fmt::format("    assert len({}) == {}\n", parts, num);
  for (int64_t k = 0; k < std::max<int64_t>(num, 1); ++k) {
    Value result;
    result.expr = fmt::format("{}[{}]", parts, k);
    result.dtype = input.dtype;
    result.rank = input.rank < 0 ? -1 : input.rank - 1;
    set(node, static_cast<int>(k), result);
  }
}

void Generator::emit_pack(const TfjsNode& node) {
  std::vector<std::string> items;
  Value result;
  for (const auto& input : node.inputs) {
    Value& v = value_of(input);
    items.push_back(nhwc(v));
    result.dtype = v.dtype;
    result.rank = v.rank < 0 ? -1 : v.rank + 1;
  }
  assign(node,
         fmt::format("torch.stack([{}], {})", fmt::join(items, ", "), node.attr_int("axis", 0)),
         result);
}

void Generator::emit_concat(const TfjsNode& node) {
  if (node.inputs.size() < 2) fail_node(node, "expects tensors and an axis");
  int64_t axis = constant_int(node, node.inputs.size() - 1);
  std::vector<Value*> parts;
  bool all_nchw = true, all_leading = true;
  for (size_t i = 0; i + 1 < node.inputs.size(); ++i) {
    parts.push_back(&value_of(node.inputs[i]));
    all_nchw = all_nchw && parts.back()->layout == Layout::nchw;
    all_leading = all_leading && parts.back()->batch == Batch::leading;
  }
  Value result;
  result.dtype = parts[0]->dtype;
  result.rank = parts[0]->rank;
  std::vector<std::string> items;
  if (all_nchw) {
    for (Value* part : parts) items.push_back(part->expr);
    axis = to_nchw_axis(axis);
    result.layout = Layout::nchw;
    if (axis == 1) {  // channels joined: the spatial size stays
      result.height = parts[0]->height;
      result.width = parts[0]->width;
      result.multiple = parts[0]->multiple;
    }
  } else {
    for (Value* part : parts) items.push_back(nhwc(*part));
  }
  if (all_leading && result.rank > 0 && (axis + result.rank) % result.rank != 0) {
    result.batch = Batch::leading;
  }
  assign(node, fmt::format("torch.cat([{}], {})", fmt::join(items, ", "), axis), result);
}

void Generator::emit_expand_dims(const TfjsNode& node) {
  Value& input = value_of(node.inputs.at(0));
  const int64_t dim = constant_int(node, 1);
  if (dim == 0 && input.batch == Batch::unstacked) {
    Value result = input;  // re-stacking the single item: the original batched tensor
    result.batch = Batch::leading;
    result.rank = input.rank < 0 ? -1 : input.rank + 1;
    set(node, 0, result);
    return;
  }
  Value result;
  result.dtype = input.dtype;
  result.rank = input.rank < 0 ? -1 : input.rank + 1;
  assign(node, fmt::format("torch.unsqueeze({}, {})", nhwc(input), dim), result);
}

void Generator::emit_squeeze(const TfjsNode& node) {
  Value& input = value_of(node.inputs.at(0));
  auto dims = node.attr_ints("squeeze_dims");
  if (dims.empty()) dims = node.attr_ints("axis");
  if (dims == std::vector<int64_t>{0} && input.batch == Batch::leading) {
    Value result = input;  // dropping a batch of one: stands for the single item
    result.batch = Batch::unstacked;
    result.rank = input.rank < 0 ? -1 : input.rank - 1;
    set(node, 0, result);
    return;
  }
  Value result;
  result.dtype = input.dtype;
  std::string expr = nhwc(input);
  if (dims.empty()) {
    expr = "torch.squeeze(" + expr + ")";
    result.rank = -1;
  } else {
    if (input.rank < 0 &&
        std::any_of(dims.begin(), dims.end(), [](int64_t d) { return d < 0; })) {
      fail_node(node, "negative squeeze_dims on a tensor of unknown rank");
    }
    for (auto& d : dims) d = d < 0 ? d + input.rank : d;
    std::sort(dims.rbegin(), dims.rend());
    for (int64_t d : dims) {
      expr = fmt::format("torch.squeeze({}, {})", expr, d);
    }
    result.rank = input.rank < 0 ? -1 : input.rank - static_cast<int>(dims.size());
  }
  assign(node, expr, result);
}

void Generator::emit_reshape(const TfjsNode& node) {
  Value& input = value_of(node.inputs.at(0));
  Value& shape = value_of(node.inputs.at(1));
  Value result;
  result.dtype = input.dtype;
  std::string target;
  if (shape.constant) {
    const auto values = constant_ints(node, 1);
    target = int_list(values);
    result.rank = static_cast<int>(values.size());
  } else {
    helpers_.insert("to_int_list");
    target = "self.to_int_list(" + nhwc(shape) + ")";
  }
  assign(node, fmt::format("{}.reshape({})", nhwc(input), target), result);
}

void Generator::emit_transpose(const TfjsNode& node) {
  Value& input = value_of(node.inputs.at(0));
  const auto perm = constant_ints(node, 1);
  Value result;
  result.dtype = input.dtype;
  result.rank = static_cast<int>(perm.size());
  assign(node, fmt::format("{}.permute({})", nhwc(input), int_list(perm)), result);
}

// `format` over the first `arity` inputs in NHWC; the result keeps input 0's rank if asked.
void Generator::emit_simple(const TfjsNode& node, const std::string& format, const std::string& helper,
                 size_t arity, bool keeps_rank) {
  if (node.inputs.size() < arity) fail_node(node, "missing inputs");
  if (!helper.empty()) helpers_.insert(helper);
  std::vector<std::string> args;
  Value result;
  for (size_t i = 0; i < arity; ++i) {
    Value& v = value_of(node.inputs[i]);
    args.push_back(nhwc(v));
    if (i == 0) {
      result.dtype = v.dtype;
      result.rank = keeps_rank ? v.rank : -1;
    }
  }
  std::string expr = format;
  for (const auto& arg : args) {
    const auto at = expr.find("{}");
    expr.replace(at, 2, arg);
  }
  assign(node, expr, result);
}

void Generator::emit_gather_v2(const TfjsNode& node) {
  if (node.attr_int("batch_dims", 0) != 0) fail_node(node, "batch_dims other than 0");
  helpers_.insert("gather_v2");
  Value& params = value_of(node.inputs.at(0));
  Value& indices = value_of(node.inputs.at(1));
  const int64_t axis = constant_int(node, 2);
  Value result;
  result.dtype = params.dtype;
  assign(node, fmt::format("self.gather_v2({}, {}, {})", nhwc(params), nhwc(indices), axis),
         result);
}

void Generator::emit_arg(const TfjsNode& node) {
  Value& input = value_of(node.inputs.at(0));
  const int64_t dim = constant_int(node, 1);
  Value result;
  result.dtype = DType::int32;
  result.rank = input.rank < 0 ? -1 : input.rank - 1;
  assign(node,
         fmt::format("torch.{}({}, {})", node.op == "ArgMax" ? "argmax" : "argmin", nhwc(input),
                     dim),
         result);
}

void Generator::emit_top_k(const TfjsNode& node) {
  Value& input = value_of(node.inputs.at(0));
  const int64_t k = constant_int(node, 1);
  const std::string parts = fmt::format("v{}", next_var_++);
  body_ << fmt::format("    {} = torch.topk({}, {}, -1, True, {})\n", parts, nhwc(input), k,
                       node.attr_bool("sorted", true) ? "True" : "False");
  for (int k_out = 0; k_out < 2; ++k_out) {
    Value result;
    result.expr = fmt::format("{}[{}]", parts, k_out);
    result.dtype = k_out == 0 ? input.dtype : DType::int32;
    result.rank = input.rank;
    set(node, k_out, result);
  }
}

void Generator::emit_strided_slice(const TfjsNode& node) {
  Value& input = value_of(node.inputs.at(0));
  const auto begin = constant_ints(node, 1);
  const auto end = constant_ints(node, 2);
  const auto strides = constant_ints(node, 3);
  if (begin.size() != end.size() || begin.size() != strides.size()) {
    fail_node(node, "begin, end and strides differ in length");
  }
  const int64_t begin_mask = node.attr_int("begin_mask", 0);
  const int64_t end_mask = node.attr_int("end_mask", 0);
  const int64_t ellipsis_mask = node.attr_int("ellipsis_mask", 0);
  const int64_t new_axis_mask = node.attr_int("new_axis_mask", 0);
  const int64_t shrink_mask = node.attr_int("shrink_axis_mask", 0);
  std::vector<std::string> index;
  int rank = input.rank;
  for (size_t i = 0; i < begin.size(); ++i) {
    const int64_t bit = int64_t{1} << i;
    if (ellipsis_mask & bit) {
      index.push_back("...");
    } else if (new_axis_mask & bit) {
      index.push_back("None");
      if (rank >= 0) ++rank;
    } else if (shrink_mask & bit) {
      index.push_back(std::to_string(begin[i]));
      if (rank >= 0) --rank;
    } else {
      if (strides[i] <= 0) fail_node(node, "negative or zero strides are not supported");
      const std::string from = begin_mask & bit ? "" : std::to_string(begin[i]);
      const std::string to = end_mask & bit ? "" : std::to_string(end[i]);
      index.push_back(strides[i] == 1 ? from + ":" + to
                                      : from + ":" + to + ":" + std::to_string(strides[i]));
    }
  }
  Value result;
  result.dtype = input.dtype;
  result.rank = rank;
  assign(node, fmt::format("{}[{}]", nhwc(input), fmt::join(index, ", ")), result);
}

void Generator::emit_pad(const TfjsNode& node) {
  Value& input = value_of(node.inputs.at(0));
  const auto pads = constant_ints(node, 1);  // [[before, after] per dim]
  std::string value = "0.0";
  if (node.op == "PadV2") {
    Value& constant = value_of(node.inputs.at(2));
    if (!is_scalar_constant(constant)) fail_node(node, "pad value must be a constant scalar");
    value = scalar_literal(constant);
  }
  std::vector<int64_t> torch_pads;  // last dimension first
  for (size_t d = pads.size() / 2; d-- > 0;) {
    torch_pads.push_back(pads[2 * d]);
    torch_pads.push_back(pads[2 * d + 1]);
  }
  Value result;
  result.dtype = input.dtype;
  result.rank = input.rank;
  assign(
      node,
      fmt::format("torch.constant_pad_nd({}, {}, {})", nhwc(input), int_list(torch_pads), value),
      result);
}

bool Generator::emit_shape_op(const TfjsNode& node) {
  const std::string& op = node.op;
  if (op == "Mean" || op == "Sum" || op == "Max" || op == "Min") {
    emit_reduce(node);
  } else if (op == "Unpack") {
    emit_unpack(node);
  } else if (op == "Pack") {
    emit_pack(node);
  } else if (op == "ConcatV2") {
    emit_concat(node);
  } else if (op == "ExpandDims") {
    emit_expand_dims(node);
  } else if (op == "Squeeze") {
    emit_squeeze(node);
  } else if (op == "Reshape") {
    emit_reshape(node);
  } else if (op == "Transpose") {
    emit_transpose(node);
  } else if (op == "GatherNd") {
    emit_simple(node, "self.gather_nd({}, {})", "gather_nd", 2, false);
  } else if (op == "GatherV2") {
    emit_gather_v2(node);
  } else if (op == "ArgMax" || op == "ArgMin") {
    emit_arg(node);
  } else if (op == "TopKV2") {
    emit_top_k(node);
  } else if (op == "StridedSlice") {
    emit_strided_slice(node);
  } else if (op == "Softmax") {
    emit_simple(node, "torch.softmax({}, -1)", "", 1, true);
  } else if (op == "Pad" || op == "PadV2") {
    emit_pad(node);
  } else {
    return false;
  }
  return true;
}

}  // namespace actrec::convert::detail
