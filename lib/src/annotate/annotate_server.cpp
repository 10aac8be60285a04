#include "actrec/annotate/annotate_server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <set>
#include <thread>

#include "actrec/annotate/served_path.hpp"
#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/json_text.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/natural_sort.hpp"
#include "actrec/core/text.hpp"
#include "actrec/output/http_server.hpp"
#include "actrec/output/label_outputs.hpp"
#include "actrec/pipeline/label_video.hpp"
#include "actrec/video/inputs.hpp"
#include "annotate_page.hpp"
#include "annotate_training.hpp"

namespace actrec::annotate {
namespace fs = std::filesystem;

std::vector<std::string> folder_videos(const std::string& folder) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    // Only what the page may serve: a link leading out of the folder is not one of its videos.
    if (video::has_video_extension(name) && served_path(folder, name)) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end(), natural_less);
  return names;
}

namespace {

int64_t file_version(const fs::path& path) {
  std::error_code error;
  const auto time = fs::last_write_time(path, error);
  if (error) return 0;
  return static_cast<int64_t>(time.time_since_epoch().count());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The columns of a CSV header, by name.
std::map<std::string, size_t> columns_of(const std::string& header) {
  std::map<std::string, size_t> columns;
  const auto fields = split_csv(header);
  for (size_t i = 0; i < fields.size(); ++i) columns[fields[i]] = i;
  return columns;
}

double number_at(const std::vector<std::string>& fields, size_t i) {
  return i < fields.size() ? std::strtod(fields[i].c_str(), nullptr) : 0.0;
}

}  // namespace

class AnnotateServer::Impl {
 public:
  explicit Impl(const AnnotateOptions& options);
  ~Impl();

  std::unique_ptr<output::HttpServer> http_;

 private:
  struct VideoState {
    std::string state = "new";  // new, queued, labelling, ready, failed
    int64_t done = 0, total = 0;
    std::string error;
  };

  fs::path labels_dir() const { return cache_ / "labels"; }
  fs::path annotations_dir() const { return cache_ / "annotations"; }
  // Stems of the folder's videos as `label` names its outputs.
  std::map<std::string, std::string> stems() const;
  bool labelled(const std::string& stem) const {
    return fs::exists(labels_dir() / (stem + ".segments.json")) &&
           fs::exists(labels_dir() / (stem + ".poses.csv"));
  }
  void add_routes(httplib::Server& server);
  std::string state_json();
  nlohmann::json video_json(const std::string& name, const std::string& stem);
  void save_annotation(const httplib::Request& request, httplib::Response& response);
  void serve_video(const std::string& relative, httplib::Response& response);
  std::string playable_copy(const std::string& source);
  void label_worker();
  void request_labels(const std::string& name);

  AnnotateOptions options_;
  fs::path folder_, cache_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, VideoState> videos_;  // by file name
  std::deque<std::string> queue_;             // to label
  std::map<std::string, int64_t> written_;    // annotation file -> the version the page wrote
  std::string bundle_;                        // labels new videos: the newest trained, or given
  bool stopping_ = false;
  std::mutex copy_mutex_;  // one playable copy made at a time
  std::unique_ptr<Training> training_;
  std::thread labeller_;
};

AnnotateServer::Impl::Impl(const AnnotateOptions& options)
    : options_(options), bundle_(options.bundle) {
  std::error_code error;
  if (!fs::is_directory(options.folder, error)) {
    throw ConfigError("cannot annotate: " + options.folder + ": no such folder");
  }
  folder_ = fs::canonical(options.folder);
  cache_ = folder_ / ".actrec";
  fs::create_directories(labels_dir());
  fs::create_directories(annotations_dir());
  training_ = std::make_unique<Training>(
      TrainingSetup{folder_.string(), cache_.string(), options.config},
      [this] {
        std::lock_guard<std::mutex> lock(mutex_);
        return bundle_;
      },
      [this](const std::string& bundle) {
        std::lock_guard<std::mutex> lock(mutex_);
        bundle_ = bundle;
      },
      [this] { return stems(); });
  output::HttpLimits limits;
  limits.body_bytes = 4 << 20;  // an annotation: a few lines a segment
  limits.write_s = 30;          // a video to a busy browser
  const auto [host, port] = output::serve_address(options.serve);
  http_ = std::make_unique<output::HttpServer>(host, port, limits, options.token);
  add_routes(http_->routes());
  labeller_ = std::thread([this] { label_worker(); });
  http_->start();
}

// The page, its data, the saves, the videos, training and the event stream.
void AnnotateServer::Impl::add_routes(httplib::Server& server) {
  server.Get("/", [](const httplib::Request&, httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    response.set_content(annotate_page(), "text/html; charset=utf-8");
  });
  server.Get("/api/state", [this](const httplib::Request&, httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    response.set_content(state_json(), "application/json");
  });
  server.Get("/api/video", [this](const httplib::Request& request, httplib::Response& response) {
    const std::string name = request.get_param_value("name");
    const auto all = stems();
    const auto stem = all.find(name);
    if (stem == all.end()) {
      response.status = 404;
      return;
    }
    response.set_header("Cache-Control", "no-store");
    if (!labelled(stem->second)) {
      request_labels(name);
      response.status = 202;  // labelling: the events say when it is done
      response.set_content(state_json(), "application/json");
      return;
    }
    try {
      response.set_content(json_text(video_json(name, stem->second)), "application/json");
    } catch (const std::exception& e) {
      response.status = 500;
      response.set_content(e.what(), "text/plain");
    }
  });
  server.Post("/api/annotation",
              [this](const httplib::Request& request, httplib::Response& response) {
                save_annotation(request, response);
              });
  server.Get(R"(/video/(.+))",
             [this](const httplib::Request& request, httplib::Response& response) {
               serve_video(request.matches[1], response);
             });
  server.Post("/api/train", [this](const httplib::Request& request, httplib::Response& response) {
    const std::string problem = training_->start(request.get_param_value("epochs"));
    response.status = problem.empty() ? 202 : 409;
    response.set_content(problem.empty() ? "started" : problem, "text/plain");
  });
  server.Post("/api/train/cancel", [this](const httplib::Request&, httplib::Response& response) {
    training_->cancel();
    response.set_content("cancelling", "text/plain");
  });
  server.Get("/events", [this](const httplib::Request&, httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    http_->stream(response, "text/event-stream",
                  [this, sent = std::string()](httplib::DataSink& sink) mutable {
                    {
                      std::unique_lock<std::mutex> lock(mutex_);
                      wake_.wait_for(lock, std::chrono::milliseconds(400),
                                     [&] { return stopping_; });
                      if (stopping_) return false;
                    }
                    // Annotation files are looked at on each round, so that a change made by
                    // someone else (an editor, a script) reaches the page within a round.
                    std::string state = state_json();
                    if (state == sent) {
                      constexpr std::string_view kIdle = ": idle\n\n";
                      return sink.write(kIdle.data(), kIdle.size());
                    }
                    sent = state;
                    const std::string message = "data: " + state + "\n\n";
                    return sink.write(message.data(), message.size());
                  });
  });
}

AnnotateServer::Impl::~Impl() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  http_.reset();      // first: its threads use the rest (event streams end on stopping_)
  training_.reset();  // cancels and waits
  if (labeller_.joinable()) labeller_.join();
}

std::map<std::string, std::string> AnnotateServer::Impl::stems() const {
  const auto names = folder_videos(folder_.string());
  const auto stems = pipeline::output_stems(names);
  std::map<std::string, std::string> by_name;
  for (size_t i = 0; i < names.size(); ++i) by_name[names[i]] = stems[i];
  return by_name;
}

std::string AnnotateServer::Impl::state_json() {
  nlohmann::json videos = nlohmann::json::array();
  nlohmann::json files = nlohmann::json::object();
  const auto all = stems();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [name, stem] : all) {
    VideoState state = videos_.count(name) ? videos_.at(name) : VideoState{};
    if (state.state == "new" && labelled(stem)) state.state = "ready";
    std::error_code error;
    bool corrected = false;
    for (const auto& entry : fs::directory_iterator(annotations_dir(), error)) {
      const std::string file = entry.path().filename().string();
      if (file.rfind(stem + ".", 0) == 0 && file.size() > 11 &&
          file.compare(file.size() - 11, 11, ".labels.csv") == 0 &&
          (file == stem + ".labels.csv" ||
           file.find_first_not_of("0123456789", stem.size() + 2) == file.size() - 11)) {
        corrected = true;
        const int64_t version = file_version(entry.path());
        const auto mine = written_.find(file);
        files[file] = {{"version", std::to_string(version)},
                       {"by_page", mine != written_.end() && mine->second == version}};
      }
    }
    videos.push_back({{"name", name},
                      {"stem", stem},
                      {"state", state.state},
                      {"done", state.done},
                      {"total", state.total},
                      {"error", state.error},
                      {"corrected", corrected}});
  }
  return json_text(nlohmann::json{
      {"videos", videos}, {"files", files}, {"train", training_->state()}, {"bundle", bundle_}});
}

void AnnotateServer::Impl::request_labels(const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& state = videos_[name];
    if (state.state == "queued" || state.state == "labelling") return;
    state = VideoState{};
    state.state = "queued";
    queue_.push_back(name);
  }
  wake_.notify_all();
}

// One video at a time, with one Labeler kept while the bundle stays the same: the backbone is
// the slow part to load.
void AnnotateServer::Impl::label_worker() {
  std::unique_ptr<pipeline::Labeler> labeler;
  std::string loaded;
  for (;;) {
    std::string name, bundle;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      name = queue_.front();
      queue_.pop_front();
      videos_[name].state = "labelling";
      bundle = bundle_;
    }
    try {
      if (!labeler || loaded != bundle) {
        labeler = std::make_unique<pipeline::Labeler>(bundle);
        loaded = bundle;
      }
      pipeline::LabelOptions label_options;
      label_options.out_dir = labels_dir().string();
      label_options.poses = true;
      label_options.people = options_.config.people;
      label_options.fall_events = options_.config.events;
      const auto all = stems();
      pipeline::label_video(*labeler, (folder_ / name).string(), all.at(name), label_options,
                            [&](int64_t done, int64_t total) {
                              std::lock_guard<std::mutex> lock(mutex_);
                              videos_[name].done = done;
                              videos_[name].total = total;
                              if (stopping_) throw Error("cancelled: the page is stopping");
                            });
      std::lock_guard<std::mutex> lock(mutex_);
      videos_[name].state = "ready";
      log::info("labelled {}", name);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      videos_[name].state = "failed";
      videos_[name].error = e.what();
      log::warn("cannot label {}: {}", name, e.what());
    }
  }
}

// What the page needs of one labelled video: per person, each frame's time, label, confidence,
// box and keypoints, and the segments to edit (the person's annotation when there is one, else
// what the model said).
nlohmann::json AnnotateServer::Impl::video_json(const std::string& name, const std::string& stem) {
  const auto about =
      nlohmann::json::parse(read_file(labels_dir() / (stem + ".segments.json")), nullptr, false);
  if (about.is_discarded())
    throw DataError("cannot read " + (labels_dir() / stem).string() + ".segments.json");
  nlohmann::json result = {{"name", name}, {"stem", stem}, {"fps", about.value("fps", 25.0)}};
  const bool multi = about.contains("people");
  result["multi"] = multi;
  std::vector<std::string> classes;
  {
    std::ifstream in(labels_dir() / (stem + ".frames.csv"));
    std::string header;
    std::getline(in, header);
    const auto columns = columns_of(header);
    const size_t first_class = columns.count("edge") ? columns.at("edge") + 1 : 0;
    const auto fields = split_csv(header);
    for (size_t i = first_class; i < fields.size(); ++i) classes.push_back(fields[i]);
    result["classes"] = classes;
    std::map<int, nlohmann::json> people;
    std::string line;
    while (std::getline(in, line)) {
      const auto row = split_csv(line);
      const int person =
          columns.count("person") ? static_cast<int>(number_at(row, columns.at("person"))) : 0;
      auto& p = people[person];
      if (p.is_null())
        p = {{"person", person},
             {"t", nlohmann::json::array()},
             {"label", nlohmann::json::array()},
             {"conf", nlohmann::json::array()}};
      p["t"].push_back(number_at(row, columns.at("time_s")));
      const auto label = std::find(classes.begin(), classes.end(), row.at(columns.at("label")));
      p["label"].push_back(label - classes.begin());
      p["conf"].push_back(std::round(number_at(row, columns.at("confidence")) * 1000) / 1000);
    }
    std::ifstream poses(labels_dir() / (stem + ".poses.csv"));
    std::getline(poses, header);
    while (std::getline(poses, line)) {
      const auto row = split_csv(line);
      auto& p = people[static_cast<int>(number_at(row, 2))];
      if (p.is_null()) continue;
      nlohmann::json pose = nlohmann::json::array();
      pose.push_back(number_at(row, 1));  // time, then (the person column left out) the box
      for (size_t i = 3; i < row.size(); ++i) pose.push_back(number_at(row, i));  // and keypoints
      p["poses"].push_back(std::move(pose));
    }
    result["people"] = nlohmann::json::array();
    for (auto& [person, p] : people) {
      const std::string file = stem + (multi ? ".p" + std::to_string(person) : "") + ".labels.csv";
      const fs::path path = annotations_dir() / file;
      nlohmann::json segments = nlohmann::json::array();
      if (fs::exists(path)) {
        std::ifstream annotation(path);
        std::getline(annotation, line);
        while (std::getline(annotation, line)) {
          const auto row = split_csv(line);
          if (row.size() < 3) continue;
          segments.push_back(
              {{"start_s", number_at(row, 0)}, {"end_s", number_at(row, 1)}, {"label", row[2]}});
        }
      }
      p["file"] = file;
      p["corrected"] = fs::exists(path);
      p["version"] = std::to_string(file_version(path));
      p["segments"] = segments;  // empty: the page makes them from the frames
      result["people"].push_back(std::move(p));
    }
  }
  return result;
}

void AnnotateServer::Impl::save_annotation(const httplib::Request& request,
                                           httplib::Response& response) {
  const std::string name = request.get_param_value("name");
  const auto all = stems();
  const auto stem = all.find(name);
  if (stem == all.end() || !labelled(stem->second)) {
    response.status = 404;
    return;
  }
  const std::string person = request.get_param_value("person");
  if (!person.empty() && person.find_first_not_of("0123456789") != std::string::npos) {
    response.status = 400;
    response.set_content("person: not a number: " + person, "text/plain");
    return;
  }
  // The run's classes and people from its segments JSON (not every frame: this runs on each
  // change the page makes).
  const auto about = nlohmann::json::parse(
      read_file(labels_dir() / (stem->second + ".segments.json")), nullptr, false);
  if (about.is_discarded() || !about.contains("classes")) {
    response.status = 500;
    response.set_content("cannot read the labels of " + name, "text/plain");
    return;
  }
  const bool multi = about.contains("people");
  bool known_person = !multi;
  for (const auto& one : multi ? about["people"] : nlohmann::json::array()) {
    known_person = known_person || std::to_string(one.value("person", -1)) == person;
  }
  if (!known_person) {
    response.status = 400;
    response.set_content("person: " + name + " has no person '" + person + "'", "text/plain");
    return;
  }
  // Only what the training reads: start_s,end_s,label lines, numbers in order, known labels.
  const auto& classes = about["classes"];
  std::istringstream in(request.body);
  std::string line, problem;
  std::getline(in, line);
  if (line != "start_s,end_s,label") problem = "line 1: expected the header start_s,end_s,label";
  for (int number = 2; problem.empty() && std::getline(in, line); ++number) {
    const auto row = split_csv(line);
    char* end = nullptr;
    const double start = row.size() == 3 ? std::strtod(row[0].c_str(), &end) : 0;
    const double stop = row.size() == 3 ? std::strtod(row[1].c_str(), nullptr) : 0;
    if (row.size() != 3 || !(start >= 0) || !(stop > start)) {
      problem = fmt::format("line {}: expected start_s,end_s,label with start_s < end_s", number);
    } else if (std::find(classes.begin(), classes.end(), row[2]) == classes.end()) {
      problem = fmt::format("line {}: unknown label '{}'", number, row[2]);
    }
  }
  if (!problem.empty()) {
    response.status = 400;
    response.set_content("annotation of " + name + ": " + problem, "text/plain");
    return;
  }
  const std::string file = stem->second + (multi ? ".p" + person : std::string()) + ".labels.csv";
  std::lock_guard<std::mutex> lock(mutex_);
  fs::create_directories(annotations_dir());
  // The segments JSON beside names the video, for `data import labels`.
  const fs::path segments = annotations_dir() / (stem->second + ".segments.json");
  if (!fs::exists(segments)) {
    write_text_atomically(segments.string(),
                          read_file(labels_dir() / (stem->second + ".segments.json")));
  }
  // Of several people, each one's boxes too: training follows the person a file names in the
  // run the page showed, not in a later relabelling.
  const fs::path frames = annotations_dir() / (stem->second + ".frames.csv");
  if (multi && !fs::exists(frames)) {
    write_text_atomically(frames.string(),
                          read_file(labels_dir() / (stem->second + ".frames.csv")));
  }
  write_text_atomically((annotations_dir() / file).string(), request.body);
  written_[file] = file_version(annotations_dir() / file);
  response.set_content(
      json_text(nlohmann::json{{"file", file}, {"version", std::to_string(written_[file])}}),
      "application/json");
}

void AnnotateServer::Impl::serve_video(const std::string& relative, httplib::Response& response) {
  const auto path = served_path(folder_.string(), relative);
  if (!path) {
    response.status = 404;
    return;
  }
  std::string copy;
  try {
    copy = playable_copy(*path);
  } catch (const std::exception& e) {
    response.status = 500;
    response.set_content(e.what(), "text/plain");
    return;
  }
  response.set_header("Cache-Control", "no-cache");
  // Read as the browser asks (it seeks with ranges, which cpp-httplib answers from a provider
  // of known size): a long video is never held in memory whole.
  std::error_code error;
  const auto size = fs::file_size(copy, error);
  auto in = std::make_shared<std::ifstream>(copy, std::ios::binary);
  if (error || !*in) {
    response.status = 500;
    return;
  }
  response.set_content_provider(
      static_cast<size_t>(size), "video/mp4",
      [in](size_t offset, size_t length, httplib::DataSink& sink) {
        std::vector<char> buffer(std::min<size_t>(length, 1 << 16));
        in->clear();
        in->seekg(static_cast<std::streamoff>(offset));
        if (!in->read(buffer.data(), static_cast<std::streamsize>(buffer.size()))) return false;
        return sink.write(buffer.data(), buffer.size());
      });
}

// An H.264 copy (what every browser plays) in .actrec/play/, made once per version of the
// source: a video's codec (MJPEG in AVI, MPEG-4 Part 2) is often one no browser plays.
std::string AnnotateServer::Impl::playable_copy(const std::string& source) {
  const fs::path relative = fs::relative(source, folder_);
  std::string flat = relative.string();
  std::replace(flat.begin(), flat.end(), '/', '_');
  const fs::path copy = cache_ / "play" / (flat + ".mp4");
  std::lock_guard<std::mutex> lock(copy_mutex_);
  std::error_code error;
  if (fs::exists(copy, error) &&
      fs::last_write_time(copy, error) >= fs::last_write_time(source, error)) {
    return copy.string();
  }
  fs::create_directories(copy.parent_path());
  cv::VideoCapture in(source, cv::CAP_FFMPEG);
  if (!in.isOpened()) throw InputError("cannot read " + source + ": not a video OpenCV opens");
  const double fps = in.get(cv::CAP_PROP_FPS) > 0 ? in.get(cv::CAP_PROP_FPS) : 25.0;
  write_atomically(copy.string(), [&](const std::string& temp) {
    cv::VideoWriter writer;
    cv::Mat frame;
    cv::Size size;
    while (in.read(frame)) {
      if (!writer.isOpened()) {
        // H.264's 4:2:0 takes even sides: a column or row less, never a scaled picture, so
        // that the overlay's pixels stay the video's.
        size = {frame.cols & ~1, frame.rows & ~1};
        if (output::open_browser_video(writer, temp, relative.string(), fps, size) != "h264") {
          log::warn("{}: the page's copy is not H.264: browsers may not play it", source);
        }
      }
      writer.write(frame(cv::Rect({0, 0}, size)));
    }
    if (!writer.isOpened()) throw InputError("cannot read " + source + ": no frames");
  });
  return copy.string();
}

AnnotateServer::AnnotateServer(const AnnotateOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}
AnnotateServer::~AnnotateServer() = default;
std::string AnnotateServer::url() const { return impl_->http_->url(); }
int AnnotateServer::port() const { return impl_->http_->port(); }

}  // namespace actrec::annotate
