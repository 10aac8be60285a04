#pragma once
// Annotated clips: a manifest (CSV: video,split,annotation) and its annotation files, read into
// per-frame targets. No LibTorch. Every problem is collected with its file and line, so that a
// user sees all of them at once.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actrec/config/training.hpp"

namespace actrec::data {

/// Problems found so far; throw_if_any() raises one DataError listing them all.
class DataProblems {
 public:
  void add(std::string message) { messages_.push_back(std::move(message)); }
  bool empty() const { return messages_.empty(); }
  const std::vector<std::string>& messages() const { return messages_; }
  void throw_if_any() const;

 private:
  std::vector<std::string> messages_;
};

/// A label that marks time as not scored (unlabelled in the source, or dropped on import).
inline constexpr const char* kNotScored = "-";

enum class AnnotationKind {
  clip_label,    ///< the whole video is one class
  segments,      ///< a CSV of start,end,label (frames, end exclusive) or start_s,end_s,label
  frame_labels,  ///< a .txt with one label per frame (MS-TCN groundTruth convention)
};

/// A label over a stretch of a video, as an annotation gives it: not yet frames of a class
/// (see core/segment.hpp for those), but what a file says, with the line it says it on.
struct LabelledRange {
  double start = 0, end = 0;  ///< frames, or seconds when the file gives seconds
  std::string label;
  int line = 0;  ///< 0: not from a file
};

struct ClipEntry {
  std::string video;  ///< resolved against the manifest's folder
  std::string split;
  std::string group;          ///< optional 4th column: who or where (for leave-one-out splits)
  /// Optional 5th column: the person the annotation is about, among several in the video: a CSV
  /// of their box per frame (frame,x0,y0,x1,y1, pixels) from the run that labelled them. Their
  /// observations are those of the person found there in each frame; other frames not scored.
  std::string track;
  std::string manifest_line;  ///< "manifest.csv:7", where the clip is listed
  AnnotationKind kind = AnnotationKind::clip_label;
  std::string label;            ///< clip_label
  std::string annotation_path;  ///< segments / frame_labels
  bool seconds = false;         ///< segments in seconds
  std::vector<LabelledRange> segments;
  std::vector<std::string> frame_labels;
};

struct Manifest {
  std::string path;
  std::vector<ClipEntry> clips;
  std::vector<std::string> mapping;  ///< from a mapping.txt beside the annotations, if any
};

/// Reads the manifest (CSV: video,split,annotation[,group]; paths relative to it) and every
/// annotation file it names. Problems (missing video or
/// annotation file, malformed line, bad number, start >= end) go to `problems`.
Manifest read_manifest(const std::string& path, DataProblems& problems);

/// Reads `clip.annotation_path`, a CSV of segments (start,end,label in frames or start_s,end_s,
/// label in seconds), into clip.segments and clip.seconds; problems with file:line. Read as
/// spreadsheets write it too: the header in any case, ';' or tabs between fields (or what a
/// "sep=" line says), decimal commas, quotes, empty fields after the third.
void read_segments(ClipEntry& clip, DataProblems& problems);

/// `ranges` (of one file) sorted by start and made disjoint, as frames take them: where one
/// range ends less than `half_frame` before or after the next begins, it ends where that one
/// begins; a range that overlaps the one before it by more is a problem with file:line, left
/// out (and put in `overlapping` when given).
std::vector<LabelledRange> arrange_ranges(std::vector<LabelledRange> ranges, double half_frame,
                                          const std::string& file, DataProblems& problems,
                                          std::vector<LabelledRange>* overlapping = nullptr);

/// The class list: config's data.labels if set, else mapping.txt, else every label the data
/// uses, sorted; plus the background class when some frames may be uncovered.
std::vector<std::string> label_set(const Manifest& manifest, const config::DataConfig& data);

/// Per-frame class indices of a clip with `frames` frames at `fps`: uncovered frames get the
/// background class, or -1 (ignored) when data.background is "". Times in seconds are placed by
/// the frames' `timestamps_us` (as the video source gives them; empty: frame f at f / fps): a
/// segment takes the frames from the one nearest its start to the one nearest its end. A gap or
/// overlap shorter than half a frame where two segments meet is closed (what other tools' and
/// earlier versions' rounding leaves). Problems: unknown label, segment past the end,
/// overlapping segments, more frame labels than frames.
std::vector<int64_t> frame_targets(const ClipEntry& clip, int64_t frames, double fps,
                                   const std::vector<std::string>& labels,
                                   const config::DataConfig& data, DataProblems& problems,
                                   const std::vector<int64_t>& timestamps_us = {});

/// The clips of one split, in manifest order.
std::vector<const ClipEntry*> clips_in_split(const Manifest& manifest, const std::string& split);

}  // namespace actrec::data
