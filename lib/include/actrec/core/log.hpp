#pragma once
// Minimal levelled logging to stderr: stdout stays free for machine-readable output.
#include <fmt/format.h>

#include <string_view>

namespace actrec::log {

enum class Level { quiet, normal, verbose };

void set_level(Level level);
Level level();

void write(Level at_least, std::string_view prefix, std::string_view message);

template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  write(Level::normal, "", fmt::format(format, std::forward<Args>(args)...));
}
/// Warnings show even with --quiet: they say a result may be wrong.
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  write(Level::quiet, "warning: ", fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  write(Level::verbose, "debug: ", fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace actrec::log
