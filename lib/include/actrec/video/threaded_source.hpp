#pragma once
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <thread>

#include "actrec/core/bounded_queue.hpp"
#include "actrec/video/frame_source.hpp"

namespace actrec::video {

/// Decodes on its own thread into a bounded queue, so decoding overlaps the consumer's work.
/// Offline (QueuePolicy::block) loses nothing; live (QueuePolicy::drop_oldest) keeps only the
/// newest frames and counts the rest as dropped, so no backlog ever builds up.
class ThreadedSource : public FrameSource {
 public:
  /// `prepare`, if given, runs on each frame in the decode thread (e.g. resizing for a model).
  ThreadedSource(std::unique_ptr<FrameSource> inner, size_t capacity, QueuePolicy policy,
                 std::function<void(Frame&)> prepare = {});
  ~ThreadedSource() override;

  /// Rethrows, in the caller's thread, any error the decode thread hit.
  std::optional<Frame> read() override;
  /// read() that waits at most `wait`: nullopt with `timed_out` set when no frame came in time
  /// (a stalled stream), so the caller can still look at a stop flag.
  std::optional<Frame> read_for(std::chrono::milliseconds wait, bool& timed_out);
  // The inner source's metadata as it was when this one was made: the decode thread may
  // replace what the inner source reads from (a looped file reopens it).
  double fps() const override { return fps_; }
  int64_t frame_count() const override { return frame_count_; }
  cv::Size frame_size() const override { return size_; }
  std::string describe() const override { return description_; }
  bool is_live() const override { return live_; }

  /// Frames decoded but discarded because the consumer was behind (live policy only).
  int64_t dropped() const { return queue_.dropped(); }
  /// CPU seconds the decode thread spent so far decoding and preparing frames (not waiting for
  /// them: a camera's read blocks until its next frame), and the frames it made.
  double decode_seconds() const { return static_cast<double>(decode_cpu_ns_.load()) * 1e-9; }
  int64_t decoded() const { return decoded_.load(); }
  size_t queued() const { return queue_.size(); }

 private:
  void run();

  std::unique_ptr<FrameSource> inner_;
  const double fps_;
  const int64_t frame_count_;
  const cv::Size size_;
  const std::string description_;
  const bool live_;
  std::function<void(Frame&)> prepare_;
  BoundedQueue<Frame> queue_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> decode_cpu_ns_{0}, decoded_{0};
  std::exception_ptr error_;  // written by the decode thread before it closes the queue
  std::thread thread_;
};

}  // namespace actrec::video
