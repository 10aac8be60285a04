#include "temp_dir.hpp"

#include <filesystem>
#include <fstream>

namespace actrec::test {

std::string shared_dir() {
  const std::filesystem::path dir = ACTREC_SHARED_DIR;
  std::error_code error;
  return std::filesystem::is_directory(dir / "datasets", error) ? dir.string() : std::string();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace actrec::test
