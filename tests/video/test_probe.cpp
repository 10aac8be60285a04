#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "actrec/core/error.hpp"
#include "actrec/video/frame_source.hpp"
#include "actrec/video/probe.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"

namespace actrec::video {
namespace {

TEST(Probe, CountsDecodedFramesAndReadsTheContainer) {
  test::TempDir dir;
  const auto path = dir.file("clip.avi");
  test::write_index_video(path, 75, 30.0, {96, 64});
  int64_t callbacks = 0;
  const auto result = probe_video(path, [&](int64_t decoded) { callbacks = decoded; });
  EXPECT_EQ(result.decoded_frames, 75);
  EXPECT_EQ(callbacks, 75);
  EXPECT_EQ(result.container_frames, 75);
  EXPECT_FALSE(result.counts_differ());
  EXPECT_FALSE(result.truncated());
  EXPECT_DOUBLE_EQ(result.fps, 30.0);
  EXPECT_EQ(result.width, 96);
  EXPECT_EQ(result.height, 64);
  EXPECT_EQ(result.first_timestamp_us, 0);
  EXPECT_NEAR(result.last_timestamp_us, 74 * 1e6 / 30.0, 1000);
  EXPECT_NEAR(result.duration_s, 2.5, 1e-3);
  EXPECT_EQ(result.backend, "FFMPEG");
  EXPECT_EQ(result.codec, "MJPG");
}

TEST(Probe, AudioThatOutlastsTheVideoIsNotTruncation) {
  // What phones, browsers, OBS and IP cameras write: the container's duration is the audio's.
  test::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> formats = {
      {"clip.mkv", "-c:v libx264 -pix_fmt yuv420p -c:a aac"},
      {"clip.webm", "-c:v libvpx -b:v 200k -c:a libopus"},
      {"clip.ts", "-c:v libx264 -pix_fmt yuv420p -c:a aac"},
      {"clip.mp4", "-c:v libx264 -pix_fmt yuv420p -c:a aac"}};
  for (const auto& [name, codecs] : formats) {
    SCOPED_TRACE(name);
    const std::string path = dir.file(name);
    const std::string command =
        "ffmpeg -loglevel error -y -f lavfi -i testsrc=size=160x120:rate=25:duration=3 -f lavfi "
        "-i sine=duration=3.2 " + codecs + " '" + path + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    auto source = open_source(classify_source(path));
    int64_t frames = 0;
    EXPECT_NO_THROW(while (source->read()) ++frames);
    EXPECT_EQ(frames, 75);
    EXPECT_NEAR(static_cast<double>(source->frame_count()), 75, 1);
    EXPECT_FALSE(probe_video(path).truncated());
  }
}

TEST(Probe, CorruptFileIsAnInputErrorNamingIt) {
  test::TempDir dir;
  test::write_text(dir.file("x.avi"), std::string(4096, '\x7f'));
  try {
    probe_video(dir.file("x.avi"));
    FAIL() << "no error";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(dir.file("x.avi")), std::string::npos);
  }
}

// Each real clip decodes to the frame count its dataset's MANIFEST.tsv records.
TEST(Probe, RealClipsMatchTheirManifests) {
  ACTREC_REQUIRE_SHARED();
  int probed = 0;
  for (const char* dataset : {"kth_actions", "ud810_ps7_mhi", "mmaction2_samples"}) {
    const std::string folder = test::shared_dir() + "/datasets/" + dataset + "/";
    std::ifstream manifest(folder + "MANIFEST.tsv");
    ASSERT_TRUE(manifest) << folder;
    std::string line;
    std::getline(manifest, line);  // header: file label person scenario frames fps width height
    while (std::getline(manifest, line)) {
      std::vector<std::string> cells;
      std::stringstream row(line);
      for (std::string cell; std::getline(row, cell, '\t');) cells.push_back(cell);
      ASSERT_GE(cells.size(), 8u) << line;
      SCOPED_TRACE(cells[0]);
      const auto result = probe_video(folder + cells[0]);
      EXPECT_EQ(result.decoded_frames, std::stoll(cells[4]));
      EXPECT_FALSE(result.counts_differ());
      EXPECT_NEAR(result.fps, std::stod(cells[5]), 0.01);
      EXPECT_EQ(result.width, std::stoi(cells[6]));
      EXPECT_EQ(result.height, std::stoi(cells[7]));
      ++probed;
    }
  }
  EXPECT_EQ(probed, 8 + 27 + 1);
}

}  // namespace
}  // namespace actrec::video
