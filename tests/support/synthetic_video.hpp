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

}  // namespace actrec::test
