#!/usr/bin/env bash
# What CI runs after the README's test command: actrec as others get it (the install, a program
# built against it, the Debian package: scripts/check_package.sh, on the Release build), then
# the unit and smoke tests again, built with AddressSanitizer + UBSan (build-asan/, leak checks
# included), then a short run of every fuzz target (the parsers of outside input;
# scripts/fuzz.sh runs them longer).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/check_package.sh
started=$(date +%s)
# -O1 -g1: line numbers in reports, without the full debug information of LibTorch's templates
# that made this build three times as long as the Release one.
cmake -S . -B build-asan -G Ninja -DACTREC_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" >/dev/null
cmake --build build-asan
# RealBackbone: a real network over 555 frames of video, LibTorch's work (not sanitized) at two
# minutes here; the README's suite runs it.
ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -L "unit|smoke" -E '^RealBackbone:'
echo "ci: sanitizer build and suite took $(( $(date +%s) - started )) s"
scripts/fuzz.sh "${FUZZ_SECONDS:-10}"
