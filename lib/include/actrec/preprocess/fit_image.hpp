#pragma once
#include <opencv2/core/mat.hpp>

#include "actrec/config/inference.hpp"

namespace actrec::preprocess {

using config::ResizeMode;

/// Maps target pixels back to source pixels: source = (target - offset) / scale.
struct Placement {
  double scale_x = 1, scale_y = 1;
  double offset_x = 0, offset_y = 0;
};

/// Where a `source`-sized image lands in a `target`-sized one under `mode`.
Placement placement_for(cv::Size source, cv::Size target, ResizeMode mode);

/// `image` (8-bit, 3 channels) resized into a `size` image by `mode`, in `rgb` or BGR order.
/// Bilinear (area when shrinking a lot, to avoid aliasing).
cv::Mat fit_image(const cv::Mat& image, cv::Size size, ResizeMode mode, bool rgb,
                  Placement* placement = nullptr);

}  // namespace actrec::preprocess
