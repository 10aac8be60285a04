#include "actrec/features/feature_file.hpp"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"

namespace actrec::features {
namespace {

constexpr char kMagic[] = "ACTRECFEAT1\n";
// Values are written as the machine holds them: the format says little-endian, so only such
// machines (x86-64, ARM64) build this.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "feature files are little-endian");

[[noreturn]] void corrupt(const std::string& path, const std::string& reason) {
  throw InputError("cannot read feature file: " + path + ": " + reason);
}

FeatureFile read(const std::string& path, bool with_values) {
  std::ifstream in(path, std::ios::binary);
  if (!in) corrupt(path, "no such file");
  char magic[sizeof kMagic - 1];
  if (!in.read(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof magic) != 0) {
    corrupt(path, "not an actrec feature file");
  }
  std::string header;
  if (!std::getline(in, header)) corrupt(path, "truncated header");
  FeatureFile file;
  int64_t frames = 0;
  try {
    const auto json = nlohmann::json::parse(header);
    file.video = json.at("video");
    file.video_bytes = json.at("video_bytes");
    file.video_mtime_ns = json.at("video_mtime_ns");
    file.fingerprint = json.at("fingerprint");
    file.fps = json.at("fps");
    file.width = json.at("width");
    file.height = json.at("height");
    file.names = json.at("names").get<std::vector<std::string>>();
    frames = json.at("frames").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    corrupt(path, std::string("bad header: ") + e.what());
  }
  // The sizes must fit the bytes that follow before anything is allocated for them.
  const auto data_start = static_cast<uint64_t>(in.tellg());
  in.seekg(0, std::ios::end);
  const auto remaining = static_cast<uint64_t>(in.tellg()) - data_start;
  in.seekg(static_cast<std::streamoff>(data_start));
  const auto dim = static_cast<uint64_t>(file.names.size());
  if (frames < 0 || static_cast<uint64_t>(frames) > remaining / 8 ||
      static_cast<uint64_t>(frames) * (dim * sizeof(float) + sizeof(int64_t)) != remaining) {
    corrupt(path, "header says " + std::to_string(frames) + " frames of " + std::to_string(dim) +
                      " features, the file holds " + std::to_string(remaining) + " data bytes");
  }
  file.timestamps_us.resize(static_cast<size_t>(frames));
  const auto value_bytes = static_cast<std::streamsize>(frames * file.dim() * sizeof(float));
  const auto time_bytes = static_cast<std::streamsize>(file.timestamps_us.size() * sizeof(int64_t));
  if (with_values) {
    file.values.resize(static_cast<size_t>(file.frames() * file.dim()));
    in.read(reinterpret_cast<char*>(file.values.data()), value_bytes);
  } else {
    in.seekg(value_bytes, std::ios::cur);
  }
  if (!in || !in.read(reinterpret_cast<char*>(file.timestamps_us.data()), time_bytes)) {
    corrupt(path, "truncated data");
  }
  return file;
}

}  // namespace

void write_feature_file(const std::string& path, const FeatureFile& file) {
  if (file.values.size() != static_cast<size_t>(file.frames() * file.dim())) {
    throw Error("cannot write feature file: " + path + ": values do not match frames x dim");
  }
  const nlohmann::json header = {{"video", file.video},
                                 {"video_bytes", file.video_bytes},
                                 {"video_mtime_ns", file.video_mtime_ns},
                                 {"fingerprint", file.fingerprint},
                                 {"fps", file.fps},
                                 {"width", file.width},
                                 {"height", file.height},
                                 {"frames", file.frames()},
                                 {"dim", file.dim()},
                                 {"names", file.names}};
  std::string bytes = kMagic + header.dump() + "\n";
  bytes.append(reinterpret_cast<const char*>(file.values.data()), file.values.size() * sizeof(float));
  bytes.append(reinterpret_cast<const char*>(file.timestamps_us.data()),
               file.timestamps_us.size() * sizeof(int64_t));
  write_text_atomically(path, bytes);
}

FeatureFile read_feature_file(const std::string& path) { return read(path, true); }
FeatureFile read_feature_header(const std::string& path) { return read(path, false); }

}  // namespace actrec::features
