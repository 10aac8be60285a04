#!/usr/bin/env bash
# The cross-view split (docs/results.md): every ASSIST-IoT reference video is a split screen, one
# performance filmed by two cameras side by side (a timestamp burnt in under them). Side A is the
# room's main camera, the large view; side B the second camera, the small one (low, across the
# mats; on the stairs, the smaller of the two views). Cuts each side into a video of its own
# under data/crossview/ (git-ignored; ffmpeg, once: the same frames and timing, so the whole
# clip's annotation holds for either side) and writes two manifests into data/manifests/:
#   crossview_a_to_b.csv  train: the shippable data without the ASSIST-IoT videos
#                         (default_nogestures.csv) and every side A; test: every side B
#   crossview_b_to_a.csv  the same the other way round
# Runs scripts/make_manifests.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/make_manifests.sh >/dev/null
m=data/manifests
out=data/crossview
mkdir -p "$out/a" "$out/b"

# crop W:H:X:Y of each side in the 1280x720 frame, by layout (each video's checked by eye): the
# main view on the left and the second at the top right (most), mirrored (11, 12, 19), or the
# stairs' two views.
side_crop() {  # STEM SIDE
  local layout=left
  case $1 in
    11_* | 12_* | 19_*) layout=right ;;
    06_walking_stairs*) layout=stairs ;;
  esac
  case $layout/$2 in
    left/a) echo 853:640:0:0 ;;
    left/b) echo 427:320:853:0 ;;
    right/a) echo 853:640:427:0 ;;
    right/b) echo 427:320:0:0 ;;
    stairs/a) echo 768:576:512:0 ;;
    stairs/b) echo 510:404:0:0 ;;
  esac
}

frames() { ffprobe </dev/null -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }

rows_a="" rows_b=""
while IFS=, read -r video _ annotation _; do
  stem=$(basename "$video" .mp4)
  for side in a b; do
    cut=$out/$side/$stem.mp4
    if [ ! -s "$cut" ]; then
      ffmpeg -nostdin -loglevel error -y -i "$video" -vf "crop=$(side_crop "$stem" $side)" -an -c:v libx264 \
        -preset veryfast -crf 18 -pix_fmt yuv420p -fps_mode passthrough "$cut.tmp.mp4"
      if [ "$(frames "$cut.tmp.mp4")" != "$(frames "$video")" ]; then
        echo "make_crossview: $cut: not the same frames as $video" >&2
        exit 1
      fi
      mv "$cut.tmp.mp4" "$cut"
    fi
  done
  rows_a+="$PWD/$out/a/$stem.mp4,SPLIT_A,$annotation,assist side A"$'\n'
  rows_b+="$PWD/$out/b/$stem.mp4,SPLIT_B,$annotation,assist side B"$'\n'
done < <(grep ',assist$' $m/default_nogestures.csv)  # (its annotations: raised hands as standing)

others=$(tail -n +2 $m/default_nogestures.csv | grep -v ',assist$')
{
  echo "video,split,annotation,group"
  echo "$others"
  printf '%s' "${rows_a//SPLIT_A/train}"
  printf '%s' "${rows_b//SPLIT_B/test}"
} >$m/crossview_a_to_b.csv
{
  echo "video,split,annotation,group"
  echo "$others"
  printf '%s' "${rows_b//SPLIT_B/train}"
  printf '%s' "${rows_a//SPLIT_A/test}"
} >$m/crossview_b_to_a.csv
echo "$m: crossview_a_to_b.csv crossview_b_to_a.csv ($out: each ASSIST-IoT video's two sides)"
