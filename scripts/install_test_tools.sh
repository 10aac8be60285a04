#!/usr/bin/env bash
# What only the tests and CI's extra checks use, installed by scripts/test.sh after set-up: the
# README's first command (scripts/setup.sh) leaves them out, for a quick start.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(
  ffmpeg                                 # test clips, stream senders and HTTP servers
  mosquitto mosquitto-clients            # a broker on loopback, a subscriber
  gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi  # an RTSP server on loopback
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly  #  (x264enc)
  chromium                               # the pages in a headless browser
  chromium-driver python3-selenium       # ...driven as a person would (annotate's page)
  clang libclang-rt-14-dev               # libFuzzer targets (scripts/fuzz.sh)
  file                                   # the Debian package: CPack finds its binaries with it
)
scripts/install_packages.sh test-tools "${packages[@]}"
