#pragma once
// Fall events from final labels: a `falling` run followed by the person staying down raises a
// fall (config::EventsConfig). What an alarm is raised for, where a falling frame alone is not:
// people sit and lie down quickly, stumble and get up. No LibTorch.
//
// A raised fall changes only on evidence, never because a person is no longer seen:
// - it clears when that person is seen up (not down) for `up_s`; frames in which they are not
//   seen (the detector lost a lying body, the lights went out, they are behind the bed) neither
//   count towards that nor reset it;
// - a fallen person not seen for `unseen_after_s` is announced once (`unseen`); the fall stands;
// - when the person's identity is lost (their track ended, or a new connection follows people
//   afresh), the fall stands until everyone in view, at least one person, is seen up for
//   `up_s` (the `up` then says identity_lost).
#include <map>
#include <opencv2/core/types.hpp>
#include <string>
#include <vector>

#include "actrec/config/inference.hpp"
#include "actrec/pipeline/labeler.hpp"

namespace actrec::pipeline {

class FallEvents {
 public:
  /// `labels`: the model's classes; `frame_size`: what zones given in fractions scale to;
  /// `unseen_after_s`: how long a fallen person goes unseen before `unseen` says so.
  FallEvents(const config::EventsConfig& config, const std::vector<std::string>& labels,
             cv::Size frame_size, double unseen_after_s = 1.0);

  /// One frame whose labels are final, in stream order: appends to frame.events the falls,
  /// clearances and fallen people unseen that it decides.
  void watch(LabelledFrame& frame);
  /// Person `id`'s track ended (unseen too long): a fall of theirs stands, its identity lost.
  void gone(int id);
  /// Everyone's identity is lost (a new connection follows people afresh, with new ids): every
  /// standing fall waits for everyone in view to be up. Falls not yet confirmed are dropped.
  void identity_lost();
  /// Frames from now on are `frame_size` (zones in fractions scale to it).
  void resize(cv::Size frame_size);
  /// Whether a person is down: lying, falling, or a body low and level (torso more than 45
  /// degrees from upright, or a box wider than tall).
  bool is_down(const PersonLabel& person) const;
  /// Whether (x, y), in pixels of the frame, is inside a zone where falls are not raised.
  bool in_zone(cv::Point2f point) const;
  /// Falls raised and not cleared (their people's ids, identity lost or not).
  std::vector<int> standing() const;

 private:
  // Time a person (or everyone in view) has been seen up, counting only frames in which they
  // are seen: a gap in seeing them is no evidence either way.
  struct UpClock {
    double up_s = 0;     // seen up this long, since last seen down
    double last_s = -1;  // the last frame seen up (-1: the frame before was not)
    void seen_up(double now);
    void seen_down() { *this = UpClock{}; }
    void unseen() { last_s = -1; }
  };
  struct Watch {
    double run_start_s = -1;  // a falling run, going on or waiting to be confirmed
    int64_t run_frame = 0;
    double run_confidence = 0;
    int64_t run_frames = 0;
    double run_end_s = -1;     // when it ended (the person's first frame not falling)
    double down_since_s = -1;  // down since, after the run
    bool fallen = false;       // a fall was raised and has not cleared
    UpClock up;                // after a fall: how long seen up
    double seen_s = -1;        // last frame the person was seen in
    bool said_unseen = false;  // `unseen` emitted since they were last seen
  };
  void watch_person(LabelledFrame& frame, const PersonLabel& person, Watch& w, double now);
  void watch_unseen(LabelledFrame& frame, int id, Watch& w, double now);
  void watch_orphans(LabelledFrame& frame, double now);
  static PersonEvent event(PersonEvent::Kind kind, int person, int64_t frame, double time_s);

  config::EventsConfig config_;
  double unseen_after_s_;
  int64_t fall_ = -1, lying_ = -1;  // class indices (-1: the model has no such class)
  std::vector<std::vector<std::pair<double, double>>> zone_points_;  // as configured
  std::vector<std::vector<cv::Point2f>> zones_;                      // in pixels
  std::map<int, Watch> watches_;
  // Falls whose person's identity is lost, by the id they had, with whether `unseen` was said.
  std::map<int, bool> orphans_;
  UpClock everyone_up_;  // everyone in view, for the orphans
};

}  // namespace actrec::pipeline
