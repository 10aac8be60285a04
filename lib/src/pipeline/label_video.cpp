#include "actrec/pipeline/label_video.hpp"

#include <chrono>
#include <filesystem>
#include <optional>

#include "actrec/core/atomic_file.hpp"
#include "actrec/output/label_outputs.hpp"
#include "actrec/video/threaded_source.hpp"

namespace actrec::pipeline {
namespace fs = std::filesystem;

std::vector<std::string> label_output_paths(const std::string& stem, const LabelOptions& options) {
  const fs::path base = fs::path(options.out_dir) / stem;
  std::vector<std::string> paths = {base.string() + ".frames.csv", base.string() + ".segments.json",
                                    base.string() + ".srt"};
  if (options.vtt) paths.push_back(base.string() + ".vtt");
  if (options.overlay) paths.push_back(base.string() + ".overlay.mp4");
  return paths;
}

LabelResult label_video(OnlineLabeler& labeler, const std::string& video, const std::string& stem,
                        const LabelOptions& options,
                        const std::function<void(int64_t, int64_t)>& on_frame) {
  const auto began = std::chrono::steady_clock::now();
  LabelResult result;
  result.outputs = label_output_paths(stem, options);
  if (options.skip_existing &&
      std::all_of(result.outputs.begin(), result.outputs.end(),
                  [](const std::string& path) { return fs::exists(path); })) {
    result.skipped = true;
    return result;
  }
  fs::create_directories(options.out_dir);
  // A run killed earlier (even with SIGKILL) may have left hidden partial files: never kept.
  for (const auto& path : result.outputs) remove_stale_temporaries(path);
  features::FeatureExtractor& extractor = labeler.extractor();
  const bool keep_image = options.overlay;
  video::ThreadedSource source(video::open_source(video::classify_source(video)),
                               options.queue_size, QueuePolicy::block,
                               [&extractor, keep_image](Frame& frame) {
                                 frame.prepared = extractor.prepare(frame.image);
                                 if (!keep_image) frame.image.release();
                               });
  labeler.start(source.fps());
  const auto& labels = labeler.labels();
  const double period = 1.0 / source.fps();
  output::FramesCsvWriter frames_csv(result.outputs[0], labels);
  std::optional<output::OverlayWriter> overlay;
  if (options.overlay) {
    overlay.emplace(result.outputs.back(), source.fps(), source.frame_size(), labels);
  }
  output::SegmentBuilder segments;
  while (auto frame = source.read()) {
    const FrameLabel label = labeler.push(*frame);
    const double time_s = static_cast<double>(frame->timestamp_us) * 1e-6;
    frames_csv.write(frame->index, time_s, label.label, label.probabilities.data());
    segments.add(frame->index, time_s, label.label, label.confidence, period);
    if (overlay) overlay->write(frame->image, label.label, label.confidence, time_s);
    ++result.frames;
    if (on_frame) on_frame(result.frames, source.frame_count());
  }
  const auto runs = segments.segments(options.min_segment);
  frames_csv.commit();
  write_text_atomically(result.outputs[1], output::segments_json(runs, labels, labeler.background(),
                                                                 video, source.fps()));
  write_text_atomically(result.outputs[2], output::subtitles(runs, labels, false));
  if (options.vtt) write_text_atomically(result.outputs[3], output::subtitles(runs, labels, true));
  if (overlay) overlay->commit();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return result;
}

}  // namespace actrec::pipeline
