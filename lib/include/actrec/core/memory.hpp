#pragma once

namespace actrec {

/// This process's resident memory now, and its peak so far, in MiB (Linux; 0 elsewhere).
double resident_mib();
double peak_resident_mib();

}  // namespace actrec
