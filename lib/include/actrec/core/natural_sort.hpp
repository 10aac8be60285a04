#pragma once
#include <string_view>

namespace actrec {

/// Orders strings as people number files: "frame2.png" before "frame10.png". Runs of digits
/// compare by value (then by length, so "01" sorts before "1" stably); everything else byte-wise.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace actrec
