#include "actrec/features/extract.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <optional>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/sha256.hpp"
#include "actrec/core/timer.hpp"
#include "actrec/video/threaded_source.hpp"

namespace actrec::features {
namespace fs = std::filesystem;

std::string cache_path(const std::string& cache_dir, const std::string& video,
                       const std::string& fingerprint) {
  std::error_code error;
  const std::string absolute = fs::absolute(video, error).lexically_normal().string();
  const auto colon = fingerprint.find(':');
  const std::string tag = fingerprint.substr(colon == std::string::npos ? 0 : colon + 1, 8);
  return (fs::path(cache_dir) / (fs::path(video).stem().string() + "-" +
                                 Sha256().update(absolute).hex().substr(0, 10) + "-" + tag + ".feat"))
      .string();
}

namespace {

void identify_video(const std::string& video, FeatureFile& file) {
  std::error_code error;
  file.video = video;
  file.video_bytes = static_cast<int64_t>(fs::file_size(video, error));
  if (error) file.video_bytes = -1;
  const auto mtime = fs::last_write_time(video, error);
  file.video_mtime_ns =
      error ? -1
            : std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
}

}  // namespace

std::optional<FeatureFile> cached_header(const FeatureExtractor& extractor,
                                         const std::string& video, const std::string& cache_dir) {
  if (cache_dir.empty()) return std::nullopt;
  FeatureFile identity;
  identify_video(video, identity);
  const std::string cached = cache_path(cache_dir, video, extractor.fingerprint());
  std::error_code error;
  if (!fs::exists(cached, error)) return std::nullopt;
  try {
    FeatureFile header = read_feature_header(cached);
    if (header.fingerprint == extractor.fingerprint() &&
        header.video_bytes == identity.video_bytes &&
        header.video_mtime_ns == identity.video_mtime_ns && identity.video_bytes >= 0) {
      return header;
    }
    log::debug("{}: cached features are stale; extracting again", cached);
  } catch (const InputError& e) {
    log::warn("{}; extracting again", e.what());
  }
  return std::nullopt;
}

FeatureFile features_for_video(FeatureExtractor& extractor, const std::string& video,
                               const std::string& cache_dir, size_t queue_size,
                               const std::function<void(int64_t)>& on_frames, ExtractStats* stats) {
  Stopwatch clock;
  FeatureFile identity;
  identify_video(video, identity);
  const std::string cached = cache_dir.empty() ? "" : cache_path(cache_dir, video, extractor.fingerprint());
  std::error_code error;
  if (cached_header(extractor, video, cache_dir)) {
    try {
      FeatureFile file = read_feature_file(cached);
      file.video = video;
      if (on_frames) on_frames(file.frames());
      if (stats) *stats = {file.frames(), true, 0};
      return file;
    } catch (const InputError& e) {
      log::warn("{}; extracting again", e.what());
    }
  }

  video::SourceOptions options;
  video::ThreadedSource source(video::open_source(video::classify_source(video), options),
                               queue_size, QueuePolicy::block,
                               [&extractor](Frame& frame) {
                                 frame.prepared = extractor.prepare(frame.image);
                                 frame.image.release();  // only the prepared image travels on
                               });
  FeatureFile file = identity;
  file.fingerprint = extractor.fingerprint();
  file.fps = source.fps();
  file.width = source.frame_size().width;
  file.height = source.frame_size().height;
  file.names = extractor.names();
  const size_t batch = static_cast<size_t>(std::max(extractor.batch_size(), 1));
  std::vector<cv::Mat> pending;
  std::vector<cv::Size> sizes;  // each frame's own: an image folder may mix sizes
  auto flush = [&] {
    extractor.infer(pending, sizes, file.values);
    pending.clear();
    sizes.clear();
    if (on_frames) on_frames(file.frames());
  };
  while (auto frame = source.read()) {
    file.timestamps_us.push_back(frame->timestamp_us);
    pending.push_back(std::move(frame->prepared));
    sizes.push_back(frame->size);
    if (pending.size() >= batch) flush();
  }
  if (!pending.empty()) flush();
  if (file.frames() == 0) throw InputError("cannot extract features: " + video + ": no frames");
  if (!cached.empty()) {
    fs::create_directories(cache_dir, error);
    write_feature_file(cached, file);
  }
  if (stats) {
    *stats = {file.frames(), false, clock.seconds()};
  }
  return file;
}

}  // namespace actrec::features
