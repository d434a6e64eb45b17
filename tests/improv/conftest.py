"""Fixtures for capture tests: private JACK servers, players, a recorder process.

Tests marked ``jack`` start their own JACK server (dummy driver, unique name)
and stop it afterwards, clients first.  They skip, with the reason, only
when the ``jackd`` binary is missing; with jackd installed they run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.rig.jackrig import AudioPlayer, JackServer, MidiPlayer, click_train, jackd_path

REPO = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    if jackd_path() is None:
        skip = pytest.mark.skip(reason="jackd not installed (apt-get install jackd2)")
        for item in items:
            if "jack" in item.keywords:
                item.add_marker(skip)


class Rig:
    """A JACK server and the players of one test; closes players before the server."""

    def __init__(self, tmp_path: Path, *, period: int = 1024) -> None:
        self.server = JackServer(period=period, log_dir=tmp_path).start()
        self.players: list = []
        self.procs: list[subprocess.Popen] = []

    def midi_player(self, *, name: str, events) -> MidiPlayer:
        p = MidiPlayer(self.server, name=name, events=events)
        self.players.append(p)
        return p

    def audio_player(self, *, name: str, signals, marks=None) -> AudioPlayer:
        p = AudioPlayer(self.server, name=name, signals=signals, marks=marks)
        self.players.append(p)
        return p

    def client(self, name: str = "rigctl"):
        c = self.server.client(name)
        c.activate()
        self.players.append(_Closer(c))
        return c

    def recorder(self, store: Path, *args: str, log: Path | None = None) -> subprocess.Popen:
        """Start ``improv --store STORE record ARGS --json`` on this server."""
        cmd = [sys.executable, "-m", "improv", "--store", str(store), "record",
               "--jack-server", self.server.name, "--midi-api", "jack", "--audio-api", "JACK",
               "--no-display", "--json", *args]
        err = open(log, "wb") if log else subprocess.DEVNULL
        p = subprocess.Popen(cmd, env={**self.server.env, "PYTHONUNBUFFERED": "1"},
                             stdout=subprocess.PIPE, stderr=err, cwd=REPO)
        p.improv_log = log  # finish() shows its end if the recorder fails
        self.procs.append(p)
        return p

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)
        for p in reversed(self.players):
            try:
                p.close()
            except Exception:  # noqa: BLE001 - a client the test already closed
                pass
        if "sounddevice" in sys.modules:
            # an in-process recorder left PortAudio's JACK client on this server:
            # close it before the server goes (TESTRIG: clients first)
            sd = sys.modules["sounddevice"]
            sd._terminate()
            sd._initialize()
        self.server.stop()


class _Closer:
    def __init__(self, c):
        self.c = c

    def close(self):
        self.c.deactivate()
        self.c.close()


@pytest.fixture
def jack_rig(tmp_path):
    """A fresh JACK server (period 1024 frames at 48 kHz) and its players.

    1024 frames, as TESTRIG.md found: at 256 and below Python callbacks (the
    players' and the recorder's) cause xruns on a busy machine, and an xrun
    loses the MIDI of that cycle in JACK itself.  Timing at small periods is
    measured by bench/bench_recording.py.
    """
    rig = Rig(tmp_path)
    try:
        yield rig
    finally:
        rig.close()


def finish(proc: subprocess.Popen, *, timeout: float = 60.0) -> dict:
    """Wait for a recorder process; return its JSON result."""
    log = getattr(proc, "improv_log", None)

    def tail() -> str:
        # a native crash prints every thread's stack there (improv record turns faulthandler on)
        if log is None or not Path(log).exists():
            return ""
        return "\n" + "\n".join(Path(log).read_text(errors="replace").splitlines()[-80:])

    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:  # hung: SIGABRT makes faulthandler print every stack
        proc.send_signal(signal.SIGABRT)
        proc.communicate(timeout=30)
        raise AssertionError(f"recorder did not end within {timeout:g} s{tail()}") from None
    assert proc.returncode == 0, f"recorder exited with {proc.returncode}{tail()}"
    return json.loads(out)


@pytest.fixture
def replay_session(store):
    """Clicks every 0.5 s (48 kHz) on an audio input and a note-on at every click, 7.5 s long.

    Returns the session id and the click times [s]."""
    SR = 48000
    sig, onsets = click_train(sr=SR, interval_s=0.5, count=14, amplitude=0.8)
    sig = np.concatenate([np.zeros(SR // 2, np.float32), sig])  # first click at 0.5 s
    w = store.create_session(client="C07", players=["client", "therapist"])
    a = w.add_audio_input("mic", sr=SR, channels=1, players={"therapist": [1]}, t0=0.0)
    w.add_midi_input("Keys", player="client")
    for i in range(0, len(sig), 4800):
        a.write(sig[i:i + 4800, None].copy())
    times = 0.5 + onsets / SR
    for k, t in enumerate(times):
        w.midi(float(t), player="client", port="Keys", data=bytes([0x90, 60 + k, 100]))
        w.midi(float(t) + 0.1, player="client", port="Keys", data=bytes([0x80, 60 + k, 0]))
    w.marker(2.25, text="half way")
    m = w.finalize(duration_s=len(sig) / SR)
    return m["id"], times


@pytest.fixture
def figures(monkeypatch):
    """The matplotlib figures the report's plot functions save, in order (still written to
    their files), for tests that read what a figure draws."""
    from improv.reports import plots

    caught = []
    real = plots.save_figure

    def catch(fig, path, *, dpi):
        caught.append(fig)
        real(fig, path, dpi=dpi)

    monkeypatch.setattr(plots, "save_figure", catch)
    return caught
