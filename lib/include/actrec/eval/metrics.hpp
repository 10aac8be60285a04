#pragma once
// Frame-wise and segmental metrics of action segmentation, defined as in MS-TCN's eval.py
// (Farha & Gall, CVPR 2019) with its last-segment end corrected. No LibTorch, no drawing.
#include <cstdint>
#include <string>
#include <vector>

#include "actrec/core/segment.hpp"

namespace actrec::eval {

using Labels = std::vector<int64_t>;  ///< class index per frame; -1 = not annotated (skipped)

/// Runs of equal labels (frames only, no times), background classes left out (MS-TCN
/// get_labels_start_end_time, with the last run ending at the sequence's end, not one frame
/// before).
std::vector<Segment> segments_of(const Labels& frames, const std::vector<int64_t>& background);

/// Segmental edit score in [0, 100]: 100 * (1 - Levenshtein(pred, truth) / max lengths).
double edit_score(const Labels& predicted, const Labels& truth,
                  const std::vector<int64_t>& background);

struct OverlapCounts {
  double tp = 0, fp = 0, fn = 0;
  double f1() const;  ///< in [0, 100]
};

/// MS-TCN f_score: a predicted segment is a hit when its IoU with the best-matching true
/// segment of its class reaches `overlap` and that segment was not hit already.
OverlapCounts overlap_counts(const Labels& predicted, const Labels& truth, double overlap,
                             const std::vector<int64_t>& background);

/// Everything `actrec eval` reports, accumulated over videos.
class Evaluation {
 public:
  Evaluation(std::vector<std::string> class_names, std::vector<int64_t> background);

  /// Adds one video; `predicted` and `truth` have one entry per frame (DataError naming the
  /// video when their lengths differ). Frames whose truth is -1 are left out of frame-wise
  /// figures. `fps` (0: unknown) times the event figures.
  void add(const Labels& predicted, const Labels& truth, const std::string& name = "",
           double fps = 0, int64_t raised = -1);
  /// `raised` (in add()) counts events the labeller raised for class `c` (fall events, not
  /// just falling frames): to_json() then scores them against the truth as events() does runs.
  void set_raised_class(int64_t c) { raised_class_ = c; }

  int64_t frames() const { return frames_; }
  double frame_accuracy() const;       ///< in [0, 1]
  double edit() const;                 ///< mean over videos, [0, 100]
  double f1_at(double overlap) const;  ///< 0.10, 0.25 or 0.50; [0, 100]
  /// Videos whose majority predicted class equals their majority true class, [0, 1].
  double clip_accuracy() const;
  const std::vector<std::vector<int64_t>>& confusion() const {
    return confusion_;
  }  ///< [truth][pred]
  double precision(size_t c) const;
  double recall(size_t c) const;
  double f1(size_t c) const;
  const std::vector<std::string>& class_names() const { return names_; }

  /// Events of class `c` (a fall, say): videos whose truth shows it, and how many of those the
  /// prediction found (a run of `c` lasting at least `min_s`); videos whose truth does not show
  /// it, and how many of those have such a run anyway (false alarms).
  struct Events {
    int with = 0, found = 0, without = 0, false_alarms = 0;
  };
  Events events(size_t c, double min_s) const;
  /// The same for raised events (set_raised_class), and the hours of video without the class.
  struct Raised : Events {
    double hours_without = 0;
  };
  Raised raised() const;

  /// frame_accuracy, edit, f1@10/25/50, clip_accuracy, per_class, confusion, events (runs of at
  /// least `min_event_s`) per class, and per video its majority labels and longest runs.
  std::string to_json(double min_event_s = 0.25) const;
  std::string confusion_csv() const;

 private:
  std::vector<std::string> names_;
  std::vector<int64_t> background_;
  std::vector<std::vector<int64_t>> confusion_;
  int64_t frames_ = 0, correct_ = 0;
  double edit_sum_ = 0;
  int64_t videos_ = 0, clips_correct_ = 0;
  struct Video {
    std::string name;
    double fps = 0;
    int64_t majority_predicted = -1, majority_truth = -1;
    std::vector<int64_t> longest_run;  ///< per class, frames of the longest predicted run
    std::vector<bool> in_truth;         ///< per class, whether the truth shows it
    int64_t raised = -1;                ///< events raised (-1: not counted)
    int64_t frames = 0;
    std::vector<int64_t> raised_class_runs;  ///< frames of each predicted run of the raised class
  };
  int64_t raised_class_ = -1;
  std::vector<Video> video_results_;
  OverlapCounts overlaps_[3];
};

constexpr double kOverlaps[3] = {0.10, 0.25, 0.50};

/// The most frequent entry (ties: the smallest index), skipping -1; -1 when there is none.
int64_t majority(const Labels& labels);

}  // namespace actrec::eval
