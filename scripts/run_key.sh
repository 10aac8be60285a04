#!/usr/bin/env bash
# run_key.sh MANIFEST [train options...]: a short key for what a trained model depends on, the
# effective config and the data (the manifest and every annotation it names), so that neither a
# changed default nor a changed label reuses a model trained before the change (scripts/tune.sh
# and scripts/evaluate.sh keep their runs under it). Run from the checkout's root.
set -euo pipefail
manifest=$1
shift
{
  "${ACTREC:-build/bin/actrec}" -q config show "$@"
  cat "$manifest"
  tail -n +2 "$manifest" | cut -d, -f3 | while read -r annotation; do
    [ -f "$annotation" ] && cat "$annotation"
  done
} | sha1sum | cut -c1-10
