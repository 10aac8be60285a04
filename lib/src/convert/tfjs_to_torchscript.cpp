#include "actrec/convert/tfjs_to_torchscript.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "actrec/core/error.hpp"

namespace actrec::convert {
namespace {

// Raised whenever a change to the converter changes what a converted graph computes (beyond
// float rounding), so that features made before and after are never taken for each other.
constexpr int kConverterRevision = 1;

// Where a 4-D activation's channels are: as TensorFlow has them, or moved for LibTorch's convs.
enum class Layout { nhwc, nchw };

// What dimension 0 of a value means for batching.
enum class Batch {
  none,       // not known to be the batch
  leading,    // dim 0 is the batch
  unstacked,  // physically [N, ...] but standing for the graph's x[0] (a batch-1 Unpack)
};

struct Value {
  std::string expr;  // TorchScript expression (a variable); empty for constants not yet stored
  Layout layout = Layout::nhwc;
  DType dtype = DType::float32;
  int rank = -1;  // -1: unknown
  Batch batch = Batch::none;
  const HostTensor* constant = nullptr;
};

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

const std::map<std::string, std::string> kUnary = {
    {"Relu", "torch.relu({})"},         {"Relu6", "torch.clamp({}, 0.0, 6.0)"},
    {"Sigmoid", "torch.sigmoid({})"},   {"Tanh", "torch.tanh({})"},
    {"Sqrt", "torch.sqrt({})"},         {"Rsqrt", "torch.rsqrt({})"},
    {"Exp", "torch.exp({})"},           {"Log", "torch.log({})"},
    {"Neg", "torch.neg({})"},           {"Abs", "torch.abs({})"},
    {"Square", "torch.square({})"},     {"Floor", "torch.floor({})"},
    {"Ceil", "torch.ceil({})"},         {"Round", "torch.round({})"},
    {"Elu", "torch.elu({})"},           {"Reciprocal", "torch.reciprocal({})"},
    {"Softplus", "torch.softplus({})"}, {"LogicalNot", "torch.logical_not({})"},
};

struct BinaryOp {
  const char* format;
  bool commutative;
  bool comparison;
};
const std::map<std::string, BinaryOp> kBinary = {
    {"Add", {"({} + {})", true, false}},
    {"AddV2", {"({} + {})", true, false}},
    {"BiasAdd", {"({} + {})", true, false}},
    {"Sub", {"({} - {})", false, false}},
    {"Mul", {"({} * {})", true, false}},
    {"RealDiv", {"({} / {})", false, false}},
    {"Maximum", {"torch.maximum({}, {})", true, false}},
    {"Minimum", {"torch.minimum({}, {})", true, false}},
    {"SquaredDifference", {"torch.square({} - {})", true, false}},
    {"FloorDiv", {"torch.div({}, {}, rounding_mode='floor')", false, false}},
    {"FloorMod", {"torch.remainder({}, {})", false, false}},
    {"Pow", {"torch.pow({}, {})", false, false}},
    {"Equal", {"torch.eq({}, {})", true, true}},
    {"NotEqual", {"torch.ne({}, {})", true, true}},
    {"Greater", {"torch.gt({}, {})", false, true}},
    {"GreaterEqual", {"torch.ge({}, {})", false, true}},
    {"Less", {"torch.lt({}, {})", false, true}},
    {"LessEqual", {"torch.le({}, {})", false, true}},
    {"LogicalAnd", {"torch.logical_and({}, {})", true, true}},
    {"LogicalOr", {"torch.logical_or({}, {})", true, true}},
};

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

// NHWC axis -> NCHW axis for a rank-4 tensor.
int64_t to_nchw_axis(int64_t axis) {
  static const int64_t kMap[4] = {0, 2, 3, 1};
  return kMap[(axis + 4) % 4];
}

class Generator {
 public:
  Generator(const TfjsGraph& graph, const ImportOptions& options)
      : graph_(graph), outputs_(options.outputs) {
    if (outputs_.empty()) outputs_ = graph.signature_outputs;
    if (outputs_.empty()) fail_model("the model names no outputs; pass --outputs");
  }

  torch::jit::Module build(ImportReport* report) {
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
    }
    return module_;
  }

 private:
  [[noreturn]] void fail_model(const std::string& reason) const {
    throw ModelError("cannot convert TensorFlow.js model: " + graph_.source + ": " + reason);
  }
  [[noreturn]] void fail_node(const TfjsNode& node, const std::string& reason) const {
    fail_model("node " + node.name + " (op " + node.op + "): " + reason);
  }

  std::vector<std::string> topological_order() {
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

  Value& value_of(const std::string& tensor) {
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

  void set(const TfjsNode& node, int index, Value value) {
    values_[node.name + ":" + std::to_string(index)] = std::move(value);
  }

  std::string fresh() { return fmt::format("v{}", next_var_++); }

  // A constant as a module buffer, in the layout asked for.
  std::string buffer(const HostTensor& constant, Layout layout) {
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

  void store(Value& value) { value.expr = buffer(*value.constant, Layout::nhwc); }

  bool is_scalar_constant(const Value& value) const {
    return value.constant && value.constant->numel() == 1 && value.constant->shape.size() <= 1 &&
           value.constant->shape.empty();
  }

  std::string scalar_literal(const Value& value) const {
    return value.constant->dtype == DType::float32 ? float_literal(value.constant->floats[0])
                                                   : std::to_string(value.constant->ints[0]);
  }

  std::vector<int64_t> constant_ints(const TfjsNode& node, size_t input) {
    if (input >= node.inputs.size()) fail_node(node, "missing input " + std::to_string(input));
    const Value& value = value_of(node.inputs[input]);
    if (!value.constant || value.constant->dtype == DType::float32) {
      fail_node(node, "input " + node.inputs[input] + " must be a constant integer tensor");
    }
    return value.constant->ints;
  }

  int64_t constant_int(const TfjsNode& node, size_t input) {
    const auto values = constant_ints(node, input);
    if (values.size() != 1) fail_node(node, "input " + node.inputs[input] + " must be a scalar");
    return values[0];
  }

  // The value in TensorFlow's layout, as an expression.
  std::string nhwc(Value& value) {
    if (value.constant) return buffer(*value.constant, Layout::nhwc);
    if (value.batch == Batch::unstacked) {
      batch_agnostic_ = false;
      return value.expr + "[0]";
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
  std::string nchw(Value& value, const TfjsNode& node) {
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

  void assign(const TfjsNode& node, const std::string& expr, Value result) {
    result.expr = fresh();
    body_ << fmt::format("    {} = {}\n", result.expr, expr);
    set(node, 0, std::move(result));
  }

  void emit(const TfjsNode& node) {
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
      batched_input_[static_cast<size_t>(at - inputs_.begin())] = batched;
      set(node, 0, value);
      return;
    }
    if (op == "Identity" || op == "StopGradient" || op == "Snapshot") {
      set(node, 0, value_of(node.inputs.at(0)));
      return;
    }
    if (op == "Cast") return emit_cast(node);
    if (kUnary.count(op)) return emit_unary(node, kUnary.at(op));
    if (op == "LeakyRelu") {
      return emit_unary(
          node, "torch.leaky_relu({}, " + float_literal(node.attr_float("alpha", 0.2f)) + ")");
    }
    if (kBinary.count(op)) return emit_binary(node, kBinary.at(op));
    if (op == "AddN") return emit_add_n(node);
    if (op == "Conv2D" || op == "_FusedConv2D" || op == "DepthwiseConv2dNative" ||
        op == "FusedDepthwiseConv2dNative") {
      return emit_conv(node);
    }
    if (op == "MaxPool") return emit_max_pool(node);
    if (op == "ResizeBilinear" || op == "ResizeNearestNeighbor") return emit_resize(node);
    if (op == "Mean" || op == "Sum" || op == "Max" || op == "Min") return emit_reduce(node);
    batch_agnostic_ = batch_agnostic_ &&
                      (op == "Unpack" || op == "ExpandDims" || op == "Squeeze" || op == "ConcatV2");
    if (op == "Unpack") return emit_unpack(node);
    if (op == "Pack") return emit_pack(node);
    if (op == "ConcatV2") return emit_concat(node);
    if (op == "ExpandDims") return emit_expand_dims(node);
    if (op == "Squeeze") return emit_squeeze(node);
    if (op == "Reshape") return emit_reshape(node);
    if (op == "Transpose") return emit_transpose(node);
    if (op == "GatherNd") return emit_simple(node, "self.gather_nd({}, {})", "gather_nd", 2, false);
    if (op == "GatherV2") return emit_gather_v2(node);
    if (op == "ArgMax" || op == "ArgMin") return emit_arg(node);
    if (op == "TopKV2") return emit_top_k(node);
    if (op == "StridedSlice") return emit_strided_slice(node);
    if (op == "Softmax") return emit_simple(node, "torch.softmax({}, -1)", "", 1, true);
    if (op == "Pad" || op == "PadV2") return emit_pad(node);
    fail_node(node, "op is not supported by the converter");
  }

  void emit_cast(const TfjsNode& node) {
    Value& input = value_of(node.inputs.at(0));
    const std::string to = node.attr_type("DstT");
    Value result = input;
    result.constant = nullptr;
    std::string dtype;
    if (to == "DT_FLOAT") {
      dtype = "float";
      result.dtype = DType::float32;
    } else if (to == "DT_INT32" || to == "DT_INT64") {
      dtype = "long";  // integers are int64 inside the module (LibTorch indexes with them)
      result.dtype = DType::int32;
    } else if (to == "DT_BOOL") {
      dtype = "bool";
      result.dtype = DType::boolean;
    } else {
      fail_node(node, "cast to " + to + " is not supported");
    }
    const std::string source = input.constant ? nhwc(input) : input.expr;
    assign(node, source + "." + dtype + "()", result);
  }

  void emit_unary(const TfjsNode& node, const std::string& format) {
    Value& input = value_of(node.inputs.at(0));
    if (input.constant) store(input);
    Value result = input;
    result.constant = nullptr;
    assign(node, fmt::format(fmt::runtime(format), input.expr), result);
  }

  void emit_binary(const TfjsNode& node, const BinaryOp& op) {
    if (node.inputs.size() != 2) fail_node(node, "expects two inputs");
    Value* a = &value_of(node.inputs[0]);
    Value* b = &value_of(node.inputs[1]);
    if (is_scalar_constant(*a) && !b->constant && op.commutative) std::swap(a, b);
    Value result;
    result.dtype = op.comparison ? DType::boolean : (a->constant ? b->dtype : a->dtype);
    result.rank = a->rank < 0 || b->rank < 0 ? -1 : std::max(a->rank, b->rank);
    // Constants and leading-batch values broadcast per item: the result keeps the batch meaning.
    const Value& runtime = a->constant ? *b : *a;
    const bool both_runtime = !a->constant && !b->constant;
    if (!both_runtime) {
      result.batch = runtime.batch;
    } else if (a->batch == Batch::leading && b->batch == Batch::leading) {
      result.batch = Batch::leading;
    }
    std::string left, right;
    const bool right_literal = is_scalar_constant(*b);
    bool use_nchw = a->layout == Layout::nchw || b->layout == Layout::nchw;
    for (Value* v : {a, b}) {
      if (v->constant) {
        if (v->constant->shape.size() > 4) use_nchw = false;
      } else if (v->layout != Layout::nchw && v->rank != 4) {
        use_nchw = false;
      }
      if (both_runtime && v->batch == Batch::unstacked && result.batch != Batch::unstacked) {
        use_nchw = false;
      }
    }
    if (both_runtime && (a->batch == Batch::unstacked) != (b->batch == Batch::unstacked)) {
      result.batch = Batch::none;
    } else if (both_runtime && a->batch == Batch::unstacked) {
      result.batch = Batch::unstacked;
    }
    auto operand = [&](Value& v, bool literal) -> std::string {
      if (literal) return scalar_literal(v);
      if (use_nchw) return nchw(v, node);
      if (v.batch == Batch::unstacked && result.batch == Batch::unstacked) return v.expr;
      return nhwc(v);
    };
    left = operand(*a, false);
    right = operand(*b, right_literal);
    result.layout = use_nchw ? Layout::nchw : Layout::nhwc;
    if (result.layout == Layout::nchw) result.rank = 4;
    assign(node, fmt::format(fmt::runtime(op.format), left, right), result);
  }

  void emit_add_n(const TfjsNode& node) {
    std::vector<std::string> terms;
    Value result;
    for (const auto& input : node.inputs) {
      Value& v = value_of(input);
      terms.push_back(nhwc(v));
      result.dtype = v.dtype;
      result.rank = v.rank;
    }
    batch_agnostic_ = false;
    assign(node, "(" + fmt::format("{}", fmt::join(terms, " + ")) + ")", result);
  }

  // SAME/VALID/EXPLICIT padding for a window op on NCHW `x`; returns the padded expression and
  // the symmetric padding left for the op itself.
  std::pair<std::string, std::vector<int64_t>> window_padding(const TfjsNode& node,
                                                              const std::string& x, int64_t kh,
                                                              int64_t kw, int64_t sh, int64_t sw,
                                                              int64_t dh, int64_t dw,
                                                              const std::string& pad_value) {
    const std::string padding = node.attr_string("padding", "VALID");
    if (padding == "VALID") return {x, {0, 0}};
    if (padding == "SAME") {
      const int64_t span_h = (kh - 1) * dh, span_w = (kw - 1) * dw;
      // Stride 1 with an even span pads symmetrically: the op can do it without a copy.
      if (sh == 1 && sw == 1 && span_h % 2 == 0 && span_w % 2 == 0) {
        return {x, {span_h / 2, span_w / 2}};
      }
      helpers_.insert("same_pad");
      const std::string padded = fmt::format("v{}", next_var_++);
      body_ << fmt::format("    {} = self.same_pad({}, {}, {}, {}, {}, {}, {}, {})\n", padded, x,
                           kh, kw, sh, sw, dh, dw, pad_value);
      return {padded, {0, 0}};
    }
    if (padding == "EXPLICIT") {
      const auto pads = node.attr_ints("explicit_paddings");  // NHWC pairs
      if (pads.size() != 8) fail_node(node, "explicit_paddings must hold 8 values");
      if (pads[2] == pads[3] && pads[4] == pads[5]) return {x, {pads[2], pads[4]}};
      const std::string padded = fmt::format("v{}", next_var_++);
      body_ << fmt::format("    {} = torch.constant_pad_nd({}, [{}, {}, {}, {}], {})\n", padded, x,
                           pads[4], pads[5], pads[2], pads[3], pad_value);
      return {padded, {0, 0}};
    }
    fail_node(node, "padding '" + padding + "' is not supported");
  }

  void check_nhwc(const TfjsNode& node) {
    const std::string format = node.attr_string("data_format", "NHWC");
    if (format != "NHWC") fail_node(node, "data_format " + format + " is not supported");
  }

  std::vector<int64_t> spatial(const TfjsNode& node, const std::string& key) {
    auto values = node.attr_ints(key);
    if (values.empty()) return {1, 1};
    if (values.size() != 4 || values[0] != 1 || values[3] != 1) {
      fail_node(node, key + " must be [1, h, w, 1]");
    }
    return {values[1], values[2]};
  }

  void emit_conv(const TfjsNode& node) {
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
    const std::string weight_name = fmt::format("w{}", stored_++);
    module_.register_buffer(weight_name, weight);

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
    auto [padded, pads] =
        window_padding(node, x, kh, kw, strides[0], strides[1], dilations[0], dilations[1], "0.0");
    std::string expr =
        fmt::format("torch.conv2d({}, self.{}, {}, {}, {}, {}, {})", padded, weight_name, bias,
                    int_list(strides), int_list(pads), int_list(dilations), groups);
    for (const auto& activation : activations) expr = fmt::format(fmt::runtime(activation), expr);
    Value result;
    result.layout = Layout::nchw;
    result.rank = 4;
    result.batch = input.batch == Batch::leading ? Batch::leading : Batch::none;
    if (input.batch == Batch::unstacked) batch_agnostic_ = false;
    assign(node, expr, result);
  }

  void emit_max_pool(const TfjsNode& node) {
    check_nhwc(node);
    Value& input = value_of(node.inputs.at(0));
    const auto ksize = spatial(node, "ksize");
    const auto strides = spatial(node, "strides");
    const std::string x = nchw(input, node);
    auto [padded, pads] =
        window_padding(node, x, ksize[0], ksize[1], strides[0], strides[1], 1, 1, "float('-inf')");
    Value result;
    result.layout = Layout::nchw;
    result.rank = 4;
    result.batch = input.batch;
    assign(node,
           fmt::format("torch.max_pool2d({}, {}, {}, {}, [1, 1], False)", padded, int_list(ksize),
                       int_list(strides), int_list(pads)),
           result);
  }

  void emit_resize(const TfjsNode& node) {
    Value& input = value_of(node.inputs.at(0));
    Value& size = value_of(node.inputs.at(1));
    std::string height, width;
    if (size.constant) {
      const auto values = constant_ints(node, 1);
      if (values.size() != 2) fail_node(node, "size must hold 2 values");
      height = std::to_string(values[0]);
      width = std::to_string(values[1]);
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
    assign(node, expr, result);
  }

  void emit_reduce(const TfjsNode& node) {
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
    if (input.batch == Batch::unstacked || normalized.count(0)) batch_agnostic_ = false;
    assign(node,
           fmt::format("{}({}, {}, {})", kFunction.at(node.op), x, int_list(axes),
                       keep ? "True" : "False"),
           result);
  }

  void emit_unpack(const TfjsNode& node) {
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
    batch_agnostic_ = false;
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

  void emit_pack(const TfjsNode& node) {
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

  void emit_concat(const TfjsNode& node) {
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
    } else {
      for (Value* part : parts) items.push_back(nhwc(*part));
    }
    if (all_leading && result.rank > 0 && (axis + result.rank) % result.rank != 0) {
      result.batch = Batch::leading;
    } else {
      batch_agnostic_ = false;
    }
    assign(node, fmt::format("torch.cat([{}], {})", fmt::join(items, ", "), axis), result);
  }

  void emit_expand_dims(const TfjsNode& node) {
    Value& input = value_of(node.inputs.at(0));
    const int64_t dim = constant_int(node, 1);
    if (dim == 0 && input.batch == Batch::unstacked) {
      Value result = input;  // re-stacking the single item: the original batched tensor
      result.batch = Batch::leading;
      result.rank = input.rank < 0 ? -1 : input.rank + 1;
      set(node, 0, result);
      return;
    }
    batch_agnostic_ = false;
    Value result;
    result.dtype = input.dtype;
    result.rank = input.rank < 0 ? -1 : input.rank + 1;
    assign(node, fmt::format("torch.unsqueeze({}, {})", nhwc(input), dim), result);
  }

  void emit_squeeze(const TfjsNode& node) {
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
    batch_agnostic_ = false;
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

  void emit_reshape(const TfjsNode& node) {
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

  void emit_transpose(const TfjsNode& node) {
    Value& input = value_of(node.inputs.at(0));
    const auto perm = constant_ints(node, 1);
    Value result;
    result.dtype = input.dtype;
    result.rank = static_cast<int>(perm.size());
    assign(node, fmt::format("{}.permute({})", nhwc(input), int_list(perm)), result);
  }

  // `format` over the first `arity` inputs in NHWC; the result keeps input 0's rank if asked.
  void emit_simple(const TfjsNode& node, const std::string& format, const std::string& helper,
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

  void emit_gather_v2(const TfjsNode& node) {
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

  void emit_arg(const TfjsNode& node) {
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

  void emit_top_k(const TfjsNode& node) {
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

  void emit_strided_slice(const TfjsNode& node) {
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

  void emit_pad(const TfjsNode& node) {
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

  const TfjsGraph& graph_;
  std::vector<std::string> outputs_;
  std::vector<std::string> inputs_;
  std::map<size_t, bool> batched_input_;
  torch::jit::Module module_{"TfjsGraph"};
  std::map<std::string, Value> values_;
  std::map<std::pair<const HostTensor*, Layout>, std::string> buffers_;
  std::map<std::string, std::string> nhwc_views_, nchw_views_;
  std::set<std::string> helpers_;
  std::ostringstream body_;
  std::string source_;
  int next_var_ = 0;
  size_t ops_ = 0;
  size_t stored_ = 0;
  bool batch_agnostic_ = true;
};

}  // namespace

torch::jit::Module convert_tfjs(const TfjsGraph& graph, const ImportOptions& options,
                                ImportReport* report) {
  Generator generator(graph, options);
  return generator.build(report);
}

}  // namespace actrec::convert
