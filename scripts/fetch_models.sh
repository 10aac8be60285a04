#!/usr/bin/env bash
# Fetches the pretrained TensorFlow.js models actrec's default backbone is made from, from the npm
# package @vladmandic/human@3.3.6 (MIT), checks the tarball against a pinned hash, keeps only the
# model files (models/tfjs/) and converts them to TorchScript with `actrec import-tfjs` (models/).
# Idempotent; once done it needs no network. Run after the build (scripts/setup.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."

package=@vladmandic/human@3.3.6
tarball=vladmandic-human-3.3.6.tgz
# npm's integrity for that version: sha512-Nr5mPfq1gQ+uKeXY5uM3Fj8UxvF5CEh2s6txM5wRThqaW0mF9huooOuZSrT8hhGho0hGaXLFdAwfD/2+teCv6A==
sha512=36be663dfab5810fae29e5d8e6e337163f14c6f179084876b3ab71339c114e1a9a5b4985f61ba8a0eb994ab4fc8611a1a348466972c5740c1f0ffdbeb5e0afe8
models=(movenet-lightning centernet)
actrec=${ACTREC:-build/bin/actrec}
movenet=StatefulPartitionedCall/center_net_mobile_net_v2fpn_feature_extractor/model_1

mkdir -p models/tfjs
have_all=1
for model in "${models[@]}"; do
  [ -s "models/tfjs/$model.json" ] && [ -s "models/tfjs/$model.bin" ] || have_all=0
done

if [ $have_all = 0 ]; then
  command -v npm >/dev/null || {
    echo "fetch_models: npm is missing: install Debian's npm package (scripts/setup.sh does)" >&2
    exit 1
  }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "fetch_models: fetching $package"
  (cd "$work" && npm pack "$package" --silent >/dev/null)
  actual=$(sha512sum "$work/$tarball" | cut -d' ' -f1)
  if [ "$actual" != "$sha512" ]; then
    echo "fetch_models: $tarball does not have the pinned sha512 (got $actual); refusing to use it" >&2
    exit 1
  fi
  members=()
  for model in "${models[@]}"; do members+=("package/models/$model.json" "package/models/$model.bin"); done
  tar -xzf "$work/$tarball" -C "$work" "${members[@]}" package/LICENSE
  for model in "${models[@]}"; do
    for ext in json bin; do mv "$work/package/models/$model.$ext" "models/tfjs/$model.$ext.tmp"; done
  done
  mv "$work/package/LICENSE" models/tfjs/LICENSE.human
  for model in "${models[@]}"; do
    for ext in json bin; do mv "models/tfjs/$model.$ext.tmp" "models/tfjs/$model.$ext"; done
  done
fi

# convert OUT.pt MODEL OUTPUTS: only when the TorchScript file is missing or older than its source.
convert() {
  if [ ! -s "$1" ] || [ "models/tfjs/$2.json" -nt "$1" ] || [ "$actrec" -nt "$1" ]; then
    "$actrec" import-tfjs "models/tfjs/$2.json" -o "$1" --outputs "$3"
  fi
}
# MoveNet: keypoints and the last backbone map (1280 channels) from one pass.
convert models/movenet-lightning.pt movenet-lightning "Identity:0,$movenet/model/out_relu/Relu6"
# CenterNet's MobileNetV3 backbone map (480 channels); takes any batch size.
convert models/centernet-backbone.pt centernet "tower_0/extern1/hard_swish/mul_1"
echo "fetch_models: models/movenet-lightning.pt models/centernet-backbone.pt ready"
