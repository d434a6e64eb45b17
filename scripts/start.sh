#!/usr/bin/env bash
# Set up improv and start it on the default store (or $IMPROV_STORE).
# When the store is empty, a demo session (a synthetic duet) is generated first.
set -euo pipefail
if [ -n "${IMPROV_STORE:-}" ]; then  # relative to where it was given, not to the checkout
  IMPROV_STORE=$(realpath -m -- "$IMPROV_STORE")
  export IMPROV_STORE
fi
cd "$(dirname "$0")/.."
bash scripts/setup.sh
IMPROV=.venv/bin/improv
# the demo only for an empty store, or one that does not exist yet (the demo makes it); any
# other error of the listing (a store path that is a file, a damaged catalog) is shown
err=$(mktemp)
trap 'rm -f "$err"' EXIT
if listing=$($IMPROV sessions list --json 2>"$err"); then
  if [ "$listing" = "[]" ]; then
    $IMPROV sessions demo
  fi
elif grep -q "no session store at" "$err"; then
  $IMPROV sessions demo
else
  cat "$err" >&2
  exit 1
fi
rm -f "$err"
exec $IMPROV serve "$@"
