// Compiles and links with actrec::actrec alone: the public header, what it includes, and the
// library are all in the package. Prints the version and the labels of the installed model.
#include <actrec/actrec.hpp>
#include <iostream>

int main() {
  std::cout << "actrec " << actrec::version() << "\n";
  try {
    const actrec::Labeler labeler = actrec::Labeler::open();
    for (const auto& label : labeler.labels()) std::cout << label << "\n";
  } catch (const actrec::Error& error) {  // thrown inside libactrec.so, caught here by type
    std::cerr << "error: " << error.what() << "\n";
    return static_cast<int>(error.exit_code());
  }
  return 0;
}
