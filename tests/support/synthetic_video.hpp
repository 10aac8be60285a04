#pragma once
// Test data that checks itself: every frame draws its own index as a row of black/white stripes
// wide enough to survive lossy compression, so a reader can tell which frame it got.
#include <opencv2/core/mat.hpp>
#include <string>

namespace actrec::test {

/// A BGR frame encoding `index` (0 <= index < 4096).
cv::Mat index_frame(int index, cv::Size size = {160, 120});

/// The index a frame made by index_frame() encodes (after compression).
int decode_index(const cv::Mat& image);

/// Writes `frames` index frames to `path` (.avi, MJPG) at `fps`. Throws if OpenCV cannot.
void write_index_video(const std::string& path, int frames, double fps = 25.0,
                       cv::Size size = {160, 120});

/// A room where nothing moves (a gradient, a sofa, a window; 320x240) seen by a camera whose
/// sensor adds noise of `noise` grey levels to every frame: what most cameras show most of the
/// time. `frames` at `fps` (.avi, MJPG).
void write_still_room_video(const std::string& path, int frames, double fps = 15.0,
                            double noise = 6);

/// `from` re-encoded (H.264 in MP4, by ffmpeg) without every fourth frame, keeping each frame's
/// time: frames one and two periods apart (as phones and webcams record), and a container claiming
/// an average rate that no two frames are apart by. Throws if ffmpeg fails.
void write_uneven_copy(const std::string& from, const std::string& to);

}  // namespace actrec::test
