#!/usr/bin/env bash
# actrec against what a user would run instead, on the same video and graph, interleaved in one
# run so that ratios compare like with like (machines like this one vary by +-30% from run to
# run): TensorFlow.js's WebAssembly backend on the same MoveNet graphs (../shared/tools/peers,
# `npm ci` there), and a 40-line Python + OpenCV + PyTorch labelling script on the same
# TorchScript file. Prints each round's figures and the ratios, then the spread over ROUNDS.
#   ROUNDS=3 scripts/bench_peers.sh [VIDEO]
# Needs ../shared/tools/peers, node/npm, and Debian's python3-torch, python3-opencv and
# python3-numpy (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
video=${1:-$(scripts/fetch_sample.sh)}
rounds=${ROUNDS:-3}
actrec=build/bin/actrec
work=${TMPDIR:-/tmp}/actrec-peers
if [ ! -d "$work/node_modules" ]; then
  rm -rf "$work" && cp -r ../shared/tools/peers "$work" && chmod -R u+w "$work"
  (cd "$work" && npm ci --silent >/dev/null)
fi
missing=()
for p in python3-torch python3-opencv python3-numpy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  else sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; fi
fi
cores=$(nproc)
num() { sed -n "s|.*$1 *\\([0-9.]*\\).*|\\1|p" | head -1; }
echo "bench_peers: $video, $cores cores, $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf "%-6s %-28s %10s %10s %10s\n" round measure actrec peer ratio
rows=$work/rounds.txt
for round in $(seq 1 "$rounds"); do
  # 1. MoveNet Lightning inference alone: actrec at all cores vs TF.js WASM (one thread).
  ours=$($actrec bench extract "$video" --frames 100 -c configs/backbones/movenet-lightning.yaml |
    grep "threads $cores batch 1" | num "= ")
  wasm=$(node "$work/tfjs_wasm_bench.js" models/tfjs/movenet-lightning.json --runs 50 --size 192 | num "ms/frame")
  wasm_fps=$(awk -v ms="$wasm" 'BEGIN { printf "%.1f", 1000 / ms }')
  printf "%-6s %-28s %10s %10s %9.2fx\n" "$round" "Lightning inference fps" "$ours" "$wasm_fps" \
    "$(awk -v a="$ours" -v b="$wasm_fps" 'BEGIN { print a / b }')"
  # 2. The same for MultiPose (the default backbone) at 256x256.
  ours_mp=$($actrec bench extract "$video" --frames 60 | grep "threads $cores batch 1" | num "= ")
  wasm_mp=$(node "$work/tfjs_wasm_bench.js" models/tfjs/movenet-multipose.json --runs 20 --size 256 | num "ms/frame")
  wasm_mp_fps=$(awk -v ms="$wasm_mp" 'BEGIN { printf "%.1f", 1000 / ms }')
  printf "%-6s %-28s %10s %10s %9.2fx\n" "$round" "MultiPose inference fps" "$ours_mp" "$wasm_mp_fps" \
    "$(awk -v a="$ours_mp" -v b="$wasm_mp_fps" 'BEGIN { print a / b }')"
  # 3. Labelling end to end with Lightning and an LSTM head: actrec label vs the Python peer;
  #    and actrec's end to end against its own inference-only rate.
  label=$($actrec bench label "$video" --loops 0 -c configs/backbones/movenet-lightning.yaml)
  ours_label=$(echo "$label" | num "outputs): ")
  ours_inference=$(echo "$label" | num "model): ")
  peer=$(/usr/bin/python3 "$work/python_peer_label.py" models/movenet-lightning.pt "$video" \
    "$work/peer.csv" --hidden 64 --threads "$cores" | num "= ")
  printf "%-6s %-28s %10s %10s %9.2fx\n" "$round" "label end to end fps" "$ours_label" "$peer" \
    "$(awk -v a="$ours_label" -v b="$peer" 'BEGIN { print a / b }')"
  printf "%-6s %-28s %10s %10s %9.2fx\n" "$round" "label vs own inference" "$ours_label" \
    "$ours_inference" "$(awk -v a="$ours_label" -v b="$ours_inference" 'BEGIN { print a / b }')"
done | tee "$rows"
echo "spread over $rounds rounds (ratio min..max):"
awk '{ name = $2; for (i = 3; i < NF - 2; ++i) name = name " " $i; r = $NF + 0
       if (!(name in lo) || r < lo[name]) lo[name] = r; if (!(name in hi) || r > hi[name]) hi[name] = r
       if (!(name in seen)) { seen[name] = 1; order[++n] = name } }
     END { for (i = 1; i <= n; ++i) printf "  %-28s %.2fx .. %.2fx\n", order[i], lo[order[i]], hi[order[i]] }' "$rows"
