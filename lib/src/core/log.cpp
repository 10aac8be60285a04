#include "actrec/core/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace actrec::log {
namespace {
std::atomic<Level> g_level{Level::normal};
std::mutex g_write_mutex;
}  // namespace

void set_level(Level level) { g_level = level; }
Level level() { return g_level; }

void write(Level at_least, std::string_view prefix, std::string_view message) {
  if (g_level.load() < at_least) return;
  std::lock_guard<std::mutex> lock(g_write_mutex);
  std::fprintf(stderr, "%.*s%.*s\n", static_cast<int>(prefix.size()), prefix.data(),
               static_cast<int>(message.size()), message.data());
}

}  // namespace actrec::log
