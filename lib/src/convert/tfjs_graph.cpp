#include "actrec/convert/tfjs_graph.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "actrec/core/error.hpp"
#include "actrec/core/sha256.hpp"

namespace actrec::convert {
namespace {

using nlohmann::json;

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exponent = (h >> 10) & 0x1F;
  const uint32_t mantissa = h & 0x3FF;
  if (exponent == 0) {  // zero or subnormal: exact as a float
    const float value = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -value : value;
  }
  uint32_t bits;
  if (exponent == 31) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // inf / nan
  } else {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

template <typename T>
T read_le(const std::string& bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));  // x86/ARM Linux are little-endian
  return value;
}

[[noreturn]] void fail(const std::string& source, const std::string& reason) {
  throw ModelError("cannot read TensorFlow.js model: " + source + ": " + reason);
}

int64_t checked_numel(const std::vector<int64_t>& shape, const std::string& source,
                      const std::string& name) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0 || dim > (int64_t{1} << 31) || (dim > 0 && count > (int64_t{1} << 34) / dim)) {
      fail(source, "weight " + name + " has an invalid shape");
    }
    count *= dim;
  }
  return count;
}

// Decodes one manifest entry from `bytes` at `offset`; returns the bytes it used.
// How a weight is stored in its shard: the dtype of its bytes (after quantization) and size.
struct StoredWeight {
  std::string name, dtype, stored;
  int64_t count = 0;
  size_t element_size = 0;
  double scale = 1, min = 0;
  size_t bytes() const { return static_cast<size_t>(count) * element_size; }
};

StoredWeight stored_weight(const json& entry, const std::string& source,
                           std::vector<int64_t>* shape = nullptr) {
  StoredWeight w;
  w.name = entry.at("name").get<std::string>();
  const auto dims = entry.at("shape").get<std::vector<int64_t>>();
  w.count = checked_numel(dims, source, w.name);
  if (shape) *shape = dims;
  w.dtype = entry.at("dtype").get<std::string>();
  w.stored = w.dtype;
  if (entry.contains("quantization")) {
    const json& q = entry.at("quantization");
    w.stored = q.at("dtype").get<std::string>();
    if (w.stored == "uint8" || w.stored == "uint16") {
      w.scale = q.at("scale").get<double>();
      w.min = q.at("min").get<double>();
    } else if (w.stored != "float16") {
      fail(source, "weight " + w.name + ": unsupported quantization dtype '" + w.stored + "'");
    }
  }
  if (w.stored == "float32" || w.stored == "int32") {
    w.element_size = 4;
  } else if (w.stored == "float16" || w.stored == "uint16") {
    w.element_size = 2;
  } else if (w.stored == "uint8" || w.stored == "bool") {
    w.element_size = 1;
  } else {
    fail(source, "weight " + w.name + ": unsupported dtype '" + w.stored + "'");
  }
  return w;
}

size_t decode_weight(const json& entry, const std::string& bytes, size_t offset,
                     const std::string& source, HostTensor& out) {
  const StoredWeight w = stored_weight(entry, source, &out.shape);
  const std::string& name = w.name;
  const std::string& dtype = w.dtype;
  const std::string& stored = w.stored;
  const int64_t count = w.count;
  const size_t element_size = w.element_size;
  const double scale = w.scale, min = w.min;
  const size_t size = w.bytes();
  if (offset + size > bytes.size()) {
    fail(source, "weight shards are shorter than the manifest says (weight " + name + " needs " +
                     std::to_string(offset + size) + " bytes, shards hold " +
                     std::to_string(bytes.size()) + ")");
  }
  const bool as_float = dtype == "float32";
  if (!as_float && dtype != "int32" && dtype != "bool") {
    fail(source, "weight " + name + ": unsupported dtype '" + dtype + "'");
  }
  out.dtype = as_float ? DType::float32 : dtype == "int32" ? DType::int32 : DType::boolean;
  for (int64_t i = 0; i < count; ++i) {
    const size_t at = offset + static_cast<size_t>(i) * element_size;
    double value;
    if (stored == "float32") {
      value = read_le<float>(bytes, at);
    } else if (stored == "float16") {
      value = half_to_float(read_le<uint16_t>(bytes, at));
    } else if (stored == "int32") {
      value = read_le<int32_t>(bytes, at);
    } else if (stored == "uint16") {
      value = read_le<uint16_t>(bytes, at) * scale + min;
    } else {  // uint8, bool
      const auto byte = static_cast<uint8_t>(bytes[at]);
      value = stored == "bool" ? byte : byte * scale + min;
    }
    if (as_float) {
      out.floats.push_back(static_cast<float>(value));
    } else {
      out.ints.push_back(static_cast<int64_t>(value));
    }
  }
  return size;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError("cannot read TensorFlow.js model: " + path + ": no such file");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const json* find_attr(const json& attr, const std::string& key) {
  if (!attr.is_object()) return nullptr;
  auto it = attr.find(key);
  return it == attr.end() ? nullptr : &*it;
}

// TensorFlow's JSON writes 64-bit integers as strings.
int64_t json_int(const json& value) {
  if (!value.is_string()) return value.get<int64_t>();
  const auto& text = value.get_ref<const std::string&>();
  int64_t out = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw std::invalid_argument("'" + text + "' is not a 64-bit integer");
  }
  return out;
}

// Reads every typed field of an attribute once, at load, so that a malformed one is reported
// there with the file, node and attribute, and the accessors can trust what they read.
void check_attr(const json& value) {
  if (!value.is_object()) throw std::invalid_argument("not an object");
  if (value.contains("i")) json_int(value.at("i"));
  if (value.contains("b")) value.at("b").get<bool>();
  if (value.contains("f")) value.at("f").get<float>();
  if (value.contains("s")) value.at("s").get<std::string>();
  if (value.contains("type")) value.at("type").get<std::string>();
  if (value.contains("list")) {
    const json& list = value.at("list");
    for (const auto& i : list.value("i", json::array())) json_int(i);
    for (const auto& s : list.value("s", json::array())) s.get<std::string>();
  }
  if (value.contains("shape")) {
    for (const auto& dim : value.at("shape").value("dim", json::array())) {
      json_int(dim.value("size", json("-1")));
    }
  }
}

}  // namespace

int64_t HostTensor::numel() const {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

std::string base64_decode(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const auto at = kAlphabet.find(c);
    if (at == std::string::npos) continue;
    buffer = (buffer << 6) | static_cast<uint32_t>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::pair<std::string, int> split_tensor_name(const std::string& tensor) {
  const auto colon = tensor.rfind(':');
  if (colon == std::string::npos || colon + 1 == tensor.size() ||
      tensor.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
    return {tensor, 0};
  }
  int index = 0;
  const char* digits = tensor.data() + colon + 1;
  if (std::from_chars(digits, tensor.data() + tensor.size(), index).ec != std::errc()) {
    return {tensor, 0};  // an index past int: no node has that name, and lookups say so
  }
  return {tensor.substr(0, colon), index};
}

bool TfjsNode::has_attr(const std::string& key) const { return find_attr(attr, key) != nullptr; }

int64_t TfjsNode::attr_int(const std::string& key, int64_t fallback) const {
  const json* value = find_attr(attr, key);
  if (!value || !value->contains("i")) return fallback;
  return json_int(value->at("i"));
}

bool TfjsNode::attr_bool(const std::string& key, bool fallback) const {
  const json* value = find_attr(attr, key);
  return value && value->contains("b") ? value->at("b").get<bool>() : fallback;
}

float TfjsNode::attr_float(const std::string& key, float fallback) const {
  const json* value = find_attr(attr, key);
  return value && value->contains("f") ? value->at("f").get<float>() : fallback;
}

std::string TfjsNode::attr_string(const std::string& key, const std::string& fallback) const {
  const json* value = find_attr(attr, key);
  return value && value->contains("s") ? base64_decode(value->at("s").get<std::string>())
                                       : fallback;
}

std::vector<int64_t> TfjsNode::attr_ints(const std::string& key) const {
  std::vector<int64_t> out;
  const json* value = find_attr(attr, key);
  if (!value || !value->contains("list") || !value->at("list").contains("i")) return out;
  for (const auto& i : value->at("list").at("i")) {
    out.push_back(json_int(i));
  }
  return out;
}

std::vector<std::string> TfjsNode::attr_strings(const std::string& key) const {
  std::vector<std::string> out;
  const json* value = find_attr(attr, key);
  if (!value || !value->contains("list") || !value->at("list").contains("s")) return out;
  for (const auto& s : value->at("list").at("s"))
    out.push_back(base64_decode(s.get<std::string>()));
  return out;
}

std::string TfjsNode::attr_type(const std::string& key) const {
  const json* value = find_attr(attr, key);
  return value && value->contains("type") ? value->at("type").get<std::string>() : "";
}

std::vector<int64_t> TfjsNode::attr_shape(const std::string& key) const {
  std::vector<int64_t> out;
  const json* value = find_attr(attr, key);
  if (!value || !value->contains("shape")) return out;
  const json& shape = value->at("shape");
  if (!shape.contains("dim")) return out;
  for (const auto& dim : shape.at("dim")) {
    out.push_back(json_int(dim.value("size", json("-1"))));
  }
  return out;
}

const TfjsNode* TfjsGraph::find(const std::string& name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &nodes[it->second];
}

TfjsGraph parse_tfjs_graph(
    const std::string& json_text, const std::string& source,
    const std::function<std::string(const std::string&, size_t max_bytes)>& read_shard) {
  TfjsGraph graph;
  graph.source = source;
  Sha256 content;
  content.update(json_text);
  json model;
  try {
    model = json::parse(json_text);
  } catch (const json::exception& e) {
    fail(source, std::string("not valid JSON: ") + e.what());
  }
  try {
    if (!model.is_object() || !model.contains("modelTopology")) {
      fail(source, "no modelTopology: not a TensorFlow.js model.json");
    }
    if (model.value("format", "graph-model") != "graph-model") {
      fail(source, "format '" + model.value("format", "") +
                       "' is not supported (only TensorFlow.js graph models)");
    }
    const json& topology = model.at("modelTopology");
    if (!topology.contains("node")) fail(source, "modelTopology has no nodes (a layers model?)");
    for (const auto& entry : topology.at("node")) {
      TfjsNode node;
      node.name = entry.at("name").get<std::string>();
      node.op = entry.at("op").get<std::string>();
      if (entry.contains("input")) {
        for (const auto& input : entry.at("input")) {
          const auto name = input.get<std::string>();
          if (!name.empty() && name[0] != '^') node.inputs.push_back(name);
        }
      }
      node.attr = entry.value("attr", json::object());
      if (!node.attr.is_object()) fail(source, "node " + node.name + ": attr is not an object");
      for (const auto& [key, value] : node.attr.items()) {
        try {
          check_attr(value);
        } catch (const std::exception& e) {
          fail(source, "node " + node.name + " (op " + node.op + "): attribute " + key +
                           " is malformed: " + e.what());
        }
      }
      if (graph.index.count(node.name)) fail(source, "node " + node.name + " appears twice");
      graph.index[node.name] = graph.nodes.size();
      graph.nodes.push_back(std::move(node));
    }
    if (model.contains("signature")) {
      const json& signature = model.at("signature");
      for (const char* side : {"inputs", "outputs"}) {
        if (!signature.contains(side)) continue;
        auto& names =
            std::string(side) == "inputs" ? graph.signature_inputs : graph.signature_outputs;
        for (const auto& [key, value] : signature.at(side).items()) {
          names.push_back(value.value("name", key));
        }
      }
    }
    for (const auto& group : model.value("weightsManifest", json::array())) {
      // What the group's weights take: no shard may hold more (a path to /dev/zero would
      // otherwise be read until memory runs out).
      size_t declared = 0;
      for (const auto& entry : group.at("weights")) declared += stored_weight(entry, source).bytes();
      std::string bytes;
      for (const auto& path : group.at("paths")) {
        const std::string shard = read_shard(path.get<std::string>(), declared - std::min(declared, bytes.size()));
        content.update(shard);
        bytes += shard;
      }
      size_t offset = 0;
      for (const auto& entry : group.at("weights")) {
        HostTensor tensor;
        offset += decode_weight(entry, bytes, offset, source, tensor);
        graph.constants[entry.at("name").get<std::string>()] = std::move(tensor);
      }
    }
  } catch (const json::exception& e) {
    fail(source, std::string("malformed model.json: ") + e.what());
  } catch (const std::logic_error& e) {  // a safety net: e.g. std::out_of_range
    fail(source, std::string("malformed model.json: ") + e.what());
  }
  graph.content_sha256 = content.hex();
  return graph;
}

std::string describe_nodes(const TfjsGraph& graph) {
  std::ostringstream out;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const TfjsNode& node = graph.nodes[i];
    std::string shape;
    if (auto it = graph.constants.find(node.name); it != graph.constants.end()) {
      shape = fmt::format("[{}]", fmt::join(it->second.shape, ","));
    } else if (node.op == "Placeholder") {
      shape = fmt::format("[{}]", fmt::join(node.attr_shape("shape"), ","));
    }
    out << fmt::format("{:4}  {:<28} {}", i, node.op, node.name);
    if (!shape.empty()) out << "  " << shape;
    if (!node.inputs.empty()) out << fmt::format("  <- {}", fmt::join(node.inputs, ", "));
    out << "\n";
  }
  return out.str();
}

namespace {

// A shard path from a model.json is outside input: it must name a regular file inside the
// model's folder (no absolute paths, no way out through "..", no symlink leading out), no
// larger than the weights the manifest declares.
std::string checked_shard_path(const std::string& model_json, const std::string& folder,
                               const std::string& shard, size_t max_bytes) {
  namespace fs = std::filesystem;
  const fs::path relative(shard);
  const std::string path = folder + shard;
  if (shard.empty() || relative.is_absolute()) {
    fail(model_json, "weight shard '" + shard.substr(0, 80) + "' is outside the model's folder");
  }
  std::error_code error;
  const fs::path base = fs::weakly_canonical(folder.empty() ? fs::path(".") : fs::path(folder), error);
  const fs::path resolved = fs::weakly_canonical(path, error);
  const auto [end, rest] = std::mismatch(base.begin(), base.end(), resolved.begin(), resolved.end());
  if (error || end != base.end() || rest == resolved.end()) {
    fail(model_json, "weight shard '" + shard.substr(0, 80) + "' is outside the model's folder");
  }
  const auto status = fs::status(resolved, error);
  if (!fs::exists(status)) fail(model_json, "weight shard " + path + " is missing");
  if (!fs::is_regular_file(status)) fail(model_json, "weight shard " + path + " is not a regular file");
  const auto size = fs::file_size(resolved, error);
  if (!error && size > max_bytes) {
    fail(model_json, fmt::format("weight shard {} holds {} bytes, more than the {} its weights "
                                 "take",
                                 path, size, max_bytes));
  }
  return resolved.string();
}

}  // namespace

TfjsGraph load_tfjs_graph(const std::string& model_json) {
  const std::string text = read_file(model_json);
  const std::string folder = [&] {
    const auto slash = model_json.rfind('/');
    return slash == std::string::npos ? std::string() : model_json.substr(0, slash + 1);
  }();
  return parse_tfjs_graph(text, model_json, [&](const std::string& shard, size_t max_bytes) {
    const std::string path = checked_shard_path(model_json, folder, shard, max_bytes);
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(model_json, "weight shard " + path + " is missing");
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  });
}

}  // namespace actrec::convert
