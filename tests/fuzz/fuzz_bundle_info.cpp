// libFuzzer target: model bundle metadata (the JSON inside a .actrec). Only ModelError may come
// out; metadata that loads must survive its own round trip.
#include <cstddef>
#include <cstdint>
#include <string>

#include "actrec/core/error.hpp"
#include "actrec/model/bundle_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  actrec::model::BundleInfo info;
  try {
    info = actrec::model::bundle_info_from_json(text, "fuzz.actrec");
  } catch (const actrec::ModelError&) {
    return 0;
  }
  (void)actrec::model::bundle_info_from_json(actrec::model::bundle_info_to_json(info), "again");
  return 0;
}
