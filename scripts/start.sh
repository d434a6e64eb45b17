#!/usr/bin/env bash
# Set up improv and start it on the default store (or $IMPROV_STORE).
# When the store is empty, a demo session (a synthetic duet) is generated first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
IMPROV=.venv/bin/improv
# a store that does not exist yet (a new $IMPROV_STORE) is empty too: the demo makes it
if [ "$($IMPROV sessions list --json 2>/dev/null || echo '[]')" = "[]" ]; then
  $IMPROV sessions demo
fi
if $IMPROV serve --help >/dev/null 2>&1; then
  exec $IMPROV serve "$@"
fi
# Until the web app lands: show the store and the devices to record from.
$IMPROV sessions list
$IMPROV devices 2>/dev/null || true
echo
echo "Record:   $IMPROV record --client C07 --player client=midi:KEYBOARD --duration 600"
echo "Inspect:  $IMPROV sessions show ID"
