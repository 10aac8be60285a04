#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/bounded_queue.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/natural_sort.hpp"
#include "actrec/core/progress.hpp"
#include "actrec/core/quantiles.hpp"
#include "actrec/core/sha256.hpp"
#include "temp_dir.hpp"

namespace actrec {
namespace {

TEST(StreamingQuantiles, WithinOnePercentOfSortingEverything) {
  std::mt19937 random(7);
  std::lognormal_distribution<double> latency(std::log(13.0), 0.6);  // ms, skewed like real ones
  StreamingQuantiles quantiles;
  std::vector<double> all;
  for (int i = 0; i < 100000; ++i) {
    all.push_back(latency(random));
    quantiles.add(all.back());
  }
  std::sort(all.begin(), all.end());
  for (double q : {0.0, 0.01, 0.5, 0.95, 0.999}) {
    const double exact = all[static_cast<size_t>(q * static_cast<double>(all.size()))];
    EXPECT_NEAR(quantiles.quantile(q), exact, 0.01 * exact) << q;
  }
  EXPECT_EQ(quantiles.count(), 100000);
}

TEST(StreamingQuantiles, EmptyAndOutOfRange) {
  StreamingQuantiles quantiles;
  EXPECT_EQ(quantiles.quantile(0.5), 0);
  quantiles.add(0);     // counts as the lowest value
  quantiles.add(1e12);  // counts as the highest
  EXPECT_NEAR(quantiles.quantile(0), 1e-3, 1e-5);
  EXPECT_NEAR(quantiles.quantile(0.99), 1e7, 2e5);  // the top bin's middle: 1.4% above
}

TEST(AtomicFile, TemporariesInAFolderGoAndNothingElse) {
  test::TempDir dir;
  const std::vector<std::string> temporaries = {temporary_path(dir.file("last.actrec")),
                                                dir.file(".config.tmp1.yaml"),
                                                dir.file(".train_curves.tmp99.png")};
  const std::vector<std::string> kept = {dir.file("last.actrec"), dir.file(".hidden"),
                                         dir.file("notes.tmp1.txt"), dir.file(".a.tmp.csv")};
  for (const auto& path : temporaries) test::write_text(path, "half");
  for (const auto& path : kept) test::write_text(path, "whole");
  remove_temporaries_in(dir.path());
  for (const auto& path : temporaries) EXPECT_FALSE(std::filesystem::exists(path)) << path;
  for (const auto& path : kept) EXPECT_TRUE(std::filesystem::exists(path)) << path;
}

TEST(NaturalSort, OrdersNumbersByValue) {
  std::vector<std::string> names = {"frame10.png",  "frame2.png",   "frame1.png", "a.png",
                                    "frame002.png", "frame100.png", "b1c10",      "b1c9"};
  std::sort(names.begin(), names.end(),
            [](const auto& a, const auto& b) { return natural_less(a, b); });
  const std::vector<std::string> expected = {"a.png",       "b1c9",         "b1c10",
                                             "frame1.png",  "frame002.png", "frame2.png",
                                             "frame10.png", "frame100.png"};
  EXPECT_EQ(names, expected);
}

TEST(NaturalSort, IsAStrictOrder) {
  EXPECT_FALSE(natural_less("x1", "x1"));
  EXPECT_TRUE(natural_less("x", "x1"));
  EXPECT_FALSE(natural_less("x1", "x"));
  // Digit runs longer than any integer type still compare by value.
  EXPECT_TRUE(natural_less("f99999999999999999999999", "f100000000000000000000000"));
}

TEST(BoundedQueue, BlockPolicyLosesNothingAndKeepsOrder) {
  BoundedQueue<int> queue(2, QueuePolicy::block);
  constexpr int kItems = 500;
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) queue.push(i);
    queue.close();
  });
  std::vector<int> received;
  while (auto item = queue.pop()) {
    EXPECT_LE(queue.size(), queue.capacity());
    received.push_back(*item);
  }
  producer.join();
  ASSERT_EQ(received.size(), static_cast<size_t>(kItems));
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(received[i], i);
  EXPECT_EQ(queue.dropped(), 0);
}

TEST(BoundedQueue, DropOldestKeepsNewestAndCountsDrops) {
  BoundedQueue<int> queue(3, QueuePolicy::drop_oldest);
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(queue.push(i));
    EXPECT_LE(queue.size(), 3u);
  }
  EXPECT_EQ(queue.dropped(), 7);
  queue.close();
  EXPECT_EQ(queue.pop(), 7);
  EXPECT_EQ(queue.pop(), 8);
  EXPECT_EQ(queue.pop(), 9);
  EXPECT_EQ(queue.pop(), std::nullopt);
}

TEST(BoundedQueue, CloseWakesABlockedProducer) {
  BoundedQueue<int> queue(1, QueuePolicy::block);
  queue.push(1);
  bool accepted = true;
  std::thread producer([&] { accepted = queue.push(2); });  // blocks: the queue is full
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  queue.close();
  producer.join();
  EXPECT_FALSE(accepted);
}

TEST(Errors, EachClassHasItsExitCode) {
  EXPECT_EQ(ConfigError("x").exit_code(), ExitCode::usage);
  EXPECT_EQ(InputError("x").exit_code(), ExitCode::input);
  EXPECT_EQ(ModelError("x").exit_code(), ExitCode::model);
  EXPECT_EQ(DataError("x").exit_code(), ExitCode::data);
  EXPECT_EQ(Error("x").exit_code(), ExitCode::runtime);
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(format_duration(0), "0:00");
  EXPECT_EQ(format_duration(65.4), "1:05");
  EXPECT_EQ(format_duration(3600 + 62), "1:01:02");
  EXPECT_EQ(format_duration(-3), "0:00");
}

TEST(Sha256, KnownAnswersFromFips180) {
  // FIPS 180-4 examples: one block, two blocks, and a million 'a's fed in uneven pieces.
  EXPECT_EQ(Sha256().update("abc").hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256().update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex(),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256().update("").hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 million;
  const std::string chunk(997, 'a');
  size_t fed = 0;
  while (fed < 1000000) {
    const size_t n = std::min<size_t>(chunk.size(), 1000000 - fed);
    million.update(std::string_view(chunk).substr(0, n));
    fed += n;
  }
  EXPECT_EQ(million.hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace actrec
