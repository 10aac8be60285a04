#pragma once
// Inside the TensorFlow.js -> TorchScript converter (not installed): the Generator walks the
// graph and writes TorchScript source op by op; each op family's emitters live in their own file
// (ops_elementwise.cpp, ops_window.cpp, ops_shape.cpp).
#include <fmt/format.h>
#include <torch/script.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "actrec/convert/tfjs_import.hpp"

namespace actrec::convert::detail {


// Raised whenever a change to the converter changes what a converted graph computes (beyond
// float rounding), so that features made before and after are never taken for each other.
inline constexpr int kConverterRevision = 1;

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
  int64_t height = -1, width = -1;  // NHWC spatial size of a 4-D value, where it is known
  int64_t multiple = 0;  // where the size is not known: both sides are multiples of this (0: ?)
};


struct BinaryOp {
  const char* format;
  bool commutative;
  bool comparison;
  const char* scalar_format = nullptr;  // where TorchScript wants another form for a number
};

std::string float_literal(double value);
std::string int_list(const std::vector<int64_t>& values);
/// NHWC axis -> NCHW axis for a rank-4 tensor.
int64_t to_nchw_axis(int64_t axis);

class Generator {
 public:
  Generator(const TfjsGraph& graph, const ImportOptions& options)
      : graph_(graph), outputs_(options.outputs), options_(options) {
    if (outputs_.empty()) outputs_ = graph.signature_outputs;
    if (outputs_.empty()) fail_model("the model names no outputs; pass --outputs");
  }
  torch::jit::Module build(ImportReport* report);
 private:
  [[noreturn]] void fail_model(const std::string& reason) const;
  [[noreturn]] void fail_node(const TfjsNode& node, const std::string& reason) const;
  std::vector<std::string> topological_order();
  Value& value_of(const std::string& tensor);
  void set(const TfjsNode& node, int index, Value value);
  std::string fresh() { return fmt::format("v{}", next_var_++); }
  // A constant as a module buffer, in the layout asked for.
  std::string buffer(const HostTensor& constant, Layout layout);
  void store(Value& value) { value.expr = buffer(*value.constant, Layout::nhwc); }
  bool is_scalar_constant(const Value& value) const;
  std::string scalar_literal(const Value& value) const;
  std::vector<int64_t> constant_ints(const TfjsNode& node, size_t input);
  int64_t constant_int(const TfjsNode& node, size_t input);
  // The value in TensorFlow's layout, as an expression.
  std::string nhwc(Value& value);
  // A rank-4 value in LibTorch's conv layout, as an expression.
  std::string nchw(Value& value, const TfjsNode& node);
  void assign(const TfjsNode& node, const std::string& expr, Value result);
  void emit(const TfjsNode& node);
  // The one rule for batches: the module takes any batch size unless some op takes a value
  // that carries the batch in dim 0 and gives one that does not (it mixes or drops items), or
  // reads the single item of a batch-1 value as such.
  void apply_batch_rule(const TfjsNode& node);
  // Each op family's emitters: false when the op is not one of theirs.
  bool emit_elementwise_op(const TfjsNode& node);
  bool emit_window_op(const TfjsNode& node);
  bool emit_shape_op(const TfjsNode& node);
  bool emit_dynamic_op(const TfjsNode& node);
  void emit_cast(const TfjsNode& node);
  void emit_unary(const TfjsNode& node, const std::string& format);
  void emit_binary(const TfjsNode& node, const BinaryOp& op);
  void emit_add_n(const TfjsNode& node);
  // SAME/VALID/EXPLICIT padding for a window op on NCHW `x`; returns the padded expression and
  // the symmetric padding left for the op itself.
  // How a window op (convolution, pooling) pads its NCHW input `x`.
  struct WindowPadding {
    std::string input;          // x, or x padded by a helper where the op cannot pad
    std::vector<int64_t> pads;  // symmetric padding the op does itself, [h, w]
    // Zero rows and columns to put before a convolution's kernel, [h, w]: TensorFlow's SAME pads
    // one more after than before; padding `after` on both sides with the kernel shifted by one
    // computes exactly that, and keeps the padding inside the op (no layout round trip).
    std::vector<int64_t> grow;
    int64_t height = -1, width = -1;  // the output's, where known
    int64_t multiple = 0;             // the output's sides' known divisor, where not known
  };
  WindowPadding window_padding(const TfjsNode& node, const Value& input, const std::string& x,
                               int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                               int64_t dw, const std::string& pad_value, bool can_grow_kernel);
  void check_nhwc(const TfjsNode& node);
  std::vector<int64_t> spatial(const TfjsNode& node, const std::string& key);
  void emit_conv(const TfjsNode& node);
  void emit_max_pool(const TfjsNode& node);
  void emit_resize(const TfjsNode& node);
  void emit_reduce(const TfjsNode& node);
  void emit_unpack(const TfjsNode& node);
  void emit_pack(const TfjsNode& node);
  void emit_concat(const TfjsNode& node);
  void emit_expand_dims(const TfjsNode& node);
  void emit_squeeze(const TfjsNode& node);
  void emit_reshape(const TfjsNode& node);
  void emit_transpose(const TfjsNode& node);
  // `format` over the first `arity` inputs in NHWC; the result keeps input 0's rank if asked.
  void emit_simple(const TfjsNode& node, const std::string& format, const std::string& helper,
                   size_t arity, bool keeps_rank);
  void emit_gather_v2(const TfjsNode& node);
  void emit_arg(const TfjsNode& node);
  void emit_top_k(const TfjsNode& node);
  void emit_strided_slice(const TfjsNode& node);
  void emit_pad(const TfjsNode& node);
  const TfjsGraph& graph_;
  std::vector<std::string> outputs_;
  ImportOptions options_;
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
  bool fixed_size_ = false;     // the caller fixed the input size the graph leaves open
  bool multiple_size_ = false;  // the caller said the input's sides are multiples of a number
};

}  // namespace actrec::convert::detail
