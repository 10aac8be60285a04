// Fuzz inputs that stand for two files: split at the first NUL byte (no NUL: the second is empty).
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>

namespace actrec::fuzz {

inline std::pair<std::string, std::string> two_files(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\0');
  return {input.substr(0, split), split == std::string::npos ? "" : input.substr(split + 1)};
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace actrec::fuzz
