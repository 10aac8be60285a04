#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "actrec/core/append_file.hpp"
#include "actrec/core/atomic_file.hpp"
#include "actrec/core/bounded_queue.hpp"
#include "actrec/core/claim.hpp"
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

TEST(AtomicFile, AnotherProcesssTemporaryBeingWrittenIsLeftAlone) {
  // Two shards labelling into one folder: each one's clean-up of killed runs' leftovers must
  // not delete what the other is writing now.
  test::TempDir dir;
  const std::string target = dir.file("a.frames.csv");
  TemporaryFile writing(target);  // held (locked) while it lives
  test::write_text(writing.path(), "half");
  const std::string stale = temporary_path(target);
  test::write_text(stale, "left by a killed run");
  remove_stale_temporaries(target);
  EXPECT_TRUE(std::filesystem::exists(writing.path()));
  EXPECT_FALSE(std::filesystem::exists(stale));
  remove_temporaries_in(dir.path());
  EXPECT_TRUE(std::filesystem::exists(writing.path()));
  writing.commit();
  EXPECT_EQ(test::read_text(target), "half");
  EXPECT_FALSE(std::filesystem::exists(writing.path()));
}

TEST(Claim, OneHolderAtATimeAndADeadHoldersClaimIsTakenOver) {
  test::TempDir dir;
  const std::string path = dir.file(".a.labelling");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {  // holds the claim until killed
    const Claim claim(path, "the child's video");
    (void)!::write(ready[1], claim.held() ? "y" : "n", 1);
    for (;;) ::pause();
  }
  char held = 0;
  ASSERT_EQ(::read(ready[0], &held, 1), 1);
  ASSERT_EQ(held, 'y');
  {
    const Claim refused(path, "mine");
    EXPECT_FALSE(refused.held());
    EXPECT_EQ(refused.holder(), "the child's video");
  }
  EXPECT_TRUE(std::filesystem::exists(path));  // not the refused one's to remove
  ::kill(child, SIGKILL);                      // as a crash: no destructor runs, the file stays
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(std::filesystem::exists(path));
  {
    const Claim taken(path, "mine");
    EXPECT_TRUE(taken.held());
  }
  EXPECT_FALSE(std::filesystem::exists(path));  // ended: removed
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST(AtomicFile, TemporariesOfLongNamesFitTheNameLimit) {
  test::TempDir dir;
  const std::string name(240, 'v');
  for (const char* extension : {".segments.json", ".frames.csv"}) {
    const std::string target = dir.file(name.substr(0, 255 - std::string(extension).size()) + extension);
    write_text_atomically(target, "whole");
    EXPECT_EQ(test::read_text(target), "whole") << target;
    const std::string temp = temporary_path(target);
    EXPECT_LE(std::filesystem::path(temp).filename().string().size(), 255u);
    test::write_text(temp, "half");
    remove_stale_temporaries(target);  // the same shortened prefix finds it
    EXPECT_FALSE(std::filesystem::exists(temp));
  }
  EXPECT_NE(temporary_path(dir.file(name + "a.csv")), temporary_path(dir.file(name + "b.csv")));
}

TEST(AtomicFile, NothingAppearsWithoutCommit) {
  test::TempDir dir;
  {
    TemporaryFile file(dir.file("x.json"));
    test::write_text(file.path(), "half");
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  EXPECT_THROW(TemporaryFile(dir.file("no/such/folder/x.json")), Error);
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
  std::atomic<bool> returned{false}, accepted{true};
  std::thread producer([&] {
    accepted = queue.push(2);  // blocks: the queue is full
    returned = true;
  });
  // Closed only once the producer waits in push(), so that close() is what wakes it.
  for (int i = 0; i < 5000 && queue.blocked_producers() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(queue.blocked_producers(), 1) << "the producer did not block on a full queue";
  EXPECT_FALSE(returned);
  queue.close();
  producer.join();
  EXPECT_TRUE(returned);
  EXPECT_FALSE(accepted);
}

TEST(BoundedQueue, PopForReturnsWhenNothingComes) {
  BoundedQueue<int> queue(1, QueuePolicy::drop_oldest);
  bool timed_out = false;
  EXPECT_EQ(queue.pop_for(std::chrono::milliseconds(30), timed_out), std::nullopt);
  EXPECT_TRUE(timed_out);
  queue.push(5);
  EXPECT_EQ(queue.pop_for(std::chrono::milliseconds(30), timed_out), 5);
  EXPECT_FALSE(timed_out);
  queue.close();
  EXPECT_EQ(queue.pop_for(std::chrono::milliseconds(30), timed_out), std::nullopt);
  EXPECT_FALSE(timed_out);  // closed and drained: the end, not a wait that ran out
}

TEST(AppendFile, AppendsWholeLinesAndAFullDiskIsAnError) {
  TempDir dir;
  const std::string path = dir.file("events.jsonl");
  AppendFile(path).write_line("one");
  AppendFile(path).write_line("two");  // a second run adds to the first's
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "one\ntwo\n");
  AppendFile full("/dev/full");
  EXPECT_EQ(test::error_message<Error>([&] { full.write_line("x"); }),
            "cannot write /dev/full: No space left on device");
  EXPECT_TRUE(same_output(path, dir.file("./events.jsonl")));
  EXPECT_TRUE(same_output(dir.file("new.jsonl"), dir.file("sub/../new.jsonl")));
  EXPECT_FALSE(same_output(path, "-"));
  EXPECT_TRUE(same_output("-", "-"));
}

TEST(Errors, EachClassHasItsExitCode) {
  EXPECT_EQ(ConfigError("x").exit_code(), ExitCode::usage);
  EXPECT_EQ(InputError("x").exit_code(), ExitCode::input);
  EXPECT_EQ(ModelError("x").exit_code(), ExitCode::model);
  EXPECT_EQ(DataError("x").exit_code(), ExitCode::data);
  EXPECT_EQ(Error("x").exit_code(), ExitCode::runtime);
}

TEST(Progress, LineSaysShareRateInFpsAndEta) {
  EXPECT_EQ(progress_line("[1/1] vtest", 250, 750, "frames", 5.0),
            "[1/1] vtest  250/750 frames  33%  50.0 fps  ETA 0:10");
  EXPECT_EQ(progress_line("[1/1] vtest", 250, -1, "frames", 5.0), "[1/1] vtest  250 frames  50.0 fps");
  EXPECT_EQ(progress_line("checking", 3, 4, "videos", 1.5), "checking  3/4 videos  75%  2.0 videos/s  ETA 0:01");
  EXPECT_EQ(progress_line("x", 9, 8, "frames", 1.0), "x  9/8 frames  100%  9.0 fps");  // a short claim
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
