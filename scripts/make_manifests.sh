#!/usr/bin/env bash
# Writes dataset manifests over ../shared/datasets into data/manifests/ (git-ignored). Each has a
# group column (the person or subject) for leave-one-out splits; paths are absolute.
#   kth.csv        KTH clips, per-frame action ranges from KTH's 00sequences.txt (jogging is
#                  `running` here); frames outside the ranges are background
#   ud810.csv      ud810 PS7 clips, one of three arm actions each
#   gmdcsa24.csv   GMDCSA24, labelled per frame by models/training/annotations/gmdcsa24/
#   assist.csv     ASSIST-IoT reference videos, labelled by models/training/annotations/
#   default.csv    what the shipped model learns from: all of the above (ud810's actions as
#                  arm_gesture), split train
#   default_nogestures.csv  the same with the gesture classes (KTH boxing, handclapping,
#                  handwaving; ud810's arm gestures; ASSIST-IoT's raised hands) as standing
#   upfall.csv     UP-Fall subject 1 camera 1 through `actrec data import folders` (evaluation
#                  only: never in a training manifest), split test
#   gmdcsa24_imported.csv  GMDCSA24 through `actrec data import gmdcsa24` (its own labels)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=$(cd ../shared/datasets && pwd)
root=$PWD
out=data/manifests
actrec=${ACTREC:-build/bin/actrec}
mkdir -p "$out/kth_segments"

# ud810: A1 both arms out to the sides, A2 one arm up, A3 both arms forward (see its SOURCE.md).
ud810_label() { case $1 in A1) echo raise_arms_sideways ;; A2) echo raise_one_arm ;; A3) echo raise_arms_forward ;; esac; }
{
  echo "video,split,annotation,group"
  for f in "$shared"/ud810_ps7_mhi/PS7A?P?T?.avi; do
    b=$(basename "$f" .avi)  # PS7A1P2T3
    echo "$f,train,$(ud810_label "${b:3:2}"),${b:5:2}"
  done
} >"$out/ud810.csv"

# KTH: 1-based inclusive ranges -> 0-based, end-exclusive segments; frames between: background.
{
  echo "video,split,annotation,group"
  for f in "$shared"/kth_actions/person*; do
    stem=$(basename "${f%.*}")
    # KTH's own names end in _uncomp.avi; some copies here drop "_uncomp" or are .mp4.
    rows=$(awk -F'\t' -v s="${stem%_uncomp}" 'NR > 1 { n = $1; sub(/\.avi$/, "", n); sub(/_uncomp$/, "", n) }
      NR > 1 && n == s { label = $2 == "jogging" ? "running" : $2; print $6 - 1 "," $7 "," label }' \
      "$shared/kth_actions/kth_segments_from_00sequences.tsv")
    [ -n "$rows" ] || continue
    { echo "start,end,label"; echo "$rows"; } >"$out/kth_segments/$stem.csv"
    echo "$f,train,$root/$out/kth_segments/$stem.csv,$(echo "$stem" | cut -d_ -f1)"
  done
} >"$out/kth.csv"

# GMDCSA24 and ASSIST-IoT with the per-frame labels made for them (models/training/annotations).
annotations=$root/models/training/annotations
{
  echo "video,split,annotation,group"
  for csv in "$annotations"/gmdcsa24/Subject_*.csv; do
    name=$(basename "$csv" .csv)  # Subject_1_Fall_13
    IFS=_ read -r _ subject kind clip <<<"$name"
    echo "$shared/gmdcsa24/Subject $subject/$kind/$clip.mp4,train,$csv,Subject $subject"
  done
} >"$out/gmdcsa24.csv"
{
  echo "video,split,annotation,group"
  for csv in "$annotations"/assist_iot_falls/*.csv; do
    stem=$(basename "$csv" .csv)
    video=$(ls "$shared"/assist_iot_falls/videos/*/"$stem".mp4)
    echo "$video,train,$csv,assist"
  done
} >"$out/assist.csv"

# The shipped model's data: shippable licences only (see models/README.md).
{
  echo "video,split,annotation,group"
  tail -n +2 "$out/kth.csv"
  tail -n +2 "$out/ud810.csv" | awk -F, 'BEGIN { OFS = "," } { $3 = "arm_gesture"; print }'
  tail -n +2 "$out/gmdcsa24.csv"
  tail -n +2 "$out/assist.csv"
} >"$out/default.csv"

# The same data without the standing-still gesture classes: KTH's boxing, handclapping and
# handwaving and ud810's arm gestures are people standing (the vocabulary question of
# docs/results.md).
mkdir -p "$out/kth_segments_standing" "$out/assist_standing"
for f in "$out"/kth_segments/*.csv; do
  sed -E 's/,(boxing|handclapping|handwaving)$/,standing/' "$f" >"$out/kth_segments_standing/$(basename "$f")"
done
assist_annotations=$root/models/training/annotations/assist_iot_falls
for f in "$assist_annotations"/*.csv; do
  sed -E 's/,arm_gesture$/,standing/' "$f" >"$out/assist_standing/$(basename "$f")"
done
{
  echo "video,split,annotation,group"
  tail -n +2 "$out/kth.csv" | sed "s#/$out/kth_segments/#/$out/kth_segments_standing/#"
  tail -n +2 "$out/ud810.csv" | awk -F, 'BEGIN { OFS = "," } { $3 = "standing"; print }'
  tail -n +2 "$out/gmdcsa24.csv"
  tail -n +2 "$out/assist.csv" | sed "s#$assist_annotations/#$root/$out/assist_standing/#"
} >"$out/default_nogestures.csv"

# Evaluation only: UP-Fall, and GMDCSA24 as its own annotation says.
"$actrec" -q data import folders "$shared/upfall_subject1_cam1" -o "$out/upfall.csv" \
  --labels configs/labels/upfall.yaml --split test >/dev/null
"$actrec" -q data import gmdcsa24 "$shared/gmdcsa24" -o "$out/gmdcsa24_imported.csv" \
  --labels configs/labels/gmdcsa24.yaml 2>/dev/null >/dev/null
echo "$out: ud810.csv kth.csv gmdcsa24.csv assist.csv default.csv default_nogestures.csv upfall.csv gmdcsa24_imported.csv"
