// libFuzzer target: dataset manifests and annotation files. The input is split at the first
// NUL byte into a manifest and one annotation file (seg.csv, frames.txt and mapping.txt get it);
// problems must be collected, never thrown or crashed on.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "actrec/core/temp_dir.hpp"
#include "actrec/train/dataset.hpp"

namespace {
void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\0');
  static const actrec::TempDir dir;
  write(dir.file("m.csv"), input.substr(0, split));
  const std::string annotation = split == std::string::npos ? "" : input.substr(split + 1);
  for (const char* name : {"seg.csv", "frames.txt", "mapping.txt"}) write(dir.file(name), annotation);
  write(dir.file("v.avi"), "x");
  actrec::train::DataProblems problems;
  const auto manifest = actrec::train::read_manifest(dir.file("m.csv"), problems);
  for (const char* background : {"background", ""}) {
    actrec::config::DataConfig config;
    config.background = background;
    const auto labels = actrec::train::label_set(manifest, config);
    for (const auto& clip : manifest.clips) {
      actrec::train::frame_targets(clip, 50, 25.0, labels, config, problems);
    }
  }
  return 0;
}
