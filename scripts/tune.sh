#!/usr/bin/env bash
# How the defaults were chosen: each setting trained and scored on four held-out groups of the
# shippable data (GMDCSA24 subjects 1, 2, 3, and the ASSIST-IoT videos: people, rooms and
# cameras the model did not learn from), never on UP-Fall. Prints one Markdown row per setting:
# frame accuracy and F1@25 over the four folds, fall clips with a fall found, other clips with a
# false fall, and clips without a fall whose majority label is right.
#   scripts/tune.sh "name|--set a=b --set c=d" ...     (default: the built-in defaults)
#   EVAL_ONLY="name|--set smoothing..."  also scores the first setting's models with eval-time
#   overrides (smoothing), without training again.
set -euo pipefail
cd "$(dirname "$0")/.."
export ACTREC=${ACTREC:-build/bin/actrec}
scripts/make_manifests.sh >/dev/null
out=results/tune
mkdir -p "$out"
groups=("Subject 1" "Subject 2" "Subject 3" "assist")
[ $# -gt 0 ] || set -- "defaults|"

echo "| setting | frame accuracy | F1@25 | fall clips, fall found | other clips, false fall | majority right, clips without a fall |"
echo "|---|---|---|---|---|---|"
for entry in "$@"; do
  name=${entry%%|*}
  read -r -a extra <<<"${entry#*|}"
  dirs=()
  for group in "${groups[@]}"; do
    dir=$out/${name// /_}/${group// /_}
    mkdir -p "$dir"
    awk -F, -v g="$group" 'BEGIN { OFS = "," } NR == 1 { print; next } { $2 = ($4 == g) ? "test" : "train"; print }' \
      data/manifests/default.csv >"$dir/manifest.csv"
    [ -s "$dir/run/last.actrec" ] || "$ACTREC" -q train --data "$dir/manifest.csv" -o "$dir/run" "${extra[@]}" >/dev/null
    "$ACTREC" -q eval --model "$dir/run/last.actrec" --data "$dir/manifest.csv" --split test \
      --event falling --json "$dir/eval.json" >/dev/null
    dirs+=("$dir")
  done
  echo "| $name | $(python3 scripts/tune_score.py "${dirs[@]}") |"
done
