#!/usr/bin/env bash
# Load test of live labeling: the sample video as a webcam would deliver it (640x480 MJPEG at
# 25 fps), played in real time again and again for MINUTES (default 30). Prints latency, drops
# and memory per pass; the report is also kept in out/live_load/report.txt.
# Usage: scripts/live_load.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
video=$(scripts/fetch_sample.sh)
out=out/live_load
mkdir -p "$out"
camera="$out/vtest_640x480_25fps.avi"
if [ ! -s "$camera" ]; then
  ffmpeg -v error -y -i "$video" -vf fps=25,scale=640:480 -c:v mjpeg -q:v 5 "$out/.camera.tmp.avi"
  mv "$out/.camera.tmp.avi" "$camera"
fi
build/bin/actrec bench live --minutes "$minutes" "$camera" | tee "$out/report.txt"
