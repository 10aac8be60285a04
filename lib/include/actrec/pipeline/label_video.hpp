#pragma once
#include <functional>
#include <string>
#include <vector>

#include "actrec/pipeline/online_labeler.hpp"

namespace actrec::pipeline {

struct LabelOptions {
  std::string out_dir = ".";
  bool overlay = false;     ///< also <stem>.overlay.mp4
  bool vtt = false;         ///< also <stem>.vtt
  int64_t min_segment = 0;  ///< merge shorter runs in segments and subtitles (0: off)
  bool skip_existing = false;
  size_t queue_size = 8;
};

struct LabelResult {
  int64_t frames = 0;
  double seconds = 0;
  bool skipped = false;              ///< --skip-existing found every output there
  std::vector<std::string> outputs;  ///< files written (or found)
};

/// The files labeling writes for `stem` into options.out_dir.
std::vector<std::string> label_output_paths(const std::string& stem, const LabelOptions& options);

/// Labels every decoded frame of `video`: streams <stem>.frames.csv (and the overlay) as frames
/// come, then writes <stem>.segments.json and <stem>.srt; every file is committed only when
/// whole. Memory stays flat in video length. Throws InputError for an unreadable video.
LabelResult label_video(OnlineLabeler& labeler, const std::string& video, const std::string& stem,
                        const LabelOptions& options,
                        const std::function<void(int64_t done, int64_t total)>& on_frame = {});

}  // namespace actrec::pipeline
