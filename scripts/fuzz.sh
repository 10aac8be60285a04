#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UBSan; LibTorch-free parsers of outside
# input) into build-fuzz/ and runs each for SECONDS (default 60) from tests/fuzz/corpus/<target>/.
# New inputs go to a scratch corpus, never into the repository; a crash leaves its input in
# build-fuzz/crashes/ (add it to the corpus and a regression test once fixed). Exit 1 on a crash.
#   scripts/fuzz.sh [SECONDS] [TARGET...]   targets: config override manifest tfjs bundle_info feature_file import
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config override manifest tfjs bundle_info feature_file import)

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DACTREC_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz >/dev/null
mkdir -p build-fuzz/crashes
failed=0
for target in "${targets[@]}"; do
  scratch=$(mktemp -d)
  log=build-fuzz/fuzz_$target.log
  if build-fuzz/bin/fuzz_"$target" "$scratch" "tests/fuzz/corpus/$target" \
      -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="build-fuzz/crashes/$target-" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $target: $runs runs in ${seconds} s, no crash"
  else
    echo "fuzz: $target: CRASH, input in build-fuzz/crashes/ (log: $log)" >&2
    grep -E "ERROR|runtime error|what\\(\\)" "$log" | head -5 >&2
    failed=1
  fi
  rm -rf "$scratch"
done
exit $failed
