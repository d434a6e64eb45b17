"""Recording and replay through a real PulseAudio server (PortAudio's ALSA ``pulse`` device,
the path of a Linux desktop): replay comes out sample for sample, and an audio device that
goes away mid-session and comes back (the server is killed, as when a USB interface is pulled
out, and started again on the same socket) is recorded on both sides of the gap."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from sessions.store import Store
from tests.improv.conftest import REPO
from tests.rig.jackrig import find_clicks, wait_for
from tests.rig.pulserig import SINK, pulse_for_test, pulseaudio_path

SR = 48000
pytestmark = [
    pytest.mark.pulse,
    pytest.mark.skipif(pulseaudio_path() is None,
                       reason="pulseaudio not installed (apt-get install pulseaudio)"),
]


@pytest.fixture
def pulse(tmp_path, monkeypatch):
    yield from pulse_for_test(tmp_path / "pulse", monkeypatch, rate=SR)


def _tone(path, *, seconds: float, amplitude: float = 0.25) -> None:
    t = np.arange(int(seconds * SR)) / SR
    x = (amplitude * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    sf.write(path, np.stack([x, x], axis=1), SR, subtype="FLOAT")


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def _lose_and_get_back(pulse, tmp_path, *, stale_index: bool = False):
    """Record a tone, kill the server for a while, start it again; returns what the test
    needs. With ``stale_index`` the device is given an index PortAudio does not have while it
    is away, as when a USB interface comes back under a new number."""
    import dataclasses

    from improv.capture.audio import REOPEN_INTERVAL_S
    from improv.capture.recorder import REINIT_AFTER_FAILURES, Recorder
    from improv.capture.setups import parse_player_spec

    wav = tmp_path / "tone.wav"
    _tone(wav, seconds=40.0)
    player = pulse.play(wav)
    store = Store(tmp_path / "store")
    rec = Recorder(store=store, client="C07", inputs=[parse_player_spec("client=audio:pulse:1")],
                   audio_api="ALSA")
    rec.start()
    try:
        (cap,) = rec.audio
        wait_for(lambda: cap.frames > 2 * SR, timeout=20, what="2 s of audio")
        t_kill = rec.clock.now()
        pulse.kill()
        player.wait(10)
        wait_for(lambda: cap.stalled, timeout=5, what="the loss to be noticed")
        away = rec.status()  # what the display shows while the server is gone
        if stale_index:
            cap.device = dataclasses.replace(cap.device, index=cap.device.index + 100)
        time.sleep(1.5)  # away for a while: one reopen fails on the way
        pulse.start()
        t_back = rec.clock.now()
        player = pulse.play(wav)
        wait = REOPEN_INTERVAL_S * (REINIT_AFTER_FAILURES + 2 if stale_index else 1) + 15
        wait_for(lambda: not cap.stalled, timeout=wait, what="the device to be opened again")
        resumed = cap.frames
        wait_for(lambda: cap.frames > resumed + 2 * SR, timeout=15, what="2 s more audio")
        warnings = list(rec.warnings)
    finally:
        manifest = rec.stop()
        player.kill()
    return manifest, store, t_kill, t_back, warnings, away


def _check_gap(manifest, store, t_kill, t_back, *, longest: float):
    """One gap, of exact zeros, from the loss to after the return; the tone before and after."""
    (a,) = manifest["audio"]
    sr = a["sr"]  # the device's own rate (PortAudio's pulse device: 44.1 kHz)
    # the only gap is the absence: no false gaps from PulseAudio's wobbling block delivery
    (gap,) = a["gaps"]
    assert gap["detected_by"] == "reopen"
    gap_end = gap["t"] + gap["frames"] / sr
    assert t_kill - 0.5 < gap["t"] < t_kill + 0.2
    assert t_back < gap_end < t_back + longest
    # the sample index stayed on the session clock across the gap
    assert a["clock_residual_ms_max"] < 30.0
    assert abs(a["t0"] + a["frames"] / sr - manifest["duration_s"]) < 0.5
    s = store.session(manifest["id"])
    y = s.read_audio(a["name"])[:, 0]
    # the absence is silence: one run of exact zeros as long as the gap, where it belongs
    z = np.flatnonzero(np.diff(np.concatenate([[0], (y == 0).astype(np.int8), [0]])))
    starts, ends = z[::2], z[1::2]
    k = int(np.argmax(ends - starts))
    g0, g1 = int(starts[k]), int(ends[k])
    assert g1 - g0 == gap["frames"]
    assert abs(a["t0"] + g0 / sr - gap["t"]) < 0.05
    assert _rms(y[g0 - sr // 2 - sr // 4: g0 - sr // 4]) > 0.1  # the tone before it...
    assert _rms(y[-sr - sr // 4: -sr // 4]) > 0.1  # ...and after the device came back
    assert [g["why"] for g in s.not_recorded()] == ["device lost, filled with silence"]


def test_audio_device_that_goes_away_is_opened_again(pulse, tmp_path):
    from improv.capture.audio import REOPEN_INTERVAL_S

    manifest, store, t_kill, t_back, warnings, away = _lose_and_get_back(pulse, tmp_path)
    ev = manifest["events"]
    lost = [e for e in ev if e["kind"] == "device_lost"]
    back = [e for e in ev if e["kind"] == "device_back"]
    assert len(lost) == 1 and lost[0]["input"] == "audio" and lost[0]["reason"] == "stream stopped"
    assert len(back) == 1 and back[0]["reopened"] is True
    # the server stopped, not a device unplugged: nothing to plug in (review rev-pulse, 1)
    assert lost[0]["sound_system"] == back[0]["sound_system"] == "PulseAudio"
    assert any("the computer's sound system (PulseAudio) stopped at" in w and w.endswith(
        "start it again (or log out and in); the recording goes on and picks it up")
        for w in warnings), warnings
    assert any("the computer's sound system (PulseAudio) runs again at" in w
               for w in warnings), warnings
    assert not any("plug" in w for w in warnings), warnings
    # while it is gone: no level (the last one stood before, finding 2), and the line says why
    (i,) = away["players"]["client"]["inputs"]
    assert i["connected"] is False and i["peak_dbfs"] is None
    assert i["sound_system"] == "PulseAudio"
    assert "the computer's sound system (PulseAudio) stopped" in away["health"]["line"]
    # afterwards: not a "short dropout" but a stretch not recorded, with its times (finding 3)
    from improv.capture.live_status import summarize
    from improv.cli.record import audio_summary

    said = audio_summary(summarize(manifest)["audio"][0])
    assert "short dropout" not in said and "not recorded for" in said, said
    assert said.endswith("the computer's sound system (PulseAudio) had stopped"), said
    (status,) = [e for e in ev if e["kind"] == "audio_status"]
    assert status["reopens"] == 1
    assert not [e for e in ev if e["kind"] == "audio_reinit"]  # found under its old index
    _check_gap(manifest, store, t_kill, t_back, longest=REOPEN_INTERVAL_S + 10)


@pytest.mark.slow
def test_a_device_back_under_a_new_index_is_found_by_name(pulse, tmp_path):
    from improv.capture.audio import REOPEN_INTERVAL_S
    from improv.capture.recorder import REINIT_AFTER_FAILURES

    manifest, store, t_kill, t_back, _, _ = _lose_and_get_back(pulse, tmp_path,
                                                              stale_index=True)
    ev = manifest["events"]
    assert len([e for e in ev if e["kind"] == "audio_reinit"]) == 1
    (back,) = [e for e in ev if e["kind"] == "device_back"]
    assert back["reopened"] is True
    _check_gap(manifest, store, t_kill, t_back,
               longest=REOPEN_INTERVAL_S * (REINIT_AFTER_FAILURES + 2) + 10)


def _recording_streams(pulse) -> int:
    """Record streams (source outputs) the server has: parec's, once it is connected."""
    r = subprocess.run(["pactl", "list", "short", "source-outputs"], env=pulse.env,
                       capture_output=True, text=True)
    return len(r.stdout.splitlines()) if r.returncode == 0 else 0


def _monitor_frames(raw) -> np.ndarray:
    y = np.fromfile(raw, dtype="<f4")
    return y[: len(y) // 2 * 2].reshape(-1, 2)


def test_replay_through_pulseaudio_is_sample_exact(pulse, store, replay_session, tmp_path):
    sid, times = replay_session
    want = times[(times >= 1.2) & (times < 5.0)]
    raw = tmp_path / "monitor.f32"
    with open(raw, "wb") as out:  # what the sink plays, as PulseAudio hands it on
        rec = subprocess.Popen(["parec", "-d", f"{SINK}.monitor", "--format=float32le",
                                f"--rate={SR}", "--channels=2", "--raw"], env=pulse.env,
                               stdout=out, stderr=subprocess.DEVNULL)
        try:
            # parec is recording once its stream is on the server (its bytes come in 2 s
            # fragments, so the file says nothing yet)
            wait_for(lambda: _recording_streams(pulse) > 0, timeout=30, interval=0.05,
                     what="parec's record stream")
            r = subprocess.run([sys.executable, "-m", "improv", "--store", str(store.root),
                                "replay", sid, "--from", "1.2", "--to", "5.0",
                                "--audio-api", "ALSA", "--audio-out", "pulse", "--lead-in", "1.0"],
                               capture_output=True, text=True, cwd=REPO, timeout=60,
                               env=pulse.env)
            assert r.returncode == 0, r.stderr
            # what was played has reached parec's file (not: half a second has passed)
            try:
                wait_for(lambda: len(find_clicks(_monitor_frames(raw)[:, 0])) >= len(want),
                         timeout=30, interval=0.1, what="every click in parec's recording")
            except TimeoutError:
                pass  # the count is checked below, with the numbers
        finally:
            rec.terminate()
            rec.wait(10)
    assert "half way" in r.stdout  # the annotation passed the play head
    y = _monitor_frames(raw)
    clicks = find_clicks(y[:, 0])
    assert len(clicks) == len(want)
    np.testing.assert_allclose(np.diff(clicks), np.diff(want) * SR, atol=1)  # no frame lost
    assert np.array_equal(y[:, 0] > 0.4, y[:, 1] > 0.4)  # the mono input to both channels
