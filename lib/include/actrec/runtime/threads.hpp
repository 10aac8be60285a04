#pragma once

namespace actrec::runtime {

/// Sets LibTorch's intra-op thread count (LibTorch here starts with one); 0 means one per core.
/// Returns the count now in force.
int set_torch_threads(int requested);

}  // namespace actrec::runtime
