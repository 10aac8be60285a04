#!/usr/bin/env bash
# The main job on a sample video: fetch it, then probe it with the freshly built actrec.
# Run scripts/setup.sh first (the README's first command does both).
set -euo pipefail
cd "$(dirname "$0")/.."
video=$(scripts/fetch_sample.sh)
build/bin/actrec probe "$video"
