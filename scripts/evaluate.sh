#!/usr/bin/env bash
# The evaluation behind docs/results.md, on ../shared/datasets (seeded, reproducible). Every
# model here is trained with the built-in defaults plus the overrides named; nothing here is
# shipped, and UP-Fall is never trained on.
#   ud810     ud810 leave one person out (3 folds, its 3 arm actions): clip and frame accuracy
#   gmdcsa    GMDCSA24 leave one subject out (3 folds): the default model's recipe trained on all
#             shippable data but the subject; frame accuracy, edit, F1@{10,25,50}, falls found
#   claims    the same folds for each setting of the claims table (cells, truncation, clipping,
#             recipes, augmentations, smoothing)
#   upfall    UP-Fall subject 1 camera 1 with the shipped models/default.actrec: falls found,
#             false falls in daily living, majority label of the daily-living clips, confusion
# Writes results/evaluate/... and prints Markdown tables. SECTIONS="ud810 gmdcsa claims upfall"
# picks sections; ONLY=regex picks settings. About an hour on 2 cores (features are cached).
set -euo pipefail
cd "$(dirname "$0")/.."
export ACTREC=${ACTREC:-build/bin/actrec}
scripts/make_manifests.sh >/dev/null
out=results/evaluate
mkdir -p "$out"
m=data/manifests
sections=${SECTIONS:-ud810 gmdcsa claims upfall}
value() { sed -n "s/^  \"$2\": \\([-0-9.e]*\\),*\$/\\1/p" "$1"; }
percent() { awk -v v="$1" 'BEGIN { printf "%.1f", 100 * v }'; }
# event FILE LABEL FIELD: a number from eval --json's events section
event() { awk -v l="\"$2\": {" -v f="\"$3\":" '$0 ~ l { on = 1 } on && $0 ~ f { gsub(/[^0-9]/, ""); print; exit }' "$1"; }

# fold_manifest SOURCE GROUP: SOURCE's rows of GROUP as test, every other row as train.
fold_manifest() {
  awk -F, -v g="$2" 'BEGIN { OFS = "," } NR == 1 { print; next } { $2 = ($4 == g) ? "test" : "train"; print }' "$1"
}

run_fold() {  # NAME DIR MANIFEST [--set ...]: train on train, eval on test
  local dir=$2 manifest=$3
  shift 3
  mkdir -p "$dir"
  "$ACTREC" -q train --data "$manifest" -o "$dir/run" "$@" >/dev/null
  "$ACTREC" -q eval --model "$dir/run/last.actrec" --data "$manifest" --split test \
    --event falling --json "$dir/eval.json" >/dev/null
}

if [[ " $sections " == *" ud810 "* ]]; then
  echo "## ud810, leave one person out (3 folds)"
  echo
  echo "| setting | clip accuracy (mean) | frame accuracy (mean) | per fold (clip / frame) |"
  echo "|---|---|---|---|"
  for entry in "default|" "no augmentation|--set train.augment.enabled=false" "lstm|--set model.cell=lstm" \
      "linear (no recurrence)|--set model.cell=linear"; do
    name=${entry%%|*}
    read -r -a extra <<<"${entry#*|}"
    [[ -n "${ONLY:-}" && ! "$name" =~ $ONLY ]] && continue
    clip_sum=0 frame_sum=0 folds=""
    for person in P1 P2 P3; do
      dir=$out/ud810/${name// /_}/$person
      mkdir -p "$dir"
      fold_manifest $m/ud810.csv "$person" >"$dir/manifest.csv"
      run_fold "$name" "$dir" "$dir/manifest.csv" "${extra[@]}"
      clip=$(value "$dir/eval.json" clip_accuracy) frame=$(value "$dir/eval.json" frame_accuracy)
      clip_sum=$(awk -v a="$clip_sum" -v b="$clip" 'BEGIN { print a + b }')
      frame_sum=$(awk -v a="$frame_sum" -v b="$frame" 'BEGIN { print a + b }')
      folds+="$person $(percent "$clip")% / $(percent "$frame")%; "
    done
    echo "| $name | $(percent "$(awk -v s="$clip_sum" 'BEGIN { print s / 3 }')")% | $(percent "$(awk -v s="$frame_sum" 'BEGIN { print s / 3 }')")% | $folds |"
  done
  echo
fi

# gmdcsa_setting NAME [--set ...]: the three GMDCSA24 folds, one table row.
gmdcsa_setting() {
  local name=$1
  shift
  local frames=0 correct=0 edit=0 f10=0 f25=0 f50=0 found=0 falls=0 false=0 without=0
  for subject in 1 2 3; do
    local dir=$out/gmdcsa/${name// /_}/subject$subject
    mkdir -p "$dir"
    fold_manifest $m/default.csv "Subject $subject" >"$dir/manifest.csv"
    run_fold "$name" "$dir" "$dir/manifest.csv" "$@"
    local n acc
    n=$(value "$dir/eval.json" frames) acc=$(value "$dir/eval.json" frame_accuracy)
    frames=$((frames + n))
    correct=$(awk -v c="$correct" -v n="$n" -v a="$acc" 'BEGIN { print c + n * a }')
    edit=$(awk -v s="$edit" -v v="$(value "$dir/eval.json" edit)" 'BEGIN { print s + v / 3 }')
    f10=$(awk -v s="$f10" -v v="$(value "$dir/eval.json" 'f1@10')" 'BEGIN { print s + v / 3 }')
    f25=$(awk -v s="$f25" -v v="$(value "$dir/eval.json" 'f1@25')" 'BEGIN { print s + v / 3 }')
    f50=$(awk -v s="$f50" -v v="$(value "$dir/eval.json" 'f1@50')" 'BEGIN { print s + v / 3 }')
    found=$((found + $(event "$dir/eval.json" falling found)))
    falls=$((falls + $(event "$dir/eval.json" falling videos_with)))
    false=$((false + $(event "$dir/eval.json" falling false_alarms)))
    without=$((without + $(event "$dir/eval.json" falling videos_without)))
  done
  printf "| %s | %s%% | %.1f | %.1f | %.1f | %.1f | %d of %d | %d of %d |\n" "$name" \
    "$(percent "$(awk -v c="$correct" -v n="$frames" 'BEGIN { print c / n }')")" "$edit" "$f10" "$f25" "$f50" \
    "$found" "$falls" "$false" "$without"
}
gmdcsa_header() {
  echo "| setting | frame accuracy | edit | F1@10 | F1@25 | F1@50 | fall clips with a fall found | other clips with a false fall |"
  echo "|---|---|---|---|---|---|---|---|"
}

if [[ " $sections " == *" gmdcsa "* ]]; then
  echo "## GMDCSA24, leave one subject out (3 folds): the default recipe"
  echo
  gmdcsa_header
  gmdcsa_setting "default"
  echo
fi

if [[ " $sections " == *" claims "* ]]; then
  echo "## Claims, on the GMDCSA24 folds"
  echo
  gmdcsa_header
  while IFS='|' read -r name overrides; do
    [[ -n "${ONLY:-}" && ! "$name" =~ $ONLY ]] && continue
    read -r -a extra <<<"$overrides"
    gmdcsa_setting "$name" "${extra[@]}"
  done <<'SETTINGS'
lstm|--set model.cell=lstm
rnn (vanilla)|--set model.cell=rnn
linear (no recurrence)|--set model.cell=linear
full BPTT|--set train.tbptt_steps=0
tbptt 16|--set train.tbptt_steps=16
tbptt 4|--set train.tbptt_steps=4
no clipping|--set train.clip_norm=0
windows recipe (MiniROAD)|--set train.recipe=windows
no augmentation|--set train.augment.enabled=false
no mirror|--set train.augment.mirror=0
no scale|--set train.augment.scale=0
no rotation|--set train.augment.rotate_deg=0
no keypoint dropout|--set train.augment.keypoint_dropout=0
no lower-body cut|--set train.augment.cut_lower_body=0
no speed change|--set train.augment.rate_jitter=0
no smoothing|--set smoothing.switch_penalty=0
SETTINGS
  echo
fi

if [[ " $sections " == *" upfall "* ]]; then
  echo "## UP-Fall subject 1, camera 1 (never trained on), models/default.actrec"
  echo
  dir=$out/upfall
  mkdir -p "$dir"
  "$ACTREC" -q eval --model models/default.actrec --data $m/upfall.csv --split test \
    --event falling --json "$dir/all.json" >"$dir/all.txt"
  awk -F, 'NR == 1 || $3 != "falling"' $m/upfall.csv | sed 's|^\([^v]\)|\1|' >"$dir/adl.csv"
  # adl.csv sits elsewhere: its relative paths need the manifests' folder.
  awk -F, -v base="$PWD/$m/" 'BEGIN { OFS = "," } NR == 1 { print; next } { $1 = base $1; print }' "$dir/adl.csv" >"$dir/adl_abs.csv"
  "$ACTREC" -q eval --model models/default.actrec --data "$dir/adl_abs.csv" --split test \
    --json "$dir/adl.json" >"$dir/adl.txt"
  echo "| falls found (a falling run of at least 0.25 s) | daily-living clips with a false fall | daily-living clips whose majority label is right | frame accuracy (daily living) |"
  echo "|---|---|---|---|"
  echo "| $(event "$dir/all.json" falling found) of $(event "$dir/all.json" falling videos_with) | $(event "$dir/all.json" falling false_alarms) of $(event "$dir/all.json" falling videos_without) | $(percent "$(value "$dir/adl.json" clip_accuracy)")% | $(percent "$(value "$dir/adl.json" frame_accuracy)")% |"
  echo
  echo "Confusion matrix (all 33 clips, clip label against each frame's): results/evaluate/upfall/all.confusion.png"
fi
