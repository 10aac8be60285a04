#pragma once
// What labeling a video produces: per-frame CSV, segments JSON, subtitles, an overlay video.
// Written as frames arrive (memory stays flat in video length) into temporary files that
// commit() renames into place, so an interrupted run leaves no half-written output.
#include <cstdint>
#include <fstream>
#include <memory>
#include <opencv2/core/mat.hpp>
#include <opencv2/videoio.hpp>
#include <string>
#include <vector>

namespace actrec::output {

struct Segment {
  int64_t label = 0;
  int64_t start_frame = 0, end_frame = 0;  ///< end exclusive
  double start_s = 0, end_s = 0;
  double mean_confidence = 0;
};

/// Runs of equal labels, built frame by frame.
class SegmentBuilder {
 public:
  void add(int64_t frame, double time_s, int64_t label, double confidence, double frame_period_s);
  /// Segments; runs shorter than `min_frames` are merged into a neighbour first (0: none).
  std::vector<Segment> segments(int64_t min_frames = 0) const;

 private:
  std::vector<Segment> runs_;
  double confidence_sum_ = 0;
};

std::string segments_json(const std::vector<Segment>& segments,
                          const std::vector<std::string>& labels, const std::string& background,
                          const std::string& video, double fps);
/// SubRip (`vtt` false) or WebVTT subtitles: one cue per segment, "label (confidence%)".
std::string subtitles(const std::vector<Segment>& segments, const std::vector<std::string>& labels,
                      bool vtt);

/// `frame,time_s,label,confidence,<one probability column per class>`, streamed.
class FramesCsvWriter {
 public:
  FramesCsvWriter(const std::string& path, const std::vector<std::string>& labels);
  ~FramesCsvWriter();  ///< without commit(): the temporary file is removed
  void write(int64_t frame, double time_s, int64_t label, const float* probabilities);
  void commit();

 private:
  std::string path_, temp_;
  std::vector<std::string> labels_;
  std::ofstream out_;
  bool committed_ = false;
};

/// The video with the label, a confidence bar and a strip of past labels drawn in.
class OverlayWriter {
 public:
  OverlayWriter(const std::string& path, double fps, cv::Size size,
                const std::vector<std::string>& labels);
  ~OverlayWriter();
  void write(const cv::Mat& frame, int64_t label, double confidence, double time_s);
  void commit();

 private:
  std::string path_, temp_;
  std::vector<std::string> labels_;
  cv::VideoWriter writer_;
  std::vector<int64_t> history_;
  bool committed_ = false;
};

/// A colour per class, the same everywhere (overlay, charts).
cv::Scalar class_colour(int64_t label);

/// Draws label, confidence bar and the label history strip onto `frame` (in place).
void draw_overlay(cv::Mat& frame, const std::string& label, double confidence, double time_s,
                  const std::vector<int64_t>& history, const std::string& extra = "");

}  // namespace actrec::output
