#include "actrec/data/importers.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/natural_sort.hpp"
#include "actrec/core/text.hpp"
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
    const fs::path file = (folder_ / labels_dir_ / (name + ".csv"));
    fs::create_directories(file.parent_path());
    write_text_atomically(file.string(), text);
    report_.written.push_back(file.string());
    row(video, fs::path(labels_dir_) / (name + ".csv"), group);
  }

  // A clip annotated by a file that stays where it is (the manifest points at it).
  void annotated(const fs::path& video, const std::string& group, const fs::path& annotation) {
    row(video, relative(annotation), group);
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
    if (!vocabulary_.empty()) {
      std::string mapping;
      int index = 0;
      for (const auto& label : vocabulary_) mapping += fmt::format("{} {}\n", index++, label);
      const fs::path file = folder_ / labels_dir_ / "mapping.txt";
      write_text_atomically(file.string(), mapping);
      report_.written.push_back(file.string());
    }
    write_text_atomically(options_.manifest, manifest_);
    report_.written.insert(report_.written.begin(), options_.manifest);
  }

 private:
  void row(const fs::path& video, const fs::path& annotation, const std::string& group) {
    manifest_ += fmt::format("{},{},{},{}\n", csv_field(relative(video)), csv_field(options_.split),
                             csv_field(annotation.string()), csv_field(group));
    ++report_.clips;
  }

  const ImportOptions& options_;
  ImportReport& report_;
  fs::path folder_;
  std::string labels_dir_;
  std::string manifest_ = "video,split,annotation,group\n";
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
        // Time no range covers is unlabelled, not a class: not scored, up to the clip's length.
        std::vector<LabelledRange> with_gaps;
        double at = 0;
        for (const auto& s : resolved) {
          if (s.start > at) with_gaps.push_back({at, s.start, "-"});
          with_gaps.push_back(s);
          at = s.end;
        }
        if (length > at) with_gaps.push_back({at, length, "-"});
        const std::string name = subject.filename().string() + "_" + kind + "_" + video.stem().string();
        std::string clean;
        for (char c : name) clean += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        writer.segments(video, subject.filename().string(), clean, with_gaps);
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

// `actrec label --annotations` outputs: each <stem>.labels.csv (start_s,end_s,label, as a person
// edited it or not) is the annotation of the video its <stem>.segments.json names. Files of one
// person among several (<stem>.p<ID>.labels.csv) are left out: training learns one person a clip.
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
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    const std::string stem = name.substr(0, name.size() - std::string(".labels.csv").size());
    if (std::regex_match(stem, std::regex(R"(.*\.p[0-9]+)"))) {
      report.problems.push_back(file.string() + ": one person of several; left out (training "
                                "learns one person a clip: label with --persons single)");
      continue;
    }
    const fs::path segments = file.parent_path() / (stem + ".segments.json");
    std::string video;
    try {
      std::ifstream in(segments);
      const auto json = nlohmann::json::parse(in);
      video = json.value("video_path", json.value("video", ""));
    } catch (const std::exception&) {
      report.problems.push_back(file.string() + ": no readable " + segments.string() +
                                " beside it to say which video it labels; left out");
      continue;
    }
    std::error_code error;
    if (video.empty() || !fs::exists(video, error)) {
      report.problems.push_back(file.string() + ": the video it labels, '" + video +
                                "', is not there; left out");
      continue;
    }
    // Read as a manifest would, so that a hand-edit that breaks the file is said here.
    ClipEntry clip;
    clip.annotation_path = file.string();
    clip.kind = AnnotationKind::segments;
    DataProblems problems;
    read_segments(clip, problems);
    if (!problems.empty()) {
      for (const auto& message : problems.messages()) report.problems.push_back(message + "; left out");
      continue;
    }
    for (const auto& range : clip.segments) {
      if (range.label != kNotScored) report.seconds[range.label] += range.end - range.start;
    }
    writer.annotated(video, "", file);
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
