#include "actrec/data/importers.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/natural_sort.hpp"
#include "actrec/core/text.hpp"
#include "actrec/data/class_names.hpp"
#include "actrec/data/dataset.hpp"
#include "actrec/video/inputs.hpp"
#include "actrec/video/probe.hpp"

namespace actrec::data {
namespace fs = std::filesystem;

ImportFormat parse_import_format(const std::string& text) {
  if (text == "folders") return ImportFormat::folders;
  if (text == "gmdcsa24") return ImportFormat::gmdcsa24;
  if (text == "mstcn") return ImportFormat::mstcn;
  if (text == "labels") return ImportFormat::labels;
  throw ConfigError("unknown dataset format '" + text + "' (known: folders, gmdcsa24, mstcn, labels)");
}

std::optional<std::string> map_label(const config::LabelMap& map, const std::string& source) {
  if (map.rules.empty()) return source;
  for (const auto& [pattern, target] : map.rules) {
    if (pattern == source || ::fnmatch(pattern.c_str(), source.c_str(), 0) == 0) return target;
  }
  return std::nullopt;
}

std::vector<LabelledRange> resolve_overlaps(const std::vector<LabelledRange>& segments,
                                         const std::vector<std::string>& precedence) {
  auto rank = [&](const std::string& label) {
    const auto at = std::find(precedence.begin(), precedence.end(), label);
    return at - precedence.begin();  // unlisted labels rank after every listed one
  };
  std::set<double> cuts;
  for (const auto& s : segments) {
    cuts.insert(s.start);
    cuts.insert(s.end);
  }
  std::vector<LabelledRange> out;
  for (auto it = cuts.begin(); it != cuts.end() && std::next(it) != cuts.end(); ++it) {
    const double from = *it, to = *std::next(it);
    const LabelledRange* winner = nullptr;
    for (const auto& s : segments) {
      if (s.start > from || s.end < to) continue;
      if (!winner || rank(s.label) < rank(winner->label)) winner = &s;
    }
    if (!winner) continue;
    if (!out.empty() && out.back().label == winner->label && out.back().end == from) {
      out.back().end = to;
    } else {
      out.push_back({from, to, winner->label});
    }
  }
  return out;
}

namespace {

bool parse_seconds(const std::string& text, double& value) {
  return parse_number(trim(text), value) && value >= 0;
}

// One GMDCSA24 "Classes" cell: `Name[a to b; c to d]; Other[e to f]`. Returns the reason it
// cannot be read, or "" with `out` filled.
std::string parse_classes(const std::string& cell, std::vector<LabelledRange>& out) {
  size_t i = 0;
  while (i < cell.size()) {
    while (i < cell.size() && (cell[i] == ';' || std::isspace(static_cast<unsigned char>(cell[i])))) ++i;
    if (i >= cell.size()) break;
    const size_t open = cell.find('[', i);
    const size_t stop = cell.find_first_of(";]", i);  // a label ends at its '[', or it has none
    if (open == std::string::npos || (stop != std::string::npos && stop < open)) {
      const std::string name = trim(cell.substr(i, stop == std::string::npos ? std::string::npos : stop - i));
      return "label '" + name.substr(0, 40) + "' has no [start to end] range";
    }
    const std::string name = trim(cell.substr(i, open - i));
    const size_t close = cell.find(']', open);
    const size_t reopen = cell.find('[', open + 1);
    if (close == std::string::npos || (reopen != std::string::npos && reopen < close)) {
      return "the bracket after '" + name.substr(0, 40) + "' is not closed";
    }
    if (name.empty()) return "a range without a label";
    const std::string ranges = cell.substr(open + 1, close - open - 1);
    size_t start = 0;
    while (start <= ranges.size()) {
      const size_t semicolon = ranges.find(';', start);
      const std::string range = trim(ranges.substr(start, semicolon == std::string::npos ? std::string::npos : semicolon - start));
      const size_t to = range.find(" to ");
      double a = 0, b = 0;
      if (to == std::string::npos || !parse_seconds(range.substr(0, to), a) ||
          !parse_seconds(range.substr(to + 4), b)) {
        return "range '" + range.substr(0, 40) + "' of " + name.substr(0, 40) +
               " is not 'START to END' in seconds";
      }
      if (b <= a) {
        return fmt::format("range [{} to {}] of {} ends before it starts", a, b, name.substr(0, 40));
      }
      out.push_back({a, b, name});
      if (semicolon == std::string::npos) break;
      start = semicolon + 1;
    }
    i = close + 1;
    // What follows a range list must be the next label (after ';'); stray characters are not.
    while (i < cell.size() && std::isspace(static_cast<unsigned char>(cell[i]))) ++i;
    if (i < cell.size() && cell[i] != ';') {
      return "unexpected '" + cell.substr(i, 10) + "' after " + name.substr(0, 40) + "'s ranges";
    }
  }
  if (out.empty()) return "no labelled ranges";
  return "";
}

class Writer {
 public:
  Writer(const ImportOptions& options, ImportReport& report)
      : options_(options), report_(report) {
    const fs::path manifest(options.manifest);
    folder_ = manifest.parent_path();
    labels_dir_ = manifest.stem().string() + ".labels";
  }

  std::string relative(const fs::path& path) const {
    return fs::relative(fs::absolute(path), fs::absolute(folder_.empty() ? "." : folder_))
        .lexically_normal()
        .string();
  }

  // A clip annotated with segments in seconds (`-`: not scored).
  void segments(const fs::path& video, const std::string& group, const std::string& name,
                const std::vector<LabelledRange>& segments) {
    std::string text = "start_s,end_s,label\n";
    for (const auto& s : segments) {
      text += fmt::format("{:g},{:g},{}\n", s.start, s.end, csv_field(s.label));
      if (s.label != "-") report_.seconds[s.label] += s.end - s.start;
    }
    annotation(video, group, name, text);
  }

  // A clip annotated by `text`, the segments file written beside the manifest; with `track`
  // (the text of a person's boxes), about that person of several, their track beside it.
  void annotation(const fs::path& video, const std::string& group, const std::string& name,
                  const std::string& text, const std::string& track = "") {
    const fs::path file = (folder_ / labels_dir_ / (name + ".csv"));
    fs::create_directories(file.parent_path());
    write_text_atomically(file.string(), text);
    report_.written.push_back(file.string());
    std::string track_field;
    if (!track.empty()) {
      const fs::path track_file = folder_ / labels_dir_ / (name + ".track.csv");
      write_text_atomically(track_file.string(), track);
      report_.written.push_back(track_file.string());
      track_field = (fs::path(labels_dir_) / (name + ".track.csv")).string();
    }
    row(video, fs::path(labels_dir_) / (name + ".csv"), group, track_field);
  }

  // A clip with one label throughout.
  void clip(const fs::path& video, const std::string& group, const std::string& label) {
    report_.seconds[label] += 1;
    row(video, label, group);
  }

  // A clip with a label per frame: a .txt beside a mapping.txt of the vocabulary.
  void frames(const fs::path& video, const std::string& group, const std::string& name,
              const std::vector<std::string>& labels) {
    std::string text;
    for (const auto& label : labels) {
      text += label + "\n";
      if (label != "-") vocabulary_.insert(label);
    }
    const fs::path file = folder_ / labels_dir_ / (name + ".txt");
    fs::create_directories(file.parent_path());
    write_text_atomically(file.string(), text);
    report_.written.push_back(file.string());
    row(video, fs::path(labels_dir_) / (name + ".txt"), group);
  }

  void finish() {
    if (report_.clips == 0) {  // an empty manifest is no dataset: said, and nothing written
      std::string why;
      for (const auto& problem : report_.problems) {
        why += (report_.problems.size() == 1 ? " " : "\n  ") + problem;
      }
      throw DataError("cannot import: " + options_.source + ": no clip to import:" +
                      (why.empty() ? " the label map drops every label" : why));
    }
    if (!vocabulary_.empty()) {
      std::string mapping;
      int index = 0;
      for (const auto& label : vocabulary_) mapping += fmt::format("{} {}\n", index++, label);
      const fs::path file = folder_ / labels_dir_ / "mapping.txt";
      write_text_atomically(file.string(), mapping);
      report_.written.push_back(file.string());
    }
    // The track column only where a clip is about one person of several: other readers of
    // the manifest (older versions, spreadsheets) see the four columns they know.
    std::string manifest =
        tracked_ ? "video,split,annotation,group,track\n" : "video,split,annotation,group\n";
    for (const auto& [row, track] : rows_) {
      manifest += row + (tracked_ ? "," + csv_field(track) : std::string()) + "\n";
    }
    write_text_atomically(options_.manifest, manifest);
    report_.written.insert(report_.written.begin(), options_.manifest);
  }

 private:
  void row(const fs::path& video, const fs::path& annotation, const std::string& group,
           const std::string& track = "") {
    rows_.emplace_back(
        fmt::format("{},{},{},{}", csv_field(relative(video)), csv_field(options_.split),
                    csv_field(annotation.string()), csv_field(group)),
        track);
    tracked_ = tracked_ || !track.empty();
    ++report_.clips;
  }

  const ImportOptions& options_;
  ImportReport& report_;
  fs::path folder_;
  std::string labels_dir_;
  std::vector<std::pair<std::string, std::string>> rows_;  // video..group, and track
  bool tracked_ = false;
  std::set<std::string> vocabulary_;
};

// The mapped segments of one clip, or the reason they cannot be had.
std::string map_segments(const config::LabelMap& map, std::vector<LabelledRange>& segments) {
  std::vector<LabelledRange> kept;
  for (auto& s : segments) {
    const auto target = map_label(map, s.label);
    if (!target) return "label '" + s.label.substr(0, 40) + "' is not in the label map";
    if (target->empty()) continue;
    kept.push_back({s.start, s.end, *target});
  }
  segments = std::move(kept);
  return "";
}

// Annotations end where the video ends: a range reaching less than a second past it (the
// annotator's rounding) is cut there and the cut noted; one reaching further is a problem.
std::string clamp_to_length(std::vector<LabelledRange>& segments, double length_s,
                            const std::string& where, std::vector<std::string>& notes) {
  constexpr double kSlack_s = 1.0;
  std::vector<LabelledRange> kept;
  for (auto s : segments) {
    const double past = s.end - length_s;
    if (past >= kSlack_s) {
      return fmt::format("{}: {} [{} to {}] ends {:.2f} s past the video's end ({:.3f} s)", where,
                         s.label, s.start, s.end, past, length_s);
    }
    if (past > 1e-9) {
      notes.push_back(fmt::format("{}: {} [{} to {}] ends {:.2f} s past the video's end: cut at "
                                  "{:.3f} s",
                                  where, s.label, s.start, s.end, past, length_s));
      s.end = length_s;
    }
    if (s.end > s.start) kept.push_back(s);
  }
  segments = std::move(kept);
  return "";
}

// `ranges` (sorted, disjoint) and, between them, the time no range covers up to `end` marked
// `-` (line 0): time nobody labelled, or a row that was left out, is not scored rather than
// taken for a class. Gaps no longer than `rounding` are left for the reader to close.
std::vector<LabelledRange> with_unscored_gaps(const std::vector<LabelledRange>& ranges, double end,
                                              double rounding) {
  std::vector<LabelledRange> all;
  double at = 0;
  for (const auto& range : ranges) {
    if (range.start - at > rounding) all.push_back({at, range.start, kNotScored});
    all.push_back(range);
    at = range.end;
  }
  if (end - at > rounding) all.push_back({at, end, kNotScored});
  return all;
}

void import_gmdcsa24(const ImportOptions& options, ImportReport& report) {
  Writer writer(options, report);
  std::vector<fs::path> subjects;
  for (const auto& entry : fs::directory_iterator(options.source)) {
    if (entry.is_directory() && entry.path().filename().string().rfind("Subject", 0) == 0) {
      subjects.push_back(entry.path());
    }
  }
  std::sort(subjects.begin(), subjects.end(),
            [](const fs::path& a, const fs::path& b) { return natural_less(a.string(), b.string()); });
  if (subjects.empty()) {
    throw InputError("cannot import: " + options.source +
                     ": no 'Subject N' folders: not a GMDCSA24 dataset");
  }
  for (const auto& subject : subjects) {
    for (const char* kind : {"ADL", "Fall"}) {
      const fs::path csv = subject / (std::string(kind) + ".csv");
      if (!fs::exists(csv)) continue;
      const auto lines = read_text_lines(csv.string());
      for (size_t i = 1; i < lines.size(); ++i) {
        const std::string where = fmt::format("{}:{}", csv.string(), i + 1);
        if (trim(lines[i]).empty()) continue;
        const auto fields = split_csv(lines[i]);
        if (fields.size() < 6) {
          report.problems.push_back(where + ": expected 6 fields (File Name ... Classes), got " +
                                    std::to_string(fields.size()));
          continue;
        }
        const std::string file = trim(fields[0]);
        const fs::path video = subject / kind / file;
        if (!fs::exists(video)) continue;  // listed but not part of this copy of the dataset
        std::string cell = fields[5];
        for (size_t f = 6; f < fields.size(); ++f) cell += "," + fields[f];
        std::vector<LabelledRange> segments;
        std::string problem = parse_classes(cell, segments);
        if (problem.empty()) problem = map_segments(options.labels, segments);
        if (!problem.empty()) {
          report.problems.push_back(where + ": " + file + ": " + problem + "; left out");
          continue;
        }
        auto resolved = resolve_overlaps(segments, options.labels.precedence);
        // The video as decoded, not as the CSV says: its ranges sometimes overshoot the end.
        double length = 0;
        try {
          const auto probe = video::probe_video(video.string());
          length = static_cast<double>(probe.decoded_frames) / probe.fps;
        } catch (const InputError& e) {
          report.problems.push_back(where + ": " + e.what() + "; left out");
          continue;
        }
        problem = clamp_to_length(resolved, length, where + ": " + file, report.notes);
        if (!problem.empty()) {
          report.problems.push_back(problem + "; left out");
          continue;
        }
        const std::string name = subject.filename().string() + "_" + kind + "_" + video.stem().string();
        std::string clean;
        for (char c : name) clean += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        writer.segments(video, subject.filename().string(), clean,
                        with_unscored_gaps(resolved, length, 0));
      }
    }
  }
  writer.finish();
}

void import_folders(const ImportOptions& options, ImportReport& report) {
  Writer writer(options, report);
  std::vector<fs::path> videos;
  for (const auto& entry : fs::recursive_directory_iterator(options.source)) {
    if (entry.is_regular_file() && video::has_video_extension(entry.path().string())) {
      videos.push_back(entry.path());
    }
  }
  std::sort(videos.begin(), videos.end(),
            [](const fs::path& a, const fs::path& b) { return natural_less(a.string(), b.string()); });
  if (videos.empty()) throw InputError("cannot import: " + options.source + ": no video files in it");
  for (const auto& video : videos) {
    std::string source = video.parent_path().filename().string();
    if (options.label_from_file) {  // "01_walking_slowly" -> "walking_slowly"
      source = video.stem().string();
      const size_t start = source.find_first_not_of("0123456789_- ");
      source = start == std::string::npos ? source : source.substr(start);
    }
    const auto target = map_label(options.labels, source);
    if (!target) {
      report.problems.push_back(video.string() + ": label '" + source +
                                "' is not in the label map; left out");
      continue;
    }
    if (target->empty()) continue;
    writer.clip(video, video.parent_path().filename().string(), *target);
  }
  writer.finish();
}

void import_mstcn(const ImportOptions& options, ImportReport& report) {
  const fs::path root(options.source), truth = root / "groundTruth";
  if (!fs::is_directory(truth)) {
    throw InputError("cannot import: " + options.source +
                     ": no groundTruth/ folder: not an MS-TCN style dataset");
  }
  Writer writer(options, report);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(truth)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return natural_less(a.string(), b.string()); });
  for (const auto& file : files) {
    fs::path video;
    for (const char* ext : {".mp4", ".avi", ".mkv", ".mov", ".webm"}) {
      const fs::path candidate = root / "videos" / (file.stem().string() + ext);
      if (fs::exists(candidate)) video = candidate;
    }
    if (video.empty()) {
      report.problems.push_back(file.string() + ": no video " + (root / "videos" / file.stem()).string() +
                                ".{mp4,avi,mkv,mov,webm}; left out");
      continue;
    }
    std::vector<std::string> labels;
    std::string problem;
    const auto lines = read_text_lines(file.string());
    for (size_t i = 0; i < lines.size() && problem.empty(); ++i) {
      const std::string label = trim(lines[i]);
      if (label.empty()) {
        if (i + 1 < lines.size()) problem = fmt::format("{}:{}: empty label", file.string(), i + 1);
        continue;
      }
      const auto target = map_label(options.labels, label);
      if (!target) problem = fmt::format("{}:{}: label '{}' is not in the label map", file.string(), i + 1, label.substr(0, 40));
      labels.push_back(target && !target->empty() ? *target : "-");
    }
    if (!problem.empty()) {
      report.problems.push_back(problem + "; left out");
      continue;
    }
    for (const auto& label : labels) report.seconds[label] += label == "-" ? 0 : 1;
    writer.frames(video, "", file.stem().string(), labels);
  }
  writer.finish();
}

// What a <stem>.segments.json that `actrec label` wrote says of the clip it labelled.
struct LabelledClip {
  std::string video;
  std::vector<std::string> classes;  ///< the model's
  double fps = 0;
  double end_s = 0;  ///< where its last segment ends: the clip's length
  int64_t end_frame = 0;
};

// The clip a segments JSON describes; of several people's, where `person`'s run ends.
std::optional<LabelledClip> read_labelled_clip(const fs::path& segments, int person = -1) {
  try {
    std::ifstream in(segments);
    const auto json = nlohmann::json::parse(in);
    LabelledClip clip;
    clip.video = json.value("video_path", json.value("video", ""));
    clip.classes = json.value("classes", std::vector<std::string>{});
    clip.fps = json.at("fps").get<double>();
    const nlohmann::json* list = json.contains("segments") ? &json.at("segments") : nullptr;
    if (person >= 0 && json.contains("people")) {
      for (const auto& one : json.at("people")) {
        if (one.at("person").get<int>() == person) list = &one.at("segments");
      }
    }
    if (!list) return std::nullopt;
    if (!list->empty()) {
      clip.end_s = list->back().at("end_s").get<double>();
      clip.end_frame = list->back().at("end_frame").get<int64_t>();
    }
    if (clip.fps > 0) return clip;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// Labels spelt otherwise than the model's classes, each said once with where it was first seen.
class ClassSpellings {
 public:
  explicit ClassSpellings(ImportReport& report) : report_(report) {}

  // `range`'s label as the model's class where it only differs in case or spacing; a label the
  // model does not know is kept, and said.
  void match(LabelledRange& range, const std::vector<std::string>& classes,
             const std::string& where) {
    if (range.label == kNotScored || classes.empty() ||
        std::find(classes.begin(), classes.end(), range.label) != classes.end()) {
      return;
    }
    const std::string spelt = range.label;
    if (const auto name = same_class(spelt, classes)) {
      range.label = *name;
      if (said_.insert(spelt).second) {
        report_.notes.push_back(
            fmt::format("{}: '{}' taken as the model's class '{}'", where, spelt, *name));
      }
    } else if (said_.insert(spelt).second) {
      report_.warnings.push_back(fmt::format(
          "{}: '{}' is not one of the model's classes (nearest: '{}'): train --init refuses it "
          "unless it is asked for as a new class (--new-class {})",
          where, spelt, nearest_class(spelt, classes), plain_spelling(spelt)));
    }
  }

 private:
  ImportReport& report_;
  std::set<std::string> said_;
};

// One <stem>.labels.csv, read as a manifest would and written anew beside the manifest: each
// row on its own line number (so what train says of line N is said of the file's line N), a
// row that cannot be read or overlaps an earlier one said and left out, rows past the clip's
// end cut there, labels spelt like a class taken as it, the rest of the clip not scored.
// `person`'s box in each frame of a per-person frames CSV (frame,time_s,person,x,y,w,h,...), as
// a track file (frame,x0,y0,x1,y1); empty when the file has no such person.
std::string person_track(const fs::path& frames_csv, int person) {
  std::ifstream in(frames_csv);
  std::string line;
  if (!std::getline(in, line)) return "";
  const auto header = split_csv(line);
  if (header.size() < 7 || header[2] != "person" || header[3] != "x") return "";
  std::string track;
  while (std::getline(in, line)) {
    const auto row = split_csv(line);
    if (row.size() < 7 || row[2] != std::to_string(person)) continue;
    const double x = std::strtod(row[3].c_str(), nullptr), y = std::strtod(row[4].c_str(), nullptr);
    track += fmt::format("{},{},{},{:g},{:g}\n", row[0], row[3], row[4],
                         x + std::strtod(row[5].c_str(), nullptr),
                         y + std::strtod(row[6].c_str(), nullptr));
  }
  return track.empty() ? "" : "frame,x0,y0,x1,y1\n" + track;
}

void import_labels_file(const fs::path& file, const std::string& stem, const LabelledClip& about,
                        Writer& writer, ClassSpellings& spellings, ImportReport& report,
                        const std::string& track = "") {
  ClipEntry clip;
  clip.annotation_path = file.string();
  clip.kind = AnnotationKind::segments;
  DataProblems problems;
  read_segments(clip, problems);
  const double half_frame = clip.seconds ? 0.5 / about.fps : 0.5;
  const double end = clip.seconds ? about.end_s : static_cast<double>(about.end_frame);
  std::vector<LabelledRange> kept;
  for (auto range : arrange_ranges(clip.segments, half_frame, clip.annotation_path, problems)) {
    const std::string where = fmt::format("{}:{}", clip.annotation_path, range.line);
    if (range.start >= end - half_frame) {
      problems.add(fmt::format("{}: segment [{}, {}) starts at or after the clip's end ({})", where,
                               range.start, range.end, end));
      continue;
    }
    if (range.end > end + half_frame) {
      report.notes.push_back(fmt::format("{}: segment [{}, {}) ends past the clip's end: cut at {}",
                                         where, range.start, range.end, end));
      range.end = end;
    }
    spellings.match(range, about.classes, where);
    kept.push_back(range);
  }
  const bool labelled = std::any_of(kept.begin(), kept.end(), [](const LabelledRange& range) {
    return range.label != kNotScored;
  });
  for (const auto& message : problems.messages()) {
    report.problems.push_back(message +
                              (labelled ? "; left out (its time is not scored)" : "; left out"));
  }
  if (!labelled) {
    if (problems.empty())
      report.problems.push_back(clip.annotation_path + ": no labelled time in it; left out");
    return;
  }
  std::vector<std::string> lines = {clip.seconds ? "start_s,end_s,label" : "start,end,label"};
  for (const auto& range : kept) {
    lines.resize(std::max(lines.size(), static_cast<size_t>(range.line)));
    lines[static_cast<size_t>(range.line) - 1] =
        fmt::format("{},{},{}", range.start, range.end, csv_field(range.label));
    if (range.label != kNotScored) {
      report.seconds[range.label] += (range.end - range.start) / (clip.seconds ? 1 : about.fps);
    }
  }
  for (const auto& range : with_unscored_gaps(kept, end, half_frame)) {
    if (range.line == 0)
      lines.push_back(fmt::format("{},{},{}", range.start, range.end, kNotScored));
  }
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  writer.annotation(about.video, "", stem, text, track);
}

// `actrec label --annotations` outputs: each <stem>.labels.csv (start_s,end_s,label, as a person
// edited it or not) is the annotation of the video its <stem>.segments.json names. Files of one
// person among several (<stem>.p<ID>.labels.csv) are clips of their own, each with that
// person's track from <stem>.frames.csv (so that training sees whom the annotation names).
void import_label_outputs(const ImportOptions& options, ImportReport& report) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(options.source)) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = ".labels.csv";
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return natural_less(a.string(), b.string()); });
  if (files.empty()) {
    throw InputError("cannot import: " + options.source +
                     ": no <stem>.labels.csv in it (write them with `actrec label --annotations`)");
  }
  Writer writer(options, report);
  ClassSpellings spellings(report);
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    const std::string stem = name.substr(0, name.size() - std::string(".labels.csv").size());
    // One person of several (<stem>.p<ID>.labels.csv): a clip of its own, about that person,
    // their track (boxes) taken from the labelled run's frames CSV beside it.
    std::smatch person_match;
    const bool one_of_several =
        std::regex_match(stem, person_match, std::regex(R"((.*)\.p([0-9]+))"));
    const std::string run_stem = one_of_several ? person_match[1].str() : stem;
    const int person = one_of_several ? std::stoi(person_match[2].str()) : -1;
    const fs::path segments = file.parent_path() / (run_stem + ".segments.json");
    const auto about = read_labelled_clip(segments, person);
    if (!about) {
      report.problems.push_back(file.string() + ": no readable " + segments.string() +
                                " beside it to say which video it labels; left out");
      continue;
    }
    std::error_code error;
    if (about->video.empty() || !fs::exists(about->video, error)) {
      report.problems.push_back(file.string() + ": the video it labels, '" + about->video +
                                "', is not there; left out");
      continue;
    }
    std::string track;
    if (one_of_several) {
      const fs::path frames = file.parent_path() / (run_stem + ".frames.csv");
      track = person_track(frames, person);
      if (track.empty()) {
        report.problems.push_back(file.string() + ": person " + std::to_string(person) +
                                  " has no box in " + frames.string() +
                                  " (the per-person frames CSV of the run it corrects); left out");
        continue;
      }
    }
    import_labels_file(file, stem, *about, writer, spellings, report, track);
  }
  writer.finish();
}

}  // namespace

ImportReport import_dataset(const ImportOptions& options) {
  if (!fs::is_directory(options.source)) {
    throw InputError("cannot import: " + options.source + ": no such folder");
  }
  ImportReport report;
  switch (options.format) {
    case ImportFormat::folders:
      import_folders(options, report);
      break;
    case ImportFormat::gmdcsa24:
      import_gmdcsa24(options, report);
      break;
    case ImportFormat::mstcn:
      import_mstcn(options, report);
      break;
    case ImportFormat::labels:
      import_label_outputs(options, report);
      break;
  }
  report.seconds.erase("-");
  return report;
}

}  // namespace actrec::data
