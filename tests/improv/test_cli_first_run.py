"""What a new user meets first on the command line (review 28 "first"): where to start in
``improv --help`` and ``improv help`` (finding 17); a store made only where it is meant, and
said when made (finding 8); ``improv open`` and ``serve``'s lines (findings 4 and 8)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.improv.conftest import REPO

# -- help (finding 17) ----------------------------------------------------------------------

def test_help_starts_with_where_to_start_and_ends_with_the_exit_statuses(run_cli):
    out = " ".join(run_cli("--help").stdout.split())  # as read, not as wrapped
    start, options, commands = (out.index("Start here: 'improv serve' opens the app"),
                                out.index("Options:"), out.index("Commands:"))
    assert start < options < commands
    assert "'improv sessions demo' makes a" in out[:options]
    assert out.index("exits with status 1") > commands
    assert "open Open the running improv in the browser" in out


@pytest.mark.parametrize("words", [(), ("sessions",), ("sessions", "import"), ("serve",)])
def test_improv_help_is_an_alias_of_help(run_cli, words):
    r = run_cli("help", *words)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == run_cli(*words, "--help").stdout


def test_improv_help_of_an_unknown_command_says_so_with_a_suggestion(run_cli):
    r = run_cli("help", "sesions")
    assert r.exit_code == 1
    assert r.stderr == ("error: improv has no command 'sesions'; did you mean sessions? "
                        "(see 'improv --help')\n")
    r = run_cli("help", "sessions", "lst")
    assert r.exit_code == 1
    assert "improv sessions has no command 'lst'; did you mean list?" in r.stderr


# -- creating a store (finding 8) -----------------------------------------------------------

def test_a_new_store_is_said_in_one_line(run_cli, tmp_path):
    new = tmp_path / "stroe-typo"
    r = run_cli("--store", new, "setups", "save", "Room2", "--player", "client=midi:Keyboard")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.count(f"created a new, empty session store at {new}\n") == 1
    r = run_cli("--store", new, "setups", "list")
    assert "created a new" not in r.stderr  # only once


def test_a_store_in_missing_folders_is_refused(run_cli, tmp_path):
    r = run_cli("--store", tmp_path / "nope" / "deeper" / "store", "setups", "save", "Room2",
                "--player", "client=midi:Keyboard")
    assert r.exit_code == 1
    assert r.stderr.startswith(f"error: no folder {tmp_path / 'nope' / 'deeper'} to make the "
                               "new store 'store' in: check the path")
    assert r.stderr.count("\n") == 1
    assert not (tmp_path / "nope").exists()


def test_the_default_store_may_be_made_with_its_folders(run_cli, tmp_path, monkeypatch):
    monkeypatch.delenv("IMPROV_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg" / "data"))
    r = run_cli("setups", "save", "Room2", "--player", "client=midi:Keyboard")
    assert r.exit_code == 0, r.stderr
    default = tmp_path / "xdg" / "data" / "improv" / "store"
    assert f"created a new, empty session store at {default}" in r.stderr
    assert default.is_dir()


# -- serve and open (findings 4 and 8) ------------------------------------------------------

@pytest.fixture
def runtime(tmp_path, monkeypatch):
    """A runtime folder of this test's own (as $XDG_RUNTIME_DIR), and a browser that notes
    what it was asked to open."""
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$@" >> {opened}\n')
    browser.chmod(0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(folder), "BROWSER": f"{browser} %s",
           "PYTHONUNBUFFERED": "1"}
    env.pop("IMPROV_STORE", None)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    return folder, opened, env


def _improv(env, *args, **kw):
    return subprocess.run([sys.executable, "-m", "improv", *map(str, args)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120, **kw)


def _wait_for(path: Path, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} not written")


def test_serve_says_its_store_and_open_signs_the_browser_in_again(runtime, tmp_path):
    folder, opened, env = runtime
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-m", "improv", "--store", str(store), "serve",
                             "--port", "0"], env=env, cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        m = re.search(r"http://127\.0\.0\.1:(\d+)/#token=(\S+)", proc.stdout.readline())
        port, token = int(m.group(1)), m.group(2)
        lines = [proc.stderr.readline() for _ in range(3)]
        assert lines[0] == f"created a new, empty session store at {store}\n"
        assert lines[1] == f"store: {store} (0 sessions)\n"
        assert lines[2].startswith("Keep this window open: closing it stops improv")
        assert "'improv open'" in lines[2]
        first = _wait_for(opened).strip()
        page = folder / "improv" / f"server-{port}" / "open.html"
        assert first == page.as_uri()  # the page, never the address with the token
        assert token in page.read_text()
        for p, mode in ((page, 0o600), (page.parent / "server.json", 0o600),
                        (page.parent, 0o700), (folder / "improv", 0o700)):
            assert stat.S_IMODE(p.stat().st_mode) == mode, p
        assert token not in (page.parent / "server.json").read_text()

        r = _improv(env, "open")
        assert r.returncode == 0, r.stderr
        assert r.stdout == (f"opened improv at http://127.0.0.1:{port}/ (store {store}) in the "
                            "browser\n")
        deadline = time.monotonic() + 20
        while opened.read_text().count("\n") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text().splitlines() == [page.as_uri()] * 2

        # a second start on the busy port points to the running one
        r = _improv(env, "--store", store, "serve", "--port", port, "--no-browser")
        assert r.returncode == 1
        assert r.stderr == (f"error: improv is already running at http://127.0.0.1:{port}/ "
                            f"(store {store}): 'improv open' opens it in the browser (or choose "
                            "another port with --port N)\n")
    finally:
        proc.terminate()
        proc.wait(20)
    assert not page.parent.exists()
    r = _improv(env, "open")
    assert r.returncode == 1
    assert r.stderr.startswith("error: improv is not running: start it with 'improv serve'")


def test_open_without_a_running_improv_on_that_port(runtime):
    _, _, env = runtime
    r = _improv(env, "open", "--port", "9")
    assert r.returncode == 1
    assert r.stderr == "error: improv is not running on port 9 (start it with 'improv serve')\n"


def test_a_killed_servers_folder_is_not_taken_for_a_running_one(runtime):
    import json

    folder, _, env = runtime
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (folder / "improv").mkdir(mode=0o700)
    stale = folder / "improv" / "server-8470"
    stale.mkdir(mode=0o700)
    (stale / "server.json").write_text(json.dumps({"port": 8470, "pid": int(dead),
                                                   "store": "/x"}))
    (stale / "open.html").write_text("token")
    r = _improv(env, "open")
    assert r.returncode == 1 and "improv is not running" in r.stderr
    assert not stale.exists()


def test_a_runtime_folder_open_to_others_is_not_used(runtime):
    from improv.launch import runtime_folder, write_launch

    folder, _, _ = runtime
    assert runtime_folder() == folder / "improv"
    os.chmod(folder / "improv", 0o755)
    assert runtime_folder() is None
    launch = write_launch("http://127.0.0.1:1/#token=secret", port=1, store="/x")
    try:
        assert not launch.findable and folder / "improv" not in launch.page.parents
        assert stat.S_IMODE(launch.folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(launch.page.stat().st_mode) == 0o600
    finally:
        launch.remove()
    assert not launch.folder.exists()


# -- empty states (finding 19) --------------------------------------------------------------

def test_setups_list_without_setups_says_so_in_one_line(run_cli):
    r = run_cli("setups", "list")
    assert r.exit_code == 0
    assert r.stdout == ("no saved setups (save the players' inputs once with 'improv setups "
                        "save NAME --player …', then record with --setup NAME)\n")
    assert run_cli("setups", "list", "--json").json() == {}


def test_setups_list_says_when_in_this_computers_time(run_cli):
    """Review 29: the list showed the stored ISO moment ("2026-12-06T22:38:57+00:00")."""
    from sessions.timefmt import local_datetime

    r = run_cli("setups", "save", "room3", "--player", "client=midi:Piano")
    assert r.exit_code == 0, r.stderr
    assert "saved setup 'room3' (1 input)" in r.stderr
    saved = run_cli("setups", "list", "--json").json()["room3"]["saved_utc"]
    listed = run_cli("setups", "list").stdout
    assert local_datetime(saved, zone=False) in listed and "+00:00" not in listed


def test_devices_without_devices_says_none_found_and_names_the_option(run_cli, monkeypatch):
    from improv.capture import devices
    from improv.errors import NoDevicesError

    def no_midi(**_kw):
        raise NoDevicesError("no MIDI system available: …, or choose another MIDI API "
                             "(details: none)", parameter="midi_api")

    monkeypatch.setattr(devices, "list_midi_ports", no_midi)
    monkeypatch.setattr(devices, "list_audio_devices", lambda **_kw: [])
    r = run_cli("devices")
    assert r.exit_code == 0
    assert r.stdout == "MIDI ports: none found\n\nAudio devices: none found\n"
    assert r.stderr == ("warning: MIDI: no MIDI system available: …, or choose another MIDI API "
                        "(details: none) (option --midi-api)\n")


def test_serve_on_a_new_store_prints_its_address_first(runtime, tmp_path):
    """The address is the first line even where stderr is mixed in (a new store is said
    after it): scripts and the wheel test read it from there."""
    _, _, env = runtime
    proc = subprocess.Popen([sys.executable, "-m", "improv", "--store", str(tmp_path / "new"),
                             "serve", "--port", "0", "--no-browser"], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout.readline().startswith("improv is running at http://127.0.0.1:")
        assert proc.stdout.readline() == (f"created a new, empty session store at "
                                          f"{tmp_path / 'new'}\n")
    finally:
        proc.terminate()
        proc.wait(20)
