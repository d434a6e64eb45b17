"""Before and during a recording: the input check (levels before Start), one recording per
input, the device errors that name the player, the health line and the disk time left.

Capture goes through a real JACK server (dummy driver) whose clients the test starts; the
lock between recordings through real lock files and a second process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from improv.capture.devices import MidiPort
from improv.capture.inputlock import InputLocks
from improv.capture.live_status import (
    AwayInputs,
    back_text,
    disk_left,
    health,
    input_name,
    note_name,
    summarize,
    unplugged_text,
)
from improv.capture.monitor import InputMonitor
from improv.capture.plan import match_player_port
from improv.capture.setups import parse_player_spec
from improv.errors import AmbiguousDeviceError, DeviceError, NoDevicesError
from sessions.store import Store
from tests.rig.jackrig import tone, wait_for

AMPLITUDE = 10 ** (-11 / 20)


def _inputs(*specs):
    return [parse_player_spec(s) for s in specs]


# -- errors that name the player -----------------------------------------------------------


@pytest.mark.parametrize("ports, query, error, message", [
    ([], "kb9", NoDevicesError,
     "no MIDI input port found for player 'client' matching 'kb9'; there are no MIDI input "
     "ports"),
    ([MidiPort(0, "kb1:out", "input", "jack"), MidiPort(0, "synth:in", "output", "jack")],
     "Roland", DeviceError,
     "no MIDI input port found for player 'client' matching 'Roland'; the MIDI input ports "
     "there are: [0] kb1:out"),
    ([MidiPort(0, "kb1:out", "input", "jack"), MidiPort(1, "kb2:out", "input", "jack")],
     "kb", AmbiguousDeviceError, "player 'client': MIDI input port name 'kb' matches 2"),
])
def test_no_midi_port_names_the_player_pattern_and_ports(ports, query, error, message):
    with pytest.raises(error) as got:
        match_player_port(parse_player_spec(f"client=midi:{query}"), ports=ports)
    assert str(got.value).startswith(message), str(got.value)
    assert "synth" not in str(got.value)  # outputs are no candidates


def test_note_names():
    assert [note_name(n) for n in (60, 61, 21, 127, None)] == ["C4", "C#4", "A0", "G9", None]


# -- one recording per input ---------------------------------------------------------------

_HOLD = """
import sys, time
from improv.capture.inputlock import InputLocks
locks = InputLocks(sys.argv[1], sys.argv[2:])
print("held", flush=True)
time.sleep(60)
"""


def test_an_input_locked_by_another_process_is_refused_by_name(tmp_path):
    names = ["MIDI port 'kb1:out'", "audio channel 1 of 'mic' (JACK Audio Connection Kit)"]
    other = subprocess.Popen([sys.executable, "-c", _HOLD, str(tmp_path), names[1]],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "held"
        with pytest.raises(DeviceError, match=r"^audio channel 1 of 'mic' \(JACK Audio "
                           r"Connection Kit\) is being recorded already, in another improv "
                           rf"window or a terminal \(process {other.pid}\); stop that recording "
                           "first"):
            InputLocks(tmp_path, names)
        InputLocks(tmp_path, names[:1]).release()  # the MIDI port was left free (not held)
    finally:
        other.kill()
        other.wait(10)
    InputLocks(tmp_path, names).release()  # the kernel released the lock of the dead process
    assert (tmp_path / "locks").stat().st_mode & 0o077 == 0


@pytest.mark.jack
def test_a_second_recording_of_an_input_is_refused(jack_rig, tmp_path):
    """While one recording (this process) records kb1 and the microphone, the terminal's
    recording of either (another process) is refused naming it, and makes no session; an
    input that is not being recorded can be recorded at the same time, and once the first
    recording stops, its inputs are free."""
    from improv.capture.recorder import Recorder

    rig = jack_rig
    rig.midi_player(name="kb1", events=[])
    rig.midi_player(name="kb2", events=[])
    rig.audio_player(name="mic", signals=[np.zeros(4800, dtype=np.float32)])
    opts = {"midi_api": "jack", "audio_api": "JACK", "jack_server": rig.server.name}
    store_path = tmp_path / "store"
    log = tmp_path / "other.log"

    def other(player: str) -> tuple[int, str]:
        """Exit status and the error message of ``improv record --json`` (its errors are one
        JSON object on stderr)."""
        p = rig.recorder(store_path, "--client", "C08", "--player", player, "--duration", "0.5",
                         log=log)
        p.communicate(timeout=60)
        lines = [ln for ln in log.read_text().splitlines() if ln.startswith("{")]
        if p.returncode == 0 or not lines:
            return p.returncode, log.read_text()
        error = json.loads(lines[-1])
        assert error["kind"] == "DeviceError", error
        return p.returncode, "error: " + error["message"]

    with Store(store_path) as store:
        first = Recorder(store=store, client="C07", inputs=_inputs(
            "client=midi:kb1", "therapist=audio:mic:1"), **opts).start()
        try:
            code, err = other("x=midi:kb1")
            assert code == 1
            assert ("error: kb1 (MIDI) is being recorded already, in another improv window "
                    f"or a terminal (process {os.getpid()}); stop that recording first") in err, err
            code, err = other("x=audio:mic:1")
            assert code == 1
            assert "error: mic ch 1 is being recorded already" in err, err
            assert store.session_ids() == [first.session_id]  # the refused made none
            assert other("x=midi:kb2")[0] == 0
        finally:
            first.stop()
    assert other("x=midi:kb1")[0] == 0


# -- the input check before Start ----------------------------------------------------------


@pytest.mark.jack
def test_input_check_shows_levels_and_hands_the_inputs_over(jack_rig, tmp_path):
    """A tone at -11 dBFS shows at -11 dBFS with its peak held, a silent input stays at the
    floor, a MIDI note lights the port with its name; nothing is written; after close, a
    recording of the same inputs gets the tone."""
    from improv.capture.recorder import Recorder

    rig = jack_rig
    mic = rig.audio_player(name="mic", signals=[tone(sr=48000, freq_hz=440.0, duration_s=30.0,
                                                     amplitude=AMPLITUDE)])
    rig.audio_player(name="quiet", signals=[np.zeros(4800, dtype=np.float32)])
    kb = rig.midi_player(name="kb1", events=[(0.0, bytes([0x90, 64, 80]))])
    mic.start(delay_s=0.0)
    inputs = _inputs("client=midi:kb1", "therapist=audio:mic:1", "room=audio:quiet:1")
    opts = {"midi_api": "jack", "audio_api": "JACK", "jack_server": rig.server.name}
    store_path = tmp_path / "store"
    mon = InputMonitor(inputs=inputs, **opts).start()
    try:
        wait_for(kb.is_connected, timeout=10, what="MIDI wiring")
        kb.start(delay_s=0.1)
        kb.wait_done(10)

        def seen():
            s = {i["player"]: i for i in mon.status()["inputs"]}
            ok = s["therapist"]["level_dbfs"] > -60 and s["client"]["events"] == 1
            return s if ok else None

        s = wait_for(seen, timeout=10, interval=0.1, what="levels and MIDI activity")
        assert [i["player"] for i in mon.status()["inputs"]] == ["client", "therapist", "room"]
        assert s["therapist"]["level_dbfs"] == pytest.approx(-11, abs=0.5)
        assert s["therapist"]["hold_dbfs"] >= s["therapist"]["level_dbfs"]
        assert s["therapist"]["clip"] is False
        assert s["room"]["level_dbfs"] == -120.0
        assert s["client"]["last_note"] == "E4" and s["client"]["last_event_ago_s"] < 10
    finally:
        mon.close()
    assert not store_path.exists()  # nothing recorded, not even a store
    with Store(store_path) as store:
        rec = Recorder(store=store, client="C07", inputs=inputs, **opts).start()
        try:
            wait_for(lambda: rec.status()["players"]["therapist"]["peak_dbfs"] > -20,
                     timeout=10, interval=0.1, what="the tone in the recording")
        finally:
            manifest = rec.stop()
    assert manifest["status"] == "complete"


@pytest.mark.jack
def test_input_check_says_when_the_rooms_background_noise_is_high(jack_rig):
    """White noise at -45 dBFS with nobody playing reads as high background noise (its
    quietest moments stay over -55 dBFS), a quiet room's hiss at -75 dBFS (with a DC offset
    of 1 % of full scale, -40 dBFS, that is no noise) does not; neither is said before the
    check has heard the input long enough."""
    rng = np.random.default_rng(33)
    noise = (10 ** (-45 / 20) * rng.standard_normal(48000 * 30)).astype(np.float32)
    hiss = (0.01 + 10 ** (-75 / 20) * rng.standard_normal(48000 * 30)).astype(np.float32)
    rig = jack_rig
    fan = rig.audio_player(name="fan", signals=[noise])
    calm = rig.audio_player(name="calm", signals=[hiss])
    fan.start(delay_s=0.0)
    calm.start(delay_s=0.0)
    inputs = _inputs("client=audio:fan:1", "therapist=audio:calm:1")
    mon = InputMonitor(inputs=inputs, audio_api="JACK", jack_server=rig.server.name,
                       room_s=4.0, room_min_s=2.0).start()
    try:
        first = {i["player"]: i for i in mon.status()["inputs"]}
        assert first["client"]["room_dbfs"] is None and first["client"]["noisy"] is False

        def heard():
            s = {i["player"]: i for i in mon.status()["inputs"]}
            return s if all(i["room_dbfs"] is not None for i in s.values()) else None

        s = wait_for(heard, timeout=15, interval=0.1, what="the background noise of both")
    finally:
        mon.close()
    assert s["client"]["noisy"] is True
    assert s["client"]["room_dbfs"] == pytest.approx(-45, abs=2)
    assert s["therapist"]["noisy"] is False
    assert s["therapist"]["room_dbfs"] < -70


@pytest.mark.jack
def test_input_check_lists_one_players_inputs_on_two_devices_under_their_own(jack_rig):
    """One player with an input on each of two audio devices: each input is listed once,
    under its own device with that device's level (before: both inputs were listed under
    each device, the silent one with the other's tone)."""
    rig = jack_rig
    mic = rig.audio_player(name="mic", signals=[tone(sr=48000, freq_hz=440.0, duration_s=30.0,
                                                     amplitude=AMPLITUDE)])
    rig.audio_player(name="quiet", signals=[np.zeros(4800, dtype=np.float32)])
    mic.start(delay_s=0.0)
    inputs = _inputs("therapist=audio:mic:1", "therapist=audio:quiet:1")
    mon = InputMonitor(inputs=inputs, audio_api="JACK", jack_server=rig.server.name).start()
    try:
        def seen():
            rows = mon.status()["inputs"]
            return rows if any(r["level_dbfs"] > -60 for r in rows) else None

        rows = wait_for(seen, timeout=10, interval=0.1, what="the tone")
        assert [(r["spec"], r["name"]) for r in rows] == [
            ("therapist=audio:mic:1", "mic"), ("therapist=audio:quiet:1", "quiet")]
        assert rows[0]["level_dbfs"] == pytest.approx(-11, abs=0.5)
        assert rows[1]["level_dbfs"] == -120.0
    finally:
        mon.close()


# -- health and disk -----------------------------------------------------------------------


def _cap(name, *, gaps=0, gap_frames=0, overflows=0, sr=48000, channels=2):
    return SimpleNamespace(name=name, gaps=gaps, gap_frames=gap_frames, overflows=overflows,
                           sr=sr, channels=channels)


def test_health_line_in_plain_words():
    assert health(audio=[_cap("mic")], midi_ports=[], lost=[])["line"] == "healthy"
    h = health(audio=[_cap("mic", gaps=2, gap_frames=4800), _cap("room", gaps=1,
                                                                  gap_frames=4800)],
               midi_ports=[SimpleNamespace(port_name="kb1:out", overflows=0, gaps=[])],
               lost=[])
    assert h["line"] == "3 short dropouts, 0.2 s in all" and not h["healthy"]
    assert h["details"] == ["mic: 2 dropouts (0.10 s) filled with silence",
                            "room: 1 dropout (0.10 s) filled with silence"]
    # an unplugged keyboard by its name, not its JACK port ("input lost: kb1:out" before)
    h = health(audio=[], midi_ports=[SimpleNamespace(port_name="Digital Piano:midi_out",
                                                     overflows=1, gaps=[(1, 2)])],
               lost=["Digital Piano:midi_out"])
    assert h["line"] == "1 MIDI message not recorded; Digital Piano unplugged"
    assert h["details"] == ["Digital Piano: 1 MIDI message not recorded (too many at once)",
                            "Digital Piano: unplugged once"]


def test_the_sound_card_losing_samples_is_said_plainly():
    """Before: "system: the sound system reported 1 overflow"."""
    h = health(audio=[_cap("system", overflows=1), _cap("Room-Mic", overflows=3)],
               midi_ports=[], lost=[])
    assert h["details"] == ["system: the sound card lost a few samples once",
                            "Room-Mic: the sound card lost a few samples 3 times"]


def test_one_overflow_is_a_note_repeated_ones_a_warning():
    """Before: any number of sound card overflows left the recording "healthy"."""
    once = health(audio=[_cap("system", overflows=1)], midi_ports=[], lost=[])
    assert once["healthy"] and once["line"] == "healthy"
    assert once["details"] == ["system: the sound card lost a few samples once"]
    assert (once["overflows"], once["lost_frames"], once["lost_s"]) == (1, 0, 0.0)
    # one on each of two inputs is twice in this recording
    twice = health(audio=[_cap("system", overflows=1), _cap("mic", overflows=1)],
                   midi_ports=[], lost=[])
    assert not twice["healthy"] and twice["line"] == "the sound card lost samples twice"
    # an overflow whose samples were found missing: the dropout warns, with how much
    lost = health(audio=[_cap("mic", overflows=1, gaps=1, gap_frames=1024)], midi_ports=[],
                  lost=[])
    assert not lost["healthy"] and lost["line"] == "1 short dropout, less than 0.1 s in all"
    assert lost["lost_frames"] == 1024 and lost["lost_s"] == pytest.approx(1024 / 48000)
    h = health(audio=[_cap("mic", overflows=3, gaps=2, gap_frames=9600)], midi_ports=[],
               lost=[])
    assert h["line"] == "2 short dropouts, 0.2 s in all; the sound card lost samples 3 times"
    assert h["overflows"] == 3 and h["lost_frames"] == 9600


def test_the_summary_gives_the_health_kept_at_the_stop():
    said = {"kind": "health", "t": 5.0, "healthy": False, "overflows": 2, "lost_frames": 0,
            "lost_s": 0.0, "line": "the sound card lost samples twice"}
    m = {"id": "x", "audio": [], "midi": {}, "events": [said, {"kind": "stop", "t": 5.0}]}
    assert summarize(m)["health"] == {"healthy": False, "line": said["line"], "overflows": 2,
                                      "lost_frames": 0, "lost_s": 0.0}
    assert summarize({**m, "events": []})["health"] is None  # an older or recovered session


def test_one_unplug_seen_by_two_watchers_is_said_once():
    """The MIDI port list and JACK's port callback can both see one unplug, a poll apart."""
    away = AwayInputs()
    assert away.gone("Digital Piano") and not away.gone("Digital Piano")  # second watcher
    assert away.gone("mic")  # another input is its own news
    assert away.back("Digital Piano") and not away.back("Digital Piano")
    assert away.gone("Digital Piano")  # unplugged again later: news again
    assert away.back("kb1")  # a return never announced as a loss is still said


def test_an_input_unplugged_while_recording_is_said_in_a_therapists_words():
    """Before: "MIDI port 'Digital Piano:midi_out' lost at 15.1 s"."""
    assert unplugged_text(input_name("Digital Piano:midi_out"), at=15.1) == (
        "Digital Piano unplugged at 0:15: plug it in again, the recording goes on and picks "
        "it up")
    assert back_text(input_name("mic:out_1"), at=89.6) == (
        "mic plugged in again at 1:30: recorded again from then on")
    # an input of JACK whose stream stopped: whether the others go on is not known here
    # (review 36: "the other inputs go on recording" when none did)
    assert unplugged_text("system", at=3725, picked_up=False) == (
        "system stopped at 1:02:05: nothing more is recorded from it")
    # two ports of one device keep their whole names, so that they are told apart
    ports = ["USB MIDI Interface:midi_out_1", "USB MIDI Interface:midi_out_2", "kb1:out"]
    assert [input_name(p, among=ports) for p in ports] == [*ports[:2], "kb1"]
    assert input_name("system") == "system" and input_name(":x") == ":x"


def test_health_line_names_the_times_jack_fell_behind():
    h = health(audio=[_cap("mic")], midi_ports=[], lost=[], xruns=[12.34], period_s=0.0213)
    assert h["line"] == "the audio system fell behind once" and not h["healthy"]
    assert h["details"] == ["the audio system (JACK) fell behind once at 0:12: MIDI and audio "
                            "of that moment (up to 21 ms) may be missing; if it happens again, "
                            "close other programs"]
    h = health(audio=[], midi_ports=[], lost=[], xruns=[1.0, 2.0, 40.06])
    assert h["line"] == "the audio system fell behind 3 times"
    assert "3 times between 0:01 and 0:40: MIDI and audio of those moments may" in \
        h["details"][0]
    # two in one moment: at that moment, not "between 13.4 s and 13.4 s"
    h = health(audio=[], midi_ports=[], lost=[], xruns=[13.41, 13.43])
    assert h["line"] == "the audio system fell behind twice"
    assert "fell behind twice at 0:13: MIDI and audio of that moment" in h["details"][0]


def test_close_other_programs_only_when_an_unplugged_input_does_not_explain_it():
    """JACK falls behind when an input is unplugged or plugged in (it rebuilds its graph):
    then "close other programs" is no advice (the review saw it on a machine where nothing
    else ran)."""
    near = health(audio=[], midi_ports=[], lost=[], xruns=[15.2, 29.3], changes=[15.1, 29.0])
    assert near["details"] == ["the audio system (JACK) fell behind twice between 0:15 and "
                               "0:29: MIDI and audio of those moments may be missing (when an "
                               "input was unplugged or plugged in again)"]
    away = health(audio=[], midi_ports=[], lost=[], xruns=[15.2, 40.0], changes=[15.1])
    assert away["details"][0].endswith("; if it happens again, close other programs")


def test_a_dropout_too_short_to_show_in_tenths_is_not_said_to_be_0_s():
    h = health(audio=[_cap("mic", gaps=1, gap_frames=480)], midi_ports=[], lost=[])
    assert h["line"] == "1 short dropout, less than 0.1 s in all"


def test_disk_time_left_at_this_rate():
    d = disk_left(free_bytes=int(1.25e9), stop_bytes=int(0.25e9),
                  audio=[_cap("mic", channels=2, sr=48000)])
    assert d["rate_bytes_per_s"] == 384000
    assert d["time_left_s"] == pytest.approx(1e9 / 384000)
    assert disk_left(free_bytes=10**9, stop_bytes=0, audio=[])["time_left_s"] is None


@pytest.mark.jack
def test_setups_save_warns_about_ports_that_are_not_there(jack_rig, run_cli, store_path):
    jack_rig.midi_player(name="kb1", events=[])
    r = run_cli("setups", "save", "duo", "--player", "client=midi:Roland", "--player",
                "therapist=midi:kb1", "--midi-api", "jack", "--jack-server",
                jack_rig.server.name)
    assert r.exit_code == 0, r.stderr
    assert ("warning: saved, but not found on this computer now: client=midi:Roland: no MIDI "
            "input port found for player 'client' matching 'Roland'; the MIDI input ports there "
            "are: [0] kb1:out") in r.stderr
    assert "saved setup 'duo' (2 inputs)" in r.stderr
    assert "therapist" not in r.stderr  # kb1 is there
    assert run_cli("setups", "show", "duo").exit_code == 0  # saved all the same



def test_why_a_recording_stopped_is_said_in_words():
    """The end of a recording says why it stopped in words, not the journal's code
    (before: "(disk_low)" on the record page and "stopped (jack_server_lost)" in the CLI);
    the usual ends (Stop, the set length) need no sentence."""
    from improv.capture.live_status import summarize
    from improv.cli.record import _print_result

    def finished(reason):
        return {"id": "20261205-100000-abcd", "status": "complete", "duration_s": 90.0,
                "midi": {"events": 12}, "audio": [],
                "events": [{"kind": "stop", "t": 90.0, "reason": reason}]}

    r = summarize(finished("disk_low"))
    assert r["stop_reason"] == "disk_low" and not r["usual_stop"]
    assert r["stop_reason_text"] == "the disk was nearly full"
    assert summarize(finished("jack_server_lost"))["stop_reason_text"] == \
        "the audio system (JACK) stopped"
    assert summarize(finished("duration"))["usual_stop"]
    assert summarize(finished("user"))["usual_stop"]
    assert summarize({**finished("x"), "events": []})["stop_reason_text"] is None
    import click
    from click.testing import CliRunner

    @click.command()
    @click.argument("reason")
    def show(reason):
        _print_result(summarize(finished(reason)), printed=[])

    out = CliRunner().invoke(show, ["write_error"])
    assert "stopped (writing to the disk failed) after" in out.output
    out = CliRunner().invoke(show, ["duration"])
    assert "stopped after" in out.output and "(" not in out.output.split("after")[0]
