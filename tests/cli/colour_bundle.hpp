#pragma once
// A tiny backbone and model bundle the CLI tests make for themselves (random weights: the tests
// check what the commands do with them, not what the labels mean).
#include <string>

namespace actrec::test {

/// Saves at `path` a TorchScript backbone whose "feature map" is the frame's mean colour [B, 3].
void write_colour_backbone(const std::string& path);

/// Saves at `path` a bundle for `cell` on the backbone at `backbone`, labels dark, light and
/// background; seeded, so the same call gives the same weights.
void write_colour_bundle(const std::string& path, const std::string& backbone,
                         const std::string& cell);

}  // namespace actrec::test
