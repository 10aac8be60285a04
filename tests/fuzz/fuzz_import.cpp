// libFuzzer target: dataset imports. The input is split at the first NUL byte into a GMDCSA24
// annotation CSV and a label map (YAML); a bad map may only be a ConfigError, and a bad CSV row
// must be reported and left out, never thrown or crashed on.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "actrec/config/config.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/temp_dir.hpp"
#include "actrec/train/importers.hpp"
#include "two_files.hpp"

using actrec::fuzz::write_file;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [csv, map] = actrec::fuzz::two_files(data, size);
  static const actrec::TempDir dir;
  static const bool made = [] {
    std::filesystem::create_directories(dir.file("gmd/Subject 1/ADL"));
    for (const char* clip : {"01", "02", "03"}) write_file(dir.file("gmd/Subject 1/ADL/") + clip + ".mp4", "x");
    return true;
  }();
  (void)made;
  write_file(dir.file("gmd/Subject 1/ADL.csv"), csv);
  write_file(dir.file("map.yaml"), map);
  actrec::train::ImportOptions options;
  options.format = actrec::train::ImportFormat::gmdcsa24;
  options.source = dir.file("gmd");
  options.manifest = dir.file("out.csv");
  try {
    options.labels = actrec::config::load_label_map(dir.file("map.yaml"));
  } catch (const actrec::ConfigError&) {
  }
  actrec::train::import_dataset(options);
  return 0;
}
