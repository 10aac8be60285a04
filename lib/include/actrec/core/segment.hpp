#pragma once
#include <cstdint>

namespace actrec {

/// A run of one class over consecutive frames: what the segments JSON lists, what subtitles
/// show, and what the segmental scores (edit, F1@k) compare.
struct Segment {
  int64_t label = 0;                       ///< class index
  int64_t start_frame = 0, end_frame = 0;  ///< end exclusive
  double start_s = 0, end_s = 0;           ///< where times are known
  double mean_confidence = 0;              ///< of a predicted run
};

}  // namespace actrec
