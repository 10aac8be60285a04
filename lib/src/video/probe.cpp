#include "actrec/video/probe.hpp"

#include "actrec/video/capture_source.hpp"

namespace actrec::video {

bool ProbeResult::truncated() const {
  return decoded_frames > 0 && ends_short(duration_s, container_frames, fps);
}

ProbeResult probe_video(const std::string& path, const std::function<void(int64_t)>& on_frame) {
  SourceOptions options;
  options.reject_truncated = false;  // probing reports a short file instead of refusing it
  CaptureSource source({SourceKind::file, path}, options);
  ProbeResult result;
  result.path = path;
  result.backend = source.backend();
  result.codec = source.codec();
  result.fps = source.fps();
  result.container_frames = source.frame_count();
  while (auto frame = source.read()) {
    if (result.decoded_frames == 0) {
      result.first_timestamp_us = frame->timestamp_us;
      result.width = frame->image.cols;
      result.height = frame->image.rows;
    }
    result.last_timestamp_us = frame->timestamp_us;
    result.timestamps_us.push_back(frame->timestamp_us);
    ++result.decoded_frames;
    if (on_frame) on_frame(result.decoded_frames);
  }
  result.duration_s =
      static_cast<double>(result.last_timestamp_us - result.first_timestamp_us) * 1e-6 +
      1.0 / result.fps;
  return result;
}

}  // namespace actrec::video
