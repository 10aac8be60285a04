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

}  // namespace

void read_segments(ClipEntry& clip, DataProblems& problems) {
  const auto lines = read_lines(clip.annotation_path, problems);
  const std::string& file = clip.annotation_path;
  if (lines.empty()) {
    problems.add(
        fmt::format("{}: empty annotation file (expected a header start,end,label)", file));
    return;
  }
  const auto header = split_csv(lines[0]);
  if (header == std::vector<std::string>{"start_s", "end_s", "label"}) {
    clip.seconds = true;
  } else if (header != std::vector<std::string>{"start", "end", "label"}) {
    problems.add(
        fmt::format("{}:1: header must be start,end,label (frames) or start_s,end_s,label "
                    "(seconds), got '{}'",
                    file, excerpt(lines[0])));
    return;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const int line = static_cast<int>(i + 1);
    if (trim(lines[i]).empty()) continue;
    const auto fields = split_csv(lines[i]);
    LabelledRange segment;
    segment.line = line;
    if (fields.size() != 3) {
      problems.add(fmt::format("{}:{}: expected 3 fields, got {}", file, line, fields.size()));
      continue;
    }
    if (!parse_number(fields[0], segment.start) || !parse_number(fields[1], segment.end)) {
      problems.add(fmt::format("{}:{}: start and end must be numbers, got '{}' and '{}'", file,
                               line, fields[0], fields[1]));
      continue;
    }
    if (!clip.seconds &&
        (segment.start != std::floor(segment.start) || segment.end != std::floor(segment.end))) {
      problems.add(fmt::format("{}:{}: frame numbers must be whole numbers", file, line));
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
  const bool grouped = header == std::vector<std::string>{"video", "split", "annotation", "group"};
  if (header != required && !grouped) {
    problems.add(fmt::format("{}:1: header must be video,split,annotation[,group], got '{}'",
                             path, lines.empty() ? "" : excerpt(lines[0])));
    return manifest;
  }
  const size_t columns = grouped ? 4 : 3;
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
                                   const config::DataConfig& data, DataProblems& problems) {
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
      std::vector<std::pair<int64_t, const LabelledRange*>> placed;
      for (const auto& segment : clip.segments) {
        const std::string at = fmt::format("{}:{}", where, segment.line);
        const int64_t index = index_of(segment.label);
        if (!is_known(segment.label, index)) unknown(segment.label, at);
        const int64_t start =
            clip.seconds ? std::llround(segment.start * fps) : std::llround(segment.start);
        int64_t end = clip.seconds ? std::llround(segment.end * fps) : std::llround(segment.end);
        if (end > frames && segment.label == kNotScored) {
          end = frames;  // a gap reaching past the end (durations are rounded): nothing lost
        } else if (end > frames) {
          problems.add(fmt::format("{}: segment [{}, {}) ends past the video's end ({} frames{})",
                                   at, segment.start, segment.end, frames,
                                   clip.seconds ? fmt::format(", {:.3f} s", frames / fps) : ""));
          continue;
        }
        placed.push_back({start, &segment});
        for (int64_t f = start; f < end; ++f) targets[static_cast<size_t>(f)] = index;
      }
      std::sort(placed.begin(), placed.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      for (size_t i = 1; i < placed.size(); ++i) {
        const LabelledRange& before = *placed[i - 1].second;
        const LabelledRange& after = *placed[i].second;
        const double before_end = before.end;
        if (after.start < before_end) {
          problems.add(fmt::format("{}:{}: segment [{}, {}) overlaps line {}'s [{}, {})", where,
                                   after.line, after.start, after.end, before.line, before.start,
                                   before.end));
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
