#!/usr/bin/env bash
# Set everything up, then run the whole test suite.  The tests start and stop
# the JACK servers they need themselves.  Extra arguments go to pytest,
# e.g. `bash scripts/test.sh -m "not slow"` for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
