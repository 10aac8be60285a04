#include "test_paths.hpp"
#include "temp_dir.hpp"

#include <filesystem>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

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

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool wait_until(const std::function<bool()>& ready, double limit_s) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  while (!ready()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace actrec::test
