#pragma once
// JSON as text for files, lines and messages.
#include <nlohmann/json.hpp>
#include <string>

namespace actrec {

/// `json` as text. Bytes that are not UTF-8 (a file name from another system, a camera's own
/// string) become U+FFFD instead of an exception that would end the run.
inline std::string json_text(const nlohmann::json& json, int indent = -1) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace actrec
