// Pictures for checking by eye what training makes of poses (scripts/view_figures.sh):
//   view OUT.png VIDEO:SECONDS...   real frames' poses (the observations of the clip's main
//                                   person) lifted to 3-D and seen from other angles
//   mocap OUT.png FOLDER CLIP:SECONDS...  motion capture through five virtual cameras, with the
//                                   faults a pose network adds and each frame's label
// Not part of the product: a developer's tool, built with the tests.
#include <fmt/format.h>

#include <iostream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "actrec/config/config.hpp"
#include "actrec/data/clips.hpp"
#include "actrec/features/extract.hpp"
#include "actrec/features/feature_extractor.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/train/mocap_views.hpp"
#include "actrec/train/view_augment.hpp"

namespace {
using namespace actrec;
using namespace actrec::features;

constexpr int kCell = 170, kTitle = 22;
const cv::Scalar kLeft(255, 160, 60), kRight(60, 140, 255), kMiddle(220, 220, 220);

cv::Scalar colour_of(int a, int b) {
  const bool left = a % 2 == 1 && b % 2 == 1 && a > 0;
  const bool right = a % 2 == 0 && b % 2 == 0 && a > 0 && b > 0;
  return left ? kLeft : right ? kRight : kMiddle;
}

// Draws keypoints `xy` (pixels of their own frame) into `cell`, scaled by `scale` about `centre`.
void draw_skeleton(cv::Mat& cell, const std::array<cv::Point2f, kKeypoints>& xy,
                   const std::array<bool, kKeypoints>& seen, cv::Point2f centre, double scale) {
  auto at = [&](int k) {
    return cv::Point(
        static_cast<int>(cell.cols / 2 + scale * (xy[static_cast<size_t>(k)].x - centre.x)),
        static_cast<int>(kTitle + (cell.rows - kTitle) / 2 +
                         scale * (xy[static_cast<size_t>(k)].y - centre.y)));
  };
  for (const auto& [a, b] : kBones) {
    if (seen[static_cast<size_t>(a)] && seen[static_cast<size_t>(b)]) {
      cv::line(cell, at(a), at(b), colour_of(a, b), 2, cv::LINE_AA);
    }
  }
  for (int k = 0; k < kKeypoints; ++k) {
    if (seen[static_cast<size_t>(k)]) {
      cv::circle(cell, at(k), k == kNose ? 4 : 2,
                 k == kNose ? cv::Scalar(80, 255, 80) : colour_of(k, k), cv::FILLED, cv::LINE_AA);
    }
  }
}

void title(cv::Mat& cell, const std::string& text) {
  cv::putText(cell, text, {5, 15}, cv::FONT_HERSHEY_SIMPLEX, 0.42, cv::Scalar(255, 255, 255), 1,
              cv::LINE_AA);
}

cv::Mat blank() { return cv::Mat(kCell + kTitle, kCell, CV_8UC3, cv::Scalar(40, 40, 40)); }

std::array<cv::Point2f, kKeypoints> points_of(const float* values) {
  const ConstPose pose{values};
  std::array<cv::Point2f, kKeypoints> xy{};
  for (int k = 0; k < kKeypoints; ++k) xy[static_cast<size_t>(k)] = {pose.x(k), pose.y(k)};
  return xy;
}
std::array<bool, kKeypoints> seen_of(const float* values) {
  const ConstPose pose{values};
  std::array<bool, kKeypoints> seen{};
  for (int k = 0; k < kKeypoints; ++k) seen[static_cast<size_t>(k)] = pose.score(k) >= 0.2f;
  return seen;
}

cv::Mat video_frame(const std::string& video, int64_t index) {
  cv::VideoCapture capture(video);
  cv::Mat frame;
  for (int64_t i = 0; i <= index; ++i) {
    if (!capture.read(frame)) break;
  }
  return frame;
}

// One row: the frame with its keypoints, the lifted body from above, then other angles.
cv::Mat view_row(const data::ClipData& clip, const std::string& video, int64_t f,
                 const std::string& name) {
  std::mt19937_64 rng(1);
  const train::LiftedClip lifted =
      train::lift_clip(clip.poses.data(), clip.frames(), clip.fps, {}, rng);
  const float* values = clip.poses.data() + f * kPoseValues;
  const auto seen = seen_of(values);
  const auto xy = points_of(values);
  const cv::Point2f root(lifted.root[static_cast<size_t>(f)][0],
                         lifted.root[static_cast<size_t>(f)][1]);
  double extent = 1;
  for (int k = 0; k < kKeypoints; ++k) {
    if (seen[static_cast<size_t>(k)]) {
      extent = std::max<double>(extent, std::abs(xy[static_cast<size_t>(k)].x - root.x));
      extent = std::max<double>(extent, std::abs(xy[static_cast<size_t>(k)].y - root.y));
    }
  }
  const double scale = 0.42 * kCell / extent;
  std::vector<cv::Mat> cells;
  // The frame itself, around the person.
  cv::Mat frame = video_frame(video, f), cell = blank();
  if (!frame.empty()) {
    const int half = static_cast<int>(extent * 1.2);
    const cv::Rect box = cv::Rect(static_cast<int>(root.x) - half, static_cast<int>(root.y) - half,
                                  2 * half, 2 * half) &
                         cv::Rect(0, 0, frame.cols, frame.rows);
    cv::Mat crop = frame(box).clone();
    for (const auto& [a, b] : kBones) {
      if (seen[static_cast<size_t>(a)] && seen[static_cast<size_t>(b)]) {
        cv::line(crop, xy[static_cast<size_t>(a)] - cv::Point2f(box.tl()),
                 xy[static_cast<size_t>(b)] - cv::Point2f(box.tl()), colour_of(a, b), 2,
                 cv::LINE_AA);
      }
    }
    cv::Mat fitted;
    const double s =
        std::min(static_cast<double>(kCell) / crop.cols, static_cast<double>(kCell) / crop.rows);
    cv::resize(crop, fitted, {}, s, s, cv::INTER_AREA);
    fitted.copyTo(cell(cv::Rect((kCell - fitted.cols) / 2, kTitle, fitted.cols, fitted.rows)));
  }
  title(cell, name);
  cells.push_back(cell);
  // From above: x across, depth (away from the camera) upwards.
  cell = blank();
  std::array<cv::Point2f, kKeypoints> top{};
  for (int k = 0; k < kKeypoints; ++k) {
    const auto& p = lifted.frames[static_cast<size_t>(f)][static_cast<size_t>(k)];
    top[static_cast<size_t>(k)] = {p[0], root.y - p[2]};
  }
  draw_skeleton(cell, top, seen, root, scale);
  title(cell, "from above");
  cells.push_back(cell);
  for (const auto& [yaw, pitch] : std::vector<std::pair<double, double>>{
           {-90, 0}, {-45, 0}, {45, 0}, {90, 0}, {180, 0}, {45, 30}}) {
    std::vector<float> turned = clip.poses;
    train::view_clip(lifted, yaw * M_PI / 180, pitch * M_PI / 180, turned.data(), clip.frames(),
                     0.2);
    cell = blank();
    const float* v = turned.data() + f * kPoseValues;
    const cv::Point2f new_root(
        static_cast<float>(lifted.pivot_x + std::cos(yaw * M_PI / 180) * (root.x - lifted.pivot_x)),
        static_cast<float>(lifted.pivot_y +
                           std::cos(pitch * M_PI / 180) * (root.y - lifted.pivot_y)));
    draw_skeleton(cell, points_of(v), seen_of(v), new_root, scale);
    title(cell, pitch == 0 ? fmt::format("yaw {:+.0f}", yaw)
                           : fmt::format("yaw {:+.0f}, pitch {:.0f}", yaw, pitch));
    cells.push_back(cell);
  }
  cv::Mat row;
  cv::hconcat(cells, row);
  return row;
}

// "path:seconds" -> path and the time.
std::pair<std::string, double> where(const std::string& spec) {
  const auto colon = spec.rfind(':');
  return {spec.substr(0, colon), std::stod(spec.substr(colon + 1))};
}

int view_figure(const std::string& out, const std::vector<std::string>& specs) {
  const config::Config config;
  FeatureExtractor extractor(config.features);
  const std::string cache = data::feature_cache_dir("");
  std::vector<cv::Mat> rows;
  for (const auto& spec : specs) {
    const auto [video, seconds] = where(spec);
    const FeatureFile observations = features_for_video(extractor, video, cache);
    const data::ClipData clip =
        data::clip_data(observations, extractor.persons(), config.people,
                        std::vector<int64_t>(static_cast<size_t>(observations.frames()), 0));
    const auto f =
        std::min<int64_t>(clip.frames() - 1, static_cast<int64_t>(std::lround(seconds * clip.fps)));
    const std::string stem = video.substr(video.find_last_of('/') + 1);
    rows.push_back(
        view_row(clip, video, f, fmt::format("{} {:.1f} s", stem.substr(0, 16), seconds)));
  }
  cv::Mat figure;
  cv::vconcat(rows, figure);
  return cv::imwrite(out, figure) ? 0 : 1;
}

int mocap_figure(const std::string& out, const std::string& folder,
                 const std::vector<std::string>& specs) {
  const auto clips = data::read_mocap_folder(folder);
  std::vector<cv::Mat> rows;
  for (const auto& spec : specs) {
    const auto [name, seconds] = where(spec);
    const auto found =
        std::find_if(clips.begin(), clips.end(), [&](const auto& c) { return c.name == name; });
    if (found == clips.end()) {
      std::cerr << "no clip " << name << " in " << folder << "\n";
      return 1;
    }
    const auto labels = data::mocap_labels(*found);
    const auto f = std::min<int64_t>(found->frames() - 1,
                                     static_cast<int64_t>(std::lround(seconds * found->fps)));
    std::vector<cv::Mat> cells;
    cv::Mat cell = blank();
    title(cell, fmt::format("{} {:.1f} s", name, seconds));
    cv::putText(cell, found->description.substr(0, 24), {5, 60}, cv::FONT_HERSHEY_SIMPLEX, 0.42,
                kMiddle, 1, cv::LINE_AA);
    cv::putText(cell, "label: " + labels[static_cast<size_t>(f)], {5, 90}, cv::FONT_HERSHEY_SIMPLEX,
                0.5, cv::Scalar(80, 255, 80), 1, cv::LINE_AA);
    cells.push_back(cell);
    std::mt19937_64 rng(std::hash<std::string>{}(name));
    for (int c = 0; c < 5; ++c) {
      const train::VirtualCamera camera = train::random_camera(*found, rng);
      const data::ClipData seen = train::render_clip(
          *found, std::vector<int64_t>(static_cast<size_t>(found->frames()), 0), camera, rng);
      const float* v = seen.poses.data() + f * kPoseValues;
      const ConstPose pose{v};
      cell = blank();
      const cv::Point2f centre((pose.box(0) + pose.box(2)) / 2, (pose.box(1) + pose.box(3)) / 2);
      const double extent = std::max({1.0f, pose.box(2) - pose.box(0), pose.box(3) - pose.box(1)});
      draw_skeleton(cell, points_of(v), seen_of(v), centre, 0.8 * kCell / extent);
      const double height = camera.position[1] - data::mocap_floor(*found);
      title(cell, fmt::format("cam {:.1f} m up, {:.0f} px", height, extent));
      cells.push_back(cell);
    }
    cv::Mat row;
    cv::hconcat(cells, row);
    rows.push_back(row);
  }
  cv::Mat figure;
  cv::vconcat(rows, figure);
  return cv::imwrite(out, figure) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 3 && args[0] == "view")
      return view_figure(args[1], {args.begin() + 2, args.end()});
    if (args.size() >= 4 && args[0] == "mocap")
      return mocap_figure(args[1], args[2], {args.begin() + 3, args.end()});
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: actrec_view_figure view OUT.png VIDEO:SECONDS...\n"
               "       actrec_view_figure mocap OUT.png FOLDER CLIP:SECONDS...\n";
  return 2;
}
