#pragma once
// Reading the text files people write by hand (manifests, annotations, label lists).
#include <string>
#include <vector>

namespace actrec {

/// `text` without leading and trailing blanks.
std::string trim(const std::string& text);

/// One CSV record: `delimiter`s (commas, or what a spreadsheet chose) separate fields; double
/// quotes may wrap one ("" inside is a quote). Fields come back trimmed.
std::vector<std::string> split_csv(const std::string& line, char delimiter = ',');

/// `text` as one CSV field: quoted (with inner quotes doubled) where it holds a comma, a quote, a
/// line break or blanks at either end that split_csv() would trim; as it is otherwise.
std::string csv_field(const std::string& text);

/// A number that is all of `text`, finite; false otherwise.
bool parse_number(const std::string& text, double& value);

/// The file's lines without line ends (\n or \r\n); a UTF-8 byte-order mark (spreadsheets write
/// one) is not part of the first line. Empty when the file cannot be read.
std::vector<std::string> read_text_lines(const std::string& path);

}  // namespace actrec
