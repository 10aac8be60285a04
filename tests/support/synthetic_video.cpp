#include "synthetic_video.hpp"

#include <cstdlib>
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

void write_still_room_video(const std::string& path, int frames, double fps, double noise) {
  cv::VideoWriter writer(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, {320, 240});
  if (!writer.isOpened()) throw std::runtime_error("cannot write " + path);
  cv::Mat room(240, 320, CV_8UC3);
  // Dim, as rooms are: nothing in it a pose network could take for a person.
  for (int y = 0; y < room.rows; ++y) room.row(y).setTo(cv::Scalar::all(40 + y / 5));
  cv::rectangle(room, {25, 150, 100, 60}, {30, 60, 100}, cv::FILLED);    // a sofa
  cv::rectangle(room, {210, 40, 80, 100}, {110, 110, 100}, cv::FILLED);  // a window
  cv::Mat base, grain(room.size(), CV_16SC3), noisy, frame;
  room.convertTo(base, CV_16SC3);
  for (int f = 0; f < frames; ++f) {
    cv::randn(grain, 0, noise);
    noisy = base + grain;
    noisy.convertTo(frame, CV_8UC3);
    writer.write(frame);
  }
}

void write_uneven_copy(const std::string& from, const std::string& to) {
  const std::string command = "ffmpeg -loglevel error -y -i '" + from +
                              "' -vf \"select='not(eq(mod(n\\,4)\\,1))'\" -vsync vfr -c:v libx264 "
                              "-bf 0 -pix_fmt yuv420p '" +
                              to + "'";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("cannot write test video " + to);
}

}  // namespace actrec::test
