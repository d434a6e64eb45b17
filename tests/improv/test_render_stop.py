"""A rendering stops with improv: FluidSynth rendering a long session's MIDI is stopped, and
its working folder removed, when the command is ended (SIGTERM) or the web app closes,
instead of running on for minutes writing the client's playing (review 30)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.skipif(shutil.which("fluidsynth") is None, reason="fluidsynth not installed"),
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)"),
]
REPO = Path(__file__).resolve().parents[2]


def _long_session(store, *, seconds: float) -> str:
    """A MIDI player with a note every half second for ``seconds``."""
    w = store.create_session(client="C07", players=["client"])
    w.add_midi_input("Keys", player="client")
    t = 0.1
    while t < seconds - 0.5:
        w.midi(t, player="client", port="Keys", data=bytes([0x90, 60, 90]))
        w.midi(t + 0.3, player="client", port="Keys", data=bytes([0x80, 60, 0]))
        t += 0.5
    return w.finalize(duration_s=seconds)["id"]


def _fluidsynth_children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended meanwhile
            continue
        comm, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:]
        if comm.startswith("fluidsynth") and int(rest.split()[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _wait_for_child(proc: subprocess.Popen, *, within_s: float = 30.0) -> int:
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        kids = _fluidsynth_children(proc.pid)
        if kids:
            return kids[0]
        assert proc.poll() is None, "improv ended before its rendering started"
        time.sleep(0.02)
    raise AssertionError("no FluidSynth rendering started")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_ending_improv_render_stops_fluidsynth(store, store_path, tmp_path):
    sid = _long_session(store, seconds=1500.0)  # several seconds of rendering at 8 kHz
    out = tmp_path / "out" / "render.wav"
    out.parent.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "improv", "--store", str(store_path),
                             "render", sid, "--to", str(out), "--sr", "8000"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    child = _wait_for_child(proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert not _alive(child), "FluidSynth runs on after improv ended"
    assert not out.exists() and list(out.parent.iterdir()) == []  # no working folder left
    assert "Traceback" not in err


def test_stop_renderings_without_any_running_does_nothing():
    from improv.playback.render import stop_renderings

    assert stop_renderings() == 0
