"""A command ended by SIGTERM or SIGHUP (the terminal window closed) cleans up as on Ctrl-C:
before, the default action ended the process at once, which left the notes being edited in the
system's temp folder, a report's HTML with the notes beside it, and the running app's sign-in
page (privacy review 30, findings 2 and 4). Real processes, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.improv.test_cli_first_run import REPO, _wait_for, runtime  # noqa: F401

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")


def _answers(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_the_notes_being_edited_leave_no_copy_when_improv_is_ended(store, tmp_path, store_path,
                                                                    sig):
    from improv.demo import create_demo_session

    sid = create_demo_session(store, duration=20.0)["id"]
    temp = tmp_path / "temp"
    temp.mkdir()
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsleep 60\n")  # the therapist is still writing
    editor.chmod(0o700)
    env = {**os.environ, "TMPDIR": str(temp), "EDITOR": str(editor), "VISUAL": "",
           "IMPROV_STORE": str(store_path)}
    proc = subprocess.Popen([sys.executable, "-m", "improv", "notes", sid], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        _until(lambda: any(temp.glob("improv-notes-*")))
        proc.send_signal(sig)  # to improv only, as a closed terminal or 'kill' sends it
        assert proc.wait(30) == 128 + sig
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        subprocess.run(["pkill", "-f", str(editor)], check=False)
    assert list(temp.iterdir()) == []


def test_the_app_removes_its_sign_in_page_when_its_terminal_is_closed(runtime,  # noqa: F811
                                                                      tmp_path):
    folder, _opened, env = runtime
    proc = subprocess.Popen([sys.executable, "-m", "improv", "--store", str(tmp_path / "s"),
                             "serve", "--port", "0", "--no-browser"], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().split("127.0.0.1:")[1].split("/")[0])
        page = folder / "improv" / f"server-{port}" / "open.html"
        _wait_for(page)
        # the app is up (the page is written before the server starts; a signal during the
        # start leaves its empty upload folder to the next start's sweep of tmp/)
        _until(lambda: _answers(port))
        proc.send_signal(signal.SIGHUP)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not page.parent.exists()
    staging = tmp_path / "s" / "tmp"  # uploads are staged there while the app runs
    assert not staging.exists() or not any(staging.iterdir())
