#pragma once
// `actrec bench`: measured figures, returned for printing (never asserted).
#include <functional>
#include <opencv2/core/types.hpp>
#include <string>
#include <vector>

#include "actrec/config/config.hpp"

namespace actrec::bench {

struct ExtractBench {
  struct Setting {
    int threads = 0, batch = 0, runs_batch = 0;  ///< asked for, and what the backbone takes
    double preprocess_ms = 0, inference_ms = 0;  ///< per frame
  };
  std::string backbone;
  int64_t frames = 0;
  int cores = 0;
  cv::Size size;
  double decode_ms = 0;  ///< per frame
  std::vector<Setting> settings;
  double pipeline_fps = 0;   ///< the whole video: decode thread + preprocessing + inference
  double inference_fps = 0;  ///< inference alone, at the default threads and batch
};

/// Decode, preprocessing and inference per frame on the first `frames` frames of `video`, for
/// each thread count and batch size; then the whole extraction pipeline on the whole video.
ExtractBench bench_extract(const config::Config& config, const std::string& video, int frames,
                           const std::vector<int>& threads, const std::vector<int>& batches);

struct TrainBench {
  struct Setting {
    int threads = 0;
    double seconds_per_epoch = 0, frames_per_second = 0;
  };
  std::vector<Setting> settings;
};

/// Training throughput of a 2x256 LSTM on random `dim`-d features, batch 16, tbptt 64.
TrainBench bench_train(int videos, int frames, int dim, int epochs, const std::vector<int>& threads);

struct MemoryBench {
  struct Setting {
    std::string name;
    double val_accuracy = 0, final_loss = 0, max_grad_norm = 0, clipped = 0;
  };
  std::vector<Setting> settings;
};

/// What the theory says, on a task whose labels need a cue seen `delay` frames earlier: cells,
/// full vs truncated BPTT, clipping vs not. `only`: settings whose name contains it.
MemoryBench bench_memory(int delay, int epochs, double lr, double unstable_lr,
                         const std::string& only);

struct LabelBench {
  int64_t frames = 0;
  double label_fps = 0;      ///< end to end: decode, features, model, outputs
  double inference_fps = 0;  ///< features + model on frames decoded and resized beforehand
  std::string stages;        ///< per-frame time of each stage, end to end
  double people_per_frame = 0;
  int max_people = 0, ids = 0;
  double short_peak_mib = 0;  ///< peak memory after one pass
  int64_t long_frames = 0;    ///< frames of the looped run (0: not run)
  double long_peak_mib = 0;   ///< peak memory after the looped run
};

/// `actrec label` on `video` end to end against inference alone, and memory on the video looped
/// `loops` times (0: not run). With `features` set, `bundle` is ignored: a model with untrained
/// weights (a GRU of the default size) on those features stands in, since weights do not
/// change speed.
LabelBench bench_label(const std::string& bundle, const std::string& video,
                       const config::PeopleConfig& people, int loops,
                       const config::FeaturesConfig* features = nullptr);

struct LivePass {
  int pass = 0;
  double minutes = 0;
  int64_t labelled = 0, dropped = 0;
  double p50_ms = 0, p95_ms = 0, memory_mib = 0;
};

/// A file played at its own frame rate as a camera, again and again until `minutes` have
/// passed: each pass's figures go to `on_pass`.
void bench_live(const std::string& bundle, const std::string& video, double minutes,
                const config::PeopleConfig& people,
                const std::function<void(const LivePass&)>& on_pass);

}  // namespace actrec::bench
