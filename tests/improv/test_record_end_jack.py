"""A recording's end agrees with what it recorded (real JACK dummy server, real files).

Measured before the change (session 36, period 1024 frames = 21.3 ms): with a MIDI player
still playing at the stop, the session's end (``duration_s``) lay 0.085 s past the end of its
audio file on the clock (the audio stream stopped first, MIDI came in until its ports closed);
without MIDI it lay 0.03-0.04 s before the file's end (the stream stopped that long after the
stop was asked). Now MIDI's intake closes before the audio stops and the end is the latest of
the stop, the audio's end and the last message.
"""

from __future__ import annotations

import signal

import pytest
import soundfile as sf

from sessions.store import Store
from tests.improv.conftest import finish
from tests.rig.jackrig import tone, wait_for, wire_audio

pytestmark = pytest.mark.jack

SR = 48000
PERIOD_S = 1024 / SR  # the jack_rig fixture's period
#: how far the stated end may lie before the file's end [seconds]: the recorder takes the
#: audio's end from its last clock anchor, the manifest's t0 is fitted to all of them
FIT_S = 0.005


@pytest.mark.parametrize("stop, midi", [("duration", True), ("sigterm", True),
                                        ("duration", False)])
def test_session_ends_where_its_recording_ends(jack_rig, tmp_path, stop, midi):
    """Played through the stop: the end is within one period after the audio file's end, and
    no MIDI message lies past it; what was recorded is what was played up to then."""
    rig = jack_rig
    mic = rig.audio_player(name="mic", signals=[tone(sr=SR, freq_hz=441.0, duration_s=8.0)])
    kb = rig.midi_player(name="kb1", events=[(0.01 * i, bytes([0x90, 60 + i % 24, 64]))
                                             for i in range(800)])  # every 10 ms for 8 s
    ctl = rig.client()
    args = ["--client", "C07", "--player", "therapist=audio:system:1"]
    if midi:
        args += ["--player", "client=midi:kb1"]
    if stop == "duration":
        args += ["--duration", "2"]
    store = tmp_path / "store"
    proc = rig.recorder(store, *args, log=tmp_path / "rec.log")
    wire_audio(ctl, mic.port_names)
    if midi:
        wait_for(kb.is_connected, timeout=15, what="MIDI wiring")
    f0 = mic.start(delay_s=0.05)
    kb.start_frame = f0
    if stop == "sigterm":
        wait_for(lambda: ctl.frame_time > f0 + 2 * SR, timeout=10, what="2 s of playing")
        proc.send_signal(signal.SIGTERM)
    res = finish(proc)
    assert not (mic.done.is_set() or kb.done.is_set())  # both still played at the stop
    s = Store(store).session(res["id"])
    m = s.manifest
    end = m["duration_s"]
    (a,) = m["audio"]
    info = sf.info(str(s.folder / a["file"]))
    audio_end = a["t0"] + info.frames / info.samplerate
    assert -FIT_S <= end - audio_end <= PERIOD_S, (end, audio_end)
    stop_ev = next(e for e in m["events"] if e["kind"] == "stop")
    assert stop_ev["t"] == end
    if stop == "duration":
        assert end >= 2.0
    if midi:
        ev = s.midi_events()
        assert len(ev.t) > 100 and ev.t[-1] <= end + 1e-6  # midi.tsv keeps microseconds
        # nothing lost up to the stop: the messages played first, in order
        assert [bytes(r) for r in ev.raw] == kb.sent[:len(ev.raw)]
