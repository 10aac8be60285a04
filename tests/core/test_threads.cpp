#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "actrec/core/threads.hpp"

namespace actrec {
namespace {

TEST(TorchThreads, ExplicitCountIsApplied) {
  EXPECT_EQ(set_torch_threads(1), 1);
  EXPECT_EQ(at::get_num_threads(), 1);
  EXPECT_EQ(set_torch_threads(3), 3);
  EXPECT_EQ(at::get_num_threads(), 3);
}

TEST(TorchThreads, OneInterOpThreadForOneGraphAtATime) {
  set_torch_threads(2);
  EXPECT_EQ(at::get_num_interop_threads(), 1);
  set_torch_threads(1);  // setting threads again is fine
  EXPECT_EQ(at::get_num_interop_threads(), 1);
}

TEST(TorchThreads, FarMoreThanTheCoresAreCappedNotHung) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  EXPECT_EQ(set_torch_threads(1000), 4 * cores);
  EXPECT_EQ(set_torch_threads(1000000), 4 * cores);
}

TEST(TorchThreads, ZeroMeansEveryCore) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  EXPECT_EQ(set_torch_threads(0), cores > 0 ? cores : 1);
}

}  // namespace
}  // namespace actrec
