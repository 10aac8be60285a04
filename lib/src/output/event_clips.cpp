#include "actrec/output/event_clips.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <utility>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/output/label_outputs.hpp"

namespace actrec::output {

EventClipRecorder::EventClipRecorder(std::string folder, double fps, double before_s,
                                     double after_s, double keep_s)
    : folder_(std::move(folder)),
      fps_(fps > 0 ? fps : 10),
      before_s_(before_s),
      after_s_(after_s),
      keep_s_(std::max(keep_s, before_s)) {
  std::error_code error;
  std::filesystem::create_directories(folder_, error);
  if (error || !std::filesystem::is_directory(folder_)) {
    throw Error("cannot write event clips: " + folder_ + ": " +
                (error ? error.message() : std::string("not a folder")));
  }
  writer_ = std::thread([this] { write_loop(); });
}

EventClipRecorder::~EventClipRecorder() {
  try {
    flush();
  } catch (const std::exception& e) {
    log::warn("event clips: {}", e.what());
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  writer_.join();
}

void EventClipRecorder::add(double time_s, Jpeg jpeg) {
  frames_.emplace_back(time_s, std::move(jpeg));
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (time_s > it->to_s) {
      hand_over(std::move(*it));
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
  // Frames no clip can reach any more go; those a waiting clip starts from stay.
  double keep_from = time_s - keep_s_;
  for (const auto& clip : waiting_) keep_from = std::min(keep_from, clip.from_s);
  while (!frames_.empty() && frames_.front().first < keep_from) frames_.pop_front();
}

std::string EventClipRecorder::record(const std::string& name, double start_s, double end_s) {
  Clip clip;
  clip.path = (std::filesystem::path(folder_) / name).string();
  clip.from_s = start_s - before_s_;
  clip.to_s = std::max(start_s, end_s) + after_s_;
  const std::string path = clip.path;
  waiting_.push_back(std::move(clip));
  return path;
}

void EventClipRecorder::flush() {
  for (auto& clip : waiting_) hand_over(std::move(clip));
  waiting_.clear();
}

void EventClipRecorder::hand_over(Clip clip) {
  for (const auto& [time_s, jpeg] : frames_) {
    if (time_s >= clip.from_s && time_s <= clip.to_s) clip.frames.emplace_back(time_s, jpeg);
  }
  if (clip.frames.empty()) {
    log::warn("event clip {}: no frames were kept for it", clip.path);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    to_write_.push_back(std::move(clip));
  }
  changed_.notify_all();
}

void EventClipRecorder::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return to_write_.empty() && !writing_; });
}

std::vector<ClipOutcome> EventClipRecorder::take_outcomes() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(outcomes_, {});
}

int64_t EventClipRecorder::written() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return written_;
}

void EventClipRecorder::write_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || !to_write_.empty(); });
    if (to_write_.empty()) return;  // stopping, and nothing left
    Clip clip = std::move(to_write_.front());
    to_write_.pop_front();
    writing_ = true;
    lock.unlock();
    ClipOutcome outcome{clip.path, false, ""};
    try {
      write(clip);
      outcome.written = true;
    } catch (const std::exception& e) {
      log::warn("{}", e.what());  // a clip that cannot be written must not end the run
      outcome.error = e.what();
    }
    lock.lock();
    writing_ = false;
    written_ += outcome.written;
    outcomes_.push_back(std::move(outcome));
    changed_.notify_all();
  }
}

void EventClipRecorder::write(const Clip& clip) const {
  TemporaryFile file(clip.path);
  cv::VideoWriter writer;
  cv::Size size;
  cv::Mat shown;
  size_t next = 0;
  // On a fixed grid, each tick shows the newest frame at or before it.
  const double first = clip.frames.front().first;
  const auto ticks =
      static_cast<int64_t>(std::floor((clip.frames.back().first - first) * fps_ + 1e-6)) + 1;
  for (int64_t tick = 0; tick < ticks; ++tick) {
    const double t = first + static_cast<double>(tick) / fps_;
    bool changed = false;
    while (next < clip.frames.size() && clip.frames[next].first <= t + 1e-9) {
      ++next;
      changed = true;
    }
    if (changed) {
      const auto& jpeg = *clip.frames[next - 1].second;
      shown = cv::imdecode(jpeg, cv::IMREAD_COLOR);
      if (shown.empty()) throw Error("cannot write event clip: " + clip.path + ": bad frame");
      if (size.empty()) {
        size = shown.size();
        open_browser_video(writer, file.path(), clip.path, fps_, size);
      }
      if (shown.size() != size) cv::resize(shown, shown, size, 0, 0, cv::INTER_AREA);
    }
    writer.write(shown);
  }
  writer.release();
  check_video_written(file.path(), clip.path, ticks);
  file.commit();
  log::info("event clip written: {}", clip.path);
}

}  // namespace actrec::output
