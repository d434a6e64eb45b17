"""Recording through a real JACK server (dummy driver) with real players.

JACK clients in this process play a MIDI schedule with frame-exact timing
and a click train plus a tone into the recorder, which runs as a separate
``improv record`` process (or in-process where a test must reach inside).
The sender's schedule is mapped onto the session clock with
``jack_frames_to_time`` (CLOCK_MONOTONIC_RAW, the session clock's counter)
and the session's ``start_counter_s``.

Tolerances (period P = 1024 frames = 21.3 ms at 48 kHz, see the ``jack_rig``
fixture): the recorder stamps MIDI at the frame it was sent at (its frame-time
client, improv.capture.jack_midi_times); a message that client missed keeps
python-rtmidi's stamp of the process cycle, between one period before the
scheduled frame and a few ms after it. PortAudio reports capture one period
(the capture port latency of ``system:capture``) before the frame was written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from sessions.store import Store
from tests.improv.conftest import REPO, finish
from tests.rig.jackrig import (
    click_train,
    find_clicks,
    midi_file_schedule,
    tone,
    wait_for,
    wire_audio,
    write_test_midi_file,
)
from tests.sessions.helpers import tree_snapshot

SR = 48000
PERIOD_S = 1024 / SR
#: How close a message stamped at its frame is to the time the player mapped that frame to
#: [seconds]. Both map it with jack_frames_to_time, within float rounding in the same cycle; but
#: a client whose cycle ran late (the GIL busy on a loaded machine) maps it with the next
#: cycle's estimate, which the dummy driver had moved by 0.15 ms in a clean-clone run under
#: load. A stamp of rtmidi's cycle is off by its frame's offset in the cycle, mostly far more.
AT_FRAME_S = 0.5e-3

pytestmark = pytest.mark.jack


def _notes(*, start: float, step: float, n: int, status: int = 0x90, base: int = 60):
    return [(start + step * i, bytes([status, base + i % 24, 1 + i % 127])) for i in range(n)]


def _journal_has(store, kind):
    """True if the session being recorded has journaled (and flushed) ``kind``."""
    for j in (store / "sessions").glob("*/journal.jsonl"):
        if f'"kind":"{kind}"' in j.read_text():
            return True
    return False


def _wired_to_rtmidi(player, port_name):
    """True once ``player``'s port is connected to the recorder's rtmidi port ``port_name``
    (``<player>-in<n>``, improv.capture.midi). The frame-time client's port is connected to a
    source first (MidiCapture.start and poll), so ``player.is_connected()`` may be true before
    rtmidi's port is: a message played then is not recorded (under two CPU hogs the first two
    messages of a returned source were lost so, in session 36)."""
    return any(p.name.endswith(f":{port_name}")
               for p in player.client.get_all_connections(player.port))


def _session(store_path, sid):
    return Store(store_path).session(sid)


def _check_midi(session, player, sent_bytes, sent_counter, *, late_s=0.010, at_frame=0.9):
    """Every message, in order, stamped at its frame, or within its JACK cycle.

    The recorder's frame-time client stamps a message at the frame it was sent at: within
    :data:`AT_FRAME_S` of the time the player mapped that frame to. A message whose cycle that
    client missed keeps rtmidi's stamp, which may come up to one period before the send (rtmidi
    stamps the cycle, not the frame) and should be at most ``late_s`` after it: rtmidi's JACK
    backend stamps with ``jack_get_time()`` when the receiving callback runs, so a cycle the
    scheduler wakes late (seen once on a loaded CI machine: 16.6 ms) stamps its messages late by
    that much: one such message in 50 is allowed, never more than a period late. At least
    ``at_frame`` of the session's messages (all players) must be stamped at their frame.
    """
    start = session.manifest["settings"]["clock"]["start_counter_s"]
    ev = session.midi_events(players=[player])
    assert [bytes(r) for r in ev.raw] == list(sent_bytes), f"{player}: messages differ"
    err = ev.t - (np.asarray(sent_counter) - start)
    (stamps,) = [e for e in session.manifest["events"] if e["kind"] == "midi_stamps"]
    assert stamps["at"] == "jack_frame"
    assert stamps["frame"] >= at_frame * (stamps["frame"] + stamps["cycle"]), stamps
    off = np.flatnonzero(np.abs(err) > AT_FRAME_S)
    assert off.size <= stamps["cycle"], f"{player}: {off.size} stamps off their frame: {err[off]}"
    assert err.min() > -PERIOD_S - 0.001, f"{player}: stamp before its cycle: {err.min():.4f} s"
    late = np.flatnonzero(err > late_s)
    assert late.size <= max(1, err.size // 50), f"{player}: {late.size} stamps late: {err[late]}"
    assert err.max() < PERIOD_S + late_s, f"{player}: stamp late by {err.max():.4f} s"
    return err


def _tone_residual(y, *, freq_hz, amplitude, sr=SR):
    """Largest deviation of ``y`` from one continuous sine (phase fitted)."""
    nz = np.flatnonzero(np.abs(y) > 1e-6)
    a, b = nz[0], nz[-1] + 1
    seg = y[a:b].astype(np.float64)
    n = np.arange(a, b)
    w = 2 * np.pi * freq_hz * n / sr
    basis = np.stack([np.sin(w), np.cos(w)], 1)
    fit = seg != 0.0  # padded silence is exactly 0; fit the phase on the tone itself
    coef, *_ = np.linalg.lstsq(basis[fit], seg[fit], rcond=None)
    assert abs(np.hypot(*coef) - amplitude) < 0.01
    return np.abs(seg - basis @ coef), a


@pytest.mark.slow
def test_two_players_midi_and_audio_on_one_clock(jack_rig, tmp_path):
    """Two MIDI ports + two audio channels: every event, every sample, one timeline."""
    rig = jack_rig
    clicks, onsets = click_train(sr=SR, interval_s=0.25, count=8)
    drum = [(0.25 * k, bytes([0x99, 36, 100])) for k in range(8)]  # same frames as the clicks
    kb1 = rig.midi_player(name="kb1", events=sorted(_notes(start=0.01, step=0.031, n=60) + drum))
    write_test_midi_file(tmp_path / "duet.mid")  # a known MIDI file, played frame-exactly
    kb2 = rig.midi_player(name="kb2", events=midi_file_schedule(tmp_path / "duet.mid"))
    assert len(kb2.events) == 64
    mic = rig.audio_player(name="mic", signals=[clicks, tone(sr=SR, freq_hz=441.0, duration_s=2.0)],
                           marks=onsets)
    ctl = rig.client()
    store = tmp_path / "store"
    proc = rig.recorder(store, "--client", "C07", "--player", "client=midi:kb1",
                        "--player", "therapist=midi:KB2", "--player", "client=audio:system:1",
                        "--player", "therapist=audio:system:2", "--save-setup", "duo",
                        "--duration", "6", log=tmp_path / "rec.log")
    wire_audio(ctl, mic.port_names)
    wait_for(lambda: kb1.is_connected() and kb2.is_connected(), timeout=15, what="MIDI wiring")
    f0 = kb1.start(delay_s=0.3)
    kb2.start_frame = mic.start_frame = f0
    for p in (kb1, kb2, mic):
        p.wait_done(15)
    res = finish(proc)
    assert res["stop_reason"] == "duration" and res["status"] == "complete"
    assert res["midi_counters"] == {"midi_queue_overflows": 0, "midi_backend_errors": 0,
                                    "midi_duplicates_dropped": 0}
    s = _session(store, res["id"])
    assert s.manifest["settings"]["setup"] == "duo"
    # the record keeps the health at the stop, with the sound card's overflows and the samples
    # found missing (both counted in the audio inputs too)
    kept = res["health"]
    assert kept["overflows"] == sum(a["overflows"] for a in res["audio"])
    assert kept["lost_frames"] == sum(a["gap_frames"] for a in res["audio"])
    assert kept["healthy"] == (kept["line"] == "healthy")

    # every MIDI message, in order, at its time
    _check_midi(s, "client", kb1.sent, kb1.sent_counter_times())
    _check_midi(s, "therapist", kb2.sent, kb2.sent_counter_times())

    # audio: the signal itself (TESTRIG: not every dropout is flagged)
    (a,) = s.audio_inputs()
    assert a.players == {"client": [1], "therapist": [2]}
    y = s.read_audio(a.name)
    found = find_clicks(y[:, 0])
    assert len(found) == len(onsets)
    assert np.all(np.diff(found) == np.diff(onsets)), "click spacing changed: frames lost"
    resid, _ = _tone_residual(y[:, 1], freq_hz=441.0, amplitude=0.5)
    assert resid.max() < 1e-4, "tone not continuous"

    # audio time: t = t0 + n / sr (drift-corrected) against the sender's schedule
    start = s.manifest["settings"]["clock"]["start_counter_s"]
    sent_click = mic.mark_counter - start
    audio_err = a.frame_to_time(found) - sent_click
    assert np.all(np.abs(audio_err + PERIOD_S) < 0.002), audio_err  # capture latency = 1 period

    # alignment: the drum notes were sent at the clicks' frames; MIDI is stamped at the frame
    # and the audio one period early (PortAudio's capture latency, see the module notes)
    ev = s.midi_events(players=["client"])
    drum_t = ev.t[[bytes(r)[0] == 0x99 for r in ev.raw]]
    align = drum_t - a.frame_to_time(found)
    assert np.median(np.abs(align - PERIOD_S)) < 0.001, align
    assert np.all(np.abs(align) < 2 * PERIOD_S + 0.004), align

    # the setup was saved and is reusable by name
    r = subprocess.run([sys.executable, "-m", "improv", "--store", str(store), "setups", "show",
                        "duo"], capture_output=True, text=True, cwd=REPO)
    assert "--player client=midi:kb1" in r.stdout


def test_unknown_and_ambiguous_devices_list_candidates(jack_rig, run_cli):
    rig = jack_rig
    rig.midi_player(name="kb1", events=[])
    rig.midi_player(name="kb2", events=[])
    base = ["record", "--client", "C07", "--jack-server", rig.server.name, "--midi-api", "jack",
            "--audio-api", "JACK", "--no-display", "--duration", "1", "--save-setup", "s"]
    store = Store(os.environ["IMPROV_STORE"])
    store.close()
    before = tree_snapshot(store.root)

    def refused(*args):
        r = run_cli(*base, *args)
        assert r.exit_code == 1 and r.stderr.startswith("error: "), r.stderr
        assert r.stderr.count("\n") == 1, r.stderr  # one line, no "saved setup"
        return r

    r = refused("--player", "client=midi:kb")
    assert ("error: player 'client': MIDI input port name 'kb' matches 2: [0] kb1:out; "
            "[1] kb2:out" in r.stderr)
    r = refused("--player", "client=midi:Roland")
    assert ("no MIDI input port found for player 'client' matching 'Roland'; the MIDI input "
            "ports there are: [0] kb1:out; [1] kb2:out" in r.stderr)
    r = refused("--player", "client=audio:Scarlett:1")
    assert "no audio input device matches 'Scarlett'" in r.stderr
    assert "system (JACK Audio Connection Kit, 2 in)" in r.stderr
    r = refused("--player", "client=audio:system:3")
    assert "has 2 input channels, channel 3 asked for" in r.stderr
    # nothing half-recorded, no setup saved: the store exactly as before
    assert tree_snapshot(store.root) == before

    # the same command with a unique name records (human output, in this process)
    r = run_cli(*base, "--player", "client=midi:kb1", "--player", "therapist=midi:1")
    assert r.exit_code == 0, r.stderr
    assert "complete" in r.stdout and "stopped after" in r.stderr  # its set length: no reason given
    assert "C07" not in r.stdout + r.stderr  # the client code is not echoed
    assert "saved setup 's'" in r.stderr  # once the devices were found
    assert run_cli("setups", "list", "--json").json()["s"]["players"] == [
        "client=midi:kb1", "therapist=midi:1"]

    r = run_cli("devices", "--json", "--jack-server", rig.server.name, "--midi-api", "jack")
    assert r.exit_code == 0
    d = r.json()
    assert {p["name"] for p in d["midi"] if p["direction"] == "input"} == {"kb1:out", "kb2:out"}
    assert any(a["name"] == "system" and a["hostapi"].startswith("JACK") for a in d["audio"])


def test_no_midi_system_is_a_clear_error(run_cli, monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "improv-no-such-server")
    r = run_cli("record", "--client", "C07", "--midi-api", "jack", "--player", "client=midi:kb")
    assert r.exit_code == 1
    assert r.stderr.startswith("error: no MIDI system available: start the JACK server (jackd)")
    assert "(details: jack: MidiInJack::initialize: JACK server not running?)" in r.stderr


@pytest.mark.slow
def test_midi_port_lost_and_back(jack_rig, tmp_path):
    """The client of an instrument goes away and returns: a gap, then recording resumes."""
    rig = jack_rig
    first = _notes(start=0.0, step=0.02, n=25)
    kb1 = rig.midi_player(name="kb1", events=first)
    kb2 = rig.midi_player(name="kb2", events=_notes(start=0.0, step=0.05, n=60, status=0x91))
    store = tmp_path / "store"
    proc = rig.recorder(store, "--client", "C07", "--player", "client=midi:kb1",
                        "--player", "therapist=midi:kb2", "--duration", "6",
                        log=tmp_path / "rec.log")
    wait_for(lambda: _wired_to_rtmidi(kb1, "client-in1") and _wired_to_rtmidi(kb2, "therapist-in2"),
             timeout=15, what="MIDI wiring")
    f0 = kb1.start(delay_s=0.1)
    kb2.start_frame = f0
    kb1.wait_done(10)
    sent1 = kb1.sent_counter_times()
    rig.players.remove(kb1)
    kb1.close()  # the instrument's JACK client goes away
    # ... and comes back under the same port name once the recorder noticed
    log = tmp_path / "rec.log"
    wait_for(lambda: _journal_has(store, "device_lost"), timeout=10, what="device_lost")
    again = rig.midi_player(name="kb1", events=_notes(start=0.0, step=0.02, n=25, base=30))
    assert again.port_name == "kb1:out"
    wait_for(lambda: _wired_to_rtmidi(again, "client-in1"), timeout=10,
             what="the recorder to pick kb1 up again")
    again.start(delay_s=0.05)
    again.wait_done(10)
    kb2.wait_done(10)
    res = finish(proc)
    s = _session(store, res["id"])
    kinds = [(e["kind"], e.get("port")) for e in s.manifest["events"]]
    assert kinds.count(("device_lost", "kb1:out")) == kinds.count(("device_back", "kb1:out")) == 1
    assert sum(k == "midi_gap" for k, _ in kinds) == 1  # the capture's, not also the JACK watch's
    gap = next(e for e in s.manifest["events"] if e["kind"] == "midi_gap")
    start = s.manifest["settings"]["clock"]["start_counter_s"]
    assert gap["t"] >= sent1[-1] - start and gap["end"] > gap["t"]
    ev = s.midi_events(players=["client"])
    assert [bytes(r) for r in ev.raw] == kb1.sent + again.sent  # nothing lost either side
    # the returned source was connected to the frame-time port too: stamped at its frames
    back_err = ev.t[len(kb1.sent):] - (again.sent_counter_times() - start)
    # (a message passed by on a loaded machine no longer keeps the next ones from their
    # frames: JackMidiTimes.take; 35 of 110 kept their cycles' stamps under two CPU hogs before)
    assert np.sum(np.abs(back_err) > AT_FRAME_S) <= 1, back_err
    assert -PERIOD_S - 0.001 < back_err.min() and back_err.max() < PERIOD_S + 0.010, back_err
    _check_midi(s, "therapist", kb2.sent, kb2.sent_counter_times())  # the other port went on
    assert "kb1:out" in str(res["device_events"])
    assert log.exists()


@pytest.mark.slow
def test_unflagged_dropout_is_found_and_padded(jack_rig, tmp_path):
    """The recorder stalls (SIGSTOP) for 0.2 s: no flag, but the gap is found from stream
    time, padded with silence, and later samples stay on the clock."""
    rig = jack_rig
    clicks, onsets = click_train(sr=SR, interval_s=0.1, count=30)
    mic = rig.audio_player(name="mic", signals=[clicks, tone(sr=SR, freq_hz=441.0, duration_s=3.0)])
    ctl = rig.client()
    store = tmp_path / "store"
    proc = rig.recorder(store, "--client", "C07", "--player", "client=audio:system:1",
                        "--player", "therapist=audio:system:2", "--duration", "5",
                        log=tmp_path / "rec.log")
    wire_audio(ctl, mic.port_names)
    f0 = mic.start(delay_s=0.2)
    wait_for(lambda: ctl.frame_time > f0 + SR, timeout=10, what="1 s of playing")
    os.kill(proc.pid, signal.SIGSTOP)
    stop_frame = ctl.frame_time
    wait_for(lambda: ctl.frame_time > stop_frame + int(0.2 * SR), timeout=5, what="0.2 s")
    os.kill(proc.pid, signal.SIGCONT)
    mic.wait_done(10)
    res = finish(proc)
    (a,) = res["audio"]
    assert a["gaps"] >= 1 and a["gap_frames"] >= int(0.15 * SR)
    s = _session(store, res["id"])
    gaps = s.manifest["audio"][0]["gaps"]
    assert all(g["detected_by"] == "stream_time" for g in gaps)
    y = s.read_audio("system")
    found = find_clicks(y[:, 0])
    # clicks after the gap are still at their places (silence was padded in)
    expected = onsets[onsets > 0]
    base = found[0]
    on_grid = np.isin(found - base, expected - expected[0] + onsets[0] * 0, assume_unique=False)
    spacing_ok = np.abs((found - base) - np.round((found - base) / 4800) * 4800) <= 1
    # a click whose start fell in the gap is found where the recording resumed, up to one
    # click (48 frames) after its place: only its end was recorded
    ends = [round((g["t"] - s.manifest["audio"][0]["t0"]) * SR) + g["frames"] for g in gaps]
    cut = np.array([any(-5 <= f - e <= 53 for e in ends) for f in found])
    assert cut.sum() <= len(gaps)
    assert spacing_ok[~cut].all(), (np.diff(found), ends)
    assert len(found) < len(onsets) and on_grid.any()
    # the missing stretch is silence, the rest one continuous tone
    resid, a0 = _tone_residual(y[:, 1], freq_hz=441.0, amplitude=0.5)
    bad = np.flatnonzero(resid > 1e-3) + a0
    gap_frames = sum(g["frames"] for g in gaps)
    assert 0 < len(bad) <= gap_frames + 2
    assert np.all(np.abs(y[bad, 1]) < 1e-6)
