#include "actrec/data/dataset_check.hpp"

#include <filesystem>

#include "actrec/core/error.hpp"
#include "actrec/video/probe.hpp"

namespace actrec::data {

DatasetReport check_dataset(const std::string& manifest_path, const config::DataConfig& data,
                            const std::function<void(size_t, size_t)>& on_video) {
  DatasetReport report;
  const Manifest manifest = read_manifest(manifest_path, report.problems);
  report.clips = manifest.clips.size();
  report.labels = label_set(manifest, data);
  size_t done = 0;
  for (const auto& clip : manifest.clips) {
    if (on_video) on_video(++done, manifest.clips.size());
    video::ProbeResult probe;
    try {
      probe = video::probe_video(clip.video);
    } catch (const InputError& e) {
      std::error_code error;
      if (std::filesystem::exists(clip.video, error)) report.problems.add(e.what());
      continue;  // a missing video was reported with the manifest
    }
    const auto targets = frame_targets(clip, probe.decoded_frames, probe.fps, report.labels, data,
                                       report.problems, probe.timestamps_us);
    auto& split = report.frames[clip.split];
    split.resize(report.labels.size(), 0);
    ++report.videos[clip.split];
    for (int64_t target : targets) {
      if (target >= 0) {
        ++split[static_cast<size_t>(target)];
      } else {
        ++report.ignored[clip.split];
      }
    }
  }
  return report;
}

}  // namespace actrec::data
