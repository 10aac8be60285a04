#include "actrec/pipeline/shared_backbone.hpp"

#include "actrec/core/timer.hpp"

namespace actrec::pipeline {

SharedBackbone::SharedBackbone(features::FeatureExtractor& extractor) : extractor_(extractor) {}

double SharedBackbone::infer(const cv::Mat& prepared, cv::Size source, std::vector<float>& out) {
  Request mine{&prepared, source, &out, 0, false, nullptr};
  std::unique_lock<std::mutex> lock(mutex_);
  waiting_.push_back(&mine);
  while (!mine.done) {
    if (busy_) {
      done_.wait(lock);
      continue;
    }
    // The network is free: this thread runs what waits, as one pass where it takes a batch.
    busy_ = true;
    std::vector<Request*> batch;
    const size_t most = static_cast<size_t>(std::max(1, extractor_.batch_size()));
    while (!waiting_.empty() && batch.size() < most) {
      batch.push_back(waiting_.front());
      waiting_.pop_front();
    }
    lock.unlock();
    std::vector<cv::Mat> images;
    std::vector<cv::Size> sizes;
    for (const Request* request : batch) {
      images.push_back(*request->prepared);
      sizes.push_back(request->source);
    }
    std::vector<float> observations;
    std::exception_ptr error;
    Stopwatch watch;
    try {
      extractor_.infer(images, sizes, observations);
    } catch (...) {
      error = std::current_exception();
    }
    const double share = watch.seconds() / static_cast<double>(batch.size());
    const auto dim = static_cast<size_t>(extractor_.dim());
    lock.lock();
    for (size_t i = 0; i < batch.size(); ++i) {
      Request& request = *batch[i];
      if (!error) {
        request.out->assign(observations.begin() + static_cast<std::ptrdiff_t>(i * dim),
                            observations.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
      }
      request.error = error;
      request.seconds = share;
      request.done = true;
    }
    ++counts_.passes;
    counts_.frames += static_cast<int64_t>(batch.size());
    busy_ = false;
    done_.notify_all();
  }
  if (mine.error) std::rethrow_exception(mine.error);
  return mine.seconds;
}

FrameObserver::FrameObserver(SharedBackbone& backbone, int64_t dim, const config::GateConfig* gate)
    : backbone_(backbone), dim_(dim) {
  if (gate && gate->enabled) {
    gate_config_ = *gate;
    gate_.emplace(*gate);
  }
}

void FrameObserver::observe(const Frame& frame, cv::Size size, bool watching,
                            std::vector<float>& out) {
  MotionGate::Decision decision = MotionGate::Decision::look;
  gate_seconds_ = backbone_seconds_ = 0;
  if (gate_) {
    Stopwatch watch;
    decision = gate_->decide(frame.glimpse, frame.timestamp_us, watching);
    gate_seconds_ = watch.seconds();
  }
  switch (decision) {
    case MotionGate::Decision::look:
      backbone_seconds_ = backbone_.infer(
          frame.prepared.empty() ? backbone_.prepare(frame.image) : frame.prepared, size, out);
      if (gate_) last_looked_ = out;
      break;
    case MotionGate::Decision::hold:  // still: where the network last saw them
      out = last_looked_;
      break;
    case MotionGate::Decision::nobody:
      out.assign(static_cast<size_t>(dim_), 0.0f);
      break;
  }
}

SharedBackbone::Counts SharedBackbone::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

}  // namespace actrec::pipeline
