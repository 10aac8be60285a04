#pragma once
// A TensorFlow.js graph model (model.json + weight shards) read into plain C++ data. No LibTorch.
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace actrec::convert {

enum class DType { float32, int32, boolean };

/// A constant decoded from the weight shards. Integers (int32, bool) are widened to int64.
struct HostTensor {
  DType dtype = DType::float32;
  std::vector<int64_t> shape;
  std::vector<float> floats;  ///< when dtype is float32
  std::vector<int64_t> ints;  ///< otherwise

  int64_t numel() const;
};

struct TfjsNode {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;  ///< "node" or "node:K"; control inputs ("^x") removed
  nlohmann::json attr;              ///< as in model.json; read through the accessors below

  bool has_attr(const std::string& key) const;
  int64_t attr_int(const std::string& key, int64_t fallback) const;
  bool attr_bool(const std::string& key, bool fallback) const;
  float attr_float(const std::string& key, float fallback) const;
  std::string attr_string(const std::string& key,
                          const std::string& fallback) const;  ///< base64-decoded
  std::vector<int64_t> attr_ints(const std::string& key) const;
  std::vector<std::string> attr_strings(const std::string& key) const;  ///< base64-decoded
  std::string attr_type(const std::string& key) const;                  ///< e.g. "DT_FLOAT"
  std::vector<int64_t> attr_shape(const std::string& key) const;        ///< -1 for unknown dims
};

struct TfjsGraph {
  std::string source;  ///< the model.json path, for messages
  /// SHA-256 of model.json and its weight shards as read: what the model is, whatever file a
  /// conversion of it ends up in.
  std::string content_sha256;
  std::vector<TfjsNode> nodes;
  std::map<std::string, size_t> index;  ///< node name -> position in `nodes`
  std::map<std::string, HostTensor> constants;
  std::vector<std::string> signature_inputs;   ///< graph tensor names, e.g. "input:0"
  std::vector<std::string> signature_outputs;  ///< graph tensor names, e.g. "Identity:0"

  const TfjsNode* find(const std::string& name) const;
};

/// Reads `model_json` and its weight shards (paths relative to it, inside its folder). Throws
/// ModelError naming the file for unreadable or malformed JSON, a missing, short or oversized
/// shard, a shard path leading outside the folder, or an unknown weight dtype.
TfjsGraph load_tfjs_graph(const std::string& model_json);

/// The same from memory: `read_shard(relative_path, max_bytes)` returns a shard's bytes (a
/// shard holding more than `max_bytes`, what the rest of its group's weights take, is refused).
TfjsGraph parse_tfjs_graph(
    const std::string& json_text, const std::string& source,
    const std::function<std::string(const std::string&, size_t max_bytes)>& read_shard);

/// Makes a graph that keeps the k best candidates with one TopKV2 op (MoveNet MultiPose: its 6
/// best person centres) keep `people` instead, and everything after it follow: k itself, the
/// shapes its Reshape ops take (a dimension of n*k becomes n*people), and the constants its
/// ops take that repeat one block k times (zeros, keypoint indices per person) are rewritten.
/// Each candidate is decoded on its own, so the first min(k, people) are what the graph gave.
/// Returns the constants rewritten. ModelError naming the file when there is no such TopKV2.
int decode_people(TfjsGraph& graph, int people);

/// One line per node: index, op, name, inputs, and the shape where the file states it.
std::string describe_nodes(const TfjsGraph& graph);

/// Splits "node:K" into ("node", K); "node" is output 0.
std::pair<std::string, int> split_tensor_name(const std::string& tensor);

std::string base64_decode(const std::string& text);

}  // namespace actrec::convert
