#!/usr/bin/env bash
# Reproduces models/default.actrec from ../shared/datasets with the built-in defaults: KTH,
# ud810, GMDCSA24 and ASSIST-IoT (the shippable data; see models/README.md), every clip in
# training. The last epoch is shipped: with nothing held out there is no epoch to choose by.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/make_manifests.sh >/dev/null
run=${RUN_DIR:-runs/default}
build/bin/actrec train --data data/manifests/default.csv -o "$run" "$@"
cp "$run/last.actrec" models/default.actrec.tmp && mv models/default.actrec.tmp models/default.actrec
echo "models/default.actrec (from $run/last.actrec)"
