#!/usr/bin/env bash
# The evaluation protocol behind docs/results.md, on ../shared/datasets (seeded, reproducible):
#   1. ud810 leave-one-person-out (3 folds): clip accuracy (majority vote) and frame accuracy,
#      for each setting below (cells, truncated BPTT, clipping, feature presets, linear floor);
#   2. KTH per-frame, leave-one-clip-out (7 folds): frame accuracy, edit, F1@{10,25,50} against
#      KTH's own action ranges (frames outside them are background);
#   3. stitched videos: each ud810 fold's 9 held-out clips concatenated (seeded order) into one
#      long video with known boundaries, labelled by that fold's default model;
#   4. Weizmann strips, leave one performer group out (9 folds), evaluation only: each strip is
#      cut into frames in a scratch folder (mirror duplicates left out).
# Writes results/evaluate/<setting>/... and prints the tables as Markdown. About 15 minutes on
# 2 cores the first time (feature extraction); the features are cached after that.
#   ONLY=pattern  run only settings whose name matches
#   SECTIONS="ud810 kth stitched weizmann"  which parts to run (stitched needs ud810's lstm-pose runs)
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

sections=${SECTIONS:-ud810 kth stitched weizmann}
mean() { awk '{ s += $1; n++ } END { printf "%.1f", n ? s / n : 0 }'; }

if [[ " $sections " == *" ud810 "* ]]; then
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

fi

if [[ " $sections " == *" kth "* ]]; then
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
fi

if [[ " $sections " == *" stitched "* ]]; then
echo
echo "## Stitched ud810 videos (one per fold: the held-out person's 9 clips in a seeded order)"
echo
echo "| fold | frames | frame accuracy | edit | F1@10 | F1@25 | F1@50 |"
echo "|---|---|---|---|---|---|---|"
for person in P1 P2 P3; do
  dir=$out/stitched/$person
  mkdir -p "$dir"
  model=$out/lstm-pose/ud810-$person/run/best.actrec
  [ -f "$model" ] || { echo "| $person | (run the ud810 section first) |||||| "; continue; }
  # Seeded order, so that every run stitches the same video.
  grep ",$person," data/manifests/ud810.csv | awk -v seed=7 'BEGIN { srand(seed) } { print rand() "\t" $0 }' |
    sort -n | cut -f2- >"$dir/order.csv"
  : >"$dir/concat.txt"
  { echo "start,end,label"
    start=0
    while IFS=, read -r video _ label; do
      echo "file '$video'" >>"$dir/concat.txt"
      frames=$(awk -F'\t' -v f="$(basename "$video")" '$1 == f { print $5 }' \
        ../shared/datasets/ud810_ps7_mhi/MANIFEST.tsv)
      echo "$start,$((start + frames)),$label"
      start=$((start + frames))
    done <"$dir/order.csv"; } >"$dir/segments.csv"
  ffmpeg -v error -y -f concat -safe 0 -i "$dir/concat.txt" -c copy "$dir/stitched.avi"
  printf "video,split,annotation\n%s,test,%s\n" "$PWD/$dir/stitched.avi" "$PWD/$dir/segments.csv" >"$dir/manifest.csv"
  "$actrec" -q eval --model "$model" --data "$dir/manifest.csv" --split test --json "$dir/eval.json" >/dev/null
  printf "| %s | %s | %.1f%% | %.1f | %.1f | %.1f | %.1f |\n" "$person" "$(value "$dir/eval.json" frames)" \
    "$(awk -v v="$(value "$dir/eval.json" frame_accuracy)" 'BEGIN { print 100 * v }')" \
    "$(value "$dir/eval.json" edit)" "$(value "$dir/eval.json" 'f1@10')" \
    "$(value "$dir/eval.json" 'f1@25')" "$(value "$dir/eval.json" 'f1@50')"
done
fi

if [[ " $sections " == *" weizmann "* ]]; then
echo
echo "## Weizmann strips, leave one performer group out (9 folds), configs/default.yaml"
echo
echo "| held-out group | clip accuracy | frame accuracy |"
echo "|---|---|---|"
# Their terms may forbid derivatives: frames exist only in this scratch folder, never in a model
# we ship (the models trained here stay under results/).
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
weizmann=../shared/datasets/weizmann_mocogan_strips
{ echo "video,split,annotation"
  tail -n +2 "$weizmann/MANIFEST.tsv" | while IFS=$'\t' read -r file label group _ frames _; do
    number=$(basename "$file" .jpg)
    (( 10#$number % 2 == 0 )) || continue  # odd files mirror the even ones
    folder=$scratch/${number}_$label
    mkdir -p "$folder"
    ffmpeg -v error -i "$weizmann/$file" -vf "untile=${frames}x1" "$folder/%04d.png"
    echo "$folder,${group%%(*},$label"
  done; } >"$scratch/all.csv"
dir=$out/weizmann
mkdir -p "$dir"
for g in 0 1 2 3 4 5 6 7 8; do
  test_group=group0$g val_group=group0$(( (g + 1) % 9 ))
  awk -F, -v t="$test_group" -v v="$val_group" 'NR == 1 { print; next }
    { print $1 "," ($2 == t ? "test" : $2 == v ? "val" : "train") "," $3 }' "$scratch/all.csv" >"$dir/$test_group.csv"
  "$actrec" -q train -c configs/default.yaml --data "$dir/$test_group.csv" -o "$dir/$test_group" >/dev/null
  "$actrec" -q eval --model "$dir/$test_group/best.actrec" --data "$dir/$test_group.csv" --split test \
    --json "$dir/$test_group.json" >/dev/null
  printf "| %s | %.0f%% | %.1f%% |\n" "$test_group" \
    "$(awk -v v="$(value "$dir/$test_group.json" clip_accuracy)" 'BEGIN { print 100 * v }')" \
    "$(awk -v v="$(value "$dir/$test_group.json" frame_accuracy)" 'BEGIN { print 100 * v }')"
done | tee "$dir/table.md"
awk -F'|' '{ gsub(/[% ]/, "", $3); gsub(/[% ]/, "", $4); c += $3; f += $4; n++ }
  END { printf "| mean | %.1f%% | %.1f%% |\n", c / n, f / n }' "$dir/table.md"
fi
