#include "actrec/eval/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "actrec/core/error.hpp"
#include "actrec/core/json_text.hpp"

namespace actrec::eval {
namespace {
bool is_background(int64_t label, const std::vector<int64_t>& background) {
  return std::find(background.begin(), background.end(), label) != background.end();
}
}  // namespace

std::vector<Segment> segments_of(const Labels& frames, const std::vector<int64_t>& background) {
  std::vector<Segment> out;
  for (size_t i = 0, start = 0; i <= frames.size(); ++i) {
    if (i < frames.size() && frames[i] == frames[start]) continue;
    if (i > start && !is_background(frames[start], background)) {
      Segment run;
      run.label = frames[start];
      run.start_frame = static_cast<int64_t>(start);
      run.end_frame = static_cast<int64_t>(i);
      out.push_back(run);
    }
    start = i;
  }
  return out;
}

double edit_score(const Labels& predicted, const Labels& truth,
                  const std::vector<int64_t>& background) {
  std::vector<int64_t> p, y;
  for (const auto& run : segments_of(predicted, background)) p.push_back(run.label);
  for (const auto& run : segments_of(truth, background)) y.push_back(run.label);
  if (p.empty() && y.empty()) return 100.0;
  std::vector<std::vector<double>> d(p.size() + 1, std::vector<double>(y.size() + 1, 0));
  for (size_t i = 0; i <= p.size(); ++i) d[i][0] = static_cast<double>(i);
  for (size_t j = 0; j <= y.size(); ++j) d[0][j] = static_cast<double>(j);
  for (size_t i = 1; i <= p.size(); ++i) {
    for (size_t j = 1; j <= y.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (p[i - 1] == y[j - 1] ? 0 : 1)});
    }
  }
  return (1.0 - d[p.size()][y.size()] / static_cast<double>(std::max(p.size(), y.size()))) * 100;
}

double OverlapCounts::f1() const {
  const double precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const double recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return precision + recall > 0 ? 200.0 * precision * recall / (precision + recall) : 0;
}

OverlapCounts overlap_counts(const Labels& predicted, const Labels& truth, double overlap,
                             const std::vector<int64_t>& background) {
  const auto p = segments_of(predicted, background);
  const auto y = segments_of(truth, background);
  OverlapCounts counts;
  std::vector<bool> hit(y.size(), false);
  for (const Segment& run : p) {
    double best = -1e300;
    size_t best_index = 0;
    for (size_t x = 0; x < y.size(); ++x) {
      const double intersection = static_cast<double>(std::min(run.end_frame, y[x].end_frame) -
                                                      std::max(run.start_frame, y[x].start_frame));
      const double union_ = static_cast<double>(std::max(run.end_frame, y[x].end_frame) -
                                                std::min(run.start_frame, y[x].start_frame));
      const double iou = run.label == y[x].label ? intersection / union_ : 0.0;
      if (iou > best) {  // the first of equal maxima, as numpy's argmax
        best = iou;
        best_index = x;
      }
    }
    if (!y.empty() && best >= overlap && !hit[best_index]) {
      counts.tp += 1;
      hit[best_index] = true;
    } else {
      counts.fp += 1;
    }
  }
  counts.fn = static_cast<double>(std::count(hit.begin(), hit.end(), false));
  return counts;
}

int64_t majority(const Labels& labels) {
  std::map<int64_t, int64_t> counts;
  for (int64_t label : labels) {
    if (label >= 0) ++counts[label];
  }
  int64_t best = -1, best_count = 0;
  for (const auto& [label, count] : counts) {
    if (count > best_count) {
      best = label;
      best_count = count;
    }
  }
  return best;
}

Evaluation::Evaluation(std::vector<std::string> class_names, std::vector<int64_t> background)
    : names_(std::move(class_names)),
      background_(std::move(background)),
      confusion_(names_.size(), std::vector<int64_t>(names_.size(), 0)) {}

void Evaluation::add(const Labels& predicted, const Labels& truth, const std::string& name,
                     double fps, int64_t raised) {
  if (predicted.size() != truth.size()) {
    // Scoring a prefix would hide a labeller that lost or invented frames.
    throw DataError(fmt::format("cannot evaluate {}: {} predicted labels for {} annotated frames",
                                name.empty() ? "a video" : name, predicted.size(), truth.size()));
  }
  const size_t n = predicted.size();
  const Labels& p = predicted;
  const Labels& y = truth;
  for (size_t i = 0; i < n; ++i) {
    if (y[i] < 0) continue;
    ++frames_;
    if (p[i] == y[i]) ++correct_;
    if (y[i] < static_cast<int64_t>(names_.size()) && p[i] >= 0 &&
        p[i] < static_cast<int64_t>(names_.size())) {
      ++confusion_[static_cast<size_t>(y[i])][static_cast<size_t>(p[i])];
    }
  }
  // Segmental scores see unannotated frames as background (-1 is treated as its own class, so
  // mark it background too).
  std::vector<int64_t> background = background_;
  background.push_back(-1);
  edit_sum_ += edit_score(p, y, background);
  for (int k = 0; k < 3; ++k) {
    const auto counts = overlap_counts(p, y, kOverlaps[k], background);
    overlaps_[k].tp += counts.tp;
    overlaps_[k].fp += counts.fp;
    overlaps_[k].fn += counts.fn;
  }
  ++videos_;
  const int64_t truth_class = majority(y);
  if (truth_class >= 0 && majority(p) == truth_class) ++clips_correct_;
  Video video{name,
              fps,
              majority(p),
              truth_class,
              std::vector<int64_t>(names_.size(), 0),
              std::vector<bool>(names_.size(), false),
              raised,
              static_cast<int64_t>(n),
              {}};
  for (size_t i = 0; i < n; ++i) {
    if (y[i] >= 0 && y[i] < static_cast<int64_t>(names_.size())) video.in_truth[static_cast<size_t>(y[i])] = true;
  }
  for (size_t i = 0, start = 0; i <= n; ++i) {
    if (i < n && i > start && p[i] == p[start]) continue;
    if (i > start && p[start] >= 0 && p[start] < static_cast<int64_t>(names_.size())) {
      auto& longest = video.longest_run[static_cast<size_t>(p[start])];
      longest = std::max(longest, static_cast<int64_t>(i - start));
      if (p[start] == raised_class_) video.raised_class_runs.push_back(static_cast<int64_t>(i - start));
    }
    start = i;
  }
  video_results_.push_back(std::move(video));
}

Evaluation::Raised Evaluation::raised() const {
  Raised result;
  if (raised_class_ < 0) return result;
  for (const auto& video : video_results_) {
    if (video.raised < 0) continue;
    if (video.in_truth[static_cast<size_t>(raised_class_)]) {
      ++result.with;
      result.found += video.raised > 0;
    } else {
      ++result.without;
      result.false_alarms += video.raised > 0;
      if (video.fps > 0) result.hours_without += static_cast<double>(video.frames) / video.fps / 3600;
    }
  }
  return result;
}

Evaluation::Events Evaluation::events(size_t c, double min_s) const {
  Events events;
  for (const auto& video : video_results_) {
    const double seconds =
        video.fps > 0 ? static_cast<double>(video.longest_run[c]) / video.fps : 0;
    const bool found = video.longest_run[c] > 0 && seconds >= min_s;
    if (video.in_truth[c]) {
      ++events.with;
      events.found += found;
    } else {
      ++events.without;
      events.false_alarms += found;
    }
  }
  return events;
}

double Evaluation::frame_accuracy() const {
  return frames_ > 0 ? static_cast<double>(correct_) / static_cast<double>(frames_) : 0;
}
double Evaluation::edit() const {
  return videos_ > 0 ? edit_sum_ / static_cast<double>(videos_) : 0;
}
double Evaluation::f1_at(double overlap) const {
  for (int k = 0; k < 3; ++k) {
    if (std::abs(kOverlaps[k] - overlap) < 1e-9) return overlaps_[k].f1();
  }
  return 0;
}
double Evaluation::clip_accuracy() const {
  return videos_ > 0 ? static_cast<double>(clips_correct_) / static_cast<double>(videos_) : 0;
}
double Evaluation::precision(size_t c) const {
  int64_t predicted = 0;
  for (const auto& row : confusion_) predicted += row[c];
  return predicted > 0 ? static_cast<double>(confusion_[c][c]) / static_cast<double>(predicted) : 0;
}
double Evaluation::recall(size_t c) const {
  int64_t actual = 0;
  for (int64_t count : confusion_[c]) actual += count;
  return actual > 0 ? static_cast<double>(confusion_[c][c]) / static_cast<double>(actual) : 0;
}
double Evaluation::f1(size_t c) const {
  const double p = precision(c), r = recall(c);
  return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

std::string Evaluation::to_json(double min_event_s) const {
  nlohmann::json per_class = nlohmann::json::object();
  for (size_t c = 0; c < names_.size(); ++c) {
    int64_t support = 0;
    for (int64_t count : confusion_[c]) support += count;
    per_class[names_[c]] = {
        {"precision", precision(c)}, {"recall", recall(c)}, {"f1", f1(c)}, {"support", support}};
  }
  nlohmann::json events_json = nlohmann::json::object(), videos = nlohmann::json::array();
  auto name_of = [&](int64_t c) {
    return c >= 0 && c < static_cast<int64_t>(names_.size()) ? nlohmann::json(names_[static_cast<size_t>(c)])
                                                             : nlohmann::json();
  };
  for (size_t c = 0; c < names_.size(); ++c) {
    const Events e = events(c, min_event_s);
    events_json[names_[c]] = {{"videos_with", e.with},
                              {"found", e.found},
                              {"videos_without", e.without},
                              {"false_alarms", e.false_alarms}};
  }
  for (const auto& video : video_results_) {
    nlohmann::json longest = nlohmann::json::object();
    for (size_t c = 0; c < names_.size(); ++c) {
      if (video.longest_run[c] > 0 && video.fps > 0) {
        longest[names_[c]] = std::round(1000.0 * static_cast<double>(video.longest_run[c]) / video.fps) / 1000;
      }
    }
    nlohmann::json shown = nlohmann::json::array();
    for (size_t c = 0; c < names_.size(); ++c) {
      if (video.in_truth[c]) shown.push_back(names_[c]);
    }
    videos.push_back({{"video", video.name},
                      {"majority_predicted", name_of(video.majority_predicted)},
                      {"majority_truth", name_of(video.majority_truth)},
                      {"truth_labels", shown},
                      {"longest_run_s", longest}});
    if (video.raised >= 0) videos.back()["raised_events"] = video.raised;
    if (raised_class_ >= 0) {
      nlohmann::json runs = nlohmann::json::array();
      for (int64_t run : video.raised_class_runs) {
        if (video.fps > 0) runs.push_back(std::round(1000.0 * static_cast<double>(run) / video.fps) / 1000);
      }
      videos.back()["raised_class_runs_s"] = runs;
      videos.back()["seconds"] = video.fps > 0 ? static_cast<double>(video.frames) / video.fps : 0;
    }
  }
  nlohmann::json raised_json;
  if (raised_class_ >= 0) {
    const Raised r = raised();
    raised_json = {{"class", names_[static_cast<size_t>(raised_class_)]},
                   {"videos_with", r.with},
                   {"found", r.found},
                   {"videos_without", r.without},
                   {"false_alarms", r.false_alarms},
                   {"hours_without", r.hours_without}};
  }
  return json_text(nlohmann::json{{"frames", frames_},
                                  {"videos", videos_},
                                  {"frame_accuracy", frame_accuracy()},
                                  {"edit", edit()},
                                  {"f1@10", f1_at(0.10)},
                                  {"f1@25", f1_at(0.25)},
                                  {"f1@50", f1_at(0.50)},
                                  {"clip_accuracy", clip_accuracy()},
                                  {"per_class", per_class},
                                  {"classes", names_},
                                  {"confusion", confusion_},
                                  {"min_event_s", min_event_s},
                                  {"events", events_json},
                                  {"raised_events", raised_json},
                                  {"per_video", videos}},
                   2);
}

std::string Evaluation::confusion_csv() const {
  std::ostringstream out;
  out << "truth\\predicted";
  for (const auto& name : names_) out << "," << name;
  out << "\n";
  for (size_t r = 0; r < names_.size(); ++r) {
    out << names_[r];
    for (int64_t count : confusion_[r]) out << "," << count;
    out << "\n";
  }
  return out.str();
}

}  // namespace actrec::eval
