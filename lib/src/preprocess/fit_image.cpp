#include "actrec/preprocess/fit_image.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace actrec::preprocess {

Placement placement_for(cv::Size source, cv::Size target, ResizeMode mode) {
  const double sx = static_cast<double>(target.width) / source.width;
  const double sy = static_cast<double>(target.height) / source.height;
  if (mode == ResizeMode::stretch) return {sx, sy, 0, 0};
  const double scale = mode == ResizeMode::letterbox ? std::min(sx, sy) : std::max(sx, sy);
  const int width = std::max(1, static_cast<int>(std::lround(source.width * scale)));
  const int height = std::max(1, static_cast<int>(std::lround(source.height * scale)));
  return {scale, scale, static_cast<double>((target.width - width) / 2),
          static_cast<double>((target.height - height) / 2)};
}

cv::Mat fit_image(const cv::Mat& image, cv::Size size, ResizeMode mode, bool rgb,
                  Placement* placement) {
  const Placement place = placement_for(image.size(), size, mode);
  const cv::Size scaled = mode == ResizeMode::stretch
                              ? size
                              : cv::Size(std::max(1, static_cast<int>(
                                                         std::lround(image.cols * place.scale_x))),
                                         std::max(1, static_cast<int>(
                                                         std::lround(image.rows * place.scale_y))));
  cv::Mat resized;
  const bool shrink_much = scaled.width * 2 < image.cols && scaled.height * 2 < image.rows;
  cv::resize(image, resized, scaled, 0, 0, shrink_much ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat out;
  const int dx = static_cast<int>(place.offset_x), dy = static_cast<int>(place.offset_y);
  if (mode == ResizeMode::stretch) {
    out = resized;
  } else if (mode == ResizeMode::letterbox) {
    out = cv::Mat(size, image.type(), cv::Scalar::all(0));
    resized.copyTo(out(cv::Rect(dx, dy, scaled.width, scaled.height)));
  } else {
    out = resized(cv::Rect(-dx, -dy, size.width, size.height)).clone();
  }
  if (rgb) cv::cvtColor(out, out, cv::COLOR_BGR2RGB);
  if (placement) *placement = place;
  return out;
}

}  // namespace actrec::preprocess
