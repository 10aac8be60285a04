// libFuzzer target: feature cache files (header and data). Only InputError may come out.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "actrec/core/error.hpp"
#include "actrec/core/temp_dir.hpp"
#include "actrec/features/feature_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const actrec::TempDir dir;
  const std::string path = dir.file("f.feat");
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data),
                                              static_cast<std::streamsize>(size));
  try {
    (void)actrec::features::read_feature_file(path);
  } catch (const actrec::InputError&) {
  }
  return 0;
}
