"""A source that stalls and goes away mid-stream, then returns, through a real JACK server
(issue 21, item 12). A stalled source's port buffer is delivered again every cycle until the port
goes; the numbered sequence (tests/rig/numbered.py) proves that nothing is recorded twice and
nothing is lost outside the journaled gap. The many-tries campaign is bench/bench_device_loss.py.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from sessions.store import Store
from tests.improv.test_record_faults import _recorder, _watch_knows
from tests.rig.jackrig import wait_for, wire_audio
from tests.rig.numbered import audio_numbers, number_of

pytestmark = pytest.mark.jack
STALL_S = 0.03
"""The source writes nothing for this long before it unregisters its port (more than one
1024-frame period at 48 kHz: at least one cycle is delivered again)."""


def _connected(ctl, port: str) -> bool:
    try:
        return bool(ctl.get_all_connections(port))
    except Exception:  # noqa: BLE001 - the port is not there (yet)
        return False


@pytest.mark.parametrize("medium", ["midi", "audio"])
def test_a_source_that_stalls_goes_and_returns_is_recorded_once(jack_rig, tmp_path, medium):
    from tests.rig.numbered import NumberedSource

    rig = jack_rig
    src = NumberedSource(rig.server.name, name="kb1" if medium == "midi" else "mic",
                         medium=medium)
    rig.players.append(src)  # closed before the server
    ctl = rig.client()
    store = Store(tmp_path / "store")
    spec = "client=midi:kb1" if medium == "midi" else "client=audio:system:1"
    rec = _recorder(rig, store, [spec])
    rec.start()
    try:
        if medium == "audio":
            wire_audio(ctl, [src.port_name])
        wait_for(lambda: _connected(ctl, src.port_name), timeout=15, what="wiring")
        wait_for(lambda: _watch_knows(rec, src.port_name), timeout=15,
                 what="the watch to learn the connection")
        src.stalled = True  # hangs ...
        time.sleep(STALL_S)
        src.unregister()  # ... and goes
        wait_for(lambda: any("unplugged at" in w for w in rec.warnings), timeout=5,
                 what="the loss")
        time.sleep(0.3)
        src.register()  # back, numbering on
        wait_for(lambda: _connected(ctl, src.port_name), timeout=5, what="re-connection")
        time.sleep(0.5)
    finally:
        manifest = rec.stop()
    s = store.session(manifest["id"])
    ev = manifest["events"]
    (gap,) = [e for e in ev if e["kind"] in ("midi_gap", "source_gap")]
    dropped = [e for e in ev if e["kind"] == "duplicate_dropped"]
    if medium == "midi":
        midi = s.midi_events()
        numbers = np.array([number_of(bytes(r)) for r in midi.raw])
        t = midi.t
        (flag,) = dropped
        assert flag["messages"] >= 1 and flag["port"] == "kb1:out"
    else:
        (a,) = s.audio_inputs()
        y = s.read_audio(a.name)[:, 0]
        numbers = audio_numbers(y)
        t = a.frame_to_time(np.flatnonzero(np.rint(y / 2.0 ** -23) > 0))
        assert 1 <= len(dropped) <= 4 and all(e["frames"] == 1024 for e in dropped)
    assert len(numbers) > 100
    steps = np.diff(numbers)
    assert np.all(steps > 0), "a number recorded twice (or out of order)"
    # one hole at most: what the source played after its return before it was re-connected,
    # inside the journaled gap
    (holes,) = np.nonzero(steps > 1)
    assert len(holes) <= 1
    for j in holes:
        assert t[j] <= gap["t"] + 0.03 and t[j + 1] >= gap["end"] - 0.1
    assert np.sum(t > gap["end"]) > 10  # recorded again after the return


def test_a_midi_source_seen_before_it_is_active_is_connected_when_it_is(jack_rig, tmp_path):
    """A returning source registers its port before it activates its client; JACK refuses to
    connect a port of a client that is not active, and rtmidi ignores the refusal. The JACK
    watch connects the re-opened port once the source is active (before, it stayed unconnected
    for the rest of the session)."""
    from tests.rig.numbered import NumberedSource

    rig = jack_rig
    first = NumberedSource(rig.server.name, name="kb1", medium="midi")
    rig.players.append(first)
    ctl = rig.client()
    store = Store(tmp_path / "store")
    rec = _recorder(rig, store, ["client=midi:kb1"])
    rec.start()
    try:
        wait_for(lambda: _connected(ctl, first.port_name), timeout=15, what="wiring")
        time.sleep(0.5)
        first.close()
        wait_for(lambda: any("unplugged at" in w for w in rec.warnings), timeout=5,
                 what="the loss")
        again = NumberedSource(rig.server.name, name="kb1", medium="midi", start=10_000,
                               activate=False)
        rig.players.append(again)
        wait_for(lambda: any("plugged in again at" in w for w in rec.warnings), timeout=5,
                 what="the port re-opened")
        time.sleep(0.3)
        assert not _connected(ctl, again.port_name)  # rtmidi could not connect it
        again.activate()
        wait_for(lambda: _connected(ctl, again.port_name), timeout=2, what="the watch's connection")
        time.sleep(0.5)
    finally:
        manifest = rec.stop()
    raw = store.session(manifest["id"]).midi_events().raw
    numbers = np.array([number_of(bytes(r)) for r in raw])
    assert np.sum(numbers >= 10_000) > 50  # the returning source is recorded
