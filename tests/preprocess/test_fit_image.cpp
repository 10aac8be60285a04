#include <gtest/gtest.h>

#include "actrec/preprocess/fit_image.hpp"

namespace actrec::preprocess {
namespace {

cv::Mat solid(cv::Size size, cv::Scalar bgr) { return cv::Mat(size, CV_8UC3, bgr); }

TEST(FitImage, LetterboxKeepsAspectAndPadsBlackCentred) {
  Placement place;
  const cv::Mat out = fit_image(solid({160, 120}, {10, 20, 30}), {192, 192}, ResizeMode::letterbox,
                                false, &place);
  ASSERT_EQ(out.size(), cv::Size(192, 192));
  EXPECT_DOUBLE_EQ(place.scale_x, 1.2);
  EXPECT_DOUBLE_EQ(place.offset_y, 24);  // (192 - 144) / 2
  EXPECT_DOUBLE_EQ(place.offset_x, 0);
  EXPECT_EQ(out.at<cv::Vec3b>(10, 96), cv::Vec3b(0, 0, 0));      // padding band
  EXPECT_EQ(out.at<cv::Vec3b>(96, 96), cv::Vec3b(10, 20, 30));   // image
  EXPECT_EQ(out.at<cv::Vec3b>(180, 96), cv::Vec3b(0, 0, 0));
}

TEST(FitImage, CropCoversAndCentres) {
  cv::Mat image = solid({200, 100}, {0, 0, 0});
  image(cv::Rect(0, 0, 50, 100)).setTo(cv::Scalar(255, 255, 255));  // left quarter white
  Placement place;
  const cv::Mat out = fit_image(image, {50, 50}, ResizeMode::crop, false, &place);
  ASSERT_EQ(out.size(), cv::Size(50, 50));
  EXPECT_DOUBLE_EQ(place.scale_x, 0.5);
  EXPECT_DOUBLE_EQ(place.offset_x, -25);
  // The centre 100 source columns (50..150) survive: the white quarter is cut away.
  EXPECT_EQ(out.at<cv::Vec3b>(25, 2), cv::Vec3b(0, 0, 0));
}

TEST(FitImage, StretchAndColourOrder) {
  const cv::Mat out = fit_image(solid({64, 32}, {10, 20, 30}), {16, 16}, ResizeMode::stretch, true);
  ASSERT_EQ(out.size(), cv::Size(16, 16));
  EXPECT_EQ(out.at<cv::Vec3b>(8, 8), cv::Vec3b(30, 20, 10));  // RGB
}

TEST(FitImage, PlacementMapsModelPixelsBackToTheSource) {
  // 640x480 letterboxed into 192x192: scale 0.3, 24 rows of padding above.
  const Placement place = placement_for({640, 480}, {192, 192}, ResizeMode::letterbox);
  EXPECT_DOUBLE_EQ(place.scale_x, 0.3);
  EXPECT_DOUBLE_EQ(place.offset_y, 24);
  EXPECT_DOUBLE_EQ((96 - place.offset_x) / place.scale_x, 320);  // the centre stays the centre
  EXPECT_DOUBLE_EQ((168 - place.offset_y) / place.scale_y, 480);  // the bottom edge
  const Placement stretched = placement_for({640, 480}, {192, 192}, ResizeMode::stretch);
  EXPECT_DOUBLE_EQ(stretched.scale_y, 0.4);
  EXPECT_DOUBLE_EQ(stretched.offset_y, 0);
}

}  // namespace
}  // namespace actrec::preprocess
