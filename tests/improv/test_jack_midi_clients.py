"""The recorder's JACK watch follows the MIDI capture's own JACK clients, whatever JACK named
them (python-rtmidi asks for ``improv-midi`` for every port; JACK makes the names unique as
``improv-midi-01`` ...), and never another process's ports of the same name."""

from __future__ import annotations

import time

import numpy as np
import pytest

from sessions.store import Store
from tests.improv.test_device_loss_jack import _connected
from tests.improv.test_record_faults import _recorder
from tests.rig.jackrig import wait_for
from tests.rig.numbered import NumberedSource, number_of

pytestmark = pytest.mark.jack


def test_the_watch_connects_the_capture_s_port_not_another_client_s_of_that_name(
        jack_rig, tmp_path):
    """Another improv (an input check in the web app, here a client of this process) holds
    ``improv-midi:client-in1``, so the recording's port is ``improv-midi-01:client-in1``.  The
    source comes back registered but not active (rtmidi cannot connect the re-opened port):
    the watch connects it to the recording's port, not to the other one (before, it followed
    only a client named exactly ``improv-midi`` and connected the other's port)."""
    import rtmidi

    from improv.capture.devices import jack_server

    rig = jack_rig
    with jack_server(rig.server.name):
        other = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name="improv-midi")
        other.open_virtual_port("client-in1")
    first = NumberedSource(rig.server.name, name="kb2", medium="midi")
    rig.players.append(first)
    ctl = rig.client()
    store = Store(tmp_path / "store")
    try:
        rec = _recorder(rig, store, ["client=midi:kb2"])
        rec.start()
        try:
            ours = "improv-midi-01:client-in1"
            wait_for(lambda: _connected(ctl, ours), timeout=15, what="wiring")
            assert rec._watch.midi_clients == {"improv-midi-01"}
            time.sleep(0.5)
            first.close()
            wait_for(lambda: any("unplugged at" in w for w in rec.warnings), timeout=5,
                     what="the loss")
            again = NumberedSource(rig.server.name, name="kb2", medium="midi", start=10_000,
                                   activate=False)
            rig.players.append(again)
            wait_for(lambda: any("plugged in again at" in w for w in rec.warnings), timeout=5,
                     what="the port re-opened")
            again.activate()
            wait_for(lambda: _connected(ctl, ours), timeout=3, what="the watch's connection")
            time.sleep(0.5)
            assert [p.name for p in ctl.get_all_connections("improv-midi:client-in1")] == []
        finally:
            manifest = rec.stop()
    finally:
        other.close_port()
        del other
    raw = store.session(manifest["id"]).midi_events().raw
    numbers = np.array([number_of(bytes(r)) for r in raw])
    assert np.sum(numbers >= 10_000) > 50  # the returning source is recorded
