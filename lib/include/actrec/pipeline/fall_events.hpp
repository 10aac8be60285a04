#pragma once
// Fall events from final labels: a `falling` run followed by the person staying down raises a
// fall; being up again clears it (config::EventsConfig). What an alarm is raised for, where a
// falling frame alone is not: people sit and lie down quickly, stumble and get up. No LibTorch.
#include <map>
#include <opencv2/core/types.hpp>
#include <string>
#include <vector>

#include "actrec/config/inference.hpp"
#include "actrec/pipeline/labeler.hpp"

namespace actrec::pipeline {

class FallEvents {
 public:
  /// `labels`: the model's classes; `frame_size`: what zones given in fractions scale to.
  FallEvents(const config::EventsConfig& config, const std::vector<std::string>& labels,
             cv::Size frame_size);

  /// One frame whose labels are final, in stream order: appends to frame.events the falls and
  /// clearances it decides.
  void watch(LabelledFrame& frame);
  /// Person `id` is gone from view for good (their track was dropped): a fall of theirs that
  /// stands clears with the next frame watched (PersonEvent::left_view).
  void gone(int id);
  /// Whether a person is down: lying, falling, or a body low and level (torso more than 45
  /// degrees from upright, or a box wider than tall).
  bool is_down(const PersonLabel& person) const;
  /// Whether (x, y), in pixels of the frame, is inside a zone where falls are not raised.
  bool in_zone(cv::Point2f point) const;

 private:
  struct Watch {
    double run_start_s = -1;  // a falling run, going on or waiting to be confirmed
    int64_t run_frame = 0;
    double run_confidence = 0;
    int64_t run_frames = 0;
    double run_end_s = -1;     // when it ended (the person's first frame not falling)
    double down_since_s = -1;  // down since, after the run
    bool fallen = false;       // a fall was raised and has not cleared
    double up_since_s = -1;
  };
  config::EventsConfig config_;
  int64_t fall_ = -1, lying_ = -1;  // class indices (-1: the model has no such class)
  std::vector<std::vector<cv::Point2f>> zones_;  // in pixels
  std::map<int, Watch> watches_;
  std::vector<int> gone_;
};

}  // namespace actrec::pipeline
