#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace actrec::video {

/// What a video really holds, counted by decoding every frame, beside what its container claims.
struct ProbeResult {
  std::string path;
  std::string backend;  ///< OpenCV videoio back-end that decoded it
  std::string codec;    ///< FourCC
  int width = 0;
  int height = 0;
  double fps = 0;
  int64_t container_frames = -1;  ///< -1 when the container does not say
  int64_t decoded_frames = 0;
  int64_t first_timestamp_us = 0;
  int64_t last_timestamp_us = 0;
  std::vector<int64_t> timestamps_us;  ///< every decoded frame's, as sources give them
  double duration_s = 0;  ///< last timestamp - first + one frame period

  bool truncated() const;
  bool counts_differ() const { return container_frames >= 0 && container_frames != decoded_frames; }
};

/// Decodes the whole file. `on_frame` (optional) is called after each decoded frame.
/// Throws InputError naming the path when it cannot be opened or holds no frame.
ProbeResult probe_video(const std::string& path,
                        const std::function<void(int64_t decoded)>& on_frame = {});

}  // namespace actrec::video
