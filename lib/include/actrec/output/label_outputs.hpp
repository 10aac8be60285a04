#pragma once
// What labeling a video produces: per-frame CSV, segments JSON, subtitles, an overlay video.
// Written as frames arrive (memory stays flat in video length) into temporary files that
// commit() renames into place, so an interrupted run leaves no half-written output.
#include <cstdint>
#include <deque>
#include <fstream>
#include <memory>
#include <opencv2/core/mat.hpp>
#include <opencv2/videoio.hpp>
#include <string>
#include <vector>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/segment.hpp"

namespace actrec::output {

/// The last labels of a stream, as many as a strip of pixels can show: memory stays flat
/// however long the stream.
class LabelHistory {
 public:
  explicit LabelHistory(size_t keep = 4096) : keep_(keep) {}
  void add(int64_t label);
  /// The last `count` labels (fewer when there are not so many), oldest first.
  std::vector<int64_t> last(size_t count) const;

 private:
  size_t keep_;
  std::deque<int64_t> labels_;
};

/// Runs of equal labels over consecutive frames, built frame by frame. A run ends at the time of
/// the frame after it (frames may be unevenly spaced); the last, and one before a person left
/// view, at its last frame's time + `frame_period_s`.
class SegmentBuilder {
 public:
  void add(int64_t frame, double time_s, int64_t label, double confidence, double frame_period_s);
  /// Segments; runs shorter than `min_frames` are merged into a neighbour first (0: none).
  std::vector<Segment> segments(int64_t min_frames = 0) const;

 private:
  std::vector<Segment> runs_;
};

/// One person's label in one frame, as the outputs take it.
struct PersonFrame {
  int person = 0;                      ///< id (0 for the one person of single mode)
  const float* pose = nullptr;         ///< kPoseValues floats (pixels), null when none seen
  int64_t label = 0;
  double confidence = 0;                 ///< calibrated
  const float* probabilities = nullptr;  ///< one per class
  float visible = 0;                     ///< share of the body's keypoints seen
  bool at_edge = false;                  ///< cut by the frame's edge
  bool fallen = false;                   ///< a fall event stands for this person (not cleared)
};

/// Below this confidence a label is shown as uncertain (the overlay adds "?"): calibrated
/// confidences mean how often such labels are right.
inline constexpr double kUncertainBelow = 0.5;
/// A person seeing less of whose body than this, or cut by an edge, is drawn as partly seen.
inline constexpr float kPartlySeenBelow = 0.6f;

/// `segments` of a video as JSON: {video, fps, classes, segments: [...]}; with `per_person`
/// people's segments instead: {..., people: [{person, segments: [...]}]}.
/// (Both name the video as given and, as `video_path`, where it is on this machine.)
std::string segments_json(const std::vector<Segment>& segments,
                          const std::vector<std::string>& labels, const std::string& background,
                          const std::string& video, double fps);
std::string people_segments_json(const std::vector<std::pair<int, std::vector<Segment>>>& people,
                                 const std::vector<std::string>& labels,
                                 const std::string& background, const std::string& video,
                                 double fps);

/// Segments as an annotation a person corrects in any editor or spreadsheet and a manifest
/// reads back: `start_s,end_s,label` per segment.
std::string annotation_csv(const std::vector<Segment>& segments,
                           const std::vector<std::string>& labels);

/// A subtitle cue: text shown from start_s to end_s.
struct Cue {
  double start_s = 0, end_s = 0;
  std::string text;
};
/// One cue per segment: "label (confidence%)".
std::vector<Cue> segment_cues(const std::vector<Segment>& segments,
                              const std::vector<std::string>& labels);
/// Cues from several people's segments: who does what ("#3 walking · #5 falling", by id) in
/// each stretch of time where that does not change; none where nobody is labelled.
std::vector<Cue> people_cues(const std::vector<std::pair<int, std::vector<Segment>>>& people,
                             const std::vector<std::string>& labels);
/// SubRip (`vtt` false) or WebVTT subtitles.
std::string subtitles(const std::vector<Cue>& cues, bool vtt);

/// The frames CSV, streamed: `frame,time_s,label,confidence,visible,edge,<one probability per
/// class>`; with `per_person` one row per person per frame: `frame,time_s,person,x,y,w,h,label,
/// confidence,visible,edge,<probabilities>` (the box in pixels of the frame; visible: the share
/// of the body's keypoints seen; edge: 1 when the box touches the frame's edge).
class FramesCsvWriter {
 public:
  FramesCsvWriter(const std::string& path, const std::vector<std::string>& labels,
                  bool per_person);
  void write(int64_t frame, double time_s, const PersonFrame& person);
  /// Without commit() the file never appears.
  void commit();

 private:
  TemporaryFile file_;
  std::vector<std::string> labels_;
  bool per_person_;
  std::ofstream out_;
};

/// The video with labels drawn in: the people's skeletons, boxes, ids and labels (per_person),
/// or the one person's skeleton, the label, a confidence bar and a strip of past labels. H.264
/// (what browsers play) where OpenCV's FFmpeg has an encoder for it, else MPEG-4 Part 2 with a
/// warning. Frames of another size than the first are scaled to it (a video has one size).
class OverlayWriter {
 public:
  OverlayWriter(const std::string& path, double fps, cv::Size size,
                const std::vector<std::string>& labels, bool per_person);
  void write(const cv::Mat& frame, const std::vector<PersonFrame>& people, double time_s);
  /// Without commit() the file never appears.
  void commit();
  const std::string& codec() const { return codec_; }  ///< "h264" or "mpeg4"

 private:
  TemporaryFile file_;
  std::vector<std::string> labels_;
  bool per_person_;
  cv::Size size_;
  cv::VideoWriter writer_;
  std::string codec_;
  LabelHistory history_;
  int64_t written_ = 0;
};

/// Opens `writer` on `path` for a video browsers play: H.264 where OpenCV's FFmpeg has an
/// encoder for it and the size is even, else MPEG-4 Part 2 with a warning naming `name` (the
/// file the user will see). Returns "h264" or "mpeg4"; Error naming `name` when neither opens.
std::string open_browser_video(cv::VideoWriter& writer, const std::string& path,
                               const std::string& name, double fps, cv::Size size);

/// cv::VideoWriter does not report a failed write (a full disk, a file-size limit): after
/// release(), checks that the video at `path` holds the `written` frames. Error naming `name`
/// (the file the user will see) when it does not.
void check_video_written(const std::string& path, const std::string& name, int64_t written);

/// A colour per class, the same everywhere (overlay, charts).
cv::Scalar class_colour(int64_t label);

/// Draws the people onto `frame` (in place): skeleton and box in their label's colour; with
/// `per_person` each one's "#id label"; else the top band with label, confidence and `extra`,
/// and `history` along the bottom.
void draw_overlay(cv::Mat& frame, const std::vector<std::string>& labels,
                  const std::vector<PersonFrame>& people, double time_s,
                  const LabelHistory& history, bool per_person, const std::string& extra = "");

}  // namespace actrec::output
