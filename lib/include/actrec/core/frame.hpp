#pragma once
#include <cstdint>
#include <opencv2/core/mat.hpp>

namespace actrec {

/// One decoded frame. `image` is BGR 8-bit as OpenCV decodes it; `index` counts decoded frames
/// from 0; `timestamp_us` never decreases within one source.
struct Frame {
  cv::Mat image;
  int64_t index = 0;
  int64_t timestamp_us = 0;
  cv::Mat prepared;        ///< the image made ready for a model, where a pipeline does that early
  cv::Mat glimpse;         ///< a small grey copy for a motion gate, where a pipeline makes one
  cv::Size size;           ///< the decoded image's size, kept where `image` is released early
  int64_t arrival_us = 0;  ///< steady-clock time the frame was decoded (for latency figures)
};

}  // namespace actrec
