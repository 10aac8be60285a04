#!/usr/bin/env bash
# The evaluation protocol behind docs/results.md, on ../shared/datasets (seeded, reproducible):
#   1. ud810 leave-one-person-out (3 folds): clip accuracy (majority vote) and frame accuracy,
#      for each setting below (cells, truncated BPTT, clipping, feature presets, linear floor);
#   2. KTH per-frame, leave-one-clip-out (7 folds): frame accuracy, edit, F1@{10,25,50} against
#      KTH's own action ranges (frames outside them are background).
# Writes results/evaluate/<setting>/... and prints the tables as Markdown. About 15 minutes on
# 2 cores the first time (feature extraction); the features are cached after that.
#   ONLY=pattern  run only settings whose name matches
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/make_manifests.sh >/dev/null
out=results/evaluate
mkdir -p "$out"
actrec=build/bin/actrec
value() { sed -n "s/^  \"$2\": \\([-0-9.e]*\\),*\$/\\1/p" "$1"; }

# Settings: name, then --set overrides on top of configs/default.yaml.
settings=(
  "lstm-pose|"
  "gru-pose|--set model.cell=gru"
  "rnn-pose|--set model.cell=rnn"
  "linear-pose|--set model.cell=linear"
  "lstm-pose-fullbptt|--set train.tbptt_steps=0"
  "lstm-pose-tbptt16|--set train.tbptt_steps=16"
  "lstm-pose-tbptt4|--set train.tbptt_steps=4"
  "lstm-pose-noclip|--set train.clip_norm=0"
  "lstm-appearance|--set features.preset=appearance"
  "lstm-pose+appearance|--set features.preset=pose+appearance"
)

echo "## ud810, leave one person out (3 folds)"
echo
echo "| setting | clip accuracy (mean) | frame accuracy (mean) | per fold (clip / frame) |"
echo "|---|---|---|---|"
for entry in "${settings[@]}"; do
  name=${entry%%|*}
  read -r -a extra <<<"${entry#*|}"
  [[ -n "${ONLY:-}" && ! "$name" =~ $ONLY ]] && continue
  clip_sum=0 frame_sum=0 folds=""
  for person in P1 P2 P3; do
    dir=$out/$name/ud810-$person
    mkdir -p "$dir"
    # Train on the other two persons (trials 1-2), validate on their trial 3, test on $person.
    awk -F, -v p="$person" 'NR == 1 { print; next }
      $2 == p { print $1 ",test," $3; next }
      { print $1 "," (($1 ~ /T3\.avi$/) ? "val" : "train") "," $3 }' \
      data/manifests/ud810.csv >"$dir/manifest.csv"
    "$actrec" -q train -c configs/default.yaml "${extra[@]}" --data "$dir/manifest.csv" -o "$dir/run" >/dev/null
    "$actrec" -q eval --model "$dir/run/best.actrec" --data "$dir/manifest.csv" --split test \
      --json "$dir/eval.json" >/dev/null
    clip=$(value "$dir/eval.json" clip_accuracy)
    frame=$(value "$dir/eval.json" frame_accuracy)
    clip_sum=$(awk -v a="$clip_sum" -v b="$clip" 'BEGIN { print a + b }')
    frame_sum=$(awk -v a="$frame_sum" -v b="$frame" 'BEGIN { print a + b }')
    folds+=$(awk -v p="$person" -v c="$clip" -v f="$frame" 'BEGIN { printf "%s %.0f%% / %.1f%%; ", p, 100 * c, 100 * f }')
  done
  awk -v n="$name" -v c="$clip_sum" -v f="$frame_sum" -v d="$folds" \
    'BEGIN { printf "| %s | %.1f%% | %.1f%% | %s |\n", n, 100 * c / 3, 100 * f / 3, d }'
done

echo
echo "## KTH per frame, leave one clip out (7 folds), configs/default.yaml"
echo
echo "| held-out clip | frame accuracy | edit | F1@10 | F1@25 | F1@50 |"
echo "|---|---|---|---|---|---|"
dir=$out/kth
mkdir -p "$dir"
tail -n +2 data/manifests/kth.csv | while IFS=, read -r video _ annotation; do
  stem=$(basename "${video%.*}")
  { echo "video,split,annotation"
    tail -n +2 data/manifests/kth.csv | awk -F, -v v="$video" '$1 != v { print $1 ",train," $3 }'
    echo "$video,test,$annotation"; } >"$dir/$stem.csv"
  "$actrec" -q train -c configs/default.yaml --data "$dir/$stem.csv" -o "$dir/$stem" >/dev/null
  "$actrec" -q eval --model "$dir/$stem/best.actrec" --data "$dir/$stem.csv" --split test \
    --json "$dir/$stem.json" >/dev/null
  printf "| %s | %.1f%% | %.1f | %.1f | %.1f | %.1f |\n" "$stem" \
    "$(awk -v v="$(value "$dir/$stem.json" frame_accuracy)" 'BEGIN { print 100 * v }')" \
    "$(value "$dir/$stem.json" edit)" "$(value "$dir/$stem.json" 'f1@10')" \
    "$(value "$dir/$stem.json" 'f1@25')" "$(value "$dir/$stem.json" 'f1@50')"
done
