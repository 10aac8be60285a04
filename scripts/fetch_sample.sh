#!/usr/bin/env bash
# Fetches a sample video that needs no data of ours: vtest.avi (pedestrians, 768x576) from Debian's
# opencv-doc package, into data/samples/. Keeps only the video. Does nothing when it is there.
set -euo pipefail
cd "$(dirname "$0")/.."
target=data/samples/vtest.avi
if [ -s "$target" ]; then echo "$target"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
download() { (cd "$work" && apt-get download opencv-doc >/dev/null 2>&1); }
if ! download; then
  # The package lists may be stale or missing on a fresh machine.
  if [ "$(id -u)" -eq 0 ]; then apt-get update >/dev/null; else sudo apt-get update >/dev/null; fi
  download || { echo "fetch_sample: cannot download Debian's opencv-doc package" >&2; exit 1; }
fi
member=./usr/share/doc/opencv-doc/examples/data/vtest.avi
dpkg-deb --fsys-tarfile "$work"/opencv-doc_*.deb | tar -x -C "$work" "$member"
mkdir -p "$(dirname "$target")"
mv "$work/$member" "$target.tmp" && mv "$target.tmp" "$target"
echo "$target"
