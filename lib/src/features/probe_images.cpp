// The probe images that identify what a backbone makes of pictures: drawn with integer
// coordinates and no anti-aliasing, so every machine draws the same pixels.
#include <opencv2/imgproc.hpp>

#include "actrec/features/feature_extractor.hpp"

namespace actrec::features {
namespace {

// A figure as a stick drawing with a body: joints in pixels, limbs as thick lines.
struct Figure {
  cv::Point head, neck, hip, left_hand, right_hand, left_elbow, right_elbow, left_knee, right_knee,
      left_foot, right_foot;
};

void draw(cv::Mat& image, const Figure& f) {
  const cv::Scalar skin(120, 160, 220), shirt(160, 70, 30), trousers(40, 40, 50);
  const int line = cv::LINE_8;
  cv::line(image, f.neck, f.hip, shirt, 26, line);
  for (const auto& [elbow, hand] : {std::pair{f.left_elbow, f.left_hand},
                                    std::pair{f.right_elbow, f.right_hand}}) {
    cv::line(image, f.neck, elbow, shirt, 10, line);
    cv::line(image, elbow, hand, skin, 8, line);
  }
  for (const auto& [knee, foot] :
       {std::pair{f.left_knee, f.left_foot}, std::pair{f.right_knee, f.right_foot}}) {
    cv::line(image, f.hip, knee, trousers, 12, line);
    cv::line(image, knee, foot, trousers, 10, line);
  }
  cv::circle(image, f.head, 12, skin, cv::FILLED, line);
  cv::circle(image, f.head + cv::Point(-4, -2), 2, cv::Scalar(20, 20, 20), cv::FILLED, line);
  cv::circle(image, f.head + cv::Point(4, -2), 2, cv::Scalar(20, 20, 20), cv::FILLED, line);
}

cv::Mat background() {
  cv::Mat image(240, 320, CV_8UC3);
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      const bool tile = ((x / 20) + (y / 20)) % 2 == 0;
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uint8_t>(150 + (tile ? 30 : 0)),
                                            static_cast<uint8_t>(140 + y / 4),
                                            static_cast<uint8_t>(120 + x / 8));
    }
  }
  cv::rectangle(image, {0, 190}, {319, 239}, cv::Scalar(90, 110, 130), cv::FILLED);  // a floor
  return image;
}

}  // namespace

std::vector<cv::Mat> probe_images() {
  const Figure standing = {{160, 45},  {160, 62},  {160, 125}, {128, 125}, {192, 125}, {138, 95},
                           {182, 95},  {148, 165}, {172, 165}, {146, 205}, {174, 205}};
  const Figure reaching = {{160, 45},  {160, 62},  {160, 125}, {120, 20},  {200, 20},  {130, 45},
                           {190, 45},  {145, 165}, {175, 165}, {140, 205}, {180, 205}};
  const Figure lying = {{60, 185},  {78, 185},  {150, 190}, {110, 205}, {120, 175}, {95, 200},
                        {100, 178}, {195, 186}, {195, 196}, {245, 190}, {245, 200}};
  std::vector<cv::Mat> images;
  for (const Figure& figure : {standing, reaching, lying}) {
    cv::Mat image = background();
    draw(image, figure);
    images.push_back(image);
  }
  return images;
}

}  // namespace actrec::features
