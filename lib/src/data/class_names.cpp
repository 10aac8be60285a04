#include "actrec/data/class_names.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace actrec::data {

std::string plain_spelling(const std::string& label) {
  std::string key;
  bool gap = false;
  for (const char c : label) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '_' || c == '-') {
      gap = !key.empty();
    } else {
      if (gap) key += '_';
      gap = false;
      key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return key;
}

namespace {

// Levenshtein distance.
size_t edits_between(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::optional<std::string> same_class(const std::string& label,
                                      const std::vector<std::string>& classes) {
  const std::string key = plain_spelling(label);
  for (const auto& name : classes) {
    if (plain_spelling(name) == key) return name;
  }
  return std::nullopt;
}

std::string nearest_class(const std::string& label, const std::vector<std::string>& classes) {
  const std::string key = plain_spelling(label);
  std::string nearest;
  size_t fewest = SIZE_MAX;
  for (const auto& name : classes) {
    const std::string other = plain_spelling(name);
    // One spelling inside the other ("lying" in "lying_down") is nearer than any edits.
    const bool within =
        std::min(key.size(), other.size()) >= 3 &&
        (other.find(key) != std::string::npos || key.find(other) != std::string::npos);
    const size_t edits = within ? 0 : edits_between(key, other) + 1;
    if (edits < fewest) {
      fewest = edits;
      nearest = name;
    }
  }
  return nearest;
}

}  // namespace actrec::data
