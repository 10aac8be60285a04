#include "actrec/core/threads.hpp"

#include <ATen/Parallel.h>

#include "actrec/core/log.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace actrec {

int set_torch_threads(int requested) {
  // One inter-op thread: actrec runs one graph at a time (a decode thread feeds it), so a pool
  // for parallel graph branches would only compete with the intra-op threads for the cores.
  // LibTorch lets this be set once, before any inter-op work (else it keeps what it has).
  static std::once_flag interop;
  std::call_once(interop, [] {
    try {
      at::set_num_interop_threads(1);
    } catch (const c10::Error&) {
    }
  });
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // More threads than a few per core only contend; thousands can hang OpenMP's pool creation.
  const int most = 4 * cores;
  if (requested > most) {
    log::warn("{} threads asked for on {} cores: using {}", requested, cores, most);
  }
  const int threads = requested > 0 ? std::min(requested, most) : cores;
  at::set_num_threads(threads);
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  const char* spin = std::getenv("GOMP_SPINCOUNT");
  log::debug("LibTorch: {} intra-op threads, 1 inter-op; OpenMP wait policy {}, spin count {}",
             at::get_num_threads(), policy ? policy : "(OpenMP's default)",
             spin ? spin : "(OpenMP's default)");
  return at::get_num_threads();
}

}  // namespace actrec
