#include "actrec/video/threaded_source.hpp"

#include <time.h>

#include <chrono>

namespace actrec::video {

ThreadedSource::ThreadedSource(std::unique_ptr<FrameSource> inner, size_t capacity,
                               QueuePolicy policy, std::function<void(Frame&)> prepare)
    : inner_(std::move(inner)),
      fps_(inner_->fps()),
      frame_count_(inner_->frame_count()),
      size_(inner_->frame_size()),
      description_(inner_->describe()),
      live_(inner_->is_live()),
      prepare_(std::move(prepare)),
      queue_(capacity, policy),
      thread_([this] { run(); }) {}

ThreadedSource::~ThreadedSource() {
  stop_ = true;
  queue_.close();  // wakes a producer blocked on a full queue
  thread_.join();
}

namespace {
int64_t thread_cpu_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}
}  // namespace

void ThreadedSource::run() {
  try {
    while (!stop_) {
      const int64_t started_ns = thread_cpu_ns();
      auto frame = inner_->read();
      if (!frame) break;
      frame->arrival_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now().time_since_epoch())
                              .count();
      frame->size = frame->image.size();
      if (prepare_) prepare_(*frame);
      decode_cpu_ns_ += thread_cpu_ns() - started_ns;
      ++decoded_;
      if (!queue_.push(std::move(*frame))) break;
    }
  } catch (...) {
    error_ = std::current_exception();
  }
  queue_.close();  // the queue's mutex orders error_ before the consumer's pop() sees the end
}

std::optional<Frame> ThreadedSource::read() {
  auto frame = queue_.pop();
  if (!frame && error_) std::rethrow_exception(error_);
  return frame;
}

std::optional<Frame> ThreadedSource::read_for(std::chrono::milliseconds wait, bool& timed_out) {
  auto frame = queue_.pop_for(wait, timed_out);
  if (!frame && !timed_out && error_) std::rethrow_exception(error_);
  return frame;
}

}  // namespace actrec::video
