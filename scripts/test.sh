#!/usr/bin/env bash
# Sets up (packages + Release build, see setup.sh), runs the whole test suite with CTest, runs the
# unit and smoke tests again under AddressSanitizer + UBSan (build-asan/; ACTREC_SKIP_SANITIZE=1
# skips it), then a short run of each fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
started=$(date +%s)
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
echo "test: suite ran in $(( $(date +%s) - started )) s"
# The unit and smoke tests again, built with AddressSanitizer + UBSan (leak checks included).
if [ "${ACTREC_SKIP_SANITIZE:-0}" != 1 ]; then
  started=$(date +%s)
  cmake -S . -B build-asan -G Ninja -DACTREC_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-asan
  ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -L "unit|smoke"
  echo "test: sanitizer build and suite took $(( $(date +%s) - started )) s"
fi
# A short run of every fuzz target (the parsers of outside input); scripts/fuzz.sh runs longer.
scripts/fuzz.sh "${FUZZ_SECONDS:-10}"
