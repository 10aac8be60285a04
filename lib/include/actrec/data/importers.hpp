#pragma once
// Datasets as they come, into actrec manifests without hand work (`actrec data import`). Labels
// go through a LabelMap (rename, merge, drop, precedence for overlaps); every row that cannot be
// read is reported with file:line and left out, never guessed. No LibTorch.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actrec/config/config.hpp"
#include "actrec/data/dataset.hpp"

namespace actrec::data {

enum class ImportFormat {
  folders,   ///< videos under a folder, the label from each one's folder or file name
  gmdcsa24,  ///< GMDCSA24: Subject N/{ADL,Fall}.csv with labelled time ranges in seconds
  mstcn,     ///< MS-TCN layout: groundTruth/*.txt (a label per frame), mapping.txt, videos/
  labels,    ///< `actrec label --annotations` outputs (edited or not): <stem>.labels.csv files
};

ImportFormat parse_import_format(const std::string& text);  ///< ConfigError for others

struct ImportOptions {
  ImportFormat format = ImportFormat::folders;
  std::string source;    ///< the dataset's folder
  std::string manifest;  ///< the manifest to write; annotations go to <manifest stem>.labels/
  config::LabelMap labels;  ///< no rules: labels kept as the dataset spells them
  std::string split = "train";
  bool label_from_file = false;  ///< folders: the file name (leading digits dropped), not the folder
};

struct ImportReport {
  size_t clips = 0;                        ///< written to the manifest
  std::vector<std::string> problems;       ///< "file:line: what", each row left out
  std::vector<std::string> notes;          ///< "file:line: what", each row kept but changed
  std::vector<std::string> warnings;       ///< "file:line: what", kept as it is but worth a look
  std::map<std::string, double> seconds;   ///< vocabulary label -> annotated seconds (or clips)
  std::vector<std::string> written;        ///< the manifest, then the annotation files
};

/// Reads the dataset in `options.source` and writes a manifest (video,split,annotation,group;
/// paths relative to it) and its annotation files, atomically. Throws InputError when the
/// source is not such a dataset at all, DataError (listing every problem) when no clip could be
/// imported; row problems are reported, not thrown.
ImportReport import_dataset(const ImportOptions& options);

/// Ranges (in seconds), possibly overlapping, made disjoint: where several labels cover a time
/// the one earliest in `precedence` wins (then the earliest given); adjacent equal labels merge.
std::vector<LabelledRange> resolve_overlaps(const std::vector<LabelledRange>& ranges,
                                            const std::vector<std::string>& precedence);

/// The vocabulary label for `source` under `map`: the first rule whose pattern (a glob:
/// * and ?) matches; "" when the rule drops it; nullopt when no rule matches. With no rules at
/// all, `source` itself.
std::optional<std::string> map_label(const config::LabelMap& map, const std::string& source);

}  // namespace actrec::data
