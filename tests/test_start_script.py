"""``scripts/start.sh`` runs improv as the person who uses it (review 28 "first", finding 3).

Checked through ``--dry-run`` (it prints the commands it would run, runs none) with a stand-in
for ``id`` on the PATH, so each case is the same whoever runs the tests: under sudo the
packages are installed as root and improv runs as ``$SUDO_USER`` with that account's home; a
root login is told where its store is and how a therapist starts it; a user runs it as
themselves.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def start(tmp_path, *, uid: int, env: dict, args=(), owner: str | None = None
          ) -> subprocess.CompletedProcess:
    shim = tmp_path / "bin"
    shim.mkdir(exist_ok=True)
    if owner is not None:  # who owns the checkout, as `stat -c %U .` says
        fake_stat = shim / "stat"
        fake_stat.write_text(f'#!/bin/sh\nif [ "$*" = "-c %U ." ]; then echo {owner}; '
                             'else exec /usr/bin/stat "$@"; fi\n')
        fake_stat.chmod(0o755)
    fake_id = shim / "id"
    fake_id.write_text(f'#!/bin/sh\nif [ "$1" = "-u" ] && [ $# -eq 1 ]; then echo {uid}; '
                       'else exec /usr/bin/id "$@"; fi\n')
    fake_id.chmod(0o755)
    base = {k: v for k, v in os.environ.items()
            if k not in ("SUDO_USER", "IMPROV_STORE", "DISPLAY", "WAYLAND_DISPLAY")}
    full = {**base, "PATH": f"{shim}:{os.environ['PATH']}", "HOME": "/root", **env}
    full.pop("XDG_DATA_HOME", None)
    return subprocess.run(["bash", str(REPO / "scripts" / "start.sh"), "--dry-run", *args],
                          env=full, capture_output=True, text=True, timeout=60)


def test_under_sudo_improv_runs_as_the_therapist_with_their_home(tmp_path):
    nobody = pwd.getpwnam("nobody")
    r = start(tmp_path, uid=0, env={"SUDO_USER": "nobody", "DISPLAY": ":0"},
              args=("--port", "8471"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "would run: bash scripts/setup.sh --packages-only"  # as root
    # the rest of the setup as whoever owns the checkout (root here: nobody owns none)
    assert pwd.getpwuid(REPO.stat().st_uid).pw_name != "nobody"
    assert lines[1] == "would run: bash scripts/setup.sh"
    serve = lines[-1]
    assert serve.startswith("would run: runuser -u nobody -- env -u XDG_DATA_HOME")
    assert f" HOME={nobody.pw_dir} USER=nobody LOGNAME=nobody " in serve
    assert " DISPLAY=:0 " in serve and "-u SUDO_USER" in serve
    assert serve.endswith(" .venv/bin/improv serve --port 8471")
    assert r.stderr == ("start: installing what is missing as root, then starting improv as "
                        "nobody (the sessions are kept in nobody's home)\n")


def test_under_sudo_the_therapists_checkout_is_set_up_by_them(tmp_path):
    r = start(tmp_path, uid=0, env={"SUDO_USER": "nobody"}, owner="nobody")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "would run: bash scripts/setup.sh --packages-only"
    assert lines[1].startswith("would run: runuser -u nobody -- env ")
    assert lines[1].endswith(" bash scripts/setup.sh")
    assert lines[2].endswith(" .venv/bin/improv serve") and len(lines) == 3


def test_a_root_login_is_told_where_the_store_is_and_how_a_therapist_starts(tmp_path):
    r = start(tmp_path, uid=0, env={})
    assert r.returncode == 0, r.stderr
    assert r.stdout == "would run: bash scripts/setup.sh\nwould run: .venv/bin/improv serve\n"
    assert r.stderr == ("start: running as root, so the sessions are kept in root's store, "
                        "/root/.local/share/improv/store; for a therapist, run 'sudo bash "
                        "scripts/start.sh' from their own account instead\n")
    r = start(tmp_path, uid=0, env={"IMPROV_STORE": str(tmp_path / "s")})
    assert f"root's store, {tmp_path / 's'};" in r.stderr


def test_sudo_to_root_is_a_root_login(tmp_path):
    r = start(tmp_path, uid=0, env={"SUDO_USER": "root"})
    assert r.returncode == 0 and "running as root" in r.stderr
    assert "runuser" not in r.stdout


def test_a_user_runs_it_as_themselves(tmp_path):
    r = start(tmp_path, uid=1000, env={"SUDO_USER": "nobody"})  # not root: sudo is not in play
    assert r.returncode == 0, r.stderr
    assert r.stdout == "would run: bash scripts/setup.sh\nwould run: .venv/bin/improv serve\n"
    assert r.stderr == ""


def test_an_unknown_sudo_user_is_refused(tmp_path):
    r = start(tmp_path, uid=0, env={"SUDO_USER": "no-such-account-here"})
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == "start: no account named no-such-account-here (from sudo)\n"


@pytest.mark.parametrize("script", ["start.sh", "setup.sh"])
def test_the_scripts_parse(script):
    assert subprocess.run(["bash", "-n", str(REPO / "scripts" / script)]).returncode == 0
