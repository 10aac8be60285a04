#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "actrec/convert/tfjs_graph.hpp"
#include "actrec/core/error.hpp"

namespace actrec::convert {
namespace {

// The values of `t` as k blocks along its first dimension that is not 1, when that dimension
// is a multiple of k and the blocks are all alike: what a graph tiles once per person.
bool resize_blocks(HostTensor& t, int64_t k, int64_t people) {
  size_t dim = 0;
  while (dim < t.shape.size() && t.shape[dim] == 1) ++dim;
  if (dim == t.shape.size() || t.shape[dim] % k != 0) return false;
  const int64_t numel = t.numel();
  const auto block = static_cast<size_t>(numel / k);
  auto alike = [&](const auto& values) {
    for (size_t i = block; i < values.size(); ++i) {
      if (values[i] != values[i % block]) return false;
    }
    return true;
  };
  auto tile = [&](auto& values) {
    values.resize(block);
    for (int64_t p = 1; p < people; ++p)
      values.insert(values.end(), values.begin(),
                    values.begin() + static_cast<std::ptrdiff_t>(block));
  };
  if (t.dtype == DType::float32 ? !alike(t.floats) : !alike(t.ints)) return false;
  if (t.dtype == DType::float32) {
    tile(t.floats);
  } else {
    tile(t.ints);
  }
  t.shape[dim] = t.shape[dim] / k * people;
  return true;
}

}  // namespace

int decode_people(TfjsGraph& graph, int people) {
  auto fail = [&](const std::string& reason) -> void {
    throw ModelError(fmt::format("cannot decode {} people: {}: {}", people, graph.source, reason));
  };
  if (people < 1) fail("the number must be at least 1");
  const TfjsNode* top = nullptr;
  for (const auto& node : graph.nodes) {
    if (node.op != "TopKV2") continue;
    if (top) fail("it has more than one TopKV2 op (" + top->name + ", " + node.name + ")");
    top = &node;
  }
  if (!top) fail("it has no TopKV2 op choosing a number of candidates");
  const std::string k_name = top->inputs.size() > 1 ? split_tensor_name(top->inputs[1]).first : "";
  const auto k_at = graph.constants.find(k_name);
  if (k_at == graph.constants.end() || k_at->second.dtype != DType::int32 ||
      k_at->second.numel() != 1) {
    fail(top->name + " takes no constant k");
  }
  const int64_t k = k_at->second.ints[0];
  if (k < 1) fail(fmt::format("{} keeps {} candidates", top->name, k));
  // The ops after the TopKV2: only what they take is shaped by k (the network before it is not).
  std::map<std::string, std::vector<const TfjsNode*>> consumers;
  for (const auto& node : graph.nodes) {
    for (const auto& input : node.inputs)
      consumers[split_tensor_name(input).first].push_back(&node);
  }
  std::set<std::string> after{top->name};
  std::deque<std::string> queue{top->name};
  while (!queue.empty()) {
    const std::string name = queue.front();
    queue.pop_front();
    for (const TfjsNode* next : consumers[name]) {
      if (after.insert(next->name).second) queue.push_back(next->name);
    }
  }
  int rewritten = 1;
  k_at->second.ints[0] = people;
  std::set<std::string> seen{k_name};
  for (const auto& node : graph.nodes) {
    if (!after.count(node.name)) continue;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const std::string name = split_tensor_name(node.inputs[i]).first;
      const auto at = graph.constants.find(name);
      if (at == graph.constants.end() || !seen.insert(name).second) continue;
      HostTensor& t = at->second;
      if (node.op == "Reshape" && i == 1 && t.dtype == DType::int32 && t.shape.size() <= 1) {
        // A shape: a dimension of n*k (n per person) becomes n*people.
        bool changed = false;
        for (auto& d : t.ints) {
          if (d > 0 && d % k == 0) {
            d = d / k * people;
            changed = true;
          }
        }
        rewritten += changed;
      } else if (t.numel() > 1) {
        rewritten += resize_blocks(t, k, people);
      }
    }
  }
  return rewritten;
}

}  // namespace actrec::convert
