#!/usr/bin/env bash
# Writes dataset manifests over ../shared/datasets into data/manifests/ (git-ignored):
#   kth.csv      KTH clips with per-frame action ranges from KTH's 00sequences.txt (segments)
#   ud810.csv    ud810 PS7 clips, one arm action per clip (class names by what they show)
#   default.csv  both, with the split the shipped model uses (ud810 trial 3 and one KTH clip: val)
# Paths in the manifests are absolute, so they work from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=$(cd ../shared/datasets && pwd)
out=data/manifests
mkdir -p "$out/kth_segments"

# ud810: A1 both arms out to the sides, A2 one arm up, A3 both arms forward (see its SOURCE.md).
ud810_label() { case $1 in A1) echo raise_arms_sideways ;; A2) echo raise_one_arm ;; A3) echo raise_arms_forward ;; esac; }
{
  echo "video,split,annotation"
  for f in "$shared"/ud810_ps7_mhi/PS7A?P?T?.avi; do
    b=$(basename "$f" .avi)  # PS7A1P2T3
    echo "$f,${b:5:2},$(ud810_label "${b:3:2}")"  # split = person (P1..P3), for leave-one-out
  done
} >"$out/ud810.csv"

# KTH: 1-based inclusive ranges -> 0-based, end-exclusive segments; frames between are background.
{
  echo "video,split,annotation"
  for f in "$shared"/kth_actions/person*; do
    stem=$(basename "${f%.*}")
    # KTH's own names end in _uncomp.avi; some copies here drop "_uncomp" or are .mp4.
    rows=$(awk -F'\t' -v s="${stem%_uncomp}" 'NR > 1 { n = $1; sub(/\.avi$/, "", n); sub(/_uncomp$/, "", n) }
      NR > 1 && n == s { print $6 - 1 "," $7 "," $2 }' \
      "$shared/kth_actions/kth_segments_from_00sequences.tsv")
    [ -n "$rows" ] || continue
    { echo "start,end,label"; echo "$rows"; } >"$out/kth_segments/$stem.csv"
    echo "$f,$(echo "$stem" | cut -d_ -f1),$PWD/$out/kth_segments/$stem.csv"  # split = person
  done
} >"$out/kth.csv"

# The shipped model: trial 3 of every ud810 person and one KTH clip held out for validation.
{
  echo "video,split,annotation"
  tail -n +2 "$out/ud810.csv" | awk -F, '{ split_ = ($1 ~ /T3\.avi$/) ? "val" : "train"; print $1 "," split_ "," $3 }'
  tail -n +2 "$out/kth.csv" | awk -F, '{ split_ = ($1 ~ /person01_handclapping_d2/) ? "val" : "train"; print $1 "," split_ "," $3 }'
} >"$out/default.csv"
echo "$out/ud810.csv $out/kth.csv $out/default.csv"
