#include "actrec/data/dataset.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "actrec/core/error.hpp"
#include "actrec/core/text.hpp"

namespace actrec::data {
namespace fs = std::filesystem;

void DataProblems::throw_if_any() const {
  if (messages_.empty()) return;
  std::string text = messages_.size() == 1 ? "" : fmt::format("{} problems:", messages_.size());
  for (const auto& message : messages_) text += (text.empty() ? "" : "\n  ") + message;
  throw DataError(text);
}

namespace {

// Text quoted in a message: at most about 80 characters of it.
std::string excerpt(const std::string& text) {
  return text.size() <= 80 ? text : text.substr(0, 77) + "...";
}

// Lines no annotation or manifest has; read, then reported and left out.
constexpr size_t kLongestLine = 64 * 1024;

// The file's lines; a line too long to be real is reported and kept empty.
std::vector<std::string> read_lines(const std::string& path, DataProblems& problems) {
  auto lines = read_text_lines(path);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].size() <= kLongestLine) continue;
    problems.add(fmt::format("{}:{}: line is {} bytes long, more than any annotation: '{}'", path,
                             i + 1, lines[i].size(), excerpt(lines[i])));
    lines[i].clear();
  }
  return lines;
}


void read_frame_labels(ClipEntry& clip, DataProblems& problems) {
  auto lines = read_lines(clip.annotation_path, problems);
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string label = trim(lines[i]);
    if (label.empty()) {
      problems.add(fmt::format("{}:{}: empty label", clip.annotation_path, i + 1));
    }
    clip.frame_labels.push_back(label);
  }
  if (clip.frame_labels.empty()) {
    problems.add(fmt::format("{}: no labels in it", clip.annotation_path));
  }
}

// MS-TCN's mapping.txt: "index label" per line, beside the annotations or one folder up.
std::vector<std::string> read_mapping(const std::string& annotation, DataProblems& problems) {
  const fs::path folder = fs::path(annotation).parent_path();
  for (const auto& candidate : {folder / "mapping.txt", folder.parent_path() / "mapping.txt"}) {
    std::error_code error;
    if (!fs::exists(candidate, error)) continue;
    std::vector<std::string> mapping;
    const auto lines = read_lines(candidate.string(), problems);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (trim(lines[i]).empty()) continue;
      std::istringstream fields(lines[i]);
      size_t index;
      std::string label;
      if (!(fields >> index >> label) || index != mapping.size()) {
        problems.add(
            fmt::format("{}:{}: expected '{} LABEL'", candidate.string(), i + 1, mapping.size()));
        return {};
      }
      mapping.push_back(label);
    }
    return mapping;
  }
  return {};
}

std::string extension_of(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// A header cell as people and spreadsheets write it: case and blanks aside, a unit in brackets
// ("Start (s)") as "start_s".
std::string header_name(const std::string& cell) {
  std::string name;
  for (const char c : cell) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  for (const std::string unit : {"(s)", "[s]"}) {
    if (name.size() > unit.size() &&
        name.compare(name.size() - unit.size(), unit.size(), unit) == 0) {
      name.replace(name.size() - unit.size(), unit.size(), "_s");
    }
  }
  return name;
}

// A row's fields, without the empty ones a spreadsheet writes after them for other columns.
std::vector<std::string> row_fields(const std::string& line, char delimiter) {
  auto fields = split_csv(line, delimiter);
  while (fields.size() > 1 && fields.back().empty()) fields.pop_back();
  return fields;
}

// A time or frame number; a decimal comma (what a spreadsheet in many languages writes) is a
// decimal point.
bool parse_time(std::string text, double& value) {
  if (text.find('.') == std::string::npos && std::count(text.begin(), text.end(), ',') == 1) {
    text[text.find(',')] = '.';
  }
  return parse_number(text, value);
}

}  // namespace

void read_segments(ClipEntry& clip, DataProblems& problems) {
  const auto lines = read_lines(clip.annotation_path, problems);
  const std::string& file = clip.annotation_path;
  // The delimiter: Excel's "sep=;" line names it; else ';' or a tab where the header has no ','.
  size_t header_at = 0;
  char delimiter = ',';
  if (!lines.empty() && lines[0].size() == 5 && lines[0].rfind("sep=", 0) == 0) {
    delimiter = lines[0][4];
    header_at = 1;
  } else if (!lines.empty() && lines[0].find(',') == std::string::npos) {
    for (const char c : {';', '\t'}) {
      if (lines[0].find(c) != std::string::npos) delimiter = c;
    }
  }
  if (lines.size() <= header_at) {
    problems.add(
        fmt::format("{}: empty annotation file (expected a header start,end,label)", file));
    return;
  }
  std::vector<std::string> header;
  for (const auto& cell : row_fields(lines[header_at], delimiter))
    header.push_back(header_name(cell));
  if (header == std::vector<std::string>{"start_s", "end_s", "label"}) {
    clip.seconds = true;
  } else if (header != std::vector<std::string>{"start", "end", "label"}) {
    problems.add(
        fmt::format("{}:{}: header must be start,end,label (frames) or start_s,end_s,label "
                    "(seconds), got '{}'",
                    file, header_at + 1, excerpt(lines[header_at])));
    return;
  }
  for (size_t i = header_at + 1; i < lines.size(); ++i) {
    const int line = static_cast<int>(i + 1);
    const auto fields = row_fields(lines[i], delimiter);
    if (fields.size() == 1 && fields[0].empty()) continue;
    LabelledRange segment;
    segment.line = line;
    if (fields.size() != 3) {
      problems.add(fmt::format("{}:{}: expected 3 fields, got {}", file, line, fields.size()));
      continue;
    }
    if (!parse_time(fields[0], segment.start) || !parse_time(fields[1], segment.end)) {
      problems.add(fmt::format("{}:{}: start and end must be numbers, got '{}' and '{}'", file,
                               line, fields[0], fields[1]));
      continue;
    }
    if (!clip.seconds &&
        (segment.start != std::floor(segment.start) || segment.end != std::floor(segment.end))) {
      problems.add(
          fmt::format("{}:{}: frame numbers must be whole numbers (the header says "
                      "frames; start_s,end_s,label says seconds)",
                      file, line));
      continue;
    }
    if (segment.end > 1e9) {  // a frame or second count no video has; also keeps rounding defined
      problems.add(fmt::format("{}:{}: segment end {} is out of range", file, line, fields[1]));
      continue;
    }
    if (segment.start < 0 || segment.end <= segment.start) {
      problems.add(fmt::format("{}:{}: segment [{}, {}) is empty or negative", file, line,
                               fields[0], fields[1]));
      continue;
    }
    segment.label = fields[2];
    if (segment.label.empty()) {
      problems.add(fmt::format("{}:{}: empty label", file, line));
      continue;
    }
    clip.segments.push_back(segment);
  }
}

Manifest read_manifest(const std::string& path, DataProblems& problems) {
  Manifest manifest;
  manifest.path = path;
  std::error_code error;
  if (!fs::is_regular_file(path, error)) {
    problems.add(fmt::format("{}: no such manifest file", path));
    return manifest;
  }
  const fs::path folder = fs::path(path).parent_path();
  const auto lines = read_lines(path, problems);
  const std::vector<std::string> header = lines.empty() ? std::vector<std::string>{}
                                                         : split_csv(lines[0]);
  const std::vector<std::string> required = {"video", "split", "annotation"};
  const bool tracked =
      header == std::vector<std::string>{"video", "split", "annotation", "group", "track"};
  const bool grouped =
      tracked || header == std::vector<std::string>{"video", "split", "annotation", "group"};
  if (header != required && !grouped) {
    problems.add(
        fmt::format("{}:1: header must be video,split,annotation[,group[,track]], got '{}'", path,
                    lines.empty() ? "" : excerpt(lines[0])));
    return manifest;
  }
  const size_t columns = tracked ? 5 : grouped ? 4 : 3;
  for (size_t i = 1; i < lines.size(); ++i) {
    const int line = static_cast<int>(i + 1);
    if (trim(lines[i]).empty() || trim(lines[i])[0] == '#') continue;
    const auto fields = split_csv(lines[i]);
    if (fields.size() != columns || fields[0].empty() || fields[1].empty() || fields[2].empty()) {
      problems.add(fmt::format("{}:{}: expected {} ({} fields, the first 3 not empty), got '{}'",
                               path, line, fmt::join(header, ","), columns, excerpt(lines[i])));
      continue;
    }
    ClipEntry clip;
    clip.manifest_line = fmt::format("{}:{}", path, line);
    clip.video = (folder / fields[0]).lexically_normal().string();
    clip.split = fields[1];
    if (grouped) clip.group = fields[3];
    if (tracked && !fields[4].empty()) {
      clip.track = (folder / fields[4]).lexically_normal().string();
      if (!fs::is_regular_file(clip.track, error)) {
        problems.add(fmt::format("{}:{}: track {} does not exist", path, line, clip.track));
      }
    }
    if (!fs::exists(clip.video, error)) {
      problems.add(fmt::format("{}:{}: video {} does not exist", path, line, clip.video));
    }
    const std::string ext = extension_of(fields[2]);
    if (ext == ".csv" || ext == ".txt") {
      clip.kind = ext == ".csv" ? AnnotationKind::segments : AnnotationKind::frame_labels;
      clip.annotation_path = (folder / fields[2]).lexically_normal().string();
      if (!fs::is_regular_file(clip.annotation_path, error)) {
        problems.add(
            fmt::format("{}:{}: annotation {} does not exist", path, line, clip.annotation_path));
      } else if (clip.kind == AnnotationKind::segments) {
        read_segments(clip, problems);
      } else {
        read_frame_labels(clip, problems);
        if (manifest.mapping.empty())
          manifest.mapping = read_mapping(clip.annotation_path, problems);
      }
    } else {
      clip.kind = AnnotationKind::clip_label;
      clip.label = fields[2];
    }
    manifest.clips.push_back(std::move(clip));
  }
  if (manifest.clips.empty()) problems.add(fmt::format("{}: lists no clips", path));
  return manifest;
}

std::vector<LabelledRange> arrange_ranges(std::vector<LabelledRange> ranges, double half_frame,
                                          const std::string& file, DataProblems& problems,
                                          std::vector<LabelledRange>* overlapping) {
  std::stable_sort(
      ranges.begin(), ranges.end(),
      [](const LabelledRange& a, const LabelledRange& b) { return a.start < b.start; });
  std::vector<LabelledRange> arranged;
  for (const auto& range : ranges) {
    if (!arranged.empty()) {
      LabelledRange& before = arranged.back();
      if (std::abs(range.start - before.end) < half_frame && range.start > before.start) {
        before.end = range.start;
      } else if (range.start < before.end) {
        problems.add(fmt::format("{}:{}: segment [{}, {}) overlaps line {}'s [{}, {})", file,
                                 range.line, range.start, range.end, before.line, before.start,
                                 before.end));
        if (overlapping) overlapping->push_back(range);
        continue;
      }
    }
    arranged.push_back(range);
  }
  return arranged;
}

std::vector<std::string> label_set(const Manifest& manifest, const config::DataConfig& data) {
  std::vector<std::string> labels = !data.labels.empty() ? data.labels : manifest.mapping;
  if (labels.empty()) {
    std::set<std::string> used;
    for (const auto& clip : manifest.clips) {
      if (clip.kind == AnnotationKind::clip_label) used.insert(clip.label);
      for (const auto& segment : clip.segments) used.insert(segment.label);
      for (const auto& label : clip.frame_labels) used.insert(label);
    }
    used.erase(kNotScored);
    labels.assign(used.begin(), used.end());
  }
  const bool may_be_uncovered =
      std::any_of(manifest.clips.begin(), manifest.clips.end(),
                  [](const ClipEntry& clip) { return clip.kind != AnnotationKind::clip_label; });
  if (!data.background.empty() && may_be_uncovered &&
      std::find(labels.begin(), labels.end(), data.background) == labels.end()) {
    labels.push_back(data.background);
  }
  return labels;
}

std::vector<int64_t> frame_targets(const ClipEntry& clip, int64_t frames, double fps,
                                   const std::vector<std::string>& labels,
                                   const config::DataConfig& data, DataProblems& problems,
                                   const std::vector<int64_t>& timestamps_us) {
  auto index_of = [&](const std::string& label) -> int64_t {
    const auto at = std::find(labels.begin(), labels.end(), label);
    return at == labels.end() ? -1 : at - labels.begin();
  };
  auto is_known = [&](const std::string& label, int64_t index) {
    return index >= 0 || label == kNotScored;
  };
  const int64_t uncovered = data.background.empty() ? -1 : index_of(data.background);
  std::vector<int64_t> targets(static_cast<size_t>(frames), uncovered);
  const std::string where = clip.kind == AnnotationKind::clip_label ? "" : clip.annotation_path;
  auto unknown = [&](const std::string& label, const std::string& at) {
    std::string known;
    for (const auto& l : labels) known += (known.empty() ? "" : ", ") + l;
    problems.add(fmt::format("{}: unknown label '{}' (known: {})", at, label, known));
  };
  switch (clip.kind) {
    case AnnotationKind::clip_label: {
      const int64_t index = index_of(clip.label);  // `-`: the whole clip is not scored
      if (!is_known(clip.label, index)) unknown(clip.label, clip.manifest_line);
      std::fill(targets.begin(), targets.end(), index);
      break;
    }
    case AnnotationKind::segments: {
      // A time stands for the frame nearest it, by the frames' own times where they are known.
      const double half_frame = clip.seconds ? 0.5 / fps : 0.5;
      const double video_end = !clip.seconds           ? static_cast<double>(frames)
                               : timestamps_us.empty() ? static_cast<double>(frames) / fps
                                                       : timestamps_us.back() * 1e-6 + 1 / fps;
      auto frame_at = [&](double time) -> int64_t {
        if (!clip.seconds) return std::llround(time);
        const double from_s = time - half_frame + 1e-9;  // a time halfway takes the later frame
        if (timestamps_us.empty()) return static_cast<int64_t>(std::ceil(from_s * fps));
        return std::lower_bound(timestamps_us.begin(), timestamps_us.end(),
                                static_cast<int64_t>(std::ceil(from_s * 1e6))) -
               timestamps_us.begin();
      };
      std::vector<LabelledRange> overlapping;
      auto segments = arrange_ranges(clip.segments, half_frame, where, problems, &overlapping);
      // Their other problems too: every problem at once.
      segments.insert(segments.end(), overlapping.begin(), overlapping.end());
      for (const auto& segment : segments) {
        const std::string at = fmt::format("{}:{}", where, segment.line);
        const int64_t index = index_of(segment.label);
        if (!is_known(segment.label, index)) unknown(segment.label, at);
        if (segment.end >= video_end + half_frame - 1e-9 && segment.label != kNotScored) {
          problems.add(fmt::format("{}: segment [{}, {}) ends past the video's end ({} frames{})",
                                   at, segment.start, segment.end, frames,
                                   clip.seconds ? fmt::format(", {:.3f} s", video_end) : ""));
          continue;
        }
        // (A gap reaching past the end loses nothing: durations are rounded.)
        const int64_t end = std::min(frames, frame_at(segment.end));
        for (int64_t f = std::max<int64_t>(0, frame_at(segment.start)); f < end; ++f) {
          targets[static_cast<size_t>(f)] = index;
        }
      }
      break;
    }
    case AnnotationKind::frame_labels: {
      if (static_cast<int64_t>(clip.frame_labels.size()) != frames) {
        problems.add(fmt::format("{}: {} labels for a video of {} decoded frames (one label per "
                                 "frame expected)",
                                 where, clip.frame_labels.size(), frames));
      }
      for (size_t f = 0; f < clip.frame_labels.size() && static_cast<int64_t>(f) < frames; ++f) {
        const int64_t index = index_of(clip.frame_labels[f]);
        if (!is_known(clip.frame_labels[f], index)) {
          unknown(clip.frame_labels[f], fmt::format("{}:{}", where, f + 1));
          break;  // one message per file, not one per frame
        }
        targets[f] = index;
      }
      break;
    }
  }
  return targets;
}

std::vector<const ClipEntry*> clips_in_split(const Manifest& manifest, const std::string& split) {
  std::vector<const ClipEntry*> clips;
  for (const auto& clip : manifest.clips) {
    if (clip.split == split) clips.push_back(&clip);
  }
  return clips;
}

}  // namespace actrec::data
