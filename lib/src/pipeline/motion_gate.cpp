#include "actrec/pipeline/motion_gate.hpp"

#include <opencv2/imgproc.hpp>

namespace actrec::pipeline {

MotionGate::MotionGate(const config::GateConfig& config) : config_(config) {}

cv::Mat MotionGate::glimpse(const cv::Mat& bgr, int width) {
  if (bgr.empty()) return {};
  const double scale = std::min(1.0, static_cast<double>(width) / bgr.cols);
  cv::Mat small, grey;
  cv::resize(bgr, small, {}, scale, scale, cv::INTER_AREA);
  cv::cvtColor(small, grey, bgr.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  // Sensor noise is pixel by pixel; a person moving is many pixels together.
  cv::GaussianBlur(grey, grey, {5, 5}, 0);
  return grey;
}

MotionGate::Decision MotionGate::decide(const cv::Mat& glimpse, int64_t timestamp_us,
                                        bool watching) {
  bool moved = reference_.empty() || glimpse.empty() || glimpse.size() != reference_.size();
  if (!moved) {
    cv::Mat difference;
    cv::absdiff(glimpse, reference_, difference);
    // With people followed, any change is looked at, and a third of the change counts: a
    // walker far away moves a fraction of a glimpse's pixel a frame, and holding their pose
    // would change their labels. Only what stays still (blurred sensor noise) is held.
    if (watching) {
      moved = cv::countNonZero(difference > config_.threshold / 3) > 0;
    } else {
      const int changed = cv::countNonZero(difference > config_.threshold);
      moved = changed > config_.min_share * static_cast<double>(difference.total());
    }
  }
  const bool due = watching && timestamp_us - looked_at_us_ >=
                                   static_cast<int64_t>(config_.still_interval_s * 1e6);
  if (moved || due) {
    reference_ = glimpse;
    looked_at_us_ = timestamp_us;
    ++counts_.looked;
    return Decision::look;
  }
  ++(watching ? counts_.held : counts_.nobody);
  return watching ? Decision::hold : Decision::nobody;
}

}  // namespace actrec::pipeline
