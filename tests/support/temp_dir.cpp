#include "temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "test_paths.hpp"

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

std::vector<std::string> wait_for_match(const std::string& path, const std::string& pattern,
                                        double limit_s) {
  const std::regex expression(pattern);
  std::vector<std::string> groups;
  wait_until(
      [&] {
        const std::string text = read_text(path);
        std::smatch match;
        if (!std::regex_search(text, match, expression)) return false;
        groups.assign(match.begin(), match.end());
        return true;
      },
      limit_s);
  return groups;
}

}  // namespace actrec::test
