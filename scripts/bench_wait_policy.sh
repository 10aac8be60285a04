#!/usr/bin/env bash
# OpenMP's wait policy on a quiet machine and on a busy one, in one run so that ratios compare
# like with like (machines like this one vary by +-30% from run to run). LibTorch's OpenMP
# workers either spin between operations (fast when the cores are free, but they take the cores
# from every other program) or sleep (kind to the others, slower alone); libgomp's
# GOMP_SPINCOUNT spins a while, then sleeps. For each policy: `actrec label` on VIDEO alone, then
# beside one busy program per core (a counting loop, niced like a user's other work would not
# be): actrec's frames/s, and how much of its work alone the busy programs still got done.
#   ROUNDS=2 FRAMES=250 scripts/bench_wait_policy.sh [VIDEO]   (FRAMES: the video's first ones,
#   cut with ffmpeg where it is there; 0: all)
set -euo pipefail
cd "$(dirname "$0")/.."
video=${1:-$(scripts/fetch_sample.sh)}
rounds=${ROUNDS:-2}
actrec=${ACTREC:-build/bin/actrec}
cores=$(nproc)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
if [ "${FRAMES:-250}" -gt 0 ] && command -v ffmpeg >/dev/null; then
  ffmpeg -loglevel error -i "$video" -frames:v "${FRAMES:-250}" -c copy "$work/clip.${video##*.}"
  video=$work/clip.${video##*.}
fi
# name|environment (env -u OMP_WAIT_POLICY first: the user's own choice would win)
policies=(
  "PASSIVE|OMP_WAIT_POLICY=PASSIVE"
  "ACTIVE|OMP_WAIT_POLICY=ACTIVE"
  "spin 1k|GOMP_SPINCOUNT=1000"
  "spin 10k|GOMP_SPINCOUNT=10000"
  "spin 100k|GOMP_SPINCOUNT=100000"
)

# A busy program: counts until told to stop, then prints its count.
busy='
import signal, sys
n = 0
def stop(*_):
    print(n); sys.exit(0)
signal.signal(signal.SIGTERM, stop)
while True:
    n += 1'
busy_rate() {  # counts per second of the busy programs over the last run (sum over all of them)
  awk -v s="$1" '{ total += $1 } END { printf "%.0f", total / s }' "$work"/busy.*
}
label_seconds() {  # label VIDEO with the environment $1; prints the wall seconds
  local started ended
  started=$(date +%s.%N)
  env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT $1 "$actrec" -q label "$video" --persons multi \
    -o "$work/out" >/dev/null
  ended=$(date +%s.%N)
  awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.1f", b - a }'
}
with_busy() {  # runs "$@" beside one busy program per core; prints its output
  local pids=() i
  rm -f "$work"/busy.*
  for ((i = 0; i < cores; i++)); do /usr/bin/python3 -c "$busy" >"$work/busy.$i" & pids+=($!); done
  "$@"
  kill -TERM "${pids[@]}"
  wait "${pids[@]}" 2>/dev/null || true
}
frames=$("$actrec" probe "$video" | sed -n 's/^ *frames *\([0-9]*\) decoded.*/\1/p')
echo "bench_wait_policy: $video ($frames frames, --persons multi), $cores cores, $rounds rounds," \
  "$(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# The busy programs alone, for their rate without actrec beside them.
alone_rate() {
  with_busy sleep 10
  busy_rate 10
}
echo
echo "| round | policy | alone s | alone frames/s | busy s | busy frames/s | busy programs' work kept |"
echo "|---|---|---|---|---|---|---|"
for ((round = 1; round <= rounds; round++)); do
  reference=$(alone_rate)
  for entry in "${policies[@]}"; do
    IFS='|' read -r name environment <<<"$entry"
    quiet=$(label_seconds "$environment")
    loaded=$(with_busy label_seconds "$environment")
    kept=$(awk -v r="$(busy_rate "$loaded")" -v ref="$reference" 'BEGIN { printf "%.0f%%", 100 * r / ref }')
    awk -v round="$round" -v name="$name" -v q="$quiet" -v l="$loaded" -v f="$frames" -v k="$kept" \
      'BEGIN { printf "| %d | %s | %.1f | %.1f | %.1f | %.1f | %s |\n", round, name, q, f / q, l, f / l, k }'
  done
done
