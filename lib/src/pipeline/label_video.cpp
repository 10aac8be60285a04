#include "actrec/pipeline/label_video.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/claim.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/json_text.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/output/label_outputs.hpp"
#include "actrec/video/threaded_source.hpp"

namespace actrec::pipeline {
namespace fs = std::filesystem;

namespace {
std::string output_path(const LabelOptions& options, const std::string& stem, const char* suffix) {
  return (fs::path(options.out_dir) / (stem + suffix)).string();
}
}  // namespace

std::vector<std::string> label_output_paths(const std::string& stem, const LabelOptions& options) {
  std::vector<std::string> paths;
  for (const char* suffix : {".frames.csv", ".segments.json", ".srt"}) {
    paths.push_back(output_path(options, stem, suffix));
  }
  if (options.vtt) paths.push_back(output_path(options, stem, ".vtt"));
  if (options.events) paths.push_back(output_path(options, stem, ".events.json"));
  if (options.annotations && options.people.persons == config::Persons::single) {
    paths.push_back(output_path(options, stem, ".labels.csv"));  // (multi: one per person)
  }
  if (options.overlay) paths.push_back(output_path(options, stem, ".overlay.mp4"));
  if (options.poses) paths.push_back(output_path(options, stem, ".poses.csv"));
  return paths;
}

// <stem>.labels.csv, or per person (person >= 0) <stem>.p<ID>.labels.csv.
std::string annotation_path(const LabelOptions& options, const std::string& stem, int person) {
  return output_path(options, stem + (person >= 0 ? ".p" + std::to_string(person) : ""),
                     ".labels.csv");
}

std::vector<std::string> output_stems(const std::vector<std::string>& videos) {
  std::set<std::string> taken;
  std::vector<std::string> stems;
  for (const auto& video : videos) {
    // A stream's file name may be a query full of secrets: its host and path name it instead.
    const video::SourceSpec spec = video::classify_source(video);
    const std::string stem = spec.kind == video::SourceKind::stream
                                 ? video::source_slug(spec)
                                 : fs::path(video).stem().string();
    std::string candidate = stem;
    for (int n = 2; !taken.insert(candidate).second; ++n) candidate = stem + "-" + std::to_string(n);
    stems.push_back(candidate);
  }
  return stems;
}

std::pair<size_t, size_t> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  size_t index = 0, count = 0;
  auto whole = [](const std::string& digits, size_t& value) {
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return !digits.empty() && error == std::errc() && end == digits.data() + digits.size();
  };
  if (slash == std::string::npos || !whole(text.substr(0, slash), index) ||
      !whole(text.substr(slash + 1), count) || count == 0 || index >= count) {
    throw ConfigError("invalid --shard '" + text + "': expected I/N with 0 <= I < N, e.g. 0/4");
  }
  return {index, count};
}

namespace {

std::vector<output::PersonFrame> people_of(const LabelledFrame& frame, const std::set<int>& fallen) {
  std::vector<output::PersonFrame> people;
  for (const auto& person : frame.people) {
    people.push_back({person.person, person.pose.empty() ? nullptr : person.pose.data(),
                      person.label, person.confidence, person.probabilities.data(),
                      person.visible, person.at_edge, fallen.count(person.person) > 0});
  }
  return people;
}

void write_pose(std::ostream& out, int64_t frame, double time_s,
                const output::PersonFrame& person) {
  const features::ConstPose pose{person.pose};
  out << frame << ',' << fmt::format("{:.3f}", time_s) << ',' << person.person;
  for (int i = 0; i < 4; ++i) out << fmt::format(",{:.1f}", pose.box(i));
  for (int k = 0; k < features::kKeypoints; ++k) {
    out << fmt::format(",{:.1f},{:.1f},{:.2f}", pose.v[3 * k], pose.v[3 * k + 1],
                       pose.v[3 * k + 2]);
  }
  out << '\n';
}

nlohmann::json event_json(const PersonEvent& event) {
  nlohmann::json json = {{"event", to_string(event.kind)}, {"person", event.person},
                         {"frame", event.frame}};
  if (event.kind == PersonEvent::Kind::fall) {
    json["start_s"] = std::round(event.start_s * 1000) / 1000;
    json["end_s"] = std::round(event.end_s * 1000) / 1000;
    json["confidence"] = std::round(event.confidence * 10000) / 10000;
  } else {
    json["time_s"] = std::round(event.end_s * 1000) / 1000;
    if (event.identity_lost) json["identity_lost"] = true;
  }
  return json;
}

}  // namespace

namespace {

// Where `path` is, whatever folder it was named from.
std::string where_is(const std::string& path) {
  std::error_code error;
  const auto resolved = fs::weakly_canonical(path, error);
  return (error ? fs::absolute(path).lexically_normal() : resolved).string();
}

bool same_file(const std::string& a, const std::string& b) { return where_is(a) == where_is(b); }

// Outputs named `stem` that hold another video's labels (two videos of one name labelled into
// one folder by different runs) are neither overwritten nor taken for this video's.
void refuse_another_videos_outputs(const std::string& segments_path, const std::string& video) {
  std::ifstream in(segments_path);
  if (!in) return;
  std::string other;
  try {
    other = nlohmann::json::parse(in).value("video", "");
  } catch (const nlohmann::json::exception&) {
    return;  // not ours to judge: written whole by someone else, overwritten as before
  }
  if (!other.empty() && !same_file(other, video)) {
    throw InputError("cannot label " + video + ": " + segments_path + " holds the labels of " +
                     other + ", another video of the same name: label into another folder (-o)");
  }
}

}  // namespace

LabelResult label_video(Labeler& labeler, const std::string& video, const std::string& stem,
                        const LabelOptions& options,
                        const std::function<void(int64_t, int64_t)>& on_frame) {
  const auto outputs = label_output_paths(stem, options);
  // What the outputs say the video was: a stream's user:password and query secrets left out.
  const std::string shown = video::redact_credentials(video);
  // Another run labelling into this folder now, a video of the same name: the name is claimed by
  // the first, the second refused (else one's outputs would replace the other's as each ends).
  fs::create_directories(options.out_dir);
  const Claim claim(output_path(options, "." + stem, ".labelling"),
                    video.find("://") == std::string::npos ? where_is(video) : shown);
  if (!claim.held()) {
    throw InputError("cannot label " + shown + ": " + output_path(options, stem, ".*") +
                     " are being written by another actrec process labelling " +
                     (claim.holder().empty() ? "a video" : claim.holder()) +
                     ": label into another folder (-o), or once it has ended");
  }
  refuse_another_videos_outputs(output_path(options, stem, ".segments.json"), shown);
  if (options.skip_existing &&
      std::all_of(outputs.begin(), outputs.end(),
                  [](const std::string& path) { return fs::exists(path); })) {
    LabelResult result;
    result.outputs = outputs;
    result.skipped = true;
    return result;
  }
  return label_source(labeler, video::open_source(video::classify_source(video)), shown, stem,
                      options, on_frame);
}

LabelResult label_source(Labeler& labeler, std::unique_ptr<video::FrameSource> input,
                         const std::string& video, const std::string& stem,
                         const LabelOptions& options,
                         const std::function<void(int64_t, int64_t)>& on_frame) {
  Stopwatch clock;
  LabelResult result;
  result.outputs = label_output_paths(stem, options);
  fs::create_directories(options.out_dir);
  // A run killed earlier (even with SIGKILL) may have left hidden partial files: never kept.
  for (const auto& path : result.outputs) remove_stale_temporaries(path);
  features::FeatureExtractor& extractor = labeler.extractor();
  const bool keep_image = options.overlay;
  video::ThreadedSource source(std::move(input), options.queue_size, QueuePolicy::block,
                               [&extractor, keep_image](Frame& frame) {
                                 frame.prepared = extractor.prepare(frame.image);
                                 if (!keep_image) frame.image.release();
                               });
  const bool multi = options.people.persons == config::Persons::multi;
  StreamLabeler stream(labeler, source.fps(), source.frame_size(), options.people,
                       options.fall_events);
  const auto& labels = labeler.labels();
  const double period = 1.0 / source.fps();
  output::FramesCsvWriter frames_csv(output_path(options, stem, ".frames.csv"), labels, multi);
  std::optional<output::OverlayWriter> overlay;
  if (options.overlay) {
    overlay.emplace(output_path(options, stem, ".overlay.mp4"), source.fps(), source.frame_size(),
                    labels, multi);
  }
  std::optional<TemporaryFile> poses_file;
  std::ofstream poses_csv;
  if (options.poses) {
    poses_file.emplace(output_path(options, stem, ".poses.csv"));
    poses_csv.open(poses_file->path());
    poses_csv << "frame,time_s,person,x0,y0,x1,y1";
    for (const auto& name : features::kKeypointNames) {
      poses_csv << ',' << name << "_x," << name << "_y," << name << "_score";
    }
    poses_csv << '\n';
  }
  std::map<int, output::SegmentBuilder> segments;  // per person
  nlohmann::json events = nlohmann::json::array();
  std::set<int> fallen;  // people whose fall stands
  auto write = [&](const std::vector<LabelledFrame>& frames) {
    for (const auto& frame : frames) {
      const double time_s = static_cast<double>(frame.timestamp_us) * 1e-6;
      for (const auto& event : frame.events) {
        events.push_back(event_json(event));
        if (event.kind == PersonEvent::Kind::fall) {
          fallen.insert(event.person);
          ++result.falls;
        } else if (event.kind == PersonEvent::Kind::up) {
          fallen.erase(event.person);
        }
      }
      const auto people = people_of(frame, fallen);
      for (const auto& person : people) {
        frames_csv.write(frame.index, time_s, person);
        if (poses_csv.is_open() && person.pose) write_pose(poses_csv, frame.index, time_s, person);
        segments[person.person].add(frame.index, time_s, person.label, person.confidence, period);
      }
      if (overlay) overlay->write(frame.image, people, time_s);
      result.person_frames += static_cast<int64_t>(people.size());
      result.max_people = std::max(result.max_people, static_cast<int>(people.size()));
      for (const auto& person : people) result.people_seen = std::max(result.people_seen, person.person);
      ++result.frames;
      if (on_frame) on_frame(result.frames, source.frame_count());
    }
  };
  Stopwatch stage;
  while (auto frame = source.read()) {
    result.stages.add("wait for decode", stage.lap());
    const auto ready = stream.push(std::move(*frame));
    result.stages.add("features + model", stage.lap());
    write(ready);
    result.stages.add("outputs", stage.lap());
  }
  write(stream.finish());
  frames_csv.commit();
  if (poses_file) {
    poses_csv.flush();
    if (!poses_csv)
      throw Error("cannot write " + poses_file->target() + ": write failed (disk full?)");
    poses_csv.close();
    poses_file->commit();
  }
  const std::string& background = labeler.background();
  // Segments and subtitles both from the runs merged as --min-segment says.
  std::vector<output::Cue> all_cues;
  if (multi) {
    std::vector<std::pair<int, std::vector<Segment>>> people;
    for (const auto& [person, builder] : segments) {
      people.push_back({person, builder.segments(options.min_segment)});
    }
    write_text_atomically(output_path(options, stem, ".segments.json"), output::people_segments_json(
                                                 people, labels, background, video, source.fps()));
    all_cues = output::people_cues(people, labels);
    if (options.annotations) {
      for (const auto& [person, runs] : people) {
        write_text_atomically(annotation_path(options, stem, person),
                              output::annotation_csv(runs, labels));
      }
    }
  } else {
    const auto runs = segments[0].segments(options.min_segment);
    write_text_atomically(output_path(options, stem, ".segments.json"),
                          output::segments_json(runs, labels, background, video, source.fps()));
    all_cues = output::segment_cues(runs, labels);
    if (options.annotations) {
      write_text_atomically(annotation_path(options, stem, -1), output::annotation_csv(runs, labels));
    }
  }
  write_text_atomically(output_path(options, stem, ".srt"), output::subtitles(all_cues, false));
  if (options.vtt) {
    write_text_atomically(output_path(options, stem, ".vtt"), output::subtitles(all_cues, true));
  }
  if (options.events) {
    write_text_atomically(
        output_path(options, stem, ".events.json"),
        json_text(nlohmann::json{{"video", video}, {"fps", source.fps()}, {"events", events}}, 2) +
            "\n");
  }
  if (overlay) overlay->commit();
  result.seconds = clock.seconds();
  return result;
}

}  // namespace actrec::pipeline
