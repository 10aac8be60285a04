#pragma once
// Labels that people type against the class names a model knows.
#include <optional>
#include <string>
#include <vector>

namespace actrec::data {

/// `label` in lower case with words joined by '_': "Lying down" -> "lying_down", the way class
/// names are spelt.
std::string plain_spelling(const std::string& label);

/// The class of `classes` that `label` names but for case, blanks, '_' and '-' ("Standing" for
/// standing, "lying down" for lying_down); nullopt when none does.
std::optional<std::string> same_class(const std::string& label,
                                      const std::vector<std::string>& classes);

/// The class of `classes` spelt most like `label`, case and spacing aside: one whose name holds
/// it or is held in it ("lying" for lying_down), else the fewest letters to change; "" when there
/// are none.
std::string nearest_class(const std::string& label, const std::vector<std::string>& classes);

}  // namespace actrec::data
