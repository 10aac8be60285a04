#!/usr/bin/env bash
# The evaluation behind docs/results.md, on ../shared/datasets (seeded, reproducible). Every
# model here is trained with the built-in defaults plus the overrides named; nothing here is
# shipped but what train_default.sh makes, and UP-Fall is never trained on for a shipped model.
#   heldout    scripts/tune.sh's four held-out groups (GMDCSA24 subjects 1, 2, 3; ASSIST-IoT), each
#              the default recipe trained on all other shippable data: the default and the claims
#              table (cells with three seeds, truncation, clipping, recipes, augmentation, smoothing,
#              fall events, the vocabulary without the gesture classes): frame accuracy, edit, F1@25,
#              falls found, false falls and false fall events per clip and per hour
#   calibration  the held-out folds' probabilities: expected calibration error as trained and at
#              the temperature fitted on the other three folds; the reliability diagram
#   street     vtest.avi (pedestrians, nobody falls) with --persons multi, models/default.actrec:
#              falling runs, jumping and running runs, fall events, per person-hour
#   people     vtest.avi and demo.mp4 with --persons multi (MODEL=, default models/default.actrec;
#              PEOPLE_SET="--set ..." for other settings): people found against docs/counts per
#              height, boxes covering two people, id changes on vtest's crossings, moving people
#              labelled walking or running, gesture labels (scripts/people_score.py)
#   upfall     UP-Fall subject 1 camera 1 with the shipped models/default.actrec (a test: never
#              trained or tuned on): falls found, false falls in daily living, majority labels
#   finetune   adapting a model to a camera with a few clips (`train --init`): GMDCSA24 (a model
#              that never saw GMDCSA24, fine-tuned on subject 1, tested on subjects 2 and 3; where
#              the fine-tuning defaults are chosen) and UP-Fall (the shipped model fine-tuned on
#              trial 1 of each activity, tested on trials 2 and 3: measured, never shipped)
#   ud810      ud810 leave one person out (3 folds, its 3 arm actions): clip and frame accuracy
#   viewpoint  the viewpoint techniques (view augmentation, motion capture) on and off: the
#              cross-view split (ASSIST-IoT's two cameras, scripts/make_crossview.sh: train with
#              one side, test on the other, both ways) and UP-Fall camera 1 with a model of each
#              setting trained on all shippable data (a test: never trained or tuned on);
#              `crossview` is the cross-view split alone
# Writes results/evaluate/... (and results/tune/...) and prints Markdown tables. SECTIONS="..." picks
# sections; ONLY=regex picks settings. About two hours on 2 cores (observations are cached).
set -euo pipefail
cd "$(dirname "$0")/.."
export ACTREC=${ACTREC:-build/bin/actrec}
scripts/make_manifests.sh >/dev/null
out=results/evaluate
mkdir -p "$out"
m=data/manifests
sections=${SECTIONS:-heldout calibration street people upfall finetune ud810 viewpoint}
mocap=${MOCAP:-../shared/datasets/cmu_mocap_subset}  # train.mocap.folder, where it is there

# The viewpoint techniques, each on or off whatever the defaults (name|train options|): the
# held-out folds, the cross-view split and UP-Fall all train these.
view="--set train.augment.view=0.5 --set train.augment.yaw_deg=90 --set train.augment.pitch_deg=20"
viewpoint_settings=(
  "no view augmentation, no mocap|--set train.augment.view=0 --set train.mocap.share=0|"
  "view augmentation 0.5|$view --set train.mocap.share=0|"
  "mocap 0.3|--set train.augment.view=0 --set train.mocap.share=0.3|"
  "view augmentation 0.5 and mocap 0.3|$view --set train.mocap.share=0.3|"
)
value() { sed -n "s/^  \"$2\": \\([-0-9.e]*\\),*\$/\\1/p" "$1"; }
percent() { awk -v v="$1" 'BEGIN { printf "%.1f", 100 * v }'; }
row_header() {
  echo "| $1 | frame accuracy | edit | F1@25 | fall clips, falling run | fall clips, fall event | other clips, false falling run | other clips, false fall event | false falling runs ≥ 0.5 s per hour | false fall events per hour | majority right, clips without a fall |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
}

# fold_manifest SOURCE GROUP: SOURCE's rows of GROUP as test, every other row as train.
fold_manifest() {
  awk -F, -v g="$2" 'BEGIN { OFS = "," } NR == 1 { print; next } { $2 = ($4 == g) ? "test" : "train"; print }' "$1"
}

if [[ " $sections " == *" heldout "* ]]; then
  echo "## Held-out people, rooms and cameras (GMDCSA24 subjects 1, 2, 3 and ASSIST-IoT, one fold each)"
  echo
  # Each setting: the default recipe with one change (name|train options|eval-time options), on
  # the vocabulary with the gesture classes (models/gestures.actrec's: its held-out predictions,
  # results/tune/with_the_gesture_classes/, calibrate it).
  scripts/tune.sh "with the gesture classes||" \
    "seed 2|--set train.seed=2|" "seed 3|--set train.seed=3|" \
    "gru|--set model.cell=gru|" "gru seed 2|--set model.cell=gru --set train.seed=2|" \
    "gru seed 3|--set model.cell=gru --set train.seed=3|" \
    "rnn (vanilla)|--set model.cell=rnn|" \
    "linear (no recurrence)|--set model.cell=linear|" \
    "no smoothing||--set smoothing.switch_penalty=0" \
    "falling bias -1||--set smoothing.class_bias=[falling=-1]" \
    "fall events confirmed after 0.5 s||--set events.confirm_s=0.5" \
    "fall events confirmed after 1 s||--set events.confirm_s=1" \
    "no falling claimed below half the body seen||--set events.min_visible=0.5" \
    "edge cuts and small people 0.1|--set train.augment.edge_cut=0.1 --set train.augment.small=0.1|" \
    "edge cuts and small people 0.3|--set train.augment.edge_cut=0.3 --set train.augment.small=0.3|" \
    "no augmentation|--set train.augment.enabled=false|" \
    "windows recipe (MiniROAD)|--set train.recipe=windows|" \
    "no clipping|--set train.clip_norm=0|" \
    "full BPTT|--set train.tbptt_steps=0|" \
    "tbptt 16|--set train.tbptt_steps=16|" \
    "class weights|--set train.class_weights=auto|"
  echo
  # The shipped vocabulary (models/default.actrec's, no gesture classes): "default" is its recipe,
  # the defaults with the motion capture (as scripts/train_default.sh makes it; results/tune/default/
  # calibrates it and feeds the calibration section), then the viewpoint techniques each on or off.
  echo "## Held-out folds, the shipped vocabulary (no gesture classes): viewpoint techniques"
  echo
  MANIFEST=$m/default_nogestures.csv scripts/tune.sh "default|--set train.mocap.share=0.3|" \
    "${viewpoint_settings[@]}"
  echo
fi

if [[ " $sections " == *" calibration "* ]]; then
  echo "## Calibration on the held-out folds (the default setting)"
  echo
  echo "| fold | temperature fitted on the other three folds | expected calibration error as trained | at that temperature |"
  echo "|---|---|---|---|"
  folds=(Subject_1 Subject_2 Subject_3 assist)
  for fold in "${folds[@]}"; do
    others=()
    for other in "${folds[@]}"; do [ "$other" = "$fold" ] || others+=("results/tune/default/$other/probabilities.csv"); done
    t=$("$ACTREC" -q calibrate "${others[@]}" | sed -n 's/.*at temperature \([0-9.]*\).*/\1/p')
    line=$("$ACTREC" -q calibrate "results/tune/default/$fold/probabilities.csv" --temperature "$t")
    before=$(sed -n 's/.*error \([0-9.]*\) as the model gives them.*/\1/p' <<<"$line")
    after=$(sed -n 's/.*them, \([0-9.]*\) at temperature.*/\1/p' <<<"$line")
    echo "| $fold | $t | $before | $after |"
  done
  all=(results/tune/default/*/probabilities.csv)
  "$ACTREC" -q calibrate "${all[@]}" --png docs/reliability.png >"$out/calibration.txt"
  echo
  echo "All four folds together: $(cat "$out/calibration.txt") (docs/reliability.png)."
  echo
fi

if [[ " $sections " == *" street "* ]]; then
  echo "## People walking by (vtest.avi, --persons multi, nobody falls), models/default.actrec"
  echo
  dir=$out/street
  "$ACTREC" -q label --model models/default.actrec data/samples/vtest.avi -o "$dir" --persons multi --events
  echo "| person-seconds | falling runs ≥ 0.25 s | ≥ 0.5 s | jumping ≥ 0.5 s | running ≥ 0.5 s | fall events | falling runs ≥ 0.5 s per person-hour | fall events per person-hour |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "| $(python3 scripts/negatives.py "$dir/vtest.frames.csv" "$dir/vtest.events.json") |"
  echo
fi

if [[ " $sections " == *" people "* ]]; then
  # MODEL=... picks another bundle (models/gestures.actrec, a retrained default); --set options
  # in PEOPLE_SET (e.g. "--set people.input_width=512 --set people.input_height=384").
  model=${MODEL:-models/default.actrec}
  echo "## Everyone in view (vtest.avi, demo.mp4; --persons multi), $model"
  echo
  dir=$out/people
  mkdir -p "$dir"
  demo=../shared/datasets/mmaction2_samples/demo.mp4
  for video in data/samples/vtest.avi $demo; do
    [ -s "$video" ] || { echo "($video is absent: skipped)"; continue; }
    # shellcheck disable=SC2086
    "$ACTREC" -q ${PEOPLE_SET:-} label --model "$model" "$video" -o "$dir" --persons multi
    stem=$(basename "${video%.*}")
    "$ACTREC" -q eval people "docs/counts/${stem}_people.tsv" "$dir/$stem.frames.csv" \
      --json "$dir/$stem.recall.json" | sed 's/^/    /'
    echo
  done
  echo "vtest.avi, labels and ids:"
  python3 scripts/people_score.py "$dir/vtest.frames.csv" --crossings docs/counts/vtest_crossings.tsv \
    | sed 's/^/    /'
  echo
fi

if [[ " $sections " == *" upfall "* ]]; then
  echo "## UP-Fall subject 1, camera 1 (never trained or tuned on), models/default.actrec"
  echo
  dir=$out/upfall
  mkdir -p "$dir"
  "$ACTREC" -q eval --model models/default.actrec --data $m/upfall.csv --split test \
    --event falling --json "$dir/eval.json" --probabilities "$dir/probabilities.csv" >"$dir/eval.txt"
  row_header "model"
  echo "| models/default.actrec | $(python3 scripts/tune_score.py "$dir") |"
  echo
  echo "Calibration there: $("$ACTREC" -q calibrate "$dir/probabilities.csv" --temperature 1)"
  echo "Per class and confusion matrix: $dir/eval.txt, $dir/eval.confusion.png"
  echo
fi

# finetune NAME MANIFEST [train options...]: train (or fine-tune) on its train split, score its test
# split; the seconds it took, observations extracted afresh included.
finetune_row() {
  local name=$1 manifest=$2
  shift 2
  local dir=$out/finetune/${name// /_}
  rm -rf "$dir" && mkdir -p "$dir"
  local started=$(date +%s)
  "$ACTREC" -q train --data "$manifest" -o "$dir/run" --set "train.cache_dir=$dir/cache" "$@" \
    2> >(grep -v "no validation clips" >&2) >/dev/null
  local seconds=$(( $(date +%s) - started ))
  "$ACTREC" -q eval --model "$dir/run/best.actrec" --data "$manifest" --split test --event falling \
    --json "$dir/eval.json" >/dev/null
  echo "| $name | ${seconds} s | $(python3 scripts/tune_score.py "$dir") |"
}

if [[ " $sections " == *" finetune "* ]]; then
  echo "## Adapting a model to a camera with a few clips (train --init)"
  echo
  base=results/evaluate/finetune_base
  if [ ! -s "$base/run/last.actrec" ]; then  # a model that never saw GMDCSA24
    mkdir -p "$base"
    grep -v "gmdcsa24" $m/default.csv >"$base/manifest.csv"
    "$ACTREC" -q train --data "$base/manifest.csv" -o "$base/run" 2>/dev/null >/dev/null
  fi
  # GMDCSA24: subject 1's clips to learn from, subjects 2 and 3 to test (validation: the
  # fine-tuning defaults are chosen here).
  awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } { $2 = ($4 == "Subject 1") ? "train" : "test"; print }' \
    $m/gmdcsa24.csv >"$m/gmdcsa24_subject1.csv"
  echo "GMDCSA24: subject 1's clips to learn from, subjects 2 and 3 to test; the base model never saw GMDCSA24."
  echo
  echo "| model | seconds (2 cores, observations extracted afresh) | frame accuracy | edit | F1@25 | fall clips, falling run | fall clips, fall event | other clips, false falling run | other clips, false fall event | false falling runs ≥ 0.5 s per hour | false fall events per hour | majority right, clips without a fall |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  dir=$out/finetune/gmdcsa24_base_as_it_is
  mkdir -p "$dir"
  "$ACTREC" -q eval --model "$base/run/last.actrec" --data "$m/gmdcsa24_subject1.csv" --split test \
    --event falling --json "$dir/eval.json" >/dev/null
  echo "| base as it is | 0 s | $(python3 scripts/tune_score.py "$dir") |"
  finetune_row "gmdcsa24 fine-tuned (defaults)" "$m/gmdcsa24_subject1.csv" --init "$base/run/last.actrec"
  finetune_row "gmdcsa24 fine-tuned, lr 0.0005" "$m/gmdcsa24_subject1.csv" --init "$base/run/last.actrec" --set train.finetune.lr=0.0005
  finetune_row "gmdcsa24 fine-tuned, 20 epochs" "$m/gmdcsa24_subject1.csv" --init "$base/run/last.actrec" --set train.finetune.epochs=20
  finetune_row "gmdcsa24 fine-tuned, cell frozen" "$m/gmdcsa24_subject1.csv" --init "$base/run/last.actrec" --set train.finetune.freeze=recurrent
  finetune_row "gmdcsa24 from scratch" "$m/gmdcsa24_subject1.csv"
  echo
  # UP-Fall: trial 1 of each activity to learn from, trials 2 and 3 to test (evaluation only:
  # measured, never shipped).
  awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } { $2 = ($1 ~ /Trial1Cam1/) ? "train" : "test"; print }' \
    $m/upfall.csv >"$m/upfall_trial1.csv"
  echo "UP-Fall subject 1 camera 1: trial 1 of each of the 11 activities to learn from, trials 2 and 3 to test."
  echo
  echo "| model | seconds (2 cores, observations extracted afresh) | frame accuracy | edit | F1@25 | fall clips, falling run | fall clips, fall event | other clips, false falling run | other clips, false fall event | false falling runs ≥ 0.5 s per hour | false fall events per hour | majority right, clips without a fall |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  dir=$out/finetune/upfall_shipped_as_it_is
  mkdir -p "$dir"
  "$ACTREC" -q eval --model models/default.actrec --data "$m/upfall_trial1.csv" --split test \
    --event falling --json "$dir/eval.json" >/dev/null
  echo "| models/default.actrec as it is | 0 s | $(python3 scripts/tune_score.py "$dir") |"
  finetune_row "models/default.actrec fine-tuned" "$m/upfall_trial1.csv" --init models/default.actrec
  finetune_row "from scratch on the same clips" "$m/upfall_trial1.csv"
  echo
fi

run_fold() {  # NAME DIR MANIFEST [--set ...]: train on train (afresh), eval on test
  local dir=$2 manifest=$3
  shift 3
  mkdir -p "$dir"
  "$ACTREC" -q train --data "$manifest" -o "$dir/run" --overwrite "$@" 2>/dev/null >/dev/null
  "$ACTREC" -q eval --model "$dir/run/last.actrec" --data "$manifest" --split test \
    --json "$dir/eval.json" >/dev/null
}

if [[ " $sections " == *" ud810 "* ]]; then
  echo "## ud810, leave one person out (3 folds)"
  echo
  echo "| setting | clip accuracy (mean) | frame accuracy (mean) | per fold (clip / frame) |"
  echo "|---|---|---|---|"
  for entry in "default|" "gru|--set model.cell=gru"; do
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

run_key() { scripts/run_key.sh "$@"; }  # what a trained model depends on

# split_row NAME MANIFEST TRAIN_OPTIONS: the default recipe with TRAIN_OPTIONS (and the motion
# capture, where it is there) trained on MANIFEST's train split, once per effective config and
# data (results/evaluate/runs/MANIFEST-HASH/), and the row of its test split.
split_row() {
  local name=$1 manifest=$2 args
  read -r -a args <<<"$3"
  [ -d "$mocap" ] && args=(--set "train.mocap.folder=$(cd "$mocap" && pwd)" "${args[@]}")
  local key
  key=$(basename "$manifest" .csv)-$(run_key "$manifest" "${args[@]}")
  local run=$out/runs/$key dir=$out/viewpoint/$(basename "$manifest" .csv)/${name// /_}
  mkdir -p "$run" "$dir"
  [ -s "$run/run/last.actrec" ] || "$ACTREC" -q train --data "$manifest" -o "$run/run" --overwrite \
    "${args[@]}" 2> >(grep -v "no validation clips" >&2) >/dev/null
  "$ACTREC" -q eval --model "$run/run/last.actrec" --data "$manifest" --split test --event falling \
    --json "$dir/eval.json" --probabilities "$dir/probabilities.csv" >"$dir/eval.txt"
  echo "| $name | $(python3 scripts/tune_score.py "$dir") |"
}

# viewpoint_table MANIFEST: a row per viewpoint setting (ONLY= picks), each trained on MANIFEST's
# train split and scored on its test split.
viewpoint_table() {
  row_header "setting"
  for entry in "default||" "${viewpoint_settings[@]}"; do
    IFS='|' read -r name options _ <<<"$entry"
    [[ -n "${ONLY:-}" && ! "$name" =~ $ONLY ]] && continue
    split_row "$name" "$1" "$options"
  done
  echo
}

if [[ " $sections " == *" viewpoint "* || " $sections " == *" crossview "* ]]; then
  scripts/make_crossview.sh >/dev/null
  for direction in a_to_b b_to_a; do
    echo "## Cross-view: ASSIST-IoT ${direction//_/ } (trained with one camera, tested on the other)"
    echo
    viewpoint_table "$m/crossview_$direction.csv"
  done
fi

if [[ " $sections " == *" viewpoint "* ]]; then
  # UP-Fall as the test split of a manifest whose train split is all the shippable data: a model
  # of each setting that never saw UP-Fall, as the shipped one is made.
  {
    echo "video,split,annotation,group"
    tail -n +2 $m/default_nogestures.csv | awk -F, 'BEGIN { OFS = "," } { $2 = "train"; print }'
    tail -n +2 $m/upfall.csv | awk -F, 'BEGIN { OFS = "," } { $2 = "test"; print }'
  } >$m/upfall_after_shippable.csv
  echo "## UP-Fall subject 1 camera 1 (never trained or tuned on): each setting trained on all shippable data"
  echo
  viewpoint_table "$m/upfall_after_shippable.csv"
fi
