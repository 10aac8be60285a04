// libFuzzer target: dataset manifests and annotation files. The input is split at the first
// NUL byte into a manifest and one annotation file (seg.csv, frames.txt and mapping.txt get it);
// problems must be collected, never thrown or crashed on.
#include <cstddef>
#include <cstdint>
#include <string>

#include "actrec/core/temp_dir.hpp"
#include "actrec/data/dataset.hpp"
#include "two_files.hpp"

using actrec::fuzz::write_file;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [manifest_text, annotation] = actrec::fuzz::two_files(data, size);
  static const actrec::TempDir dir;
  write_file(dir.file("m.csv"), manifest_text);
  for (const char* name : {"seg.csv", "frames.txt", "mapping.txt"}) write_file(dir.file(name), annotation);
  write_file(dir.file("v.avi"), "x");
  actrec::data::DataProblems problems;
  const auto manifest = actrec::data::read_manifest(dir.file("m.csv"), problems);
  for (const char* background : {"background", ""}) {
    actrec::config::DataConfig config;
    config.background = background;
    const auto labels = actrec::data::label_set(manifest, config);
    for (const auto& clip : manifest.clips) {
      actrec::data::frame_targets(clip, 50, 25.0, labels, config, problems);
    }
  }
  return 0;
}
