#!/usr/bin/env bash
# The README's test command: sets up (packages, Release build, models; see setup.sh), installs
# what only the tests use (scripts/install_test_tools.sh), runs the README's main job exactly as a
# newcomer does (scripts/demo.sh), then the whole test suite with CTest. `.ci/run` adds the
# sanitizer build and the fuzz targets after this (scripts/ci_extra.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
scripts/setup.sh
echo "test: set-up took $(( $(date +%s) - started )) s"
step=$(date +%s)
scripts/install_test_tools.sh
echo "test: the tests' own tools (scripts/install_test_tools.sh) took $(( $(date +%s) - step )) s"
# The main job first: if a newcomer's first command fails, nothing else matters.
step=$(date +%s)
scripts/demo.sh
echo "test: the main job (scripts/demo.sh) took $(( $(date +%s) - step )) s"
step=$(date +%s)
cmake --build "${BUILD_DIR:-build}"  # the suite (set-up builds the command alone)
echo "test: built the suite in $(( $(date +%s) - step )) s"
step=$(date +%s)
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
echo "test: suite ran in $(( $(date +%s) - step )) s; $(( $(date +%s) - started )) s in all"
