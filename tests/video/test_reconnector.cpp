// Opening a lost source again: tries spaced further apart, a limit on the downtime, a stop that
// ends the wait; and what is shown of a source's location.
#include <gtest/gtest.h>

#include "actrec/core/error.hpp"
#include "actrec/core/timer.hpp"
#include "actrec/video/reconnector.hpp"
#include "temp_dir.hpp"

namespace actrec::video {
namespace {

class StillSource : public FrameSource {
 public:
  std::optional<Frame> read() override { return Frame{}; }
  double fps() const override { return 10; }
  cv::Size frame_size() const override { return {16, 16}; }
  std::string describe() const override { return "still"; }
};

ReconnectPolicy quick(double max_downtime_s = -1) {
  ReconnectPolicy policy;
  policy.first_wait_s = 0.01;
  policy.max_wait_s = 0.04;
  policy.max_downtime_s = max_downtime_s;
  return policy;
}

TEST(Reconnector, TriesAgainWithLongerWaitsUntilTheSourceOpens) {
  int tries = 0;
  Reconnector reconnector(
      [&](double) -> std::unique_ptr<FrameSource> {
        if (++tries < 5) throw InputError("cannot open stream: x: refused");
        return std::make_unique<StillSource>();
      },
      quick(), "x");
  std::vector<double> waits;
  std::vector<std::string> errors;
  const auto back = reconnector.reconnect(steady_now_us(), nullptr,
                                          [&](int, const std::string& error, double wait_s) {
                                            errors.push_back(error);
                                            waits.push_back(wait_s);
                                          });
  ASSERT_TRUE(back.source);
  EXPECT_EQ(back.attempts, 5);
  EXPECT_EQ(waits, (std::vector<double>{0.01, 0.02, 0.04, 0.04}));  // doubling, up to the most
  EXPECT_EQ(errors.front(), "cannot open stream: x: refused");
  EXPECT_GT(back.downtime_s, 0.09);
}

TEST(Reconnector, GivesUpAfterTheAllowedDowntimeNamingTheSourceAndTheLastError) {
  Reconnector reconnector(
      [](double) -> std::unique_ptr<FrameSource> {
        throw InputError("cannot open stream: x: refused");
      },
      quick(0.2), "rtsp://***@cam/1");
  Stopwatch clock;
  const std::string message =
      test::error_message<InputError>([&] { reconnector.reconnect(steady_now_us(), nullptr); });
  EXPECT_LT(clock.seconds(), 1.0);
  EXPECT_GE(clock.seconds(), 0.19);
  EXPECT_NE(message.find("stream lost: rtsp://***@cam/1: no frames for 0.2 s"), std::string::npos)
      << message;
  EXPECT_NE(message.find("--max-downtime"), std::string::npos) << message;
  EXPECT_NE(message.find("last error: cannot open stream: x: refused"), std::string::npos)
      << message;
}

TEST(Reconnector, ZeroDowntimeGivesUpAtOnceWithoutTrying) {
  int tries = 0;
  Reconnector reconnector(
      [&](double) -> std::unique_ptr<FrameSource> {
        ++tries;
        return std::make_unique<StillSource>();
      },
      quick(0), "x");
  EXPECT_THROW(reconnector.reconnect(steady_now_us(), nullptr), InputError);
  EXPECT_EQ(tries, 0);
}

TEST(Reconnector, AStopRequestEndsTheWaitAtOnce) {
  ReconnectPolicy slow = quick();
  slow.first_wait_s = slow.max_wait_s = 30;
  std::atomic<bool> stop{false};
  Reconnector reconnector(
      [&](double) -> std::unique_ptr<FrameSource> {
        stop = true;  // as Ctrl-C during the first try
        throw InputError("cannot open stream: x: refused");
      },
      slow, "x");
  Stopwatch clock;
  const auto back = reconnector.reconnect(steady_now_us(), &stop);
  EXPECT_FALSE(back.source);
  EXPECT_LT(clock.seconds(), 1.0);
}

TEST(SourceNames, CredentialsAreLeftOutOfWhatIsShown) {
  EXPECT_EQ(redact_credentials("rtsp://admin:pa55@10.0.0.5:554/stream1"),
            "rtsp://***@10.0.0.5:554/stream1");
  EXPECT_EQ(redact_credentials("http://user@cam/video.mjpg"), "http://***@cam/video.mjpg");
  EXPECT_EQ(redact_credentials("rtsp://cam:554/a@b"), "rtsp://cam:554/a@b");  // '@' in the path
  EXPECT_EQ(redact_credentials("udp://127.0.0.1:5000"), "udp://127.0.0.1:5000");
  EXPECT_EQ(redact_credentials("videos/a@b.mp4"), "videos/a@b.mp4");
  // Secrets in the query and the fragment, whatever the camera maker calls them.
  EXPECT_EQ(redact_credentials("http://cam/video.cgi?user=a&pwd=s3cret&channel=1"),
            "http://cam/video.cgi?user=***&pwd=***&channel=1");
  EXPECT_EQ(redact_credentials("rtsp://cam/live?password=x;subtype=0"),
            "rtsp://cam/live?password=***;subtype=0");
  EXPECT_EQ(redact_credentials("https://u:p@cam/s?Token=abc#access_token=def"),
            "https://***@cam/s?Token=***#access_token=***");
  EXPECT_EQ(redact_credentials("http://cam?api_key=1&x"), "http://cam?api_key=***&x");
  EXPECT_EQ(redact_credentials("http://cam/a.mjpg?fps=5"), "http://cam/a.mjpg?fps=5");
}

TEST(SourceNames, SlugsAreShortSafeAndWithoutCredentials) {
  EXPECT_EQ(source_slug({SourceKind::camera, "0"}), "camera0");
  EXPECT_EQ(source_slug({SourceKind::camera, "/dev/video2"}), "camera2");
  EXPECT_EQ(source_slug({SourceKind::stream, "rtsp://admin:pw@10.0.0.5:554/Stream1?token=x"}),
            "10_0_0_5_554_stream1");
  EXPECT_EQ(source_slug({SourceKind::file, "/data/Front Door.mp4"}), "front_door");
  EXPECT_EQ(source_slug({SourceKind::stream, "udp://@:5000"}), "5000");
}

}  // namespace
}  // namespace actrec::video
