#!/usr/bin/env bash
# Regenerates tests/fixtures/tfjs/: real frames, and what the TensorFlow.js runtime itself
# (../shared/tools/tfjs-ref, pure-JS CPU backend) computes on them, for the converter's tests.
# Needs: ../shared (tfjs-ref, datasets), node + npm, ffmpeg, models/tfjs/ (scripts/fetch_models.sh),
# data/samples/vtest.avi (scripts/fetch_sample.sh). Takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=$root/../shared
models=$root/models/tfjs
video=$(scripts/fetch_sample.sh)
out=$root/tests/fixtures/tfjs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -r "$shared/tools/tfjs-ref" "$work/ref" && chmod -R u+w "$work/ref"
(cd "$work/ref" && npm ci --silent)
frames() { python3 "$work/ref/frames.py" "$@" >/dev/null; }
ref() { node "$work/ref/ref.js" "$@" >/dev/null; }

# Keep a fixture: the input as uint8 (values are 0..255 either way), ref.js's outputs as float32.
keep() {  # NAME INPUT_PREFIX REF_OUT_DIR
  rm -rf "${out:?}/$1" && mkdir -p "$out/$1"
  python3 - "$2" "$out/$1" <<'PY'
import json, struct, sys
prefix, dest = sys.argv[1], sys.argv[2]
meta = json.load(open(prefix + ".json"))
raw = open(prefix + ".raw", "rb").read()
fmt = "<%d%s" % (len(raw) // 4, "i" if meta["dtype"] == "int32" else "f")
values = struct.unpack(fmt, raw)
open(dest + "/input.u8", "wb").write(bytes(int(round(v)) for v in values))
json.dump({"shape": meta["shape"], "dtype": meta["dtype"]}, open(dest + "/input.json", "w"))
PY
  cp "$3"/*.raw "$3/outputs.json" "$out/$1/"
}

P=StatefulPartitionedCall/center_net_mobile_net_v2fpn_feature_extractor/model_1
kth=$shared/datasets/kth_actions/person01_walking_d1.avi
ud810=$shared/datasets/ud810_ps7_mhi/PS7A1P1T1.avi

# MoveNet keypoints on four real frames: two pedestrians cropped from vtest, a KTH walker, ud810.
frames "$video" "$work/a" --indices 150 --roi 520,185,170,170 --size 192x192
frames "$video" "$work/b" --indices 600 --roi 226,416,160,160 --size 192x192
frames "$kth" "$work/c" --indices 100 --size 192x192 --mode pad
frames "$ud810" "$work/d" --indices 50 --size 192x192 --mode pad
cat "$work"/{a,b,c,d}.raw >"$work/kp.raw"
python3 -c "import json; m=json.load(open('$work/a.json')); m['shape'][0]=4; json.dump(m, open('$work/kp.json','w'))"
ref "$models/movenet-lightning.json" "$work/kp.raw" "$work/kp_out"
keep movenet_keypoints "$work/kp" "$work/kp_out"

# MoveNet's continuous maps on one frame: heatmaps, centre map, regression, features.
ref "$models/movenet-lightning.json" "$work/a.raw" "$work/maps_out" --outputs \
  "StatefulPartitionedCall/Sigmoid,StatefulPartitionedCall/Sigmoid_1,StatefulPartitionedCall/kpt_regress_0/conv2d_6/BiasAdd,$P/re_lu_2/Relu,$P/model/out_relu/Relu6"
keep movenet_maps "$work/a" "$work/maps_out"

# CenterNet: backbone feature map and the box-size head (legacy-mode bilinear upsampling).
frames "$video" "$work/e" --indices 0 --size 512x512 --mode stretch --dtype float32
ref "$models/centernet.json" "$work/e.raw" "$work/cn_out" \
  --outputs "tower_0/extern1/hard_swish/mul_1,tower_0/wh"
keep centernet_maps "$work/e" "$work/cn_out"
du -sh "$out"
