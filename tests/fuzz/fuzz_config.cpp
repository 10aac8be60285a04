// libFuzzer target: YAML configs. Only ConfigError may come out; a config that loads must
// survive its own round trip.
#include <cstddef>
#include <cstdint>
#include <string>

#include "actrec/config/config.hpp"
#include "actrec/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  actrec::config::Config config;
  try {
    actrec::config::apply_yaml(config, text, "fuzz.yaml");
  } catch (const actrec::ConfigError&) {
    return 0;
  }
  actrec::config::Config again;
  actrec::config::apply_yaml(again, actrec::config::to_yaml(config), "round-trip");
  if (actrec::config::to_yaml(again) != actrec::config::to_yaml(config)) __builtin_trap();
  return 0;
}
