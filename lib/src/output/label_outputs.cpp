#include "actrec/output/label_outputs.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"

namespace actrec::output {
namespace fs = std::filesystem;

namespace {
void rename_into_place(const std::string& temp, const std::string& path) {
  std::error_code error;
  fs::rename(temp, path, error);
  if (error) throw Error("cannot write " + path + ": " + error.message());
}

std::string timecode(double seconds, bool vtt) {
  const auto ms = static_cast<int64_t>(std::llround(std::max(0.0, seconds) * 1000));
  return fmt::format("{:02}:{:02}:{:02}{}{:03}", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
                     vtt ? '.' : ',', ms % 1000);
}
}  // namespace

void SegmentBuilder::add(int64_t frame, double time_s, int64_t label, double confidence,
                         double frame_period_s) {
  if (runs_.empty() || runs_.back().label != label) {
    if (!runs_.empty())
      runs_.back().mean_confidence /=
          static_cast<double>(runs_.back().end_frame - runs_.back().start_frame);
    runs_.push_back({label, frame, frame, time_s, time_s, 0});
  }
  Segment& run = runs_.back();
  run.end_frame = frame + 1;
  run.end_s = time_s + frame_period_s;
  run.mean_confidence += confidence;  // a sum until the run ends
}

std::vector<Segment> SegmentBuilder::segments(int64_t min_frames) const {
  std::vector<Segment> out = runs_;
  if (!out.empty()) {
    out.back().mean_confidence /=
        static_cast<double>(out.back().end_frame - out.back().start_frame);
  }
  if (min_frames <= 1) return out;
  // Merge short runs into the longer neighbour until none is short (or one run is left).
  bool merged = true;
  while (merged && out.size() > 1) {
    merged = false;
    for (size_t i = 0; i < out.size(); ++i) {
      const int64_t length = out[i].end_frame - out[i].start_frame;
      if (length >= min_frames) continue;
      const bool left =
          i > 0 && (i + 1 == out.size() || out[i - 1].end_frame - out[i - 1].start_frame >=
                                               out[i + 1].end_frame - out[i + 1].start_frame);
      Segment& into = left ? out[i - 1] : out[i + 1];
      const double into_length = static_cast<double>(into.end_frame - into.start_frame);
      into.mean_confidence = (into.mean_confidence * into_length +
                              out[i].mean_confidence * static_cast<double>(length)) /
                             (into_length + static_cast<double>(length));
      into.start_frame = std::min(into.start_frame, out[i].start_frame);
      into.end_frame = std::max(into.end_frame, out[i].end_frame);
      into.start_s = std::min(into.start_s, out[i].start_s);
      into.end_s = std::max(into.end_s, out[i].end_s);
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(i));
      // Neighbours with the same label are one run now.
      for (size_t j = 1; j < out.size(); ++j) {
        if (out[j].label == out[j - 1].label) {
          const double a = static_cast<double>(out[j - 1].end_frame - out[j - 1].start_frame);
          const double b = static_cast<double>(out[j].end_frame - out[j].start_frame);
          out[j - 1].mean_confidence =
              (out[j - 1].mean_confidence * a + out[j].mean_confidence * b) / (a + b);
          out[j - 1].end_frame = out[j].end_frame;
          out[j - 1].end_s = out[j].end_s;
          out.erase(out.begin() + static_cast<std::ptrdiff_t>(j));
          --j;
        }
      }
      merged = true;
      break;
    }
  }
  return out;
}

std::string segments_json(const std::vector<Segment>& segments,
                          const std::vector<std::string>& labels, const std::string& background,
                          const std::string& video, double fps) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : segments) {
    const std::string& name = labels.at(static_cast<size_t>(s.label));
    list.push_back({{"label", name},
                    {"start_frame", s.start_frame},
                    {"end_frame", s.end_frame},
                    {"start_s", std::round(s.start_s * 1000) / 1000},
                    {"end_s", std::round(s.end_s * 1000) / 1000},
                    {"mean_confidence", std::round(s.mean_confidence * 10000) / 10000},
                    {"background", !background.empty() && name == background}});
  }
  return nlohmann::json{{"video", video}, {"fps", fps}, {"classes", labels}, {"segments", list}}
             .dump(2) +
         "\n";
}

std::string subtitles(const std::vector<Segment>& segments, const std::vector<std::string>& labels,
                      bool vtt) {
  std::string out = vtt ? "WEBVTT\n\n" : "";
  int cue = 1;
  for (const auto& s : segments) {
    out += fmt::format("{}\n{} --> {}\n{} ({:.0f}%)\n\n", cue++, timecode(s.start_s, vtt),
                       timecode(s.end_s, vtt), labels.at(static_cast<size_t>(s.label)),
                       100 * s.mean_confidence);
  }
  return out;
}

FramesCsvWriter::FramesCsvWriter(const std::string& path, const std::vector<std::string>& labels)
    : path_(path), temp_(temporary_path(path)), labels_(labels), out_(temp_, std::ios::trunc) {
  if (!out_) throw Error("cannot write " + path + ": cannot create " + temp_);
  out_ << "frame,time_s,label,confidence";
  for (const auto& label : labels) out_ << "," << label;
  out_ << "\n";
}

FramesCsvWriter::~FramesCsvWriter() {
  if (committed_) return;
  out_.close();
  std::error_code ignored;
  fs::remove(temp_, ignored);
}

void FramesCsvWriter::write(int64_t frame, double time_s, int64_t label, const float* p) {
  out_ << frame << ',' << fmt::format("{:.3f}", time_s) << ','
       << labels_[static_cast<size_t>(label)] << ',' << fmt::format("{:.4f}", p[label]);
  for (size_t c = 0; c < labels_.size(); ++c) out_ << ',' << fmt::format("{:.4f}", p[c]);
  out_ << '\n';
}

void FramesCsvWriter::commit() {
  out_.flush();
  if (!out_) throw Error("cannot write " + path_ + ": write failed (disk full?)");
  out_.close();
  rename_into_place(temp_, path_);
  committed_ = true;
}

cv::Scalar class_colour(int64_t label) {
  static const cv::Scalar kPalette[] = {
      {230, 159, 0}, {86, 180, 233},  {0, 158, 115},   {240, 228, 66}, {0, 114, 178},
      {213, 94, 0},  {204, 121, 167}, {120, 120, 120}, {60, 60, 200},  {200, 200, 60}};
  return kPalette[static_cast<size_t>(label) % (sizeof kPalette / sizeof kPalette[0])];
}

void draw_overlay(cv::Mat& frame, const std::string& label, double confidence, double time_s,
                  const std::vector<int64_t>& history, const std::string& extra) {
  const int w = frame.cols, h = frame.rows;
  const double scale = std::max(0.4, w / 900.0);
  const int band = static_cast<int>(34 * scale);
  cv::Mat top = frame(cv::Rect(0, 0, w, std::min(h, band)));
  top *= 0.35;  // darken for legible text
  cv::putText(frame, fmt::format("{}  {:.0f}%", label, 100 * confidence), {8, band - 10},
              cv::FONT_HERSHEY_SIMPLEX, 0.8 * scale, {255, 255, 255}, 2, cv::LINE_AA);
  const std::string right = fmt::format("{:.2f} s{}", time_s, extra.empty() ? "" : "  " + extra);
  cv::putText(frame, right, {w - static_cast<int>(right.size() * 11 * scale) - 8, band - 10},
              cv::FONT_HERSHEY_SIMPLEX, 0.55 * scale, {230, 230, 230}, 1, cv::LINE_AA);
  // Confidence bar under the band, then the strip of past labels at the bottom.
  const int bar = std::max(3, band / 6);
  cv::rectangle(frame, cv::Rect(0, band, static_cast<int>(w * confidence), bar), {80, 220, 80},
                cv::FILLED);
  const int strip = std::max(6, band / 3);
  const size_t shown = std::min(history.size(), static_cast<size_t>(w));
  for (size_t i = 0; i < shown; ++i) {
    const int64_t l = history[history.size() - shown + i];
    cv::line(frame, {static_cast<int>(i), h - strip}, {static_cast<int>(i), h - 1},
             class_colour(l));
  }
}

OverlayWriter::OverlayWriter(const std::string& path, double fps, cv::Size size,
                             const std::vector<std::string>& labels)
    : path_(path), temp_(temporary_path(path)), labels_(labels) {
  writer_.open(temp_, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps, size);
  if (!writer_.isOpened()) {
    const bool too_big = std::max(size.width, size.height) > 8191;  // MPEG-4 Part 2's limit
    throw Error("cannot write " + path + ": " +
                (too_big ? "the MPEG-4 encoder takes at most 8191 pixels a side, the video is " +
                               std::to_string(size.width) + "x" + std::to_string(size.height)
                         : std::string("no MPEG-4 encoder in OpenCV's FFmpeg back-end")));
  }
}

OverlayWriter::~OverlayWriter() {
  if (committed_) return;
  writer_.release();
  std::error_code ignored;
  fs::remove(temp_, ignored);
}

void OverlayWriter::write(const cv::Mat& frame, int64_t label, double confidence, double time_s) {
  history_.push_back(label);
  cv::Mat canvas = frame.clone();
  draw_overlay(canvas, labels_[static_cast<size_t>(label)], confidence, time_s, history_);
  writer_.write(canvas);
}

void OverlayWriter::commit() {
  writer_.release();
  // cv::VideoWriter does not report failed writes (a full disk): check what the file holds.
  cv::VideoCapture check(temp_, cv::CAP_FFMPEG);
  const double frames = check.isOpened() ? check.get(cv::CAP_PROP_FRAME_COUNT) : -1;
  if (frames + 2 < static_cast<double>(history_.size())) {
    throw Error("cannot write " + path_ + ": the video holds " +
                std::to_string(std::max(0.0, frames)) + " of " + std::to_string(history_.size()) +
                " frames (disk full?)");
  }
  rename_into_place(temp_, path_);
  committed_ = true;
}

}  // namespace actrec::output
