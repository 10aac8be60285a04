#pragma once
#include <atomic>
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
  double fps() const override { return inner_->fps(); }
  int64_t frame_count() const override { return inner_->frame_count(); }
  cv::Size frame_size() const override { return inner_->frame_size(); }
  std::string describe() const override { return inner_->describe(); }
  bool is_live() const override { return inner_->is_live(); }

  /// Frames decoded but discarded because the consumer was behind (live policy only).
  int64_t dropped() const { return queue_.dropped(); }
  size_t queued() const { return queue_.size(); }

 private:
  void run();

  std::unique_ptr<FrameSource> inner_;
  std::function<void(Frame&)> prepare_;
  BoundedQueue<Frame> queue_;
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;  // written by the decode thread before it closes the queue
  std::thread thread_;
};

}  // namespace actrec::video
