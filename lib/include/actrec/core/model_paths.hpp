#pragma once
// Where model files are found. A file named relatively (a bundle on the command line, the
// backbone a bundle or config names) is looked for as given (from the current folder), then by
// its file name in $ACTREC_MODELS, then in the models folder of the installed layout this
// binary belongs to (`<prefix>/share/actrec/models`; in a build tree, the checkout's `models/`).
// An absolute path is only ever taken as given.
#include <string>
#include <vector>

namespace actrec {

/// `<prefix>/<datadir>/actrec/models` of the install this binary (the executable, or
/// libactrec.so) belongs to, found from where the binary lives; "" when that folder does not
/// exist (a binary copied elsewhere).
std::string installed_models_dir();

/// The folders searched after the path as given: $ACTREC_MODELS (when set), then
/// installed_models_dir() (when there is one).
std::vector<std::string> model_search_dirs();

/// The model file `path` names, found as this header says. Throws ModelError naming every
/// place it looked.
std::string find_model_file(const std::string& path);

/// The bundle used when none is named: the shipped `models/default.actrec`, found as above.
inline constexpr const char* kDefaultBundle = "models/default.actrec";

}  // namespace actrec
