#include "generator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "actrec/core/error.hpp"

namespace actrec::convert::detail {
namespace {

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

const std::map<std::string, BinaryOp> kBinary = {
    {"Add", {"({} + {})", true, false}},
    {"AddV2", {"({} + {})", true, false}},
    {"BiasAdd", {"({} + {})", true, false}},
    {"Sub", {"({} - {})", false, false}},
    {"Mul", {"({} * {})", true, false}},
    {"RealDiv", {"({} / {})", false, false}},
    {"Maximum", {"torch.maximum({}, {})", true, false, "torch.clamp_min({}, {})"}},
    {"Minimum", {"torch.minimum({}, {})", true, false, "torch.clamp_max({}, {})"}},
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


}  // namespace

void Generator::emit_cast(const TfjsNode& node) {
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

void Generator::emit_unary(const TfjsNode& node, const std::string& format) {
  Value& input = value_of(node.inputs.at(0));
  if (input.constant) store(input);
  Value result = input;
  result.constant = nullptr;
  assign(node, fmt::format(fmt::runtime(format), input.expr), result);
}

void Generator::emit_binary(const TfjsNode& node, const BinaryOp& op) {
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
  if (result.rank == 4 && runtime.rank == 4) {  // broadcasting keeps a runtime 4-D operand's size
    result.height = runtime.height;
    result.width = runtime.width;
    result.multiple = runtime.multiple;
  }
  const char* format = right_literal && op.scalar_format ? op.scalar_format : op.format;
  assign(node, fmt::format(fmt::runtime(format), left, right), result);
}

void Generator::emit_add_n(const TfjsNode& node) {
  std::vector<std::string> terms;
  Value result;
  for (const auto& input : node.inputs) {
    Value& v = value_of(input);
    terms.push_back(nhwc(v));
    result.dtype = v.dtype;
    result.rank = v.rank;
  }
  assign(node, "(" + fmt::format("{}", fmt::join(terms, " + ")) + ")", result);
}

bool Generator::emit_elementwise_op(const TfjsNode& node) {
  const std::string& op = node.op;
  if (op == "Cast") {
    emit_cast(node);
  } else if (kUnary.count(op)) {
    emit_unary(node, kUnary.at(op));
  } else if (op == "LeakyRelu") {
    emit_unary(node,
               "torch.leaky_relu({}, " + float_literal(node.attr_float("alpha", 0.2f)) + ")");
  } else if (kBinary.count(op)) {
    emit_binary(node, kBinary.at(op));
  } else if (op == "AddN") {
    emit_add_n(node);
  } else {
    return false;
  }
  return true;
}

}  // namespace actrec::convert::detail
