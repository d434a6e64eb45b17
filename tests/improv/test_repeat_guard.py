"""Repeats at a device loss (issue 21, item 12), driven directly: JACK delivers a stalled
source's last cycle again before its port goes. The callbacks get synthetic messages and
blocks and write into a real session through the real writer; the same code runs against a
real JACK server in test_device_loss_jack.py."""

from __future__ import annotations

import numpy as np
import pytest

from improv.capture.midi import MidiCapture
from tests.improv.fake_jack_audio import jack_audio_capture
from tests.improv.test_capture_logic import KB, SR, _timeinfo

PERIOD_S = 1024 / SR
CYCLE = [[0xB0, 1, k] for k in range(3)]  # three messages in one JACK cycle


def _midi(store, fake_clock, *, api="jack"):
    w = store.create_session(client="C07", players=["client"])
    cap = MidiCapture(writer=w, clock=fake_clock, inputs=[KB], api=api)
    st = cap.ports[0]
    w.add_midi_input(st.port_name, player="client")
    return w, cap, st


def _cycle(cap, st, clock, messages, *, at):
    """One JACK cycle's messages as rtmidi's JACK backend passes them (deltas: the time since
    the previous cycle for the first, microseconds for the others)."""
    first = clock.t == 0.0
    delta = 0.0 if first else at - clock.t
    clock.t = at
    for i, m in enumerate(messages):
        cap._on_message((list(m), delta if i == 0 else 2e-6), st)


def _stored(store, w):
    m = w.finalize()
    ev = store.session(m["id"]).midi_events()
    return [list(r) for r in ev.raw], m


def _dropped(m):
    return [e for e in m["events"] if e["kind"] == "duplicate_dropped"]


def test_midi_cycle_repeated_before_the_port_goes_is_dropped_and_journaled(store, fake_clock):
    w, cap, st = _midi(store, fake_clock)
    _cycle(cap, st, fake_clock, [[0x90, 60, 100]], at=1.0)
    _cycle(cap, st, fake_clock, CYCLE, at=1.0 + PERIOD_S)
    for k in range(2, 4):  # the source stalled: JACK delivers its last cycle twice more
        _cycle(cap, st, fake_clock, CYCLE, at=1.0 + k * PERIOD_S)
    fake_clock.t = 1.2
    cap._lose(st, 1.2)  # the port is gone (the recorder's poll)
    cap.stop()
    raw, m = _stored(store, w)
    assert raw == [[0x90, 60, 100], *CYCLE]  # each message once
    (ev,) = _dropped(m)
    assert ev["messages"] == 6 and ev["port"] == "kb:out" and ev["player"] == "client"
    assert ev["t"] == pytest.approx(1.0 + 2 * PERIOD_S) and ev["lost_at"] == 1.2
    assert m["midi"]["counters"]["midi_duplicates_dropped"] == 6


def test_midi_repeats_that_go_on_are_played_not_dropped(store, fake_clock):
    """MIDI clock: the same message every cycle; a chord played twice; a source that stays."""
    w, cap, st = _midi(store, fake_clock)
    for k in range(10):
        _cycle(cap, st, fake_clock, [[0xF8]], at=1.0 + k * PERIOD_S)
    _cycle(cap, st, fake_clock, CYCLE, at=1.5)
    _cycle(cap, st, fake_clock, CYCLE, at=1.5 + PERIOD_S)  # held ...
    cap.release_stale(1.5 + PERIOD_S + 0.31)  # ... and let go: the port stayed
    _cycle(cap, st, fake_clock, CYCLE, at=3.0)  # seconds later: not a re-delivery
    cap._lose(st, 3.01)
    cap.stop()
    raw, m = _stored(store, w)
    assert raw == [[0xF8]] * 10 + CYCLE * 3 and not _dropped(m)
    assert m["midi"]["counters"]["midi_duplicates_dropped"] == 0


def test_midi_partial_repeat_at_a_loss_is_kept(store, fake_clock):
    w, cap, st = _midi(store, fake_clock)
    _cycle(cap, st, fake_clock, CYCLE, at=1.0)
    _cycle(cap, st, fake_clock, CYCLE[:2], at=1.0 + PERIOD_S)  # not the whole cycle again
    cap._lose(st, 1.1)
    raw, m = _stored(store, w)
    assert raw == CYCLE + CYCLE[:2] and not _dropped(m)


def test_midi_held_repeat_goes_out_when_the_next_cycle_comes_and_in_order(store, fake_clock):
    w, cap, st = _midi(store, fake_clock)
    _cycle(cap, st, fake_clock, CYCLE, at=1.0)
    _cycle(cap, st, fake_clock, CYCLE, at=1.0 + PERIOD_S)
    assert len(st.held) == 3 and st.events == 3
    _cycle(cap, st, fake_clock, [[0x80, 60, 0]], at=1.0 + 2 * PERIOD_S)
    assert st.held == [] and st.events == 7
    cap.stop()
    raw, m = _stored(store, w)
    assert raw == CYCLE + CYCLE + [[0x80, 60, 0]]
    ev = store.session(m["id"]).midi_events()
    assert np.all(np.diff(ev.t) >= 0)  # stamps kept their order


def test_midi_guard_only_under_jack(store, fake_clock):
    w, cap, st = _midi(store, fake_clock, api="alsa")
    _cycle(cap, st, fake_clock, CYCLE, at=1.0)
    _cycle(cap, st, fake_clock, CYCLE, at=1.0 + PERIOD_S)
    assert st.held == []
    cap._lose(st, 1.1)
    raw, m = _stored(store, w)
    assert raw == CYCLE * 2 and not _dropped(m)


# -- audio ----------------------------------------------------------------------------------


def _play(cap, clock, blocks, n=1024):
    for b, block in enumerate(blocks):
        adc = b * n / SR
        clock.t = adc + 0.001
        cap._callback(block[:, None], n, _timeinfo(adc), None)


@pytest.mark.parametrize("copies", [1, 2])
def test_audio_block_repeated_before_silence_is_written_as_silence(store, fake_clock, copies):
    w, cap = jack_audio_capture(store=store, clock=fake_clock)
    n = 1024
    ramp = (np.arange(1, 10 * n + 1) * 2.0 ** -23).astype(np.float32)
    blocks = [ramp[b * n:(b + 1) * n] for b in range(10)]
    stale = blocks[-1]
    silence = np.zeros(n, np.float32)
    _play(cap, fake_clock, blocks + [stale] * copies + [silence] * 6)
    cap.stop()
    m = w.finalize()
    y = store.session(m["id"]).read_audio("system")[:, 0]
    assert len(y) == (16 + copies) * n  # the clock is kept: the copies' places are silence
    np.testing.assert_array_equal(y[:10 * n], ramp)
    assert not y[10 * n:].any()
    ev = _dropped(m)
    assert [e["frames"] for e in ev] == [n] * copies and ev[0]["name"] == "system"
    # the capture time of the first copy: its callback's time less the stream's latency
    assert ev[0]["t"] == pytest.approx(10 * n / SR + 0.001 - n / SR, abs=1e-6)
    (status,) = [e for e in m["events"] if e["kind"] == "audio_status"]
    assert status["duplicates"] == copies


def test_audio_repeats_that_are_not_followed_by_silence_are_kept(store, fake_clock):
    """A wave that repeats every block (46.875 Hz at 1024 frames) and then changes; repeated
    exact silence; the wave once more between silences."""
    w, cap = jack_audio_capture(store=store, clock=fake_clock)
    n = 1024
    wave = np.sin(2 * np.pi * np.arange(n) / n).astype(np.float32)
    other = (wave * 0.5).astype(np.float32)
    silence = np.zeros(n, np.float32)
    blocks = [wave] * 6 + [other] + [silence] * 4 + [wave] + [silence] * 5
    _play(cap, fake_clock, blocks)
    cap.stop()
    m = w.finalize()
    y = store.session(m["id"]).read_audio("system")[:, 0]
    np.testing.assert_array_equal(y, np.concatenate(blocks))
    assert not _dropped(m)
