#pragma once
// A thread-safe queue with a fixed capacity and one of two policies for a full queue.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace actrec {

enum class QueuePolicy {
  block,        ///< offline: the producer waits; nothing is ever lost
  drop_oldest,  ///< live: the newest item wins; the oldest is dropped and counted
};

template <typename T>
class BoundedQueue {
 public:
  BoundedQueue(size_t capacity, QueuePolicy policy)
      : capacity_(capacity == 0 ? 1 : capacity), policy_(policy) {}

  /// Returns false when the queue was closed (the item is discarded).
  bool push(T item) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (policy_ == QueuePolicy::block) {
      ++blocked_;
      not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
      --blocked_;
    } else if (items_.size() >= capacity_ && !closed_) {
      items_.pop_front();
      ++dropped_;
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  /// Waits for an item; nullopt once the queue is closed and drained.
  std::optional<T> pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    return take(lock);
  }

  /// Waits at most `wait` for an item; nullopt when none came (`timed_out` says whether the
  /// wait ran out, or the queue is closed and drained).
  template <typename Rep, typename Period>
  std::optional<T> pop_for(std::chrono::duration<Rep, Period> wait, bool& timed_out) {
    std::unique_lock<std::mutex> lock(mutex_);
    timed_out = !not_empty_.wait_for(lock, wait, [&] { return closed_ || !items_.empty(); });
    return take(lock);
  }

  /// No more pushes; pop() drains what is left, then returns nullopt.
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  int64_t dropped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.size();
  }
  size_t capacity() const { return capacity_; }
  /// Producers waiting in push() now (block policy): a decode thread ahead of its consumer.
  int blocked_producers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return blocked_;
  }

 private:
  std::optional<T> take(std::unique_lock<std::mutex>&) {
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  const size_t capacity_;
  const QueuePolicy policy_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;
  bool closed_ = false;
  int64_t dropped_ = 0;
  int blocked_ = 0;
};

}  // namespace actrec
