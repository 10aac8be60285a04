#!/usr/bin/env bash
# The README's picture of the live page: the sample video (scripts/fetch_sample.sh) played as a
# camera, everyone in view labelled by the shipped model, the page served on a free port of
# 127.0.0.1 and photographed by headless Chromium once people and events are on it.
# Usage: scripts/live_page_screenshot.sh [OUT.png]   (default docs/live_page.png)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-docs/live_page.png}
actrec=${ACTREC:-build/bin/actrec}
video=$(scripts/fetch_sample.sh)
work=$(mktemp -d)
live_pid=""
cleanup() {
  if [ -n "$live_pid" ]; then kill -INT "$live_pid" 2>/dev/null || true; wait "$live_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
"$actrec" live --model models/default.actrec --source "$video" --realtime --persons multi \
  --no-display --serve 0 --name entrance >"$work/live.log" 2>&1 &
live_pid=$!
url=""
for _ in $(seq 300); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$work/live.log" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/live.log" >&2; exit 1; }
# Twenty seconds of video in: people are labelled and label changes are listed.
for _ in $(seq 1200); do
  state=$(/usr/bin/python3 -c "import json,urllib.request; s=json.load(urllib.request.urlopen('${url}state.json')); print(len(s['people']), int(s['time_s']))")
  read -r people seconds <<<"$state"
  [ "$people" -ge 2 ] && [ "$seconds" -ge 20 ] && break
  sleep 0.1
done
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --window-size=1200,700 --screenshot="$work/page.png" "$url" \
  >"$work/chromium.log" 2>&1 || { cat "$work/chromium.log" >&2; exit 1; }
mkdir -p "$(dirname "$target")"
mv "$work/page.png" "$target"
echo "$target"
