#include "generator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "actrec/core/error.hpp"

namespace actrec::convert::detail {
namespace {

// TorchScript helpers, defined once in the module when an op needs them.
const std::map<std::string, std::string> kHelpers = {
    {"same_pad", R"(
def same_pad(self, x: Tensor, kh: int, kw: int, sh: int, sw: int, dh: int, dw: int, value: float) -> Tensor:
    ih = x.size(2)
    iw = x.size(3)
    oh = (ih + sh - 1) // sh
    ow = (iw + sw - 1) // sw
    ph = max((oh - 1) * sh + (kh - 1) * dh + 1 - ih, 0)
    pw = max((ow - 1) * sw + (kw - 1) * dw + 1 - iw, 0)
    return torch.constant_pad_nd(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2], value)
)"},
    // TensorFlow's ResizeBilinear with align_corners=False, half_pixel_centers=False.
    {"resize_bilinear_legacy", R"(
def resize_bilinear_legacy(self, x: Tensor, oh: int, ow: int) -> Tensor:
    ih = x.size(2)
    iw = x.size(3)
    y = torch.arange(oh, dtype=6, device=x.device) * (float(ih) / float(oh))
    yf = torch.floor(y)
    y0 = torch.clamp(yf.long(), 0, ih - 1)
    y1 = torch.clamp(torch.ceil(y).long(), 0, ih - 1)
    yl = (y - yf).view(1, 1, oh, 1)
    xs = torch.arange(ow, dtype=6, device=x.device) * (float(iw) / float(ow))
    xf = torch.floor(xs)
    x0 = torch.clamp(xf.long(), 0, iw - 1)
    x1 = torch.clamp(torch.ceil(xs).long(), 0, iw - 1)
    xl = (xs - xf).view(1, 1, 1, ow)
    top = x.index_select(2, y0)
    bottom = x.index_select(2, y1)
    top_left = top.index_select(3, x0)
    bottom_left = bottom.index_select(3, x0)
    t = top_left + (top.index_select(3, x1) - top_left) * xl
    b = bottom_left + (bottom.index_select(3, x1) - bottom_left) * xl
    return t + (b - t) * yl
)"},
    {"gather_nd", R"(
def gather_nd(self, params: Tensor, indices: Tensor) -> Tensor:
    k = indices.size(-1)
    shape = params.size()
    flat_index = torch.zeros(indices.size()[:-1], dtype=4, device=params.device)
    for i in range(k):
        flat_index = flat_index * shape[i] + indices.select(-1, i).long()
    rest = shape[k:]
    flat = params.reshape([-1] + rest)
    out = flat.index_select(0, flat_index.reshape(-1))
    return out.reshape(indices.size()[:-1] + rest)
)"},
    {"gather_v2", R"(
def gather_v2(self, params: Tensor, indices: Tensor, axis: int) -> Tensor:
    if axis < 0:
        axis = axis + params.dim()
    out = params.index_select(axis, indices.reshape(-1).long())
    shape = params.size()
    return out.reshape(shape[:axis] + indices.size() + shape[axis + 1:])
)"},
    {"to_int_list", R"(
def to_int_list(self, t: Tensor) -> List[int]:
    out: List[int] = []
    flat = t.reshape(-1)
    for i in range(flat.size(0)):
        out.append(int(flat[i].item()))
    return out
)"},
};

}  // namespace

std::string float_literal(double value) {
  if (std::isnan(value)) return "float('nan')";
  if (std::isinf(value)) return value > 0 ? "float('inf')" : "float('-inf')";
  std::string text = fmt::format("{:.9g}", static_cast<float>(value));
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

std::string int_list(const std::vector<int64_t>& values) {
  return "[" + fmt::format("{}", fmt::join(values, ", ")) + "]";
}

int64_t to_nchw_axis(int64_t axis) {
  static const int64_t kMap[4] = {0, 2, 3, 1};
  return kMap[(axis + 4) % 4];
}

torch::jit::Module Generator::build(ImportReport* report) {
  for (const auto& output : outputs_) {
    if (!graph_.find(split_tensor_name(output).first)) {
      fail_model("no node named '" + split_tensor_name(output).first + "' (see --list-nodes)");
    }
  }
  // Arguments: signature order where given, else placeholders in file order.
  for (const auto& name : graph_.signature_inputs) {
    const TfjsNode* node = graph_.find(split_tensor_name(name).first);
    if (node && node->op == "Placeholder") inputs_.push_back(node->name);
  }
  if (inputs_.empty()) {
    for (const auto& node : graph_.nodes) {
      if (node.op == "Placeholder") inputs_.push_back(node.name);
    }
  }
  for (const auto& node_name : topological_order()) emit(*graph_.find(node_name));

  std::vector<std::string> results;
  for (const auto& output : outputs_) {
    Value& value = value_of(output);
    if (value.constant) store(value);
    results.push_back(nhwc(value) + ".contiguous()");
  }
  std::ostringstream source;
  for (const auto& helper : helpers_) source << kHelpers.at(helper);
  std::vector<std::string> arguments;
  for (size_t i = 0; i < inputs_.size(); ++i) arguments.push_back(fmt::format("x{}: Tensor", i));
  source << "\ndef forward(self, " << fmt::format("{}", fmt::join(arguments, ", ")) << "):\n";
  if (fixed_size_) {
    source << fmt::format(
        "    assert x0.size(1) == {} and x0.size(2) == {}, 'this converted graph takes {}x{} "
        "(height x width) input only'\n",
        options_.input_height, options_.input_width, options_.input_height, options_.input_width);
  } else if (multiple_size_) {
    source << fmt::format(
        "    assert x0.size(1) % {} == 0 and x0.size(2) % {} == 0, 'this converted graph takes "
        "inputs whose height and width are multiples of {} only'\n",
        options_.input_multiple, options_.input_multiple, options_.input_multiple);
  }
  if (!batch_agnostic_) {
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (!batched_input_[i]) continue;
      source << fmt::format(
          "    assert x{}.size(0) == 1, 'this converted graph bakes in batch size 1'\n", i);
    }
  }
  source << body_.str();
  source << "    return "
         << (results.size() == 1 ? results[0]
                                 : "(" + fmt::format("{}", fmt::join(results, ", ")) + ")")
         << "\n";
  source_ = source.str();
  try {
    module_.define(source_);
  } catch (const std::exception& e) {
    fail_model(std::string("generated TorchScript does not compile (a converter bug): ") +
               e.what());
  }
  c10::List<std::string> input_names, output_names;
  for (const auto& name : inputs_) input_names.push_back(name);
  for (const auto& name : outputs_) output_names.push_back(name);
  module_.register_attribute("input_names", c10::ListType::ofStrings(), input_names);
  module_.register_attribute("output_names", c10::ListType::ofStrings(), output_names);
  module_.register_attribute("batch_agnostic", c10::BoolType::get(), batch_agnostic_);
  // Sizes it takes: any whose sides are multiples of this (0: one fixed size, or any at all).
  const int64_t multiple = multiple_size_ ? options_.input_multiple : 0;
  module_.register_attribute("input_multiple", c10::IntType::get(), multiple);
  // What decides this module's outputs, whatever bytes a machine saves it as: the source
  // model's content, the outputs taken and the converter's semantics (kConverterRevision).
  module_.register_attribute(
      "source", c10::StringType::get(),
      fmt::format("tfjs-graph sha256:{} converter {} outputs {}", graph_.content_sha256,
                  kConverterRevision, fmt::join(outputs_, ",")));
  if (report) {
    report->inputs = inputs_;
    report->outputs = outputs_;
    report->ops = ops_;
    report->constants = stored_;
    report->batch_agnostic = batch_agnostic_;
    report->input_multiple = static_cast<int>(multiple);
  }
  return module_;
}

void Generator::fail_model(const std::string& reason) const {
  throw ModelError("cannot convert TensorFlow.js model: " + graph_.source + ": " + reason);
}

void Generator::fail_node(const TfjsNode& node, const std::string& reason) const {
  fail_model("node " + node.name + " (op " + node.op + "): " + reason);
}

std::vector<std::string> Generator::topological_order() {
  std::vector<std::string> order;
  std::map<std::string, int> state;  // 1 visiting, 2 done
  std::vector<std::pair<std::string, size_t>> stack;
  for (const auto& output : outputs_) stack.push_back({split_tensor_name(output).first, 0});
  while (!stack.empty()) {
    auto& [name, next_input] = stack.back();
    const TfjsNode* node = graph_.find(name);
    if (!node) fail_model("an input refers to a missing node '" + name + "'");
    if (next_input == 0) {
      if (state[name] == 2) {
        stack.pop_back();
        continue;
      }
      state[name] = 1;
    }
    if (next_input < node->inputs.size()) {
      const std::string input = split_tensor_name(node->inputs[next_input++]).first;
      if (state[input] == 1) fail_model("the graph has a cycle through " + input);
      if (state[input] == 0) stack.push_back({input, 0});
      continue;
    }
    state[name] = 2;
    order.push_back(name);
    stack.pop_back();
  }
  return order;
}

Value& Generator::value_of(const std::string& tensor) {
  auto [name, index] = split_tensor_name(tensor);
  const std::string key = name + ":" + std::to_string(index);
  auto it = values_.find(key);
  if (it != values_.end()) return it->second;
  const TfjsNode* node = graph_.find(name);
  if (node && node->op == "Const") {
    auto constant = graph_.constants.find(name);
    if (constant == graph_.constants.end()) {
      fail_node(*node, "constant has no data in the weight manifest");
    }
    Value value;
    value.constant = &constant->second;
    value.dtype = constant->second.dtype;
    value.rank = static_cast<int>(constant->second.shape.size());
    return values_[key] = value;
  }
  fail_model("tensor " + tensor + " is used before it is computed (unsupported graph shape)");
}

void Generator::set(const TfjsNode& node, int index, Value value) {
  values_[node.name + ":" + std::to_string(index)] = std::move(value);
}

// A constant as a module buffer, in the layout asked for.
std::string Generator::buffer(const HostTensor& constant, Layout layout) {
  const auto key = std::make_pair(&constant, layout);
  if (auto it = buffers_.find(key); it != buffers_.end()) return it->second;
  torch::Tensor tensor;
  if (constant.dtype == DType::float32) {
    tensor = torch::tensor(constant.floats.empty() ? std::vector<float>{} : constant.floats,
                           torch::kFloat32);
  } else {
    tensor = torch::tensor(constant.ints, torch::kInt64);
    if (constant.dtype == DType::boolean) tensor = tensor.to(torch::kBool);
  }
  tensor = tensor.reshape(constant.shape);
  if (layout == Layout::nchw) {
    std::vector<int64_t> shape(4 - constant.shape.size(), 1);
    shape.insert(shape.end(), constant.shape.begin(), constant.shape.end());
    tensor = tensor.reshape(shape).permute({0, 3, 1, 2}).contiguous();
  }
  const std::string name = fmt::format("c{}", stored_++);
  module_.register_buffer(name, tensor);
  return buffers_[key] = "self." + name;
}

bool Generator::is_scalar_constant(const Value& value) const {
  return value.constant && value.constant->numel() == 1 && value.constant->shape.size() <= 1 &&
         value.constant->shape.empty();
}

std::string Generator::scalar_literal(const Value& value) const {
  return value.constant->dtype == DType::float32 ? float_literal(value.constant->floats[0])
                                                 : std::to_string(value.constant->ints[0]);
}

std::vector<int64_t> Generator::constant_ints(const TfjsNode& node, size_t input) {
  if (input >= node.inputs.size()) fail_node(node, "missing input " + std::to_string(input));
  const Value& value = value_of(node.inputs[input]);
  if (!value.constant || value.constant->dtype == DType::float32) {
    fail_node(node, "input " + node.inputs[input] + " must be a constant integer tensor");
  }
  return value.constant->ints;
}

int64_t Generator::constant_int(const TfjsNode& node, size_t input) {
  const auto values = constant_ints(node, input);
  if (values.size() != 1) fail_node(node, "input " + node.inputs[input] + " must be a scalar");
  return values[0];
}

// The value in TensorFlow's layout, as an expression.
std::string Generator::nhwc(Value& value) {
  if (value.constant) return buffer(*value.constant, Layout::nhwc);
  if (value.batch == Batch::unstacked) {
    batch_agnostic_ = false;  // the batch rule's second clause: item 0 read as such
    Value batched = value;  // the [1, ...] tensor it stands for, in TensorFlow's layout
    batched.batch = Batch::leading;
    return nhwc(batched) + "[0]";
  }
  if (value.layout == Layout::nhwc) return value.expr;
  auto& cached = nhwc_views_[value.expr];
  if (cached.empty()) {
    cached = fmt::format("v{}", next_var_++);
    body_ << fmt::format("    {} = {}.permute([0, 2, 3, 1])\n", cached, value.expr);
  }
  return cached;
}

// A rank-4 value in LibTorch's conv layout, as an expression.
std::string Generator::nchw(Value& value, const TfjsNode& node) {
  if (value.constant) return buffer(*value.constant, Layout::nchw);
  if (value.layout == Layout::nchw) return value.expr;
  if (value.rank != 4 && value.rank != -1) {
    fail_node(node, "expects a 4-D NHWC input, got rank " + std::to_string(value.rank));
  }
  const std::string source = value.batch == Batch::unstacked ? nhwc(value) : value.expr;
  auto& cached = nchw_views_[source];
  if (cached.empty()) {
    cached = fmt::format("v{}", next_var_++);
    body_ << fmt::format("    {} = {}.permute([0, 3, 1, 2]).contiguous()\n", cached, source);
  }
  return cached;
}

void Generator::assign(const TfjsNode& node, const std::string& expr, Value result) {
  result.expr = fresh();
  body_ << fmt::format("    {} = {}\n", result.expr, expr);
  set(node, 0, std::move(result));
}

void Generator::emit(const TfjsNode& node) {
  const std::string& op = node.op;
  if (op == "Const") return;  // stored when first used
  if (op == "NoOp") return;
  ++ops_;
  if (op == "Placeholder") {
    const auto at = std::find(inputs_.begin(), inputs_.end(), node.name);
    if (at == inputs_.end()) fail_node(node, "is not one of the model's inputs");
    Value value;
    value.expr = fmt::format("x{}", at - inputs_.begin());
    const auto shape = node.attr_shape("shape");
    value.rank = shape.empty() && !node.has_attr("shape") ? -1 : static_cast<int>(shape.size());
    value.dtype = node.attr_type("dtype") == "DT_FLOAT" ? DType::float32 : DType::int32;
    // Dim 0 is a batch where the file says 1 or leaves it open; [2, 3] is just a shape.
    const bool batched = shape.empty() || shape[0] == 1 || shape[0] == -1;
    value.batch = batched ? Batch::leading : Batch::none;
    if (shape.size() == 4 && shape[1] > 0 && shape[2] > 0) {
      value.height = shape[1];
      value.width = shape[2];
    } else if (shape.size() == 4 && at == inputs_.begin() && options_.input_height > 0) {
      value.height = options_.input_height;  // open in the graph, fixed by the caller
      value.width = options_.input_width;
      fixed_size_ = true;
    } else if (shape.size() == 4 && at == inputs_.begin() && options_.input_multiple > 0) {
      value.multiple = options_.input_multiple;  // open in the graph, a multiple of this
      multiple_size_ = true;
    }
    batched_input_[static_cast<size_t>(at - inputs_.begin())] = batched;
    set(node, 0, value);
    return;
  }
  if (op == "Identity" || op == "StopGradient" || op == "Snapshot") {
    set(node, 0, value_of(node.inputs.at(0)));
    return;
  }
  if (emit_elementwise_op(node) || emit_window_op(node) || emit_shape_op(node) ||
      emit_dynamic_op(node)) {
    apply_batch_rule(node);
    return;
  }
  fail_node(node, "op is not supported by the converter");
}

void Generator::apply_batch_rule(const TfjsNode& node) {
  bool carries = false;
  for (const auto& input : node.inputs) {
    const Value& value = value_of(input);
    carries = carries || (!value.constant && value.batch != Batch::none);
  }
  if (!carries) return;
  for (int k = 0;; ++k) {
    const auto it = values_.find(node.name + ":" + std::to_string(k));
    if (it == values_.end()) break;
    if (it->second.batch == Batch::none) batch_agnostic_ = false;
  }
}

}  // namespace actrec::convert::detail
