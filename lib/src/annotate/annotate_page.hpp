#pragma once
#include <string>

namespace actrec::annotate {

/// The annotate page: one file, no outside resources (the machine may have no internet).
const std::string& annotate_page();

}  // namespace actrec::annotate
