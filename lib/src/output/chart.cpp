#include "actrec/output/chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"

namespace actrec::output {
namespace {
const cv::Scalar kInk(40, 40, 40), kGrid(225, 225, 225), kPaper(255, 255, 255);
void text(cv::Mat& image, const std::string& s, cv::Point at, double scale = 0.4,
          cv::Scalar color = kInk) {
  cv::putText(image, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, color, 1, cv::LINE_AA);
}
}  // namespace

cv::Mat reliability_image(const std::vector<std::pair<std::string, eval::Reliability>>& panels) {
  const int side = 300, margin = 40;
  cv::Mat image(side + 2 * margin, static_cast<int>(panels.size()) * (side + margin) + margin,
                CV_8UC3, kPaper);
  for (size_t i = 0; i < panels.size(); ++i) {
    const auto& [title, r] = panels[i];
    const cv::Rect plot(margin + static_cast<int>(i) * (side + margin), margin, side, side);
    auto x_of = [&](double v) { return plot.x + static_cast<int>(v * side); };
    auto y_of = [&](double v) { return plot.y + side - static_cast<int>(v * side); };
    const double width = 1.0 / static_cast<double>(std::max<size_t>(1, r.bins.size()));
    for (size_t b = 0; b < r.bins.size(); ++b) {
      const auto& bin = r.bins[b];
      if (bin.frames == 0) continue;
      const cv::Rect bar(cv::Point(x_of(static_cast<double>(b) * width) + 1, y_of(bin.accuracy)),
                         cv::Point(x_of(static_cast<double>(b + 1) * width) - 1, y_of(0)));
      cv::rectangle(image, bar, cv::Scalar(200, 140, 60), cv::FILLED);
      cv::circle(image, {x_of(bin.confidence), y_of(bin.confidence)}, 2, cv::Scalar(0, 0, 200),
                 cv::FILLED, cv::LINE_AA);
    }
    cv::rectangle(image, plot, kInk);
    cv::line(image, {x_of(0), y_of(0)}, {x_of(1), y_of(1)}, cv::Scalar(0, 0, 200), 1, cv::LINE_AA);
    text(image, fmt::format("{}: ECE {:.3f}, {} frames", title, r.ece, r.frames),
         {plot.x, plot.y - 10}, 0.45);
    text(image, "confidence shown", {plot.x + side / 2 - 50, plot.y + side + 28});
    text(image, "right", {plot.x - 36, plot.y + side / 2});
    for (double v : {0.0, 0.5, 1.0}) {
      text(image, fmt::format("{:g}", v), {x_of(v) - 6, plot.y + side + 14});
      text(image, fmt::format("{:g}", v), {plot.x - 22, y_of(v) + 4});
    }
  }
  return image;
}

cv::Mat line_chart(const std::string& title, const std::vector<Series>& series, cv::Size size,
                   bool log_scale) {
  cv::Mat image(size, CV_8UC3, kPaper);
  const int left = 60, right = 12, top = 24, bottom = 22;
  const cv::Rect plot(left, top, size.width - left - right, size.height - top - bottom);
  auto transform = [&](double v) { return log_scale ? std::log10(std::max(v, 1e-12)) : v; };
  double lo = INFINITY, hi = -INFINITY;
  size_t steps = 0;
  for (const auto& s : series) {
    steps = std::max(steps, s.values.size());
    for (double v : s.values) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, transform(v));
      hi = std::max(hi, transform(v));
    }
  }
  text(image, title, {left, 16}, 0.45);
  cv::rectangle(image, plot, kGrid);
  if (!std::isfinite(lo)) return image;
  if (hi - lo < 1e-12) {
    hi += 0.5;
    lo -= 0.5;
  }
  auto y_of = [&](double v) {
    return plot.y + plot.height - static_cast<int>((transform(v) - lo) / (hi - lo) * plot.height);
  };
  auto x_of = [&](size_t i) {
    return plot.x + (steps <= 1 ? 0 : static_cast<int>(i * plot.width / (steps - 1)));
  };
  auto label = [&](double t) {
    const double v = log_scale ? std::pow(10.0, t) : t;
    return fmt::format("{:.3g}", v);
  };
  text(image, label(hi), {4, plot.y + 8});
  text(image, label(lo), {4, plot.y + plot.height});
  text(image, "1", {plot.x, size.height - 6});
  text(image, std::to_string(steps), {plot.x + plot.width - 20, size.height - 6});
  int legend_x = left + static_cast<int>(title.size()) * 8 + 24;  // after the title
  for (const auto& s : series) {
    for (size_t i = 1; i < s.values.size(); ++i) {
      if (!std::isfinite(s.values[i - 1]) || !std::isfinite(s.values[i])) continue;
      cv::line(image, {x_of(i - 1), y_of(s.values[i - 1])}, {x_of(i), y_of(s.values[i])}, s.color,
               2, cv::LINE_AA);
    }
    if (s.values.size() == 1 && std::isfinite(s.values[0])) {
      cv::circle(image, {x_of(0), y_of(s.values[0])}, 3, s.color, cv::FILLED);
    }
    cv::line(image, {legend_x, 12}, {legend_x + 16, 12}, s.color, 2);
    text(image, s.name, {legend_x + 20, 16});
    legend_x += 30 + static_cast<int>(s.name.size()) * 7;
  }
  return image;
}

cv::Mat confusion_image(const std::vector<std::vector<int64_t>>& confusion,
                        const std::vector<std::string>& names) {
  const int n = static_cast<int>(names.size());
  const int cell = 44, margin = 130;
  cv::Mat image(margin + n * cell + 10, margin + n * cell + 10, CV_8UC3, kPaper);
  for (int r = 0; r < n; ++r) {
    int64_t total = 0;
    for (int64_t v : confusion[r]) total += v;
    text(image, names[r].substr(0, 16), {4, margin + r * cell + cell / 2 + 4});
    for (int c = 0; c < n; ++c) {
      const double share = total > 0 ? static_cast<double>(confusion[r][c]) / total : 0;
      const cv::Rect box(margin + c * cell, margin + r * cell, cell, cell);
      cv::rectangle(image, box, cv::Scalar(255, 255 - 180 * share, 255 - 180 * share), cv::FILLED);
      cv::rectangle(image, box, kGrid);
      text(image, std::to_string(confusion[r][c]), {box.x + 4, box.y + cell / 2 + 4}, 0.35);
    }
  }
  for (int c = 0; c < n; ++c) {
    // Column names written upwards.
    cv::Mat label(18, margin - 6, CV_8UC3, kPaper);
    text(label, names[c].substr(0, 16), {2, 13});
    cv::Mat rotated;
    cv::rotate(label, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
    rotated.copyTo(
        image(cv::Rect(margin + c * cell + cell / 2 - 9, 2, rotated.cols, rotated.rows)));
  }
  text(image, "truth \\ predicted", {4, 16});
  return image;
}

cv::Mat stack(const std::vector<cv::Mat>& panels) {
  cv::Mat out;
  cv::vconcat(panels, out);
  return out;
}

void write_png(const std::string& path, const cv::Mat& image) {
  std::vector<uint8_t> bytes;
  if (!cv::imencode(".png", image, bytes))
    throw Error("cannot write " + path + ": PNG encoding failed");
  write_text_atomically(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace actrec::output
