#pragma once
#include <chrono>
#include <opencv2/videoio.hpp>

#include "actrec/video/frame_source.hpp"
#include "actrec/video/timestamps.hpp"

namespace actrec::video {

/// Video files, cameras and stream URLs, decoded by OpenCV's videoio (FFmpeg for files and
/// streams, the platform camera back-end for cameras).
class CaptureSource : public FrameSource {
 public:
  /// Throws InputError naming the location when it cannot be opened or yields no frame at all.
  CaptureSource(const SourceSpec& spec, const SourceOptions& options);

  std::optional<Frame> read() override;
  double fps() const override { return fps_; }
  int64_t frame_count() const override { return frame_count_; }
  cv::Size frame_size() const override { return size_; }
  std::string describe() const override;
  bool is_live() const override { return spec_.kind != SourceKind::file; }

  std::string backend() const { return backend_; }
  std::string codec() const { return codec_; }

 private:
  std::optional<Frame> decode_next();

  SourceSpec spec_;
  std::string shown_;  // the location in messages: a URL's password left out
  SourceOptions options_;
  cv::VideoCapture capture_;
  std::string backend_, codec_;
  double fps_ = 0;
  int64_t frame_count_ = -1;
  cv::Size size_;
  int64_t next_index_ = 0;
  int64_t first_timestamp_us_ = 0, last_timestamp_us_ = 0;  // of the frames decoded so far
  bool ended_ = false;
  std::optional<Frame> first_;  // decoded while opening, to reject files with no frames
  MonotonicTimestamps timestamps_;
  std::chrono::steady_clock::time_point opened_at_;
};

}  // namespace actrec::video
