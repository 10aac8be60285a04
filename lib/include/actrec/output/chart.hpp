#pragma once
// Small line charts and confusion-matrix images drawn with OpenCV, written as PNG.
#include <opencv2/core/mat.hpp>
#include <string>
#include <utility>
#include <vector>

#include "actrec/eval/calibration.hpp"

namespace actrec::output {

struct Series {
  std::string name;
  std::vector<double> values;  ///< one per x step (epoch); NaN leaves a gap
  cv::Scalar color;
};

/// One panel: series over their index, axes with min/max labels, a legend.
cv::Mat line_chart(const std::string& title, const std::vector<Series>& series,
                   cv::Size size = {640, 220}, bool log_scale = false);

/// Rows: truth, columns: prediction; cells shaded by the row-normalised count, counts printed.
cv::Mat confusion_image(const std::vector<std::vector<int64_t>>& confusion,
                        const std::vector<std::string>& names);

/// A reliability diagram: per confidence bin, how often labels shown with that confidence were
/// right (bars), against the diagonal where they would be right as often as they say; one
/// panel per entry (e.g. before and after calibration), titled with its ECE.
cv::Mat reliability_image(const std::vector<std::pair<std::string, eval::Reliability>>& panels);

/// Panels one under another.
cv::Mat stack(const std::vector<cv::Mat>& panels);

/// PNG, written atomically; Error naming the path when it cannot be.
void write_png(const std::string& path, const cv::Mat& image);

}  // namespace actrec::output
