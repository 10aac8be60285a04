#!/usr/bin/env bash
# Sets up (packages + Release build, see setup.sh), then runs the whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
started=$(date +%s)
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
echo "test: suite ran in $(( $(date +%s) - started )) s"
