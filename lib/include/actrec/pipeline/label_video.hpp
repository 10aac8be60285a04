#pragma once
// `actrec label`: videos in, per-frame labels and their summaries out.
#include <functional>
#include <string>
#include <vector>

#include "actrec/config/inference.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/timer.hpp"
#include "actrec/pipeline/labeler.hpp"
#include "actrec/video/frame_source.hpp"

namespace actrec::pipeline {

struct LabelOptions {
  std::string out_dir = ".";
  bool overlay = false;     ///< also <stem>.overlay.mp4
  bool vtt = false;         ///< also <stem>.vtt
  int64_t min_segment = 0;  ///< merge shorter runs in segments and subtitles (0: off)
  bool skip_existing = false;
  bool events = false;      ///< also <stem>.events.json: falls and when they cleared
  /// Also <stem>.labels.csv (multi: <stem>.p<ID>.labels.csv per person): the segments as an
  /// annotation (start_s,end_s,label) to correct by hand and train on (`data import labels`).
  bool annotations = false;
  /// Also <stem>.poses.csv: frame,time_s,person,x0,y0,x1,y1, then x,y,score of each keypoint
  /// (pixels): what a page draws over the video itself (`annotate`), rather than into pixels.
  bool poses = false;
  size_t queue_size = 8;
  config::PeopleConfig people;  ///< single: one person per frame; multi: everyone, tracked
  config::EventsConfig fall_events;  ///< when a fall is raised (the overlay marks them too)
};

struct LabelResult {
  int64_t frames = 0;
  double seconds = 0;
  bool skipped = false;              ///< --skip-existing found every output there
  std::vector<std::string> outputs;  ///< files written (or found)
  int64_t person_frames = 0;         ///< people labelled, summed over frames
  int max_people = 0;                ///< most people labelled in one frame
  int people_seen = 0;               ///< ids given out (multi)
  int64_t falls = 0;                 ///< fall events raised
  StageTimes stages;                 ///< per-frame time of each stage
};

/// The files labeling writes for `stem` into options.out_dir.
std::vector<std::string> label_output_paths(const std::string& stem, const LabelOptions& options);

/// Labels every decoded frame of `video`: streams <stem>.frames.csv (and the overlay) as frames
/// come, then writes <stem>.segments.json and <stem>.srt; every file is committed only when
/// whole. Memory stays flat in video length. Throws InputError for an unreadable video, and when
/// `stem`'s outputs in out_dir hold another video's labels or are being written by another run
/// (which claims the name while it labels).
LabelResult label_video(Labeler& labeler, const std::string& video, const std::string& stem,
                        const LabelOptions& options,
                        const std::function<void(int64_t done, int64_t total)>& on_frame = {});
/// The same for any source; `name` stands for it in the outputs.
LabelResult label_source(Labeler& labeler, std::unique_ptr<video::FrameSource> source,
                         const std::string& name, const std::string& stem,
                         const LabelOptions& options,
                         const std::function<void(int64_t done, int64_t total)>& on_frame = {});

/// Output stems for `videos`, all different: the file's stem, then -2, -3 for a second and
/// third of a name (and further where a name is taken already). Computed over every input
/// before sharding, so that a video's outputs are named the same whichever share labels it.
std::vector<std::string> output_stems(const std::vector<std::string>& videos);

/// "I/N" -> {I, N} with 0 <= I < N; ConfigError for anything else ("0/-2", "1/1", "a/b").
std::pair<size_t, size_t> parse_shard(const std::string& text);

/// Share `index` of `count` of `items` (0-based): every machine expands the same inputs in the
/// same order and keeps its share. ConfigError for a share that does not exist.
template <typename T>
std::vector<T> shard(const std::vector<T>& items, size_t index, size_t count) {
  if (count == 0 || index >= count) {
    throw ConfigError("invalid shard " + std::to_string(index) + "/" + std::to_string(count) +
                      ": expected I/N with 0 <= I < N");
  }
  std::vector<T> share;
  for (size_t i = index; i < items.size(); i += count) share.push_back(items[i]);
  return share;
}

}  // namespace actrec::pipeline
