#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace actrec {

/// Incremental SHA-256 (FIPS 180-4), for fingerprints of model files and configs.
class Sha256 {
 public:
  Sha256();
  Sha256& update(std::string_view bytes);
  /// Lower-case hex digest; the object is spent afterwards.
  std::string hex();

 private:
  void block(const uint8_t* data);
  uint32_t state_[8];
  uint8_t buffer_[64];
  uint64_t length_ = 0;
  size_t buffered_ = 0;
};

/// SHA-256 of a whole file; throws Error naming it when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace actrec
