// libFuzzer target: --set KEY=VALUE overrides, one per line. Only ConfigError may come out, and
// each must return (an empty key part once looped, allocating, until memory ran out).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "actrec/config/config.hpp"
#include "actrec/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  actrec::config::Config config;
  for (std::string line; std::getline(lines, line);) {
    try {
      actrec::config::apply_override(config, line);
    } catch (const actrec::ConfigError&) {
    }
  }
  return 0;
}
