#!/usr/bin/env bash
# Reproduces models/default.actrec from ../shared/datasets: KTH (boxing, handclapping, jogging,
# walking, with KTH's own per-frame ranges; frames outside them are background) and ud810 (three
# arm actions). Trial 3 of each ud810 person and one KTH clip are the validation split.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/make_manifests.sh >/dev/null
run=${RUN_DIR:-runs/default}
build/bin/actrec train -c configs/default.yaml --data data/manifests/default.csv -o "$run" "$@"
cp "$run/best.actrec" models/default.actrec.tmp && mv models/default.actrec.tmp models/default.actrec
echo "models/default.actrec (from $run/best.actrec)"
