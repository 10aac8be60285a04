#!/usr/bin/env bash
# How the defaults were chosen: each setting trained and scored on four held-out groups of the
# shippable data (GMDCSA24 subjects 1, 2, 3, and the ASSIST-IoT videos: people, rooms and
# cameras the model did not learn from), never on UP-Fall. Prints one Markdown row per setting
# (scripts/tune_score.py): frame accuracy, edit and F1@{10,25,50} over the four folds, fall clips
# with a fall found, other clips with a false fall, clips without a fall whose majority label is
# right. ONLY=regex runs only the settings whose name matches.
#   scripts/tune.sh "name|train options|eval options" ...   (default: the built-in defaults)
# Settings whose training config comes out the same share their trained models
# (results/tune/runs/MANIFEST-HASH/, keyed by `actrec config show` with the train options and by
# the data), so an eval-time setting (smoothing) costs no training and a changed default or
# label trains afresh. Motion
# capture (train.mocap.folder) is MOCAP (default ../shared/datasets/cmu_mocap_subset) where it
# is there; train.mocap.share says how much of it each setting uses.
set -euo pipefail
cd "$(dirname "$0")/.."
export ACTREC=${ACTREC:-build/bin/actrec}
scripts/make_manifests.sh >/dev/null
out=results/tune
mkdir -p "$out"
groups=("Subject 1" "Subject 2" "Subject 3" "assist")
manifest=${MANIFEST:-data/manifests/default.csv}  # the data the folds are cut from
mocap=${MOCAP:-../shared/datasets/cmu_mocap_subset}
[ $# -gt 0 ] || set -- "defaults||"
run_key() { scripts/run_key.sh "$@"; }  # what a trained model depends on

echo "| setting | frame accuracy | edit | F1@25 | fall clips, falling run | fall clips, fall event | other clips, false falling run | other clips, false fall event | false falling runs ≥ 0.5 s per hour | false fall events per hour | majority right, clips without a fall |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for entry in "$@"; do
  IFS='|' read -r name train_options eval_options <<<"$entry"
  [[ -n "${ONLY:-}" && ! "$name" =~ $ONLY ]] && continue
  read -r -a train_args <<<"$train_options"
  read -r -a eval_args <<<"$eval_options"
  [ -d "$mocap" ] && train_args=(--set "train.mocap.folder=$(cd "$mocap" && pwd)" "${train_args[@]}")
  runs=$(basename "$manifest" .csv)-$(run_key "$manifest" "${train_args[@]}")
  mkdir -p "$out/runs/$runs"
  echo "$train_options" >"$out/runs/$runs/train_options.txt"
  dirs=()
  for group in "${groups[@]}"; do
    run=$out/runs/$runs/${group// /_}
    dir=$out/${name// /_}/${group// /_}
    mkdir -p "$run" "$dir"
    awk -F, -v g="$group" 'BEGIN { OFS = "," } NR == 1 { print; next } { $2 = ($4 == g) ? "test" : "train"; print }' \
      "$manifest" >"$run/manifest.csv"
    # (every clip of the fold trains, so train's "no validation" warning says nothing here)
    # (--overwrite: a run killed before its last model is begun again)
    [ -s "$run/run/last.actrec" ] || "$ACTREC" -q train --data "$run/manifest.csv" -o "$run/run" \
      --overwrite "${train_args[@]}" 2> >(grep -v "no validation clips" >&2) >/dev/null
    "$ACTREC" -q eval --model "$run/run/last.actrec" --data "$run/manifest.csv" --split test \
      --event falling --json "$dir/eval.json" --probabilities "$dir/probabilities.csv" \
      "${eval_args[@]}" >/dev/null
    dirs+=("$dir")
  done
  echo "| $name | $(python3 scripts/tune_score.py "${dirs[@]}") |"
done
