#include "synthetic_video.hpp"

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <stdexcept>

namespace actrec::test {
namespace {
constexpr int kBits = 12;
}

cv::Mat index_frame(int index, cv::Size size) {
  cv::Mat image(size, CV_8UC3, cv::Scalar(40, 40, 40));
  const int stripe = size.width / kBits;
  for (int bit = 0; bit < kBits; ++bit) {
    const bool on = (index >> bit) & 1;
    cv::rectangle(image, cv::Rect(bit * stripe, 0, stripe, size.height),
                  on ? cv::Scalar(255, 255, 255) : cv::Scalar(0, 0, 0), cv::FILLED);
  }
  return image;
}

int decode_index(const cv::Mat& image) {
  const int stripe = image.cols / kBits;
  int index = 0;
  for (int bit = 0; bit < kBits; ++bit) {
    // The stripe's centre, away from edges that compression smears.
    const cv::Rect centre(bit * stripe + stripe / 4, image.rows / 4, stripe / 2, image.rows / 2);
    if (cv::mean(image(centre))[1] > 127) index |= 1 << bit;
  }
  return index;
}

void write_index_video(const std::string& path, int frames, double fps, cv::Size size) {
  cv::VideoWriter writer(path, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps,
                         size);
  if (!writer.isOpened()) throw std::runtime_error("cannot write test video " + path);
  for (int i = 0; i < frames; ++i) writer.write(index_frame(i, size));
}

}  // namespace actrec::test
