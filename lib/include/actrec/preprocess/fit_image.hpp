#pragma once
#include <opencv2/core/mat.hpp>

namespace actrec::preprocess {

enum class ResizeMode {
  stretch,    ///< plain resize to the target size; aspect ratio not kept
  letterbox,  ///< scale to fit inside, pad with black, centred (what MoveNet demos do)
  crop,       ///< scale to cover, centre crop
};

/// Maps target pixels back to source pixels: source = (target - offset) / scale.
struct Placement {
  double scale_x = 1, scale_y = 1;
  double offset_x = 0, offset_y = 0;
};

/// `image` (8-bit, 3 channels) resized into a `size` image by `mode`, in `rgb` or BGR order.
/// Bilinear (area when shrinking a lot, to avoid aliasing).
cv::Mat fit_image(const cv::Mat& image, cv::Size size, ResizeMode mode, bool rgb,
                  Placement* placement = nullptr);

ResizeMode parse_resize_mode(const std::string& text);

}  // namespace actrec::preprocess
