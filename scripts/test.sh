#!/usr/bin/env bash
# Sets up (packages + Release build, see setup.sh), runs the whole test suite with CTest, then a
# short smoke run of each fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
started=$(date +%s)
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
echo "test: suite ran in $(( $(date +%s) - started )) s"
# A short run of every fuzz target (the parsers of outside input); scripts/fuzz.sh runs longer.
scripts/fuzz.sh "${FUZZ_SECONDS:-10}"
