#include "actrec/eval/people_recall.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "actrec/core/error.hpp"
#include "actrec/core/text.hpp"

namespace actrec::eval {
namespace {

double iou(const cv::Rect2d& a, const cv::Rect2d& b) {
  const double overlap = (a & b).area();
  const double both = a.area() + b.area() - overlap;
  return both > 0 ? overlap / both : 0.0;
}

bool centre_inside(const cv::Rect2d& found, const cv::Rect2d& counted) {
  const double x = found.x + found.width / 2, y = found.y + found.height / 2;
  return x >= counted.x && x <= counted.x + counted.width && y >= counted.y &&
         y <= counted.y + counted.height;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, '\t')) fields.push_back(trim(field));
  if (!line.empty() && line.back() == '\t') fields.emplace_back();
  return fields;
}

[[noreturn]] void bad_row(const std::string& path, size_t line, const std::string& reason) {
  throw DataError(fmt::format("cannot read people: {}:{}: {}", path, line, reason));
}

double number_at(const std::vector<std::string>& fields, size_t column, const char* name,
                 const std::string& path, size_t line) {
  double value = 0;
  if (column >= fields.size() || !parse_number(fields[column], value)) {
    bad_row(path, line,
            fmt::format("{} should be a number, is '{}'", name,
                        column < fields.size() ? fields[column] : std::string()));
  }
  return value;
}

bool is_yes(const std::string& text) { return text == "yes" || text == "1" || text == "true"; }

// The bin a height falls in: 0 below the first edge, ..., edges.size() at or above the last.
size_t bin_of(double height, const std::vector<double>& edges) {
  return static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), height) - edges.begin());
}

std::string bin_name(const HeightBin& bin) {
  if (bin.low <= 0) return fmt::format("< {:g} px", bin.high);
  if (bin.high <= 0) return fmt::format(">= {:g} px", bin.low);
  return fmt::format("{:g}-{:g} px", bin.low, bin.high);
}

// Whether `found` covers two or more of `people` (each at least half inside it) and fits their
// joint extent better than it fits any one of them: two people boxed as one.
bool covers_two(const cv::Rect2d& found, const std::vector<const CountedPerson*>& people) {
  std::vector<const CountedPerson*> inside;
  for (const auto* person : people) {
    if (person->box.area() > 0 && (found & person->box).area() >= 0.5 * person->box.area()) {
      inside.push_back(person);
    }
  }
  for (size_t i = 0; i < inside.size(); ++i) {
    for (size_t j = i + 1; j < inside.size(); ++j) {
      const cv::Rect2d joint = inside[i]->box | inside[j]->box;
      const double alone = std::max(iou(found, inside[i]->box), iou(found, inside[j]->box));
      if (iou(found, joint) > alone) return true;
    }
  }
  return false;
}

// A table of boxes: columns frame, x, y, w, h, optionally person, and others read by name.
struct BoxTable {
  struct Row {
    size_t line = 0;
    int64_t frame = 0;
    int person = 0;  // 0 when there is no such column
    cv::Rect2d box;
    std::vector<std::string> fields;
  };
  std::map<std::string, size_t> column;
  std::vector<Row> rows;

  std::string text(const Row& row, const char* name) const {
    const auto at = column.find(name);
    return at != column.end() && at->second < row.fields.size() ? row.fields[at->second] : "";
  }
};

// A CSV (`separator` ',') or TSV ('\t') file of boxes; blank lines and lines starting with '#'
// are skipped. `expected` says what the file should be when a column is missing.
BoxTable read_boxes(const std::string& path, char separator, const char* expected) {
  const auto lines = read_text_lines(path);
  if (lines.empty()) throw DataError("cannot read people: " + path + ": missing or empty");
  auto split = [&](const std::string& line) {
    return separator == ',' ? split_csv(line) : split_tabs(line);
  };
  BoxTable table;
  const auto header = split(lines[0]);
  for (size_t c = 0; c < header.size(); ++c) table.column[header[c]] = c;
  for (const char* name : {"frame", "x", "y", "w", "h"}) {
    if (!table.column.count(name)) {
      bad_row(path, 1, fmt::format("no column '{}': {}", name, expected));
    }
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    if (trim(lines[i]).empty() || lines[i][0] == '#') continue;
    BoxTable::Row row;
    row.line = i + 1;
    row.fields = split(lines[i]);
    auto number = [&](const char* name) {
      return number_at(row.fields, table.column.at(name), name, path, row.line);
    };
    const double frame = number("frame");
    if (frame < 0 || frame != static_cast<double>(static_cast<int64_t>(frame))) {
      bad_row(path, row.line, fmt::format("frame should be a frame index, is '{}'", frame));
    }
    row.frame = static_cast<int64_t>(frame);
    if (table.column.count("person")) row.person = static_cast<int>(number("person"));
    row.box = {number("x"), number("y"), number("w"), number("h")};
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace

std::vector<CountedPerson> read_counted_people(const std::string& path) {
  const auto table = read_boxes(path, '\t', "expected frame, person, x, y, w, h, ...");
  std::vector<CountedPerson> people;
  for (const auto& row : table.rows) {
    CountedPerson person;
    person.frame = row.frame;
    person.person = row.person;
    person.box = row.box;
    if (person.box.width <= 0 || person.box.height <= 0) {
      bad_row(path, row.line, "the box should have a positive width and height");
    }
    person.partial = is_yes(table.text(row, "partial"));
    person.note = table.text(row, "note");
    person.doubtful = person.note.rfind("doubtful", 0) == 0;
    people.push_back(std::move(person));
  }
  return people;
}

std::vector<FoundBox> read_found_boxes(const std::string& path) {
  std::vector<FoundBox> boxes;
  const auto table = read_boxes(path, ',', "not the frames CSV of `label --persons multi`");
  for (const auto& row : table.rows) {
    boxes.push_back({row.frame, row.person, row.box});
  }
  return boxes;
}

int64_t PeopleRecall::found() const {
  return std::count_if(outcomes.begin(), outcomes.end(),
                       [](const CountedOutcome& o) { return o.found >= 0; });
}

double PeopleRecall::recall() const {
  return outcomes.empty() ? 0.0 : static_cast<double>(found()) / counted();
}

PeopleRecall score_people(const std::vector<CountedPerson>& counted,
                          const std::vector<FoundBox>& found, const PeopleRecallOptions& options) {
  const auto& edges = options.height_bins;
  if (!std::is_sorted(edges.begin(), edges.end()) ||
      std::adjacent_find(edges.begin(), edges.end()) != edges.end() ||
      (!edges.empty() && edges.front() <= 0)) {
    throw ConfigError("invalid height bins: their edges should be positive and ascending");
  }
  PeopleRecall result;
  std::map<int64_t, std::vector<const CountedPerson*>> people_of;
  for (const auto& person : counted) {
    auto& people = people_of[person.frame];  // a frame counted empty still counts as a frame
    if (!(options.skip_doubtful && person.doubtful)) people.push_back(&person);
  }
  std::map<int64_t, std::vector<size_t>> found_of;
  for (size_t i = 0; i < found.size(); ++i) {
    if (people_of.count(found[i].frame)) found_of[found[i].frame].push_back(i);
  }
  for (size_t b = 0; b <= edges.size(); ++b) {
    result.bins.push_back({b == 0 ? 0.0 : edges[b - 1], b < edges.size() ? edges[b] : 0.0});
  }
  for (const auto& [frame, people] : people_of) {
    result.frames.push_back(frame);
    const auto& boxes = found_of[frame];
    result.found_boxes += static_cast<int64_t>(boxes.size());
    std::vector<std::tuple<double, size_t, size_t>> pairs;  // iou, person, box
    for (size_t p = 0; p < people.size(); ++p) {
      for (size_t b = 0; b < boxes.size(); ++b) {
        const cv::Rect2d& box = found[boxes[b]].box;
        const double overlap = iou(box, people[p]->box);
        if (overlap >= options.min_iou || centre_inside(box, people[p]->box)) {
          pairs.emplace_back(overlap, p, b);
        }
      }
    }
    std::stable_sort(pairs.begin(), pairs.end(),
                     [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
    std::vector<int> box_of(people.size(), -1);
    std::vector<double> iou_of(people.size(), 0.0);
    std::vector<bool> box_taken(boxes.size(), false);
    for (const auto& [overlap, p, b] : pairs) {
      if (box_of[p] >= 0 || box_taken[b]) continue;
      box_of[p] = static_cast<int>(boxes[b]);
      iou_of[p] = overlap;
      box_taken[b] = true;
    }
    for (size_t p = 0; p < people.size(); ++p) {
      result.outcomes.push_back({*people[p], box_of[p], iou_of[p]});
      HeightBin& bin = result.bins[bin_of(people[p]->box.height, edges)];
      ++bin.counted;
      if (box_of[p] >= 0) ++bin.found;
    }
    for (size_t b = 0; b < boxes.size(); ++b) {
      if (!box_taken[b]) result.false_boxes.push_back(found[boxes[b]]);
      if (covers_two(found[boxes[b]].box, people)) result.merges.push_back(found[boxes[b]]);
    }
  }
  return result;
}

std::string PeopleRecall::report() const {
  std::string text = fmt::format(
      "people found: {} of {} ({:.2f}) on {} frames; {} boxes found, {} matched nobody, {} cover "
      "two people\n",
      found(), counted(), recall(), frames.size(), found_boxes, false_boxes.size(), merges.size());
  for (const auto& bin : bins) {
    text += fmt::format("  height {:<12} {:>4} of {:>4} ({:.2f})\n", bin_name(bin), bin.found,
                        bin.counted, bin.recall());
  }
  text += "  per frame (found/counted, false, merges):";
  for (int64_t frame : frames) {
    int64_t n = 0, hit = 0, wrong = 0, merged = 0;
    for (const auto& o : outcomes) {
      if (o.counted.frame != frame) continue;
      ++n;
      hit += o.found >= 0;
    }
    for (const auto& f : false_boxes) wrong += f.frame == frame;
    for (const auto& m : merges) merged += m.frame == frame;
    text += fmt::format(" {}:{}/{}", frame, hit, n);
    if (wrong > 0 || merged > 0) text += fmt::format(",{},{}", wrong, merged);
  }
  text += "\n";
  for (const auto& o : outcomes) {
    if (o.found >= 0) continue;
    text += fmt::format("  missed frame {} #{}: {:g},{:g} {:g}x{:g}{}{}\n", o.counted.frame,
                        o.counted.person, o.counted.box.x, o.counted.box.y, o.counted.box.width,
                        o.counted.box.height, o.counted.partial ? " (partial)" : "",
                        o.counted.note.empty() ? "" : " " + o.counted.note);
  }
  for (const auto& f : false_boxes) {
    text += fmt::format("  false box frame {} person {}: {:.0f},{:.0f} {:.0f}x{:.0f}\n", f.frame,
                        f.person, f.box.x, f.box.y, f.box.width, f.box.height);
  }
  for (const auto& f : merges) {
    text += fmt::format("  merged box frame {} person {}: {:.0f},{:.0f} {:.0f}x{:.0f}\n", f.frame,
                        f.person, f.box.x, f.box.y, f.box.width, f.box.height);
  }
  return text;
}

std::string PeopleRecall::to_json() const {
  auto box_json = [](const cv::Rect2d& r) { return nlohmann::json{r.x, r.y, r.width, r.height}; };
  nlohmann::json bins_json = nlohmann::json::array(), people = nlohmann::json::array(),
                 wrong = nlohmann::json::array(), merged = nlohmann::json::array();
  for (const auto& bin : bins) {
    bins_json.push_back({{"name", bin_name(bin)},
                         {"low", bin.low},
                         {"high", bin.high > 0 ? nlohmann::json(bin.high) : nlohmann::json()},
                         {"counted", bin.counted},
                         {"found", bin.found},
                         {"recall", bin.recall()}});
  }
  for (const auto& o : outcomes) {
    people.push_back({{"frame", o.counted.frame},
                      {"person", o.counted.person},
                      {"box", box_json(o.counted.box)},
                      {"partial", o.counted.partial},
                      {"found", o.found >= 0},
                      {"iou", o.iou}});
  }
  for (const auto& f : false_boxes) {
    wrong.push_back({{"frame", f.frame}, {"person", f.person}, {"box", box_json(f.box)}});
  }
  for (const auto& f : merges) {
    merged.push_back({{"frame", f.frame}, {"person", f.person}, {"box", box_json(f.box)}});
  }
  return nlohmann::json{{"frames", frames},
                        {"counted", counted()},
                        {"found", found()},
                        {"recall", recall()},
                        {"found_boxes", found_boxes},
                        {"false_boxes", false_boxes.size()},
                        {"merges", merges.size()},
                        {"height_bins", bins_json},
                        {"people", people},
                        {"false", wrong},
                        {"merged", merged}}
      .dump(1);
}

}  // namespace actrec::eval
