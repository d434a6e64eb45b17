"""Stamping and gap arithmetic of the capture callbacks, driven directly.

The callbacks get synthetic inputs (times, blocks) and write into a real
session through the real writer; the same code runs against JACK in
test_record_jack.py.  Deterministic: a FakeClock gives every time.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from improv.capture.devices import MidiPort
from improv.capture.midi import MidiCapture
from improv.capture.setups import PlayerInput
from tests.improv.fake_jack_audio import jack_audio_capture

SR = 48000
KB = (PlayerInput("client", "midi", "kb"), MidiPort(0, "kb:out", "input", "jack"))


def test_midi_stamps_follow_the_backend_not_late_callbacks(store, fake_clock):
    w = store.create_session(client="C07", players=["client"])
    cap = MidiCapture(writer=w, clock=fake_clock, inputs=[KB])
    st = cap.ports[0]
    w.add_midi_input(st.port_name, player="client")
    # backend sends every 10 ms; callbacks are late by 0, 3, 0, 7, 0 ms (GIL, load)
    late = [0.0, 0.003, 0.0, 0.007, 0.0, 0.0]
    fake_clock.advance(1.0)
    arrivals = []
    for i, d in enumerate(late):
        fake_clock.t = 1.0 + 0.010 * i + d
        arrivals.append(fake_clock.t)
        cap._on_message(([0x90, 60 + i, 100], 0.0 if i == 0 else 0.010), st)
    m = w.finalize()
    ev = store.session(m["id"]).midi_events()
    assert ev.t[0] == pytest.approx(1.0)  # the first message is anchored on arrival
    # within the 500 ppm drift allowance (5 us per 10 ms), not 3 or 7 ms late
    np.testing.assert_allclose(ev.t, 1.0 + 0.010 * np.arange(6), atol=2e-5)
    assert np.all(ev.t <= np.array(arrivals) + 1e-9)
    assert np.isnan(ev.delta_s[0]) and ev.delta_s[1] == pytest.approx(0.010)


def test_midi_stamp_follows_drift_but_never_runs_ahead_of_arrival(store, fake_clock):
    w = store.create_session(client="C07", players=["client"])
    cap = MidiCapture(writer=w, clock=fake_clock, inputs=[KB])
    st = cap.ports[0]
    # the backend clock runs 300 ppm slow against the session clock for 100 s
    for i in range(1001):
        fake_clock.t = 0.1 * i * (1 + 300e-6)
        cap._on_message(([0xF8], 0.0 if i == 0 else 0.1), st)
    m = w.finalize()
    ev = store.session(m["id"]).midi_events()
    arrival = 0.1 * np.arange(1001) * (1 + 300e-6)
    assert np.all(ev.t <= arrival + 1e-9)
    assert np.max(arrival - ev.t) < 0.0005  # drift is followed (relax 500 ppm > 300 ppm)


def _stamps(store, fake_clock, arrivals, deltas):
    """Stamps of messages taken at ``arrivals`` [s] with the backend's ``deltas`` [s]."""
    w = store.create_session(client="C07", players=["client"])
    cap = MidiCapture(writer=w, clock=fake_clock, inputs=[KB])
    st = cap.ports[0]
    w.add_midi_input(st.port_name, player="client")
    for i, (a, d) in enumerate(zip(arrivals, deltas, strict=True)):
        fake_clock.t = a
        cap._on_message(([0xE0, i & 0x7F, i >> 7], d), st)
    m = w.finalize()
    return store.session(m["id"]).midi_events().t


def test_midi_stamps_keep_the_backends_time_when_the_reading_thread_starves(store,
                                                                            fake_clock):
    """A reading thread held up for 60 ms (a starved machine) takes six messages at once;
    they keep the backend's times (before: stamped 20 ms before they were taken, so 25-40 ms
    late), and the next message taken in time is too."""
    sent = 1.0 + 0.010 * np.arange(40)
    arrivals = sent + 0.001
    arrivals[10:16] = sent[15] + 0.061  # six messages waiting, taken 46-96 ms late
    t = _stamps(store, fake_clock, arrivals, np.r_[0.0, np.diff(sent)])
    np.testing.assert_allclose(t, sent + 0.001, atol=1e-4)  # (the 500 ppm drift allowance)
    assert np.all(t <= arrivals + 1e-9)


def test_midi_stamps_follow_a_backend_clock_that_jumps(store, fake_clock):
    """The backend's clock loses 200 ms once (the running sum of its deltas falls behind
    the session clock): the messages after it are taken "late" for good, which no held-up
    thread explains, so after ``jump_confirm_s`` (0.5 s) of that the stamps follow the
    arrivals again, ``max_correction_s`` (20 ms) before them at most; a jump beyond
    ``max_late_s`` is followed at once."""
    sent = 1.0 + 0.050 * np.arange(60)
    deltas = np.r_[0.0, np.diff(sent)]
    deltas[20] -= 0.200  # from message 20 on, the backend's sum is 200 ms behind
    t = _stamps(store, fake_clock, sent + 0.001, deltas)
    err = t - (sent + 0.001)
    np.testing.assert_allclose(err[:20], 0.0, atol=5e-5)
    assert np.all(err <= 1e-9)  # never after the arrival
    # trusted to the backend for half a second of arrivals, then within 20 ms of them
    np.testing.assert_allclose(err[20:30], -0.200, atol=3e-4)  # (+ the 500 ppm drift allowance)
    assert np.all(err[30:] >= -0.020 - 1e-9)
    deltas[20] -= 0.600  # 800 ms: more than max_late_s
    t = _stamps(store, fake_clock, sent + 0.001, deltas)
    assert np.all(np.abs(t[20:] - (sent[20:] + 0.001) + 0.010) <= 0.010 + 1e-9)


def test_midi_stamps_of_a_reading_thread_held_back_for_long_are_as_late_as_before(store,
                                                                                 fake_clock):
    """A drain thread held back by 40 ms for a whole second (the GIL taken by another
    thread): the first half second keeps the backend's times, after that the stamps are 20 ms
    before their arrival, as they always were (never later than that)."""
    sent = 1.0 + 0.020 * np.arange(100)
    arrivals = sent + 0.001
    arrivals[20:70] += 0.040
    t = _stamps(store, fake_clock, arrivals, np.r_[0.0, np.diff(sent)])
    err = t - (sent + 0.001)
    np.testing.assert_allclose(err[20:45], 0.0, atol=3e-4)  # 0.48 s (+ the 500 ppm allowance)
    assert np.all(err <= 0.020 + 5e-4)  # never later than arrival - 20 ms (+ the allowance)
    np.testing.assert_allclose(err[75:], 0.0, atol=1e-4)  # in time again: on the envelope


def _timeinfo(adc, latency=1024 / SR):
    return SimpleNamespace(inputBufferAdcTime=adc, currentTime=adc + latency)


@pytest.mark.parametrize("jitter_frames", [0, 40, 200])
def test_gap_found_from_stream_time_and_padded(store, fake_clock, rng, jitter_frames):
    """Blocks 10-13 never arrive (no flag); wake-up jitter and one very late callback
    must neither hide the gap nor invent one."""
    w, cap = jack_audio_capture(store=store, clock=fake_clock)
    n = 1024
    ramp = np.arange(40 * n, dtype=np.float32) / (40 * n)  # sample k has value k / (40 n)
    for b in range(40):
        if 10 <= b < 14:
            continue
        wake = rng.integers(0, jitter_frames + 1) if jitter_frames else 0
        if b == 14:
            wake = 900  # the first callback after the stall is very late
        adc = b * n / SR + wake / SR
        fake_clock.t = adc + 0.001
        cap._callback(ramp[b * n:(b + 1) * n, None], n, _timeinfo(adc), None)
    cap.stop()
    m = w.finalize()
    a = m["audio"][0]
    assert [g["frames"] for g in a["gaps"]] == [4 * n]
    assert a["gaps"][0]["detected_by"] == "stream_time"
    y = store.session(m["id"]).read_audio("system")[:, 0]
    assert len(y) == 40 * n
    keep = np.r_[0:10 * n, 14 * n:40 * n]
    np.testing.assert_array_equal(y[keep], ramp[keep])  # every sample on its place
    assert not y[10 * n:14 * n].any()                    # the padded silence


def test_no_gap_without_loss_under_jitter(store, fake_clock, rng):
    w, cap = jack_audio_capture(store=store, clock=fake_clock)
    n = 256
    for b in range(400):
        adc = b * n / SR + rng.integers(0, 100) / SR  # up to 2 ms late
        fake_clock.t = adc
        cap._callback(np.zeros((n, 1), np.float32), n, _timeinfo(adc, n / SR), None)
    cap.stop()
    m = w.finalize()
    assert m["audio"][0]["gaps"] == [] and m["audio"][0]["frames"] == 400 * n


def test_anchor_is_the_earliest_wakeup(store, fake_clock):
    w, cap = jack_audio_capture(store=store, clock=fake_clock)
    n = 1024
    wake = [0.004, 0.0005, 0.002, 0.003]  # seconds late
    for b, d in enumerate(wake):
        adc = b * n / SR + d  # PortAudio's JACK stream time moves with the wake-up
        fake_clock.t = 5.0 + b * n / SR + d + n / SR
        cap._callback(np.zeros((n, 1), np.float32), n, _timeinfo(adc, n / SR), None)
    cap.stop()
    m = w.finalize()
    frame, t = m["audio"][0]["anchors"][0]
    assert frame == n and t == pytest.approx(5.0 + n / SR + 0.0005)


@pytest.mark.parametrize("audio_apis, midi_on_jack, stops", [
    (["JACK Audio Connection Kit"], True, True),  # everything was on the server
    (["JACK Audio Connection Kit", "PulseAudio"], True, False),  # PulseAudio goes on
    (["JACK Audio Connection Kit"], False, False),  # ALSA MIDI goes on
    ([], True, True),  # MIDI only, on JACK
])
def test_a_stopped_jack_server_stops_the_recording_only_if_nothing_is_left(
        store, fake_clock, audio_apis, midi_on_jack, stops):
    from improv.capture.recorder import Recorder

    rec = Recorder(store=store, client="C07", inputs=[], clock=fake_clock)
    reported, stopped_ports = [], []
    rec.writer = SimpleNamespace(report=lambda kind, **kw: reported.append((kind, kw)))
    lost_audio = []
    rec.audio = [SimpleNamespace(on_jack=api.startswith("JACK"), name=api,
                                 server_stopped=lambda *, at, api=api: lost_audio.append(api))
                 for api in audio_apis]
    rec.midi = SimpleNamespace(server_stopped=lambda *, at: stopped_ports.append(at),
                               ports=[SimpleNamespace(port_name="kb:out")])
    rec._watch = SimpleNamespace(server_gone_at=2.5,
                                 midi_prefix="improv-midi:" if midi_on_jack else None)
    # the stall check of the JACK input saw it first (review 36), and an unplug before
    rec.warnings[:] = ["kb unplugged at 0:01: plug it in again, the recording goes on and "
                       "picks it up", "JACK Audio Connection Kit stopped at 0:02: nothing more "
                       "is recorded from it"] if audio_apis else []
    fake_clock.t = 2.7
    rec._check_jack_server()
    rec._check_jack_server()  # said once
    assert reported == [("jack_server_lost", {"t": 2.5})]
    assert stopped_ports == ([2.5] if midi_on_jack else [])
    assert lost_audio == [a for a in audio_apis if a.startswith("JACK")]  # marked lost at once
    assert rec.stop_reason == ("jack_server_lost" if stops else None)
    # why it stopped, first, as a sentence, with the way to record again; the JACK input's
    # own line is said by it; never "the other inputs go on" when none did
    assert not any("JACK Audio Connection Kit stopped at" in w for w in rec.warnings)
    assert not any("the other inputs go on" in w for w in rec.warnings) if stops else True
    again = ("start JACK, then close improv and start it again" if audio_apis
             else "start JACK")
    if stops:
        assert rec.warnings[0] == (
            "The recording stopped at 0:02 because the audio system (JACK) stopped, and every "
            f"input was on it. What was recorded until then is kept. To record again, {again}.")
    else:
        which = "JACK Audio Connection Kit" + (" and kb" if midi_on_jack else "")
        assert rec.warnings[-1] == (
            f"The audio system (JACK) stopped at 0:02: nothing more is recorded from {which} "
            "(what came before is kept); the other inputs go on recording.")


def test_audio_lost_with_its_jack_server_at_once(store, fake_clock, monkeypatch):
    """The server goes 0.3 s after the last callback: lost from that callback, before the 1 s
    stall check would see it (a recording whose every input was on that server stops first),
    and never reported back while the stream object still says it is active."""
    w, cap = jack_audio_capture(store=store, clock=fake_clock)
    events = []
    report = w.report
    monkeypatch.setattr(w, "report", lambda kind, **kw: (events.append((kind, kw)),
                                                         report(kind, **kw)))
    calls = []
    cap.stream = stream = SimpleNamespace(active=True, **{
        f: (lambda f=f: calls.append(f)) for f in ("stop", "abort", "close")})
    n = 1024
    for b in range(20):
        fake_clock.t = b * n / SR + 0.001
        cap._callback(np.zeros((n, 1), np.float32), n, _timeinfo(b * n / SR), None)
    last = cap.last_callback_t
    cap.tick(last + 0.3)
    assert not cap.stalled  # the stall check alone does not see it yet
    cap.server_stopped(at=last + 0.3)
    lost = [kw for kind, kw in events if kind == "device_lost"]
    assert lost == [{"t": last, "input": "audio", "device": "system", "name": "system",
                     "reason": "stream stopped"}]
    assert cap.stalled and cap.lost_at == last
    for dt in (0.5, 0.9, 3.0):  # no "back" before the stall check, no second loss after it
        cap.tick(last + dt)
        assert cap.stalled
    assert [k for k, _ in events if k in ("device_lost", "device_back")] == ["device_lost"]
    # PortAudio's JACK host API may abort the process when it closes a stream whose server
    # is gone: the stream is left open, and PortAudio is not terminated at exit
    import atexit

    import sounddevice as sd

    from improv.capture import devices

    monkeypatch.setattr(devices, "ABANDONED_STREAMS", [])
    monkeypatch.setattr("improv.capture.audio.ABANDONED_STREAMS", devices.ABANDONED_STREAMS)
    try:
        cap.stop()
        assert calls == [] and devices.ABANDONED_STREAMS == [stream] and cap.stream is None
    finally:
        atexit.register(sd._exit_handler)  # this test process still terminates PortAudio


def test_xruns_are_journaled_and_warned_once_and_not_after_the_stop(store, fake_clock):
    """JACK's xruns reach the journal at each poll as one event; the first of the session is a
    live warning; those after the stop (the recorder's own clients leaving the graph) are not
    a loss and are left out."""
    from improv.capture.recorder import Recorder

    rec = Recorder(store=store, client="C07", inputs=[], clock=fake_clock)
    reported = []
    rec.writer = SimpleNamespace(report=lambda kind, **kw: reported.append((kind, kw)))
    pending = [[1.0, 1.25], [], [3.0, 5.5]]
    rec._watch = SimpleNamespace(period_s=1024 / 48000, take_xruns=lambda: pending.pop(0))
    rec._note_xruns()
    rec._note_xruns()  # none since: nothing journaled
    rec._note_xruns(until=5.0)
    assert reported == [
        ("jack_xruns", {"t": 1.0, "end": 1.25, "n": 2, "period_s": 1024 / 48000}),
        ("jack_xruns", {"t": 3.0, "end": 3.0, "n": 1, "period_s": 1024 / 48000})]
    assert [w for w in rec.warnings if "fell behind" in w] == [
        "the audio system (JACK) fell behind at 0:01: MIDI and audio of that moment (up to "
        "21 ms) may be missing"]
    assert rec._xruns == [1.0, 1.25, 3.0]


def test_midi_taken_in_while_the_ports_close_is_inside_the_session(store, fake_clock):
    """Ctrl-C or SIGTERM at 3.0 s: notes still taken from the ports until they are closed
    (stamped up to about 0.1 s later) are stored, and the session ends at the last of them, not
    before it (review 31, L1: its end was the stop request, 3.563 s against a last note at
    3.664 s). With nothing after the stop the end is the stop."""
    from improv.capture.recorder import Recorder

    def recording(late):
        rec = Recorder(store=store, client="C07", inputs=[], clock=fake_clock)
        rec.writer = w = store.create_session(client="C07", players=["client"])
        rec.midi = cap = MidiCapture(writer=w, clock=fake_clock, inputs=[KB])
        st = cap.ports[0]
        w.add_midi_input(st.port_name, player="client")
        fake_clock.t = 1.0
        cap._on_message(([0x90, 60, 100], 0.0), st)
        fake_clock.t = 3.0
        rec.request_stop("interrupted")
        for dt in late:  # the drain thread, and the last drain when the port closes
            fake_clock.t = 3.0 + dt
            cap._on_message(([0x80, 60, 0], dt + 2.0 if dt == late[0] else 0.01), st)
        fake_clock.t = 3.2
        m = rec.stop()
        return m, store.session(m["id"]).midi_events()

    m, ev = recording([0.04, 0.05, 0.06])
    assert len(ev) == 4 and ev.t[-1] == pytest.approx(3.06)
    assert m["duration_s"] == pytest.approx(ev.t[-1])
    assert next(e for e in m["events"] if e["kind"] == "stop") == {
        "kind": "stop", "t": m["duration_s"], "reason": "interrupted"}
    m, ev = recording([])
    assert len(ev) == 1 and m["duration_s"] == 3.0


def test_a_stream_that_fails_to_stop_is_closed_all_the_same():
    """A stream whose device vanished may fail to stop; it is closed all the same, within the
    time limit, so that no later Pa_Terminate has to close it (a clean-clone run froze in such
    a close in libpulse). Pure logic: the real device loss is tests/improv/test_pulse.py."""
    from improv.capture.audio import _close_or_abandon

    class Stream:
        def __init__(self):
            self.calls = []

        def stop(self):
            self.calls.append("stop")
            raise RuntimeError("Unanticipated host error")

        def abort(self):
            self.calls.append("abort")
            raise RuntimeError("Unanticipated host error")

        def close(self):
            self.calls.append("close")

    for abort in (False, True):
        s = Stream()
        _close_or_abandon(s, abort=abort, name="mic")
        assert s.calls == ["abort" if abort else "stop", "close"]
