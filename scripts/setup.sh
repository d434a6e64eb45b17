#!/usr/bin/env bash
# Set up improv on Debian/Ubuntu: system packages (as root), a virtualenv in
# .venv, and the project with its test and archive extras.  Safe to run again.
# --packages-only: only the system packages (start.sh under sudo: the rest as the therapist).
set -euo pipefail
packages_only=0
if [ "${1:-}" = "--packages-only" ]; then packages_only=1; fi
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3-venv python3-dev
  libportaudio2 jackd2                                   # audio + MIDI through JACK
  pulseaudio pulseaudio-utils libasound2-plugins         # the PulseAudio path
  fluidsynth fluid-soundfont-gm                          # rendering MIDI to audio
  chromium poppler-utils                                 # browser tests, PDF reports
)

PYTHON=${PYTHON:-python3}
# python-rtmidi 1.5.8 has wheels up to CPython 3.12; for a newer Python pip builds it from
# source (meson), which needs the ALSA and JACK headers, pkg-config and a C++ compiler
if "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; then
  APT_PACKAGES+=(libasound2-dev libjack-jackd2-dev pkg-config g++)
fi

if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    if [ "$(id -u)" -ne 0 ]; then
      echo "setup: missing Debian packages: ${missing[*]}" >&2
      echo "setup: run this with sudo, or first: sudo apt-get install ${missing[*]}" >&2
      exit 1
    fi
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi
if ((packages_only)); then
  exit 0
fi

# a venv whose Python is gone (a removed pyenv version) or that has no pip (made while
# python3-venv was missing) is made again; one that works is kept
if ! .venv/bin/python -c "import pip" >/dev/null 2>&1; then
  "$PYTHON" -m venv --clear .venv
fi
# checked from outside the checkout, so that the installed packages answer, not the sources
if ! (cd / && "$OLDPWD/.venv/bin/python" -c "import improv, sessions, analysis, fastapi, pytest") \
       >/dev/null 2>&1 \
   || ! .venv/bin/improv --version >/dev/null 2>&1 \
   || [ pyproject.toml -nt .venv/.improv-installed ] \
   || [ constraints.txt -nt .venv/.improv-installed ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  # earlier checkouts installed the distribution as "improv" (on PyPI an unrelated project
  # that also installs a top-level improv package): an old install of it goes first
  if .venv/bin/python -m pip show -q improv >/dev/null 2>&1; then
    .venv/bin/python -m pip uninstall -q -y improv
  fi
  .venv/bin/python -m pip install -q -c constraints.txt -e '.[test,archive]'
  touch .venv/.improv-installed
fi
version=$(.venv/bin/improv --version)
echo "setup: ready ($version)" >&2
