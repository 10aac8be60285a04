#include "annotate_training.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/text.hpp"
#include "actrec/data/importers.hpp"
#include "actrec/pipeline/label_video.hpp"
#include "actrec/train/train_job.hpp"

namespace actrec::annotate {
namespace fs = std::filesystem;

namespace {

// Thrown from the training's callbacks to stop it where it is.
struct Cancelled : Error {
  Cancelled() : Error("cancelled") {}
};

struct TimedLabel {
  double time_s;
  std::string label;
};

// Each person's label per frame in a frames CSV (person 0 where it has no person column).
std::map<int, std::vector<TimedLabel>> frame_labels(const fs::path& frames_csv,
                                                    bool* per_person = nullptr) {
  std::map<int, std::vector<TimedLabel>> people;
  std::ifstream in(frames_csv);
  std::string line;
  std::getline(in, line);
  const auto header = split_csv(line);
  const auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const size_t time = column("time_s"), person = column("person"), label = column("label");
  if (per_person) *per_person = person < header.size();
  while (std::getline(in, line)) {
    const auto row = split_csv(line);
    if (label >= row.size()) continue;
    const int who = person < row.size() ? std::stoi(row[person]) : 0;
    people[who].push_back({std::strtod(row[time].c_str(), nullptr), row[label]});
  }
  return people;
}

struct Range {
  double start_s, end_s;
  std::string label;
};

std::vector<Range> annotation(const fs::path& path) {
  std::vector<Range> ranges;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto row = split_csv(line);
    if (row.size() >= 3) {
      ranges.push_back(
          {std::strtod(row[0].c_str(), nullptr), std::strtod(row[1].c_str(), nullptr), row[2]});
    }
  }
  return ranges;
}

const std::string* annotated_at(const std::vector<Range>& ranges, double time_s) {
  for (const auto& range : ranges) {
    if (time_s >= range.start_s && time_s < range.end_s) return &range.label;
  }
  return nullptr;
}

}  // namespace

Training::Training(TrainingSetup setup, std::function<std::string()> bundle,
                   std::function<void(const std::string&)> use_bundle,
                   std::function<std::map<std::string, std::string>()> stems)
    : setup_(std::move(setup)),
      bundle_(std::move(bundle)),
      use_bundle_(std::move(use_bundle)),
      stems_(std::move(stems)) {}

Training::~Training() {
  cancel_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string Training::start(const std::string& epochs_text) {
  int epochs = setup_.config.train.finetune.epochs;
  if (!epochs_text.empty()) {
    try {
      epochs = std::stoi(epochs_text);
    } catch (const std::exception&) {
      epochs = 0;
    }
    if (epochs < 1) return "epochs: expected a whole number above 0, not '" + epochs_text + "'";
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string now = state_.value("state", "idle");
  if (now != "idle" && now != "done" && now != "failed" && now != "cancelled") {
    return "a training run is going on already";
  }
  if (thread_.joinable()) thread_.join();  // the last run's, ended
  cancel_ = false;
  state_ = {{"state", "importing"},
            {"epoch", 0},
            {"epochs", epochs},
            {"message", "reading the annotations"}};
  thread_ = std::thread([this, epochs] { run(epochs); });
  return "";
}

void Training::cancel() { cancel_ = true; }

nlohmann::json Training::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

void Training::check_cancelled() const {
  if (cancel_) throw Cancelled();
}

void Training::run(int epochs) {
  const auto set = [this](const nlohmann::json& changes) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_.update(changes);
  };
  try {
    // A run number no earlier run or bundle has: runs and bundles are never written over.
    int number = 1;
    while (fs::exists(fs::path(setup_.cache) / "runs" / std::to_string(number)) ||
           fs::exists(fs::path(setup_.cache) / "models" / (std::to_string(number) + ".actrec"))) {
      ++number;
    }
    const fs::path run_dir = fs::path(setup_.cache) / "runs" / std::to_string(number);
    const fs::path bundle =
        fs::path(setup_.cache) / "models" / (std::to_string(number) + ".actrec");
    data::ImportOptions import;
    import.format = data::ImportFormat::labels;
    import.source = (fs::path(setup_.cache) / "annotations").string();
    import.manifest = (run_dir / "data" / "manifest.csv").string();
    fs::create_directories(run_dir / "data");
    const auto imported = data::import_dataset(import);
    for (const auto& problem : imported.problems) log::warn("{}", problem);
    set({{"state", "extracting"},
         {"clips", imported.clips},
         {"left_out", imported.problems},
         {"message", fmt::format("{} annotated clips", imported.clips)}});
    config::Config config = setup_.config;
    config.train.finetune.epochs = epochs;
    train::TrainRequest request;
    request.manifest = import.manifest;
    request.run_dir = (run_dir / "train").string();
    request.init = bundle_();
    train::TrainCallbacks callbacks;
    callbacks.on_frames = [&](const std::string& split, int64_t frames) {
      check_cancelled();
      set({{"message", fmt::format("observations of the {} clips: {} frames", split, frames)}});
    };
    callbacks.on_start = [&](const train::TrainPlan& plan) {
      check_cancelled();
      set({{"state", "training"},
           {"epochs", plan.epochs},
           {"message", fmt::format("fine-tuning on {} clips", plan.train_clips)}});
    };
    callbacks.on_epoch = [&](const train::TrainState& state) {
      const auto& e = state.log.back();
      set({{"epoch", e.epoch},
           {"message", fmt::format("epoch {}: loss {:.4f}, accuracy {:.3f}", e.epoch, e.train_loss,
                                   e.train_accuracy)}});
      check_cancelled();
    };
    train::train_from_manifest(config, request, callbacks);
    fs::create_directories(bundle.parent_path());
    fs::copy_file(run_dir / "train" / "best.actrec", bundle);
    set({{"state", "relabelling"},
         {"bundle", bundle.string()},
         {"message", "relabelling the videos with " + bundle.filename().string()}});
    const auto report = relabel(bundle.string());
    use_bundle_(bundle.string());
    set({{"state", "done"}, {"report", report}, {"message", "trained " + bundle.string()}});
    log::info("annotate: trained {}", bundle.string());
  } catch (const Cancelled&) {
    set({{"state", "cancelled"}, {"message", "training cancelled"}});
  } catch (const std::exception& e) {
    log::warn("annotate: training failed: {}", e.what());
    set({{"state", "failed"}, {"message", e.what()}});
  }
}

// Labels every labelled video again with `bundle`; per video, how many frames' labels changed
// and, of the frames a person corrected, how many the old and the new model label as corrected.
nlohmann::json Training::relabel(const std::string& bundle) {
  nlohmann::json report = nlohmann::json::array();
  const fs::path labels = fs::path(setup_.cache) / "labels";
  const fs::path annotations = fs::path(setup_.cache) / "annotations";
  pipeline::Labeler labeler(bundle);
  pipeline::LabelOptions options;
  options.out_dir = labels.string();
  options.poses = true;
  options.people = setup_.config.people;
  options.fall_events = setup_.config.events;
  for (const auto& [name, stem] : stems_()) {
    const fs::path frames = labels / (stem + ".frames.csv");
    if (!fs::exists(frames)) continue;
    check_cancelled();
    const auto before = frame_labels(frames);
    pipeline::label_video(labeler, (fs::path(setup_.folder) / name).string(), stem, options,
                          [&](int64_t, int64_t) { check_cancelled(); });
    bool multi = false;  // per-person annotation files, <stem>.p<ID>.labels.csv
    const auto after = frame_labels(frames, &multi);
    int64_t total = 0, changed = 0, corrected = 0, right = 0, right_before = 0;
    for (const auto& [person, now] : after) {
      const auto was = before.find(person);
      const fs::path file =
          annotations / (stem + (multi ? ".p" + std::to_string(person) : "") + ".labels.csv");
      const auto truth = fs::exists(file) ? annotation(file) : std::vector<Range>{};
      for (size_t i = 0; i < now.size(); ++i) {
        ++total;
        const std::string* old =
            was != before.end() && i < was->second.size() ? &was->second[i].label : nullptr;
        if (!old || *old != now[i].label) ++changed;
        if (const std::string* label = annotated_at(truth, now[i].time_s)) {
          ++corrected;
          right += *label == now[i].label;
          right_before += old && *label == *old;
        }
      }
    }
    report.push_back({{"video", name},
                      {"frames", total},
                      {"changed", changed},
                      {"corrected", corrected},
                      {"right", right},
                      {"right_before", right_before}});
  }
  return report;
}

}  // namespace actrec::annotate
