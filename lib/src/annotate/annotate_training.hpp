#pragma once
// The page's train button: fine-tunes the bundle on every annotation corrected so far, in a
// thread of its own, then relabels the folder's videos with the new bundle and says what
// changed. Apart from the server: the page asks, this does, and its state is what the page shows.
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "actrec/config/config.hpp"

namespace actrec::annotate {

struct TrainingSetup {
  std::string folder;  ///< the videos
  std::string cache;   ///< FOLDER/.actrec: labels/, annotations/, runs/, models/
  config::Config config;
};

class Training {
 public:
  /// `bundle` says which bundle is fine-tuned now, `use_bundle` hands over the new one (which
  /// labels from then on), `stems` maps the folder's video names to their output stems.
  Training(TrainingSetup setup, std::function<std::string()> bundle,
           std::function<void(const std::string&)> use_bundle,
           std::function<std::map<std::string, std::string>()> stems);
  /// Cancels a run going on and waits for it.
  ~Training();

  /// Starts a run (`epochs`: empty, or how many instead of train.finetune.epochs); what stops
  /// it from starting (one going on already, a bad number), or empty.
  std::string start(const std::string& epochs);
  /// Asks the run to stop: at the next frame or epoch it reaches.
  void cancel();
  /// {state: idle|importing|extracting|training|relabelling|done|failed|cancelled, epoch,
  /// epochs, message, bundle, report: [{video, frames, changed, corrected, right}]}.
  nlohmann::json state() const;

 private:
  void run(int epochs);
  void check_cancelled() const;
  nlohmann::json relabel(const std::string& bundle);

  const TrainingSetup setup_;
  std::function<std::string()> bundle_;
  std::function<void(const std::string&)> use_bundle_;
  std::function<std::map<std::string, std::string>()> stems_;
  mutable std::mutex mutex_;
  nlohmann::json state_ = {{"state", "idle"}};
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace actrec::annotate
