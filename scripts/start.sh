#!/usr/bin/env bash
# Set up improv and start it on the default store (or $IMPROV_STORE); arguments go to
# 'improv serve' (e.g. --port 8471).
#
# Who runs improv decides whose store it uses (~/.local/share/improv/store of that account):
# - the therapist's own account: setup needs root only when Debian packages are missing (it
#   prints the apt-get line then);
# - sudo from the therapist's account: the packages are installed as root, then improv is set
#   up and runs as that account ($SUDO_USER), so the sessions are kept in the therapist's home;
# - a root login (no sudo): it runs as root, with root's store, and says so.
# --dry-run (first argument) prints the commands it would run and runs nothing.
# A new store starts empty: the web app offers a demo session there (a button), so a demo the
# therapist deleted does not come back at the next start.
set -euo pipefail
dry=0
if [ "${1:-}" = "--dry-run" ]; then
  dry=1
  shift
fi
if [ -n "${IMPROV_STORE:-}" ]; then  # relative to where it was given, not to the checkout
  IMPROV_STORE=$(realpath -m -- "$IMPROV_STORE")
  export IMPROV_STORE
fi
cd "$(dirname "$0")/.."

run() {  # a command, or with --dry-run the line that says it
  if ((dry)); then
    echo "would run: $*"
  else
    "$@"
  fi
}

as_user=()
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  entry=$(getent passwd "$SUDO_USER") || {
    echo "start: no account named $SUDO_USER (from sudo)" >&2
    exit 1
  }
  home=$(cut -d: -f6 <<<"$entry")
  uid=$(cut -d: -f3 <<<"$entry")
  # that account's own environment: its home and runtime folder (where 'improv open' finds
  # the running improv), the display to open the browser on; root's XDG folders left out
  vars=(HOME="$home" USER="$SUDO_USER" LOGNAME="$SUDO_USER")
  if [ -d "/run/user/$uid" ]; then
    vars+=(XDG_RUNTIME_DIR="/run/user/$uid")
  fi
  for v in DISPLAY WAYLAND_DISPLAY XAUTHORITY IMPROV_STORE IMPROV_SOUNDFONT IMPROV_CHROMIUM; do
    if [ -n "${!v:-}" ]; then vars+=("$v=${!v}"); fi
  done
  if command -v runuser >/dev/null 2>&1; then
    as_user=(runuser -u "$SUDO_USER" --)
  else
    as_user=(sudo -u "$SUDO_USER" --)
  fi
  as_user+=(env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_CACHE_HOME -u XDG_STATE_HOME
            -u SUDO_USER -u SUDO_UID -u SUDO_GID -u SUDO_COMMAND "${vars[@]}")
  echo "start: installing what is missing as root, then starting improv as $SUDO_USER" \
       "(the sessions are kept in $SUDO_USER's home)" >&2
  run bash scripts/setup.sh --packages-only
  # the virtualenv belongs to whoever owns the checkout (the therapist, or root for a
  # checkout root made), so that setup.sh can update it later without sudo
  if [ "$(stat -c %U .)" = "$SUDO_USER" ]; then
    run "${as_user[@]}" bash scripts/setup.sh
  else
    run bash scripts/setup.sh
  fi
  if ((!dry)) && ! "${as_user[@]}" .venv/bin/improv --version >/dev/null 2>&1; then
    echo "start: $SUDO_USER cannot run $(pwd)/.venv/bin/improv (the checkout or its Python" \
         "is not readable for $SUDO_USER): clone the checkout into $home and run" \
         "'sudo bash scripts/start.sh' there" >&2
    exit 1
  fi
elif [ "$(id -u)" -eq 0 ]; then
  store=${IMPROV_STORE:-${XDG_DATA_HOME:-$HOME/.local/share}/improv/store}
  echo "start: running as root, so the sessions are kept in root's store, $store; for a" \
       "therapist, run 'sudo bash scripts/start.sh' from their own account instead" >&2
  run bash scripts/setup.sh
else
  run bash scripts/setup.sh
fi
if ((dry)); then
  run "${as_user[@]}" .venv/bin/improv serve "$@"
else
  exec "${as_user[@]}" .venv/bin/improv serve "$@"
fi
