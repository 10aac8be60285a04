#include "actrec/output/label_outputs.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/json_text.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/text.hpp"
#include "actrec/features/pose.hpp"

namespace actrec::output {
namespace fs = std::filesystem;

namespace {
std::string timecode(double seconds, bool vtt) {
  const auto ms = static_cast<int64_t>(std::llround(std::max(0.0, seconds) * 1000));
  return fmt::format("{:02}:{:02}:{:02}{}{:03}", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
                     vtt ? '.' : ',', ms % 1000);
}
}  // namespace

void SegmentBuilder::add(int64_t frame, double time_s, int64_t label, double confidence,
                         double frame_period_s) {
  // A run is unbroken: a person out of view for a while starts a new one on return.
  if (runs_.empty() || runs_.back().label != label || runs_.back().end_frame != frame) {
    if (!runs_.empty()) {
      Segment& before = runs_.back();
      before.mean_confidence /= static_cast<double>(before.end_frame - before.start_frame);
      // It lasts until this frame, however far apart a video's frames are (phones record them
      // unevenly): segments never overlap, nor leave a gap between frames that follow each other.
      before.end_s = before.end_frame == frame ? time_s : std::min(before.end_s, time_s);
    }
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

void LabelHistory::add(int64_t label) {
  labels_.push_back(label);
  if (labels_.size() > keep_) labels_.pop_front();
}

std::vector<int64_t> LabelHistory::last(size_t count) const {
  const size_t shown = std::min(count, labels_.size());
  return {labels_.end() - static_cast<std::ptrdiff_t>(shown), labels_.end()};
}

namespace {

// Where `video` is on this machine, whatever folder a later command runs in.
std::string where_is(const std::string& video) {
  std::error_code error;
  const auto path = fs::weakly_canonical(video, error);
  return error ? video : path.string();
}

nlohmann::json segment_list(const std::vector<Segment>& segments,
                            const std::vector<std::string>& labels, const std::string& background) {
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
  return list;
}

}  // namespace

std::string segments_json(const std::vector<Segment>& segments,
                          const std::vector<std::string>& labels, const std::string& background,
                          const std::string& video, double fps) {
  return json_text(nlohmann::json{{"video", video},
                                  {"video_path", where_is(video)},
                                  {"fps", fps},
                                  {"classes", labels},
                                  {"segments", segment_list(segments, labels, background)}},
                   2) +
         "\n";
}

std::string people_segments_json(const std::vector<std::pair<int, std::vector<Segment>>>& people,
                                 const std::vector<std::string>& labels,
                                 const std::string& background, const std::string& video,
                                 double fps) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [person, segments] : people) {
    list.push_back({{"person", person}, {"segments", segment_list(segments, labels, background)}});
  }
  return json_text(nlohmann::json{{"video", video},
                                  {"video_path", where_is(video)},
                                  {"fps", fps},
                                  {"classes", labels},
                                  {"people", list}},
                   2) +
         "\n";
}

std::string annotation_csv(const std::vector<Segment>& segments,
                           const std::vector<std::string>& labels) {
  std::string text = "start_s,end_s,label\n";
  for (const auto& s : segments) {
    text += fmt::format("{:.3f},{:.3f},{}\n", s.start_s, s.end_s,
                        csv_field(labels.at(static_cast<size_t>(s.label))));
  }
  return text;
}

std::vector<Cue> segment_cues(const std::vector<Segment>& segments,
                              const std::vector<std::string>& labels) {
  std::vector<Cue> cues;
  for (const auto& s : segments) {
    cues.push_back({s.start_s, s.end_s,
                    fmt::format("{} ({:.0f}%)", labels.at(static_cast<size_t>(s.label)),
                                100 * s.mean_confidence)});
  }
  return cues;
}

std::vector<Cue> people_cues(const std::vector<std::pair<int, std::vector<Segment>>>& people,
                             const std::vector<std::string>& labels) {
  // Sweep the segments' starts and ends in time, keeping who does what in between.
  struct Change {
    double time_s;
    bool starts;
    int person;
    int64_t label;
  };
  std::vector<Change> changes;
  for (const auto& [person, segments] : people) {
    for (const auto& s : segments) {
      changes.push_back({s.start_s, true, person, s.label});
      changes.push_back({s.end_s, false, person, s.label});
    }
  }
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) {
    return a.time_s != b.time_s ? a.time_s < b.time_s : a.starts < b.starts;  // ends first
  });
  std::map<int, int64_t> doing;  // person -> label, ordered by id
  std::vector<Cue> cues;
  for (size_t i = 0; i < changes.size(); ++i) {
    const Change& change = changes[i];
    if (change.starts) {
      doing[change.person] = change.label;
    } else if (auto it = doing.find(change.person); it != doing.end() && it->second == change.label) {
      doing.erase(it);
    }
    if (i + 1 < changes.size() && changes[i + 1].time_s == change.time_s) continue;
    const double until = i + 1 < changes.size() ? changes[i + 1].time_s : change.time_s;
    std::string text;
    for (const auto& [person, label] : doing) {
      text += fmt::format("{}#{} {}", text.empty() ? "" : " · ", person,
                          labels.at(static_cast<size_t>(label)));
    }
    if (text.empty() || until <= change.time_s) continue;
    if (!cues.empty() && cues.back().text == text && cues.back().end_s == change.time_s) {
      cues.back().end_s = until;
    } else {
      cues.push_back({change.time_s, until, text});
    }
  }
  return cues;
}

std::string subtitles(const std::vector<Cue>& cues, bool vtt) {
  std::string out = vtt ? "WEBVTT\n\n" : "";
  int number = 1;
  for (const auto& cue : cues) {
    out += fmt::format("{}\n{} --> {}\n{}\n\n", number++, timecode(cue.start_s, vtt),
                       timecode(cue.end_s, vtt), cue.text);
  }
  return out;
}

FramesCsvWriter::FramesCsvWriter(const std::string& path, const std::vector<std::string>& labels,
                                 bool per_person)
    : file_(path), labels_(labels), per_person_(per_person), out_(file_.path(), std::ios::trunc) {
  if (!out_) throw Error("cannot write " + path + ": cannot create " + file_.path());
  out_ << (per_person ? "frame,time_s,person,x,y,w,h,label,confidence,visible,edge"
                      : "frame,time_s,label,confidence,visible,edge");
  for (const auto& label : labels) out_ << "," << csv_field(label);
  out_ << "\n";
}

void FramesCsvWriter::write(int64_t frame, double time_s, const PersonFrame& person) {
  out_ << frame << ',' << fmt::format("{:.3f}", time_s);
  if (per_person_) {
    cv::Rect2f box;
    if (person.pose) box = features::ConstPose{person.pose}.rect();
    out_ << ',' << person.person
         << fmt::format(",{:.1f},{:.1f},{:.1f},{:.1f}", box.x, box.y, box.width, box.height);
  }
  out_ << ',' << csv_field(labels_[static_cast<size_t>(person.label)]) << ','
       << fmt::format("{:.4f},{:.2f},{}", person.confidence, person.visible, person.at_edge ? 1 : 0);
  for (size_t c = 0; c < labels_.size(); ++c) {
    out_ << ',' << fmt::format("{:.4f}", person.probabilities[c]);
  }
  out_ << '\n';
}

void FramesCsvWriter::commit() {
  out_.flush();
  if (!out_) throw Error("cannot write " + file_.target() + ": write failed (disk full?)");
  out_.close();
  file_.commit();
}

cv::Scalar class_colour(int64_t label) {
  static const cv::Scalar kPalette[] = {
      {230, 159, 0}, {86, 180, 233},  {0, 158, 115},   {240, 228, 66}, {0, 114, 178},
      {213, 94, 0},  {204, 121, 167}, {120, 120, 120}, {60, 60, 200},  {200, 200, 60}};
  return kPalette[static_cast<size_t>(label) % (sizeof kPalette / sizeof kPalette[0])];
}

namespace {

void draw_skeleton(cv::Mat& frame, const float* values, cv::Scalar colour, int thickness) {
  const features::ConstPose pose{values};
  constexpr float kShown = 0.2f;  // keypoints this sure are drawn
  for (const auto& [a, b] : features::kBones) {
    if (pose.score(a) < kShown || pose.score(b) < kShown) continue;
    cv::line(frame, {cvRound(pose.x(a)), cvRound(pose.y(a))}, {cvRound(pose.x(b)), cvRound(pose.y(b))},
             colour, thickness, cv::LINE_AA);
  }
  for (int k = 0; k < features::kKeypoints; ++k) {
    if (pose.score(k) < kShown) continue;
    cv::circle(frame, {cvRound(pose.x(k)), cvRound(pose.y(k))}, thickness + 1, {255, 255, 255},
               cv::FILLED, cv::LINE_AA);
  }
}

void draw_dashed_rectangle(cv::Mat& frame, const cv::Rect& box, cv::Scalar colour, int thickness) {
  const cv::Point corners[] = {box.tl(), {box.x + box.width, box.y}, box.br(),
                               {box.x, box.y + box.height}};
  const int dash = 6 * thickness;
  for (int side = 0; side < 4; ++side) {
    const cv::Point a = corners[side], b = corners[(side + 1) % 4];
    const double length = cv::norm(b - a);
    for (double at = 0; at < length; at += 2 * dash) {
      const double end = std::min(length, at + dash);
      cv::line(frame, a + (b - a) * (at / length), a + (b - a) * (end / length), colour, thickness,
               cv::LINE_AA);
    }
  }
}

}  // namespace

void draw_overlay(cv::Mat& frame, const std::vector<std::string>& labels,
                  const std::vector<PersonFrame>& people, double time_s,
                  const LabelHistory& history, bool per_person, const std::string& extra) {
  const int w = frame.cols, h = frame.rows;
  const double scale = std::max(0.4, w / 900.0);
  const int thickness = std::max(1, static_cast<int>(2 * scale));
  for (const auto& person : people) {
    if (!person.pose) continue;
    const bool partly = person.visible < kPartlySeenBelow || person.at_edge;
    const cv::Scalar colour = person.fallen ? cv::Scalar(0, 0, 255) : class_colour(person.label);
    draw_skeleton(frame, person.pose, colour, thickness);
    if (!per_person) continue;
    const cv::Rect box = features::ConstPose{person.pose}.rect();
    if (partly) {
      draw_dashed_rectangle(frame, box, colour, thickness);
    } else {
      cv::rectangle(frame, box, colour, person.fallen ? 3 * thickness : thickness, cv::LINE_AA);
    }
    const std::string text =
        fmt::format("#{} {}{} {:.0f}%{}{}", person.person, labels[static_cast<size_t>(person.label)],
                    person.confidence < kUncertainBelow ? "?" : "", 100 * person.confidence,
                    partly ? " (partly seen)" : "", person.fallen ? " FALL" : "");
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, 0.5 * scale, 1, &baseline);
    const cv::Point corner(std::clamp(box.x, 0, std::max(0, w - size.width)),
                           std::clamp(box.y - 4, size.height + 2, h - 2));
    cv::rectangle(frame, corner + cv::Point(0, baseline), corner + cv::Point(size.width, -size.height - 2),
                  colour, cv::FILLED);
    cv::putText(frame, text, corner, cv::FONT_HERSHEY_SIMPLEX, 0.5 * scale, {0, 0, 0}, 1,
                cv::LINE_AA);
  }
  const int band = static_cast<int>(34 * scale);
  cv::Mat top = frame(cv::Rect(0, 0, w, std::min(h, band)));
  top *= 0.35;  // darken for legible text
  std::string left;
  if (per_person) {
    left = fmt::format("{} {}", people.size(), people.size() == 1 ? "person" : "people");
  } else if (!people.empty()) {
    left = fmt::format("{}{}  {:.0f}%{}", labels[static_cast<size_t>(people[0].label)],
                       people[0].confidence < kUncertainBelow ? "?" : "", 100 * people[0].confidence,
                       people[0].fallen ? "  FALL" : "");
  }
  const bool fall_stands = std::any_of(people.begin(), people.end(), [](const PersonFrame& p) {
    return p.fallen;
  });
  if (fall_stands) {  // a red frame around the picture while a fall stands
    cv::rectangle(frame, cv::Rect(0, 0, w, h), {0, 0, 255}, std::max(4, 3 * thickness));
  }
  cv::putText(frame, left, {8, band - 10}, cv::FONT_HERSHEY_SIMPLEX, 0.8 * scale, {255, 255, 255},
              2, cv::LINE_AA);
  const std::string right = fmt::format("{:.2f} s{}", time_s, extra.empty() ? "" : "  " + extra);
  cv::putText(frame, right, {w - static_cast<int>(right.size() * 11 * scale) - 8, band - 10},
              cv::FONT_HERSHEY_SIMPLEX, 0.55 * scale, {230, 230, 230}, 1, cv::LINE_AA);
  if (per_person || people.empty()) return;
  // Confidence bar under the band, then the strip of past labels at the bottom.
  const int bar = std::max(3, band / 6);
  cv::rectangle(frame, cv::Rect(0, band, static_cast<int>(w * people[0].confidence), bar),
                {80, 220, 80}, cv::FILLED);
  const int strip = std::max(6, band / 3);
  const auto shown = history.last(static_cast<size_t>(w));
  for (size_t i = 0; i < shown.size(); ++i) {
    cv::line(frame, {static_cast<int>(i), h - strip}, {static_cast<int>(i), h - 1},
             class_colour(shown[i]));
  }
}

std::string open_browser_video(cv::VideoWriter& writer, const std::string& path,
                               const std::string& name, double fps, cv::Size size) {
  // H.264 is what browsers and phones play, and several times smaller than MPEG-4 Part 2.
  const bool even = size.width % 2 == 0 && size.height % 2 == 0;  // what H.264's 4:2:0 takes
  if (even &&
      writer.open(path, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('a', 'v', 'c', '1'), fps, size)) {
    return "h264";
  }
  if (writer.open(path, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps, size)) {
    log::warn("{}: no H.264 encoder in OpenCV's FFmpeg back-end{}: writing MPEG-4 Part 2, which "
              "browsers do not play",
              name, even ? "" : " for an odd frame size");
    return "mpeg4";
  }
  const bool too_big = std::max(size.width, size.height) > 8191;  // MPEG-4 Part 2's limit
  throw Error("cannot write " + name + ": " +
              (too_big ? "the MPEG-4 encoder takes at most 8191 pixels a side, the video is " +
                             std::to_string(size.width) + "x" + std::to_string(size.height)
                       : std::string("no H.264 or MPEG-4 encoder in OpenCV's FFmpeg back-end")));
}

OverlayWriter::OverlayWriter(const std::string& path, double fps, cv::Size size,
                             const std::vector<std::string>& labels, bool per_person)
    : file_(path),
      labels_(labels),
      per_person_(per_person),
      size_(size),
      history_(static_cast<size_t>(size.width)) {
  codec_ = open_browser_video(writer_, file_.path(), path, fps, size);
}

void OverlayWriter::write(const cv::Mat& frame, const std::vector<PersonFrame>& people,
                          double time_s) {
  if (!per_person_ && !people.empty()) history_.add(people[0].label);
  cv::Mat canvas = frame.clone();
  draw_overlay(canvas, labels_, people, time_s, history_, per_person_);
  if (canvas.size() != size_) cv::resize(canvas, canvas, size_, 0, 0, cv::INTER_AREA);
  writer_.write(canvas);
  ++written_;
}

void check_video_written(const std::string& path, const std::string& name, int64_t written) {
  cv::VideoCapture check(path, cv::CAP_FFMPEG);
  const double frames = check.isOpened() ? check.get(cv::CAP_PROP_FRAME_COUNT) : -1;
  if (frames + 2 < static_cast<double>(written)) {
    throw Error(fmt::format("cannot write {}: the video holds {} of {} frames (disk full?)", name,
                            std::max(0.0, frames), written));
  }
}

void OverlayWriter::commit() {
  writer_.release();
  check_video_written(file_.path(), file_.target(), written_);
  file_.commit();
}

}  // namespace actrec::output
