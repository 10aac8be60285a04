// libFuzzer target: TensorFlow.js model.json with its weight manifest (one shard of fixed
// bytes). Only ModelError may come out.
#include <cstddef>
#include <cstdint>
#include <string>

#include "actrec/convert/tfjs_graph.hpp"
#include "actrec/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  static const std::string shard(4096, '\x3c');
  try {
    const auto graph = actrec::convert::parse_tfjs_graph(
        text, "fuzz.json", [](const std::string&, size_t) { return shard; });
    (void)actrec::convert::describe_nodes(graph);
  } catch (const actrec::ModelError&) {
  }
  return 0;
}
