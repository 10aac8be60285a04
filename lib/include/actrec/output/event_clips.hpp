#pragma once
// A short video of each event (a fall), from a few seconds before it to a few seconds after,
// cut from the frames a live run shows. Frames are kept JPEG-compressed for as long as a clip
// may reach back, so memory stays small and flat; clips are encoded on a thread of their own
// (the live loop never waits for an encoder) and appear in their folder whole or not at all.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace actrec::output {

/// A JPEG-encoded frame, shared by whoever needs it (the clips, the live page).
using Jpeg = std::shared_ptr<const std::vector<unsigned char>>;

/// What became of a clip asked for: on disk whole, or not (and why).
struct ClipOutcome {
  std::string path;
  bool written = false;
  std::string error;
};

class EventClipRecorder {
 public:
  /// Clips go to `folder` (created if missing; Error naming it when it cannot be), at `fps`
  /// (frames are repeated or skipped onto that grid, so a clip of a stream that dropped frames
  /// still plays at the right speed). `keep_s`: how far back before the newest frame a clip may
  /// start (the event's run and `before_s` together should fit).
  EventClipRecorder(std::string folder, double fps, double before_s, double after_s,
                    double keep_s = 30);
  /// Writes the clips still waiting with the frames there are, then waits for the writer.
  ~EventClipRecorder();
  EventClipRecorder(const EventClipRecorder&) = delete;
  EventClipRecorder& operator=(const EventClipRecorder&) = delete;

  /// The next frame shown, at `time_s` (never decreasing) on the stream's clock.
  void add(double time_s, Jpeg jpeg);
  /// Records [start_s - before, end_s + after] into folder/`name` (an .mp4 name); returns the
  /// path it will have. The clip is written once a frame past its end has come, or at flush().
  std::string record(const std::string& name, double start_s, double end_s);
  /// Writes every clip still waiting with the frames there are (the stream was lost or ends).
  void flush();
  /// Waits until every clip handed to the writer is on disk (or failed).
  void wait();
  /// The clips finished since the last call, written or failed: a clip is named in its event
  /// before it exists, so whoever announced it says what became of it.
  std::vector<ClipOutcome> take_outcomes();
  int64_t written() const;  ///< clips on disk so far
  size_t frames_kept() const { return frames_.size(); }

 private:
  struct Clip {
    std::string path;
    double from_s = 0, to_s = 0;
    std::vector<std::pair<double, Jpeg>> frames;
  };
  void hand_over(Clip clip);
  void write_loop();
  void write(const Clip& clip) const;

  std::string folder_;
  double fps_, before_s_, after_s_, keep_s_;
  std::deque<std::pair<double, Jpeg>> frames_;  // newest last
  std::vector<Clip> waiting_;                   // until a frame past their end comes
  mutable std::mutex mutex_;                    // guards what the writer thread shares
  std::condition_variable changed_;
  std::deque<Clip> to_write_;
  bool writing_ = false, stopping_ = false;
  int64_t written_ = 0;
  std::vector<ClipOutcome> outcomes_;
  std::thread writer_;
};

}  // namespace actrec::output
