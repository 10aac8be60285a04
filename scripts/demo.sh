#!/usr/bin/env bash
# The main job: label a real video with the shipped model. Fetches the sample video (vtest.avi,
# pedestrians, from Debian's opencv-doc package) and labels every frame with
# models/default.actrec, writing a CSV, segments, subtitles and an overlay video to out/demo/.
# Run scripts/setup.sh first (the README's first command does both).
set -euo pipefail
cd "$(dirname "$0")/.."
video=$(scripts/fetch_sample.sh)
out=out/demo
build/bin/actrec label --model models/default.actrec "$video" -o "$out" --overlay --vtt
stem=$(basename "${video%.*}")
cat <<EOT

Labelled $video with models/default.actrec:
  per-frame labels   $out/$stem.frames.csv
  segments           $out/$stem.segments.json
  subtitles          $out/$stem.srt (and .vtt): play the video with them in any player
  overlay video      $out/$stem.overlay.mp4
EOT
