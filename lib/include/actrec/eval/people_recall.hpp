#pragma once
// How many of the people counted by eye a person detector finds: boxes found in a frame (what
// `label --persons multi` writes) matched one to one with boxes drawn by hand (docs/counts/),
// recall per person height, boxes that match nobody, and boxes that cover two people at once.
// No LibTorch.
#include <cstdint>
#include <opencv2/core/types.hpp>
#include <string>
#include <vector>

namespace actrec::eval {

/// A person counted by eye in one frame (a row of docs/counts/*_people.tsv).
struct CountedPerson {
  int64_t frame = 0;  ///< 0-based decoded frame index
  int person = 0;     ///< number within the frame
  cv::Rect2d box;     ///< pixels of the frame
  bool partial = false;
  bool doubtful = false;  ///< the note starts with "doubtful": may be no person, or one counted
  std::string note;
};

/// A box a detector found in one frame.
struct FoundBox {
  int64_t frame = 0;
  int person = 0;  ///< track id (0 when there is none)
  cv::Rect2d box;
};

/// Reads a counts TSV (header `frame person x y w h moving partial note`, tab-separated; other
/// columns after `h` may be missing). DataError naming file:line for a row it cannot read.
std::vector<CountedPerson> read_counted_people(const std::string& path);

/// Reads the boxes of a `label --persons multi` frames CSV (`frame,...,person,x,y,w,h,...`,
/// columns found by name). DataError naming file:line for a row it cannot read, or a file
/// without those columns (a `--persons single` CSV has no boxes).
std::vector<FoundBox> read_found_boxes(const std::string& path);

/// Heights that split people into bins, pixels: [0, 60), [60, 100), [100, inf).
inline const std::vector<double> kDefaultHeightBins = {60, 100};

struct PeopleRecallOptions {
  double min_iou = 0.3;  ///< a match: IoU at least this, or the found box's centre inside
  std::vector<double> height_bins = kDefaultHeightBins;  ///< ascending bin edges
  bool skip_doubtful = true;                             ///< leave out rows noted doubtful
};

/// What became of one counted person.
struct CountedOutcome {
  CountedPerson counted;
  int found = -1;  ///< index into the found boxes matched to it; -1: missed
  double iou = 0;  ///< with that box
};

struct HeightBin {
  double low = 0, high = 0;  ///< counted heights in [low, high)
  int64_t counted = 0, found = 0;
  double recall() const { return counted > 0 ? static_cast<double>(found) / counted : 0.0; }
};

struct PeopleRecall {
  std::vector<int64_t> frames;           ///< counted frames, ascending
  std::vector<CountedOutcome> outcomes;  ///< one per counted person scored
  std::vector<HeightBin> bins;
  std::vector<FoundBox> false_boxes;  ///< found on a counted frame, matched to nobody
  /// Found boxes (on counted frames) that cover two or more counted people: each has at least
  /// half its area inside the box, and the box fits their joint extent better than either one.
  std::vector<FoundBox> merges;
  int64_t found_boxes = 0;  ///< boxes found on counted frames
  int64_t counted() const { return static_cast<int64_t>(outcomes.size()); }
  int64_t found() const;  ///< counted people matched
  double recall() const;  ///< found() / counted(); 0 when nobody was counted
  /// Printable report: totals, per height bin, per frame, and each person missed.
  std::string report() const;
  std::string to_json() const;
};

/// Matches `found` to `counted` frame by frame (only frames that have counts): pairs whose IoU
/// reaches options.min_iou or whose found box's centre lies inside the counted box, one to one,
/// greedily by IoU (the largest first).
PeopleRecall score_people(const std::vector<CountedPerson>& counted,
                          const std::vector<FoundBox>& found,
                          const PeopleRecallOptions& options = {});

}  // namespace actrec::eval
