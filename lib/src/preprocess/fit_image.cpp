#include "actrec/preprocess/fit_image.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace actrec::preprocess {

ResizeMode parse_resize_mode(const std::string& text) {
  if (text == "stretch") return ResizeMode::stretch;
  if (text == "letterbox") return ResizeMode::letterbox;
  if (text == "crop") return ResizeMode::crop;
  throw std::invalid_argument("unknown resize mode '" + text + "'");
}

cv::Mat fit_image(const cv::Mat& image, cv::Size size, ResizeMode mode, bool rgb,
                  Placement* placement) {
  const double sx = static_cast<double>(size.width) / image.cols;
  const double sy = static_cast<double>(size.height) / image.rows;
  Placement place;
  cv::Mat resized;
  auto resize_to = [&](cv::Size target) {
    const bool shrink_much = target.width * 2 < image.cols && target.height * 2 < image.rows;
    cv::resize(image, resized, target, 0, 0, shrink_much ? cv::INTER_AREA : cv::INTER_LINEAR);
  };
  cv::Mat out;
  if (mode == ResizeMode::stretch) {
    resize_to(size);
    out = resized;
    place = {sx, sy, 0, 0};
  } else {
    const double scale = mode == ResizeMode::letterbox ? std::min(sx, sy) : std::max(sx, sy);
    const cv::Size scaled(std::max(1, static_cast<int>(std::lround(image.cols * scale))),
                          std::max(1, static_cast<int>(std::lround(image.rows * scale))));
    resize_to(scaled);
    const int dx = (size.width - scaled.width) / 2, dy = (size.height - scaled.height) / 2;
    if (mode == ResizeMode::letterbox) {
      out = cv::Mat(size, image.type(), cv::Scalar::all(0));
      resized.copyTo(out(cv::Rect(dx, dy, scaled.width, scaled.height)));
    } else {
      out = resized(cv::Rect(-dx, -dy, size.width, size.height)).clone();
    }
    place = {scale, scale, static_cast<double>(dx), static_cast<double>(dy)};
  }
  if (rgb) cv::cvtColor(out, out, cv::COLOR_BGR2RGB);
  if (placement) *placement = place;
  return out;
}

}  // namespace actrec::preprocess
