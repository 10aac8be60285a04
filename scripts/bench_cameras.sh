#!/usr/bin/env bash
# Several cameras in one process (`live --cameras`), measured on loopback: one camera where
# people move (the sample video, vtest.avi, played as a camera at its own rate) and three rooms
# where nothing moves (a still frame of a real room, made from ../shared's GMDCSA24 clips by a
# per-pixel median over time, or the sample's empty street where ../shared is absent, sent as
# MPEG-TS over UDP with fresh sensor noise on every frame).
#   scripts/bench_cameras.sh bench [SECONDS]   (default 60) three runs in one go, each SECONDS:
#       the busy camera alone with the motion gate off, alone with it on, and the four cameras
#       (gate on): the process's CPU time and peak memory against the busy camera alone, the
#       frames each camera labelled and the pose network looked at, frames per pose-network
#       pass, and whether the busy camera's labels are those of the run without the gate.
#   scripts/bench_cameras.sh soak [MINUTES]    (default 30) the four cameras for MINUTES, all
#       four as UDP streams (the busy one looped), two of the rooms' senders stopped for 20 s at
#       a third and two thirds of the time: memory and labels every 30 s, reconnects, verdict.
# Needs ffmpeg. Writes out/bench_cameras/ and prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-bench}
actrec=${ACTREC:-build/bin/actrec}
model=${MODEL:-models/default.actrec}
out=out/bench_cameras
mkdir -p "$out"
video=$(scripts/fetch_sample.sh)
command -v ffmpeg >/dev/null || { echo "bench_cameras: needs ffmpeg" >&2; exit 1; }

# The rooms: the still background of clips where someone moves (their per-pixel median).
median_frame() {  # median_frame OUT.png VIDEO...: the median over every frame of the videos
  local target=$1 list=$out/median_list.txt n
  shift
  : >"$list"
  for clip in "$@"; do printf "file '%s'\n" "$(realpath "$clip")" >>"$list"; done
  n=0
  for clip in "$@"; do
    n=$((n + $(ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 "$clip")))
  done
  local radius=$(((n - 1) / 2 < 127 ? (n - 1) / 2 : 127))
  ffmpeg -v error -y -f concat -safe 0 -i "$list" -vf "scale=640:480,tmedian=radius=$radius" \
    -vsync 0 -frames:v 1 -update 1 "$target"
}
gmd=../shared/datasets/gmdcsa24
rooms=()
if [ -d "$gmd" ]; then
  [ -s "$out/room_blue.png" ] || median_frame "$out/room_blue.png" "$gmd/Subject 1/ADL/10.mp4"
  [ -s "$out/room_bed.png" ] || median_frame "$out/room_bed.png" "$gmd/Subject 3/ADL/18.mp4"
  rooms=("$out/room_blue.png" "$out/room_bed.png")
else
  echo "bench_cameras: ../shared is absent: the rooms are the sample's empty street" >&2
fi
[ -s "$out/room_street.png" ] || median_frame "$out/room_street.png" "$video"
while [ ${#rooms[@]} -lt 3 ]; do rooms+=("$out/room_street.png"); done

free_udp_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
declare -A sender_pid=()
start_room() {  # start_room NAME IMAGE PORT: the image at 15 fps with fresh noise per frame
  ffmpeg -nostdin -v error -re -loop 1 -framerate 15 -i "$2" \
    -vf "noise=alls=6:allf=t+u,format=yuv420p" -c:v mpeg4 -q:v 5 -g 15 -f mpegts \
    "udp://127.0.0.1:$3?pkt_size=1316" >>"$out/sender_$1.log" 2>&1 &
  sender_pid[$1]=$!
}
start_busy_stream() {  # start_busy_stream PORT: the sample looped, as a camera would send it
  ffmpeg -nostdin -v error -re -stream_loop -1 -i "$video" -c:v mpeg4 -q:v 5 -g 10 -f mpegts \
    "udp://127.0.0.1:$1?pkt_size=1316" >>"$out/sender_street.log" 2>&1 &
  sender_pid[street]=$!
}
stop_sender() { kill "${sender_pid[$1]}" 2>/dev/null || true; wait "${sender_pid[$1]}" 2>/dev/null || true; }
live_pid=""
cleanup() {
  for name in "${!sender_pid[@]}"; do stop_sender "$name"; done
  [ -z "$live_pid" ] || kill "$live_pid" 2>/dev/null || true
}
trap cleanup EXIT
ports=("$(free_udp_port)" "$(free_udp_port)" "$(free_udp_port)" "$(free_udp_port)")
for i in 0 1 2; do start_room "room$((i + 1))" "${rooms[$i]}" "${ports[$i]}"; done

# cameras_file NAME GATE WHICH: a cameras file; WHICH: street (alone) or all
cameras_file() {
  local name=$1 gate=$2 which=$3 street_source=$4
  local file=$out/$name.yaml
  {
    echo "people: {persons: multi}"
    echo "gate: {enabled: $gate}"
    echo "live: {timeout_s: 5}"
    echo "cameras:"
    echo "  street: {source: '$street_source', realtime: true, live: {jsonl_file: '$out/$name.street.jsonl', events_file: '$out/$name.events.jsonl'}}"
    if [ "$which" = all ]; then
      for i in 1 2 3; do
        echo "  room$i: {source: 'udp://127.0.0.1:${ports[$((i - 1))]}', live: {jsonl_file: '$out/$name.room$i.jsonl', events_file: '$out/$name.events.jsonl'}}"
      done
    fi
  } >"$file"
  rm -f "$out/$name".*.jsonl
  echo "$file"
}
ticks=$(getconf CLK_TCK)
cpu_seconds() { awk -v t="$ticks" '{ printf "%.1f", ($14 + $15) / t }' "/proc/$1/stat"; }
peak_mib() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
lines() { if [ -f "$1" ]; then grep -c '"latency_ms"' "$1" || true; else echo 0; fi; }

if [ "$mode" = bench ]; then
  seconds=${2:-60}
  echo "bench_cameras: $(nproc) cores, $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);" \
    "$seconds s a run; the busy camera: $video played as a camera; the rooms: ${rooms[*]}"
  declare -A cpu=() peak=()
  for run in alone_gate_off:false:street alone:true:street four:true:all; do
    IFS=: read -r name gate which <<<"$run"
    file=$(cameras_file "$name" "$gate" "$which" "$(realpath "$video")")
    "$actrec" live --model "$model" --cameras "$file" >"$out/$name.log" 2>&1 &
    live_pid=$!
    sleep "$seconds"
    cpu[$name]=$(cpu_seconds "$live_pid")
    peak[$name]=$(peak_mib "$live_pid")
    kill -INT "$live_pid"
    wait "$live_pid" || true
    live_pid=""
  done
  echo
  echo "| run | CPU s | CPU against the busy camera alone | peak memory MiB | against alone | street frames labelled | rooms: frames labelled, looked at by the pose network |"
  echo "|---|---|---|---|---|---|---|"
  for name in alone_gate_off alone four; do
    rooms_text=""
    if [ "$name" = four ]; then
      for i in 1 2 3; do
        looked=$(sed -n "s/.*room$i: .*the pose network looked at \([0-9]* of [0-9]*\) frames.*/\1/p" "$out/$name.log" | tail -1)
        rooms_text+="room$i $(lines "$out/$name.room$i.jsonl") lines, looked at ${looked:-?}; "
      done
    fi
    awk -v n="$name" -v c="${cpu[$name]}" -v c1="${cpu[alone]}" -v m="${peak[$name]}" -v m1="${peak[alone]}" \
      -v s="$(lines "$out/$name.street.jsonl")" -v r="$rooms_text" \
      'BEGIN { printf "| %s | %s | %.2fx | %s | %.2fx | %s | %s |\n", n, c, c / c1, m, m / m1, s, r }'
  done
  echo
  for name in alone_gate_off alone four; do
    sed -n "s/^.*\(street: [0-9]* frames labelled.*\)/$name: \1/p" "$out/$name.log"
  done
  grep -h "pose network: .* passes" "$out/four.log" | sed 's/^.*\(pose network\)/four cameras: \1/'
  # The busy camera's labels with the gate and beside three rooms, against alone without it.
  /usr/bin/python3 - "$out/alone_gate_off.street.jsonl" "$out/four.street.jsonl" <<'EOF'
import json, sys
def labels(path):
    out = {}
    for line in open(path):
        row = json.loads(line)
        if "latency_ms" in row:
            out[(row["frame"], row.get("person", 0))] = row["label"]
    return out
a, b = labels(sys.argv[1]), labels(sys.argv[2])
last = min(max(f for f, _ in a), max(f for f, _ in b))
a = {k: v for k, v in a.items() if k[0] <= last}
b = {k: v for k, v in b.items() if k[0] <= last}
both = set(a) & set(b)
same = sum(a[k] == b[k] for k in both)
print(f"street, frames 0..{last}: {len(a)} person-frames alone without the gate, {len(b)} among four "
      f"cameras with it; {len(both)} in both, {same} with the same label ({100 * same / max(1, len(both)):.2f}%)")
EOF
  exit 0
fi

# soak
minutes=${2:-30}
total_s=$((minutes * 60))
start_busy_stream "${ports[3]}"
file=$(cameras_file soak true all "udp://127.0.0.1:${ports[3]}")
"$actrec" live --model "$model" --cameras "$file" >"$out/soak.log" 2>&1 &
live_pid=$!
drops=($((total_s / 3)) $((2 * total_s / 3)))
{
  echo "soak: four cameras, $minutes min; room1 and room2 stopped for 20 s at ${drops[0]} s and ${drops[1]} s"
  echo "| s | memory MiB | street | room1 | room2 | room3 | lost | back |"
  echo "|---|---|---|---|---|---|---|---|"
} | tee "$out/soak_report.md"
started=$(date +%s)
next_drop=0
rss_warm=""
rss=0
events=$out/soak.events.jsonl
count() { if [ -f "$events" ]; then grep -c "$1" "$events" || true; else echo 0; fi; }
while :; do
  elapsed=$(($(date +%s) - started))
  [ "$elapsed" -ge "$total_s" ] && break
  kill -0 "$live_pid" 2>/dev/null || { echo "soak: live ended early" | tee -a "$out/soak_report.md"; break; }
  if [ "$next_drop" -lt 2 ] && [ "$elapsed" -ge "${drops[$next_drop]}" ]; then
    stop_sender room1
    stop_sender room2
    sleep 20
    start_room room1 "${rooms[0]}" "${ports[0]}"
    start_room room2 "${rooms[1]}" "${ports[1]}"
    next_drop=$((next_drop + 1))
    continue
  fi
  rss=$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$live_pid/status")
  [ -z "$rss_warm" ] && [ "$elapsed" -ge 300 ] && rss_warm=$rss
  echo "| $elapsed | $rss | $(lines "$out/soak.street.jsonl") | $(lines "$out/soak.room1.jsonl") |" \
    "$(lines "$out/soak.room2.jsonl") | $(lines "$out/soak.room3.jsonl") |" \
    "$(count '"stream_lost"') | $(count '"stream_back"') |" | tee -a "$out/soak_report.md"
  sleep 30
done
kill -INT "$live_pid"
wait "$live_pid" && status=0 || status=$?
live_pid=""
verdict=pass
[ "$status" -eq 0 ] || verdict=fail
for room in room1 room2; do
  [ "$(grep -c "\"stream_back\".*\"camera\":\"$room\"\|\"camera\":\"$room\".*\"stream_back\"" "$events")" -ge 2 ] ||
    verdict=fail
done
if [ -n "$rss_warm" ]; then
  growth=$(awk -v a="$rss_warm" -v b="$rss" 'BEGIN {printf "%.1f", 100 * (b - a) / a}')
  awk -v g="$growth" 'BEGIN {exit !(g <= 10)}' || verdict=fail
  memory="$rss_warm MiB at 300 s, $rss MiB at the end (${growth}%)"
else
  memory="shorter than the 300 s warm-up: not judged"
fi
{
  echo
  grep -E "frames labelled|pose network: " "$out/soak.log" | sed 's/^/    /'
  echo "exit status $status; memory: $memory; soak: $verdict"
} | tee -a "$out/soak_report.md"
[ "$verdict" = pass ]
