#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "actrec/core/error.hpp"
#include "actrec/video/capture_source.hpp"
#include "actrec/video/frame_source.hpp"
#include "actrec/video/image_folder_source.hpp"
#include "actrec/video/threaded_source.hpp"
#include "actrec/video/timestamps.hpp"
#include "child_process.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"

namespace actrec::video {
namespace {

// The InputError message opening `location` gives, or a failure.
std::string open_error(const std::string& location) {
  try {
    auto source = open_source(classify_source(location));
    while (source->read()) {
    }
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no InputError for " << location;
  return "";
}

TEST(FileSource, ReadsEveryFrameInOrderWithIncreasingTimestamps) {
  test::TempDir dir;
  const auto path = dir.file("clip.avi");
  test::write_index_video(path, 60, 25.0);
  auto source = open_source(classify_source(path));
  EXPECT_DOUBLE_EQ(source->fps(), 25.0);
  EXPECT_EQ(source->frame_count(), 60);
  EXPECT_EQ(source->frame_size(), cv::Size(160, 120));
  int64_t expected = 0, last_timestamp = -1;
  while (auto frame = source->read()) {
    EXPECT_EQ(frame->index, expected);
    EXPECT_EQ(test::decode_index(frame->image), expected);
    EXPECT_GT(frame->timestamp_us, last_timestamp);
    EXPECT_NEAR(frame->timestamp_us, expected * 40000, 1000);
    last_timestamp = frame->timestamp_us;
    ++expected;
  }
  EXPECT_EQ(expected, 60);
  EXPECT_EQ(source->read(), std::nullopt);  // the end stays the end
}

TEST(FileSource, MissingFileNamesPath) {
  EXPECT_EQ(open_error("/nonexistent/clip.avi"),
            "cannot open video: /nonexistent/clip.avi: no such file");
}

TEST(FileSource, ZeroByteFileNamesPath) {
  test::TempDir dir;
  test::write_text(dir.file("empty.avi"), "");
  EXPECT_EQ(open_error(dir.file("empty.avi")),
            "cannot open video: " + dir.file("empty.avi") + ": file is empty (0 bytes)");
}

TEST(FileSource, NonVideoFileNamesPath) {
  test::TempDir dir;
  test::write_text(dir.file("notes.mp4"), "these are not frames\n");
  EXPECT_EQ(open_error(dir.file("notes.mp4")),
            "cannot open video: " + dir.file("notes.mp4") +
                ": not a video file, or a format FFmpeg cannot read");
}

TEST(FileSource, TruncatedFileIsAnInputError) {
  test::TempDir dir;
  const auto whole = dir.file("whole.avi");
  test::write_index_video(whole, 200, 25.0);
  const auto size = std::filesystem::file_size(whole);
  std::ifstream in(whole, std::ios::binary);
  std::string bytes(size / 2, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  test::write_text(dir.file("cut.avi"), bytes);
  const auto message = open_error(dir.file("cut.avi"));
  EXPECT_NE(message.find(dir.file("cut.avi")), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(FileSource, ProbeModeReportsShortFileInsteadOfThrowing) {
  test::TempDir dir;
  const auto whole = dir.file("whole.avi");
  test::write_index_video(whole, 200, 25.0);
  std::ifstream in(whole, std::ios::binary);
  std::string bytes(std::filesystem::file_size(whole) / 2, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  test::write_text(dir.file("cut.avi"), bytes);
  SourceOptions options;
  options.reject_truncated = false;
  CaptureSource source({SourceKind::file, dir.file("cut.avi")}, options);
  int64_t frames = 0;
  while (auto frame = source.read()) {
    EXPECT_EQ(test::decode_index(frame->image), frames);
    ++frames;
  }
  EXPECT_GT(frames, 50);
  EXPECT_LT(frames, 150);
  EXPECT_TRUE(ends_short(frames / 25.0, source.frame_count(), 25.0));
}

TEST(EndsShort, ToleratesEstimatesButNotCuts) {
  EXPECT_FALSE(ends_short(4.0, 100, 25));
  EXPECT_FALSE(ends_short(3.92, 100, 25));  // container counts may be estimates
  EXPECT_TRUE(ends_short(2.0, 100, 25));
  EXPECT_FALSE(ends_short(0.4, -1, 25));  // nothing claimed
}

TEST(FileSource, RepeatedFramesStoredAsEmptyChunksAreNotATruncation) {
  // ffmpeg -r 75 on a 25 fps clip: the AVI's index counts 75 frames a second, two of every
  // three of them empty chunks that decode to nothing; the frames that are there span it all.
  test::TempDir dir;
  test::write_index_video(dir.file("source.avi"), 50, 25.0);
  const std::string video = dir.file("repeated.avi");
  ACTREC_SKIP_WITHOUT("ffmpeg");
  ASSERT_EQ(std::system(("ffmpeg -nostdin -v error -i " + dir.file("source.avi") +
                         " -r 75 -c:v mpeg4 -q:v 2 " + video)
                            .c_str()),
            0);
  CaptureSource source({SourceKind::file, video}, SourceOptions{});
  EXPECT_GT(source.frame_count(), 100);  // what the index says
  int64_t frames = 0;
  while (auto frame = source.read()) ++frames;  // no InputError: the whole 2 s decoded
  EXPECT_EQ(frames, 50);
}

TEST(ImageFolder, ReadsInNaturalOrderAtConfiguredRate) {
  test::TempDir dir;
  const std::vector<int> numbers = {1, 2, 3, 9, 10, 11, 100};
  for (size_t i = 0; i < numbers.size(); ++i) {
    cv::imwrite(dir.file("img" + std::to_string(numbers[i]) + ".png"),
                test::index_frame(static_cast<int>(i)));
  }
  test::write_text(dir.file("readme.txt"), "not an image, ignored");
  auto source = open_source(classify_source(dir.path()), {10.0});
  EXPECT_EQ(source->frame_count(), 7);
  int64_t expected = 0;
  while (auto frame = source->read()) {
    EXPECT_EQ(test::decode_index(frame->image), expected);
    EXPECT_EQ(frame->timestamp_us, expected * 100000);
    ++expected;
  }
  EXPECT_EQ(expected, 7);
}

TEST(ImageFolder, UnreadableImageNamesFile) {
  test::TempDir dir;
  cv::imwrite(dir.file("1.png"), test::index_frame(0));
  test::write_text(dir.file("2.png"), "garbage");
  const auto message = open_error(dir.path());
  EXPECT_EQ(message, "cannot read image: " + dir.file("2.png") + ": not a decodable image");
}

TEST(ImageFolder, EmptyFolderIsAnInputError) {
  test::TempDir dir;
  EXPECT_EQ(open_error(dir.path()),
            "cannot open image folder: " + dir.path() + ": no image files in it");
}

TEST(ClassifySource, ByFormNotByTrying) {
  test::TempDir dir;
  EXPECT_EQ(classify_source("0").kind, SourceKind::camera);
  EXPECT_EQ(classify_source("/dev/video2").kind, SourceKind::camera);
  EXPECT_EQ(classify_source("rtsp://host/stream").kind, SourceKind::stream);
  EXPECT_EQ(classify_source("http://host/a.mp4").kind, SourceKind::stream);
  EXPECT_EQ(classify_source(dir.path()).kind, SourceKind::image_folder);
  EXPECT_EQ(classify_source("clip.avi").kind, SourceKind::file);
  EXPECT_EQ(classify_source("clip.avi").location, "clip.avi");
}

TEST(Timestamps, UseContainerWhenSaneElseGoOnAtTheLastSpacing) {
  MonotonicTimestamps clock(25.0);
  EXPECT_EQ(clock.next(0, 0.0), 0);
  EXPECT_EQ(clock.next(1, 40000.0), 40000);
  EXPECT_EQ(clock.next(2, 0.0), 80000);            // stuck at zero: not sane
  EXPECT_EQ(clock.next(3, std::nan("")), 120000);  // none
  EXPECT_EQ(clock.next(4, 170000.0), 170000);      // container again
  EXPECT_EQ(clock.next(5, 100000.0), 220000);      // went backwards: on at the last spacing
  EXPECT_EQ(clock.next(6, -5.0), 270000);
  MonotonicTimestamps none(25.0);  // a source with no times at all: index / fps
  for (int i = 0; i < 3; ++i) EXPECT_EQ(none.next(i, -1), i * 40000);
}

TEST(Timestamps, TheLastFramesOfAFileWithAGapKeepTheirSpacing) {
  // 25 fps with frames 40-59 missing (their times too): OpenCV reports no time for the last
  // frames the H.264 decoder flushes; they must go on at 40 ms, not index / average fps.
  test::TempDir dir;
  const std::string path = dir.file("gap.mp4");
  const std::string command =
      "ffmpeg -loglevel error -y -f lavfi -i testsrc=size=160x120:rate=25:duration=4 -vf "
      "\"select='not(between(n\\,40\\,59))'\" -fps_mode passthrough -c:v libx264 -pix_fmt "
      "yuv420p '" + path + "'";
  ACTREC_SKIP_WITHOUT("ffmpeg");
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  auto source = open_source(classify_source(path));
  std::vector<int64_t> times;
  while (auto frame = source->read()) times.push_back(frame->timestamp_us);
  ASSERT_EQ(times.size(), 80u);
  EXPECT_EQ(times[40] - times[39], 840000);  // the gap itself
  for (size_t i = 41; i < times.size(); ++i) EXPECT_NEAR(times[i] - times[i - 1], 40000, 1000) << i;
  EXPECT_NEAR(times.back(), 3960000, 1000);
}

TEST(Timestamps, NeverDecrease) {
  MonotonicTimestamps clock(25.0);
  EXPECT_EQ(clock.next(0, 1e6), 1000000);  // a stream starting at 1 s
  EXPECT_EQ(clock.next(1, 0.0), 1040000);  // index / fps would go back: on from 1 s instead
}

// A source that makes frames as fast as asked, like a camera that never waits.
class CountingSource : public FrameSource {
 public:
  explicit CountingSource(int64_t frames, int64_t fail_at = -1)
      : frames_(frames), fail_at_(fail_at) {}
  std::optional<Frame> read() override {
    if (next_ == fail_at_) throw InputError("cannot decode frame " + std::to_string(next_));
    if (next_ >= frames_) return std::nullopt;
    Frame frame;
    frame.image = cv::Mat(2, 2, CV_8UC3);
    frame.index = next_;
    frame.timestamp_us = next_ * 1000;
    ++next_;
    return frame;
  }
  double fps() const override { return 1000; }
  cv::Size frame_size() const override { return {2, 2}; }
  std::string describe() const override { return "counting source"; }

 private:
  int64_t frames_, fail_at_, next_ = 0;
};

TEST(ThreadedSource, OfflinePolicyDropsNothing) {
  test::TempDir dir;
  const auto path = dir.file("clip.avi");
  test::write_index_video(path, 50, 25.0);
  ThreadedSource source(open_source(classify_source(path)), 4, QueuePolicy::block);
  int64_t expected = 0;
  while (auto frame = source.read()) {
    EXPECT_LE(source.queued(), 4u);
    EXPECT_EQ(test::decode_index(frame->image), expected);
    ++expected;
    if (expected % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(expected, 50);
  EXPECT_EQ(source.dropped(), 0);
}

TEST(ThreadedSource, LivePolicyStaysBoundedAndCountsDrops) {
  constexpr int64_t kFrames = 20000;
  ThreadedSource source(std::make_unique<CountingSource>(kFrames), 3, QueuePolicy::drop_oldest);
  int64_t received = 0, last_index = -1;
  while (auto frame = source.read()) {
    EXPECT_LE(source.queued(), 3u);
    EXPECT_GT(frame->index, last_index);  // order kept even when dropping
    last_index = frame->index;
    ++received;
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // a slow consumer
  }
  EXPECT_GT(source.dropped(), 0);
  EXPECT_EQ(received + source.dropped(), kFrames);
  EXPECT_EQ(last_index, kFrames - 1);  // the newest frame always arrives
}

TEST(ThreadedSource, DecodeErrorReachesTheReader) {
  ThreadedSource source(std::make_unique<CountingSource>(100, 3), 8, QueuePolicy::block);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(source.read().has_value());
  EXPECT_THROW(source.read(), InputError);
}

TEST(ThreadedSource, StopsCleanlyWhenDroppedEarly) {
  auto source = std::make_unique<ThreadedSource>(std::make_unique<CountingSource>(1000000), 2,
                                                 QueuePolicy::block);
  ASSERT_TRUE(source->read().has_value());
  source.reset();  // must not hang on the blocked producer
}

}  // namespace
}  // namespace actrec::video
