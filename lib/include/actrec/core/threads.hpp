#pragma once

namespace actrec {

/// Sets LibTorch's intra-op thread count (LibTorch here starts with one); 0 means one per core.
/// The first call also leaves one inter-op thread (one graph runs at a time). Returns the
/// intra-op count now in force.
int set_torch_threads(int requested);

}  // namespace actrec
