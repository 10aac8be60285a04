// Ops whose results depend on sizes known only at run time (MoveNet MultiPose decodes its
// people with them): Shape, Size, Range, Fill, Tile, Split, Select.
#include "generator.hpp"

#include <fmt/format.h>

#include "actrec/core/error.hpp"

namespace actrec::convert::detail {

bool Generator::emit_dynamic_op(const TfjsNode& node) {
  const std::string& op = node.op;
  Value result;
  if (op == "Shape") {  // TensorFlow's dims, whatever layout the value is held in
    Value& input = value_of(node.inputs.at(0));
    result.dtype = DType::int32;
    result.rank = 1;
    assign(node, fmt::format("torch.tensor({}.size())", nhwc(input)), result);
  } else if (op == "Size") {
    Value& input = value_of(node.inputs.at(0));
    result.dtype = DType::int32;
    result.rank = 0;
    assign(node, fmt::format("torch.tensor({}.numel())", nhwc(input)), result);
  } else if (op == "Range") {
    std::vector<std::string> args;
    bool floats = false;
    for (size_t i = 0; i < 3; ++i) {
      Value& v = value_of(node.inputs.at(i));
      floats = floats || v.dtype == DType::float32;
      args.push_back(is_scalar_constant(v) ? scalar_literal(v) : nhwc(v) + ".item()");
    }
    result.dtype = floats ? DType::float32 : DType::int32;
    result.rank = 1;
    assign(node,
           fmt::format("torch.arange({}, {}, {}).{}()", args[0], args[1], args[2],
                       floats ? "float" : "long"),
           result);
  } else if (op == "Fill") {
    Value& dims = value_of(node.inputs.at(0));
    Value& fill = value_of(node.inputs.at(1));
    helpers_.insert("to_int_list");
    result.dtype = fill.dtype;
    const std::string value = is_scalar_constant(fill) ? scalar_literal(fill) : nhwc(fill) + ".item()";
    assign(node,
           fmt::format("torch.full(self.to_int_list({}), {}).{}()", nhwc(dims), value,
                       fill.dtype == DType::float32 ? "float" : "long"),
           result);
  } else if (op == "Tile") {
    Value& input = value_of(node.inputs.at(0));
    Value& multiples = value_of(node.inputs.at(1));
    helpers_.insert("to_int_list");
    result.dtype = input.dtype;
    result.rank = input.rank;
    assign(node, fmt::format("{}.repeat(self.to_int_list({}))", nhwc(input), nhwc(multiples)),
           result);
  } else if (op == "Split") {  // Split(split_dim, value): num_split equal parts
    const int64_t axis = constant_int(node, 0);
    Value& input = value_of(node.inputs.at(1));
    const int64_t parts = node.attr_int("num_split", 1);
    if (parts < 1) fail_node(node, "num_split must be positive");
    const std::string name = fresh();
    body_ << fmt::format("    {} = torch.tensor_split({}, {}, {})\n", name, nhwc(input), parts,
                         axis);
    for (int64_t k = 0; k < parts; ++k) {
      Value part;
      part.expr = fmt::format("{}[{}]", name, k);
      part.dtype = input.dtype;
      part.rank = input.rank;
      set(node, static_cast<int>(k), part);
    }
  } else if (op == "Select" || op == "SelectV2") {
    Value& condition = value_of(node.inputs.at(0));
    Value& a = value_of(node.inputs.at(1));
    Value& b = value_of(node.inputs.at(2));
    result.dtype = a.constant ? b.dtype : a.dtype;
    result.rank = a.rank;
    // TensorFlow 1's Select takes a vector condition for the rows of higher-rank values.
    const std::string cond = op == "Select" && condition.rank == 1 && a.rank > 1
                                 ? nhwc(condition) + ".reshape([-1] + [1] * " +
                                       std::to_string(a.rank - 1) + ")"
                                 : nhwc(condition);
    assign(node, fmt::format("torch.where({}, {}, {})", cond, nhwc(a), nhwc(b)), result);
  } else {
    return false;
  }
  return true;
}

}  // namespace actrec::convert::detail
