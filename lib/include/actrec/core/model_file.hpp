#pragma once
// Reading a model file (a bundle, a backbone) that a user named: only ever a regular file of a
// size a model can have, whatever the path turns out to be.
#include <cstdint>
#include <string>

namespace actrec {

/// Larger than any model actrec takes (the backbones are tens of MB, bundles less than one).
inline constexpr uint64_t kLargestModelFile = uint64_t{2} << 30;

/// The bytes of the model file at `path`. ModelError "<what>: <path>: <reason>" when it cannot be
/// opened, or is not a regular file (a FIFO would block the read for ever, a device such as
/// /dev/zero fill memory, a directory) or is larger than kLargestModelFile: said before anything
/// is read.
std::string read_model_file(const std::string& path, const std::string& what);

}  // namespace actrec
