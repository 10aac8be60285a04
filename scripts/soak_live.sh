#!/usr/bin/env bash
# Soak test of `live` on a network stream that drops: the sample video (scripts/fetch_sample.sh)
# looped in real time by ffmpeg as MPEG-TS over UDP to 127.0.0.1 for MINUTES (default 30), the
# sender stopped twice for DROP_S seconds (default 20; at a third and two thirds of the time),
# and `actrec live` with the shipped model labelling everyone in view throughout. Every 10 s it
# samples live's memory (RSS) and counts the labelled lines and events so far.
# Passes when both drops were reported and reconnected, labels and events kept coming after
# each, and memory after warm-up stayed within 10% (the last sample against the one at
# WARMUP_S, default 300). The samples and the verdict go to out/soak_live/report.txt.
# Usage: scripts/soak_live.sh [MINUTES] [DROP_S]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
drop_s=${2:-20}
warmup_s=${WARMUP_S:-300}
actrec=${ACTREC:-build/bin/actrec}
out=out/soak_live
mkdir -p "$out"
rm -f "$out"/frames.jsonl "$out"/events.jsonl "$out"/live.log "$out"/sender.log
video=$(scripts/fetch_sample.sh)

# A free UDP port on loopback, as the kernel gives one.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="udp://127.0.0.1:$port"
sender_pid=""
start_sender() {
  # MPEG-4 Part 2: FFmpeg opens it at once (MPEG-2 probes for seconds; MPEG-1 takes no 10 fps).
  ffmpeg -nostdin -v error -re -stream_loop -1 -i "$video" -c:v mpeg4 -q:v 5 -g 10 \
    -f mpegts "$url" >>"$out/sender.log" 2>&1 &
  sender_pid=$!
}
stop_sender() { kill "$sender_pid" 2>/dev/null || true; wait "$sender_pid" 2>/dev/null || true; }
live_pid=""
cleanup() {
  stop_sender
  if [ -n "$live_pid" ]; then kill "$live_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

start_sender
"$actrec" live --model models/default.actrec --source "$url" --persons multi --no-display \
  --jsonl "$out/frames.jsonl" --events "$out/events.jsonl" --name soak >"$out/live.log" 2>&1 &
live_pid=$!

total_s=$((minutes * 60))
drops=($((total_s / 3)) $((2 * total_s / 3)))
count() { grep -c "$1" "$2" 2>/dev/null || true; }
{
  echo "soak: $url, $minutes min, drops of $drop_s s at ${drops[0]} s and ${drops[1]} s"
  echo "    t_s  rss_mib  frame_lines  events  lost  back"
} | tee "$out/report.txt"
started=$(date +%s)
next_drop=0
rss_at_warmup=""
rss=0
while :; do
  elapsed=$(($(date +%s) - started))
  [ "$elapsed" -ge "$total_s" ] && break
  if ! kill -0 "$live_pid" 2>/dev/null; then echo "soak: live ended early" | tee -a "$out/report.txt"; break; fi
  if [ "$next_drop" -lt 2 ] && [ "$elapsed" -ge "${drops[$next_drop]}" ]; then
    echo "soak: stopping the sender for $drop_s s at $elapsed s" | tee -a "$out/report.txt"
    stop_sender
    sleep "$drop_s"
    start_sender
    next_drop=$((next_drop + 1))
    continue
  fi
  rss=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$live_pid/status")
  [ -z "$rss_at_warmup" ] && [ "$elapsed" -ge "$warmup_s" ] && rss_at_warmup=$rss
  printf '%7d  %7s  %11s  %6s  %4s  %4s\n' "$elapsed" "$rss" \
    "$(count '"latency_ms"' "$out/frames.jsonl")" "$(grep -c . "$out/events.jsonl" 2>/dev/null || true)" \
    "$(count '"stream_lost"' "$out/events.jsonl")" "$(count '"stream_back"' "$out/events.jsonl")" |
    tee -a "$out/report.txt"
  sleep 10
done
kill -INT "$live_pid"
wait "$live_pid" && status=0 || status=$?
live_pid=""

lost=$(count '"stream_lost"' "$out/events.jsonl")
back=$(count '"stream_back"' "$out/events.jsonl")
# Labels after the last reconnect: frame lines that follow the last stream_back in frames.jsonl.
after_back=$(awk '/"stream_back"/ {n = 0; seen = 1; next} seen && /"latency_ms"/ {n++} END {print n + 0}' "$out/frames.jsonl")
events_after=$(awk '/"stream_back"/ {n = 0; seen = 1; next} seen {n++} END {print n + 0}' "$out/events.jsonl")
verdict=pass
[ "$status" -eq 0 ] || verdict=fail
{ [ "$back" -ge 2 ] && [ "$lost" -ge 2 ]; } || verdict=fail
{ [ "$after_back" -gt 0 ] && [ "$events_after" -gt 0 ]; } || verdict=fail
memory="the run was shorter than the warm-up (${warmup_s} s): not judged"
if [ -n "$rss_at_warmup" ]; then
  growth=$(awk -v a="$rss_at_warmup" -v b="$rss" 'BEGIN {printf "%.1f", 100 * (b - a) / a}')
  memory="$rss_at_warmup MiB at ${warmup_s} s, $rss MiB at the end (${growth}%)"
  awk -v g="$growth" 'BEGIN {exit !(g <= 10)}' || verdict=fail
fi
{
  echo "live: $(grep -E 'frames labelled' "$out/live.log" | tail -1)"
  echo "exit status $status; stream_lost $lost, stream_back $back; after the last reconnect:" \
    "$after_back frame lines, $events_after events"
  echo "memory: $memory"
  echo "soak: $verdict"
} | tee -a "$out/report.txt"
[ "$verdict" = pass ]
