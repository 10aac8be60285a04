#include "actrec/core/memory.hpp"

#include <fstream>
#include <string>

namespace actrec {
namespace {

// A "Vm...:" line of /proc/self/status, in kB there.
double status_mib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(field.size())) / 1024.0;
  }
  return 0;
}

}  // namespace

double resident_mib() { return status_mib("VmRSS:"); }
double peak_resident_mib() { return status_mib("VmHWM:"); }

}  // namespace actrec
