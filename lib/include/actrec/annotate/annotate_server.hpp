#pragma once
// `actrec annotate DIR`: a page to see, correct and train on the labels of a folder of videos.
// The videos are labelled on first open (with the bundle), played from browser-playable copies,
// and each person's corrections saved as annotations `data import labels` and `train` read.
// Everything actrec writes goes under DIR/.actrec/ (never served):
//   play/<stem>.mp4          H.264 copies the browser plays
//   labels/<stem>.*          what the model said (label_video's outputs, with poses)
//   annotations/<stem>[.p<ID>].labels.csv   what a person corrected, with <stem>.segments.json
//   models/<N>.actrec, runs/<N>/            bundles trained on the corrections, and their runs
#include <memory>
#include <string>
#include <vector>

#include "actrec/config/config.hpp"

namespace actrec::annotate {

struct AnnotateOptions {
  std::string folder;  ///< DIR: its videos (not in subfolders) are listed
  std::string bundle;  ///< labels new videos, and is fine-tuned by the train button
  /// [ADDR:]PORT: ADDR 127.0.0.1 unless given (beyond loopback every request needs the token);
  /// PORT 0: any free one.
  std::string serve = "8090";
  std::string token;      ///< beyond loopback; random when empty
  config::Config config;  ///< people.persons, train.* (fine-tuning), runtime
};

/// The videos `folder` holds (file names, naturally sorted): files with a video extension that
/// are its own (served_path), not hidden, not links leading out of it.
std::vector<std::string> folder_videos(const std::string& folder);

class AnnotateServer {
 public:
  /// Serves the page; ConfigError when `folder` is not a folder, Error when it cannot listen.
  explicit AnnotateServer(const AnnotateOptions& options);
  /// Cancels training and labelling, waits for them, and stops serving.
  ~AnnotateServer();
  AnnotateServer(const AnnotateServer&) = delete;
  AnnotateServer& operator=(const AnnotateServer&) = delete;

  std::string url() const;
  int port() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace actrec::annotate
