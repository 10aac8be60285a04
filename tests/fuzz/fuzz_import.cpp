// libFuzzer target: dataset imports. The input is split at the first NUL byte into a GMDCSA24
// annotation CSV and a label map (YAML); a bad map may only be a ConfigError, and a bad CSV row
// must be reported and left out, never thrown or crashed on (an import left with no clip at all
// is a DataError).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <opencv2/videoio.hpp>
#include <string>

#include "actrec/config/config.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/temp_dir.hpp"
#include "actrec/data/importers.hpp"
#include "two_files.hpp"

using actrec::fuzz::write_file;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [csv, map] = actrec::fuzz::two_files(data, size);
  static const actrec::TempDir dir;
  static const bool made = [] {
    std::filesystem::create_directories(dir.file("gmd/Subject 1/ADL"));
    // Real videos: the importer decodes each to know its length (10 s at 2 fps).
    for (const char* clip : {"01", "02", "03"}) {
      cv::VideoWriter writer(dir.file("gmd/Subject 1/ADL/") + clip + ".mp4", cv::CAP_FFMPEG,
                             cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 2, {16, 16});
      for (int f = 0; f < 20; ++f) writer.write(cv::Mat(16, 16, CV_8UC3, cv::Scalar::all(f)));
    }
    return true;
  }();
  (void)made;
  write_file(dir.file("gmd/Subject 1/ADL.csv"), csv);
  write_file(dir.file("map.yaml"), map);
  actrec::data::ImportOptions options;
  options.format = actrec::data::ImportFormat::gmdcsa24;
  options.source = dir.file("gmd");
  options.manifest = dir.file("out.csv");
  try {
    options.labels = actrec::config::load_label_map(dir.file("map.yaml"));
  } catch (const actrec::ConfigError&) {
  }
  try {
    actrec::data::import_dataset(options);
  } catch (const actrec::DataError&) {
  }
  return 0;
}
