#include "actrec/video/capture_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/video/stream_info.hpp"

namespace actrec::video {
namespace fs = std::filesystem;

namespace {

std::string fourcc_text(double value) {
  const auto code = static_cast<uint32_t>(value);
  std::string text;
  for (int shift = 0; shift < 32; shift += 8) {
    const char c = static_cast<char>((code >> shift) & 0xFF);
    if (c >= 32 && c < 127) text += c;
  }
  return text;
}

void check_file(const std::string& path) {
  std::error_code error;
  const auto status = fs::status(path, error);
  if (!fs::exists(status)) {
    const bool pattern = path.find_first_of("*?[") != std::string::npos;
    throw InputError("cannot open video: " + path + ": " +
                     (pattern                         ? "no file matches this pattern"
                      : error && error != std::errc::no_such_file_or_directory ? error.message()
                                                       : "no such file"));
  }
  if (fs::is_directory(status)) {
    throw InputError("cannot open video: " + path + ": is a directory");
  }
  if (fs::file_size(path, error) == 0 && !error) {
    throw InputError("cannot open video: " + path + ": file is empty (0 bytes)");
  }
}

// "3" -> 3; a number no camera has is an input error, not a crash in std::stoi.
int camera_number(const std::string& text) {
  int number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || number > 4096) {
    throw InputError(
        "cannot open camera: " + (text.size() > 20 ? text.substr(0, 20) + "..." : text) +
        ": no such camera number (cameras are numbered 0, 1, ...)");
  }
  return number;
}

}  // namespace

CaptureSource::CaptureSource(const SourceSpec& spec, const SourceOptions& options)
    : spec_(spec),
      shown_(redact_credentials(spec.location)),
      options_(options),
      timestamps_(0),
      opened_at_(std::chrono::steady_clock::now()) {
  const char* what = spec.kind == SourceKind::file ? "video" : to_string(spec.kind);
  try {
    switch (spec.kind) {
      case SourceKind::file:
        check_file(spec.location);
        capture_.open(spec.location, cv::CAP_FFMPEG);
        break;
      case SourceKind::stream: {
        const int timeout_ms =
            static_cast<int>(std::clamp(options.stream_timeout_s, 0.1, 3600.0) * 1000);
        capture_.open(spec.location, cv::CAP_FFMPEG,
                      {cv::CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv::CAP_PROP_READ_TIMEOUT_MSEC,
                       timeout_ms});
        break;
      }
      case SourceKind::camera:
        if (!spec.location.empty() &&
            spec.location.find_first_not_of("0123456789") == std::string::npos) {
          capture_.open(camera_number(spec.location), cv::CAP_ANY);
        } else {
          capture_.open(spec.location, cv::CAP_V4L2);
        }
        break;
      case SourceKind::image_folder:
        throw std::logic_error("CaptureSource does not read image folders");
    }
  } catch (const cv::Exception& e) {
    throw InputError(fmt::format("cannot open {}: {}: {}", what, shown_, e.err));
  }
  if (!capture_.isOpened()) {
    throw InputError(fmt::format("cannot open {}: {}: {}", what, shown_,
                                 spec.kind == SourceKind::file
                                     ? "not a video file, or a format FFmpeg cannot read"
                                     : "no such device or it did not answer"));
  }
  backend_ = capture_.getBackendName();
  codec_ = fourcc_text(capture_.get(cv::CAP_PROP_FOURCC));
  fps_ = capture_.get(cv::CAP_PROP_FPS);
  if (!std::isfinite(fps_) || fps_ <= 0 || fps_ > 1000) {
    log::debug("{}: no usable frame rate in the container ({}); assuming 25", shown_, fps_);
    fps_ = 25.0;
  }
  timestamps_ = MonotonicTimestamps(fps_);
  if (spec.kind == SourceKind::file) {
    // The video stream's own count: the container's duration includes audio that may outlast
    // the video, which made whole MKV, WebM and MPEG-TS files look truncated.
    frame_count_ = video_stream_frames(spec.location, fps_);
  }
  size_ = {static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_WIDTH)),
           static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_HEIGHT))};
  first_ = decode_next();
  if (!first_) {
    throw InputError(fmt::format("cannot read {}: {}: no decodable frame", what, shown_));
  }
  if (first_->image.size() != size_) size_ = first_->image.size();
}

std::string CaptureSource::describe() const {
  return fmt::format("{} {} ({}, {}, {}x{} @ {:.3g} fps)", to_string(spec_.kind), shown_, backend_,
                     codec_.empty() ? "?" : codec_, size_.width, size_.height, fps_);
}

std::optional<Frame> CaptureSource::decode_next() {
  if (ended_) return std::nullopt;
  cv::Mat image;
  bool ok = false;
  try {
    ok = capture_.read(image) && !image.empty();
  } catch (const cv::Exception& e) {
    throw InputError(fmt::format("cannot decode frame {}: {}: {}", next_index_, shown_, e.err));
  }
  if (!ok) {
    ended_ = true;
    if (spec_.kind == SourceKind::camera) {
      throw InputError(
          fmt::format("camera {}: stopped delivering frames after frame {}", shown_, next_index_));
    }
    return std::nullopt;
  }
  double reported_us;
  if (spec_.kind == SourceKind::camera) {
    reported_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - opened_at_)
            .count();
  } else {
    reported_us = capture_.get(cv::CAP_PROP_POS_MSEC) * 1000.0;
  }
  Frame frame;
  frame.image = std::move(image);
  frame.index = next_index_;
  frame.timestamp_us = timestamps_.next(next_index_, reported_us);
  if (next_index_ == 0) first_timestamp_us_ = frame.timestamp_us;
  last_timestamp_us_ = frame.timestamp_us;
  ++next_index_;
  return frame;
}

std::optional<Frame> CaptureSource::read() {
  if (first_) {
    std::optional<Frame> frame = std::move(first_);
    first_.reset();
    return frame;
  }
  auto frame = decode_next();
  if (!frame && options_.reject_truncated && spec_.kind == SourceKind::file && frame_count_ > 0) {
    const double decoded_s =
        static_cast<double>(last_timestamp_us_ - first_timestamp_us_) * 1e-6 + 1.0 / fps_;
    if (ends_short(decoded_s, frame_count_, fps_)) {
      throw InputError(fmt::format(
          "cannot read video: {}: truncated or corrupt: decoding stopped at {:.2f} s of the "
          "{:.2f} s its container claims (after {} frames)",
          shown_, decoded_s, static_cast<double>(frame_count_) / fps_, next_index_));
    }
  }
  return frame;
}

}  // namespace actrec::video
