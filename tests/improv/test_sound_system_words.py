"""The desktop's sound system stopping, and an input away for a while, in a therapist's words
(review rev-pulse, findings 1 and 3): PulseAudio killed read "pulse unplugged at 0:15: plug it
in again", and 25 s without it "2 short dropouts, 25.5 s in all"; at the end of ``improv
record`` "1 short dropout filled with silence (16.1 s)"."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner

from improv.capture import sound_system
from improv.capture.live_status import health, summarize, system_stopped_text
from improv.cli.record import _print_result, audio_summary, event_words
from sessions.gap_words import stretches, warnings_afterwards

SYSTEM_ADVICE = "start it again (or log out and in); the recording goes on and picks it up"


# -- is the sound system there, and is a device its own -------------------------------------


def test_the_socket_is_found_as_libpulse_finds_it(tmp_path):
    find = sound_system.socket_path
    assert find({"PULSE_SERVER": f"unix:{tmp_path}/native"}) == tmp_path / "native"
    assert find({"PULSE_SERVER": "{abc}unix:/run/p/native tcp:host"}).as_posix() == \
        "/run/p/native"
    assert find({"PULSE_SERVER": "tcp:somehost:4713"}) is None  # not judged
    assert find({"PULSE_RUNTIME_PATH": "/r"}).as_posix() == "/r/native"
    assert find({"XDG_RUNTIME_DIR": "/run/user/1000"}).as_posix() == \
        "/run/user/1000/pulse/native"
    assert find({}) is None


def test_a_server_that_answers_runs_one_that_refuses_has_stopped(tmp_path):
    path = tmp_path / "native"
    env = {"PULSE_SERVER": f"unix:{path}"}
    assert sound_system.running(env) is False  # no socket: stopped
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    try:
        assert sound_system.running(env) is True
    finally:
        listener.close()
    assert path.exists()  # a killed server leaves its socket: the connection is refused
    assert sound_system.running(env) is False
    assert sound_system.running({"PULSE_SERVER": "tcp:host"}) is None
    # no server ever ran in this login (its folder is not there): not said to have stopped
    assert sound_system.running({"XDG_RUNTIME_DIR": str(tmp_path / "none")}) is None


def test_only_the_servers_own_devices_go_with_it(tmp_path, monkeypatch):
    monkeypatch.setattr(sound_system, "system_name", lambda env=None: "PulseAudio")
    env = {"PULSE_SERVER": f"unix:{tmp_path}/native"}  # nothing listens: stopped
    for name in ("pulse", "default", "pipewire"):
        assert sound_system.stopped_system(name, hostapi="ALSA", env=env) == "PulseAudio"
    # a sound card is unplugged, not stopped; a JACK port is JACK's
    assert sound_system.stopped_system("USB Mic (hw:1,0)", hostapi="ALSA", env=env) is None
    assert sound_system.stopped_system("system", hostapi="JACK Audio Connection Kit",
                                       env=env) is None
    assert sound_system.state(env) == {"name": "PulseAudio", "running": False,
                                       "devices": ["pulse", "default", "pipewire"]}
    monkeypatch.setattr(sound_system, "system_name", lambda env=None: None)
    assert sound_system.stopped_system("pulse", hostapi="ALSA", env=env) is None
    assert sound_system.state(env) is None


def test_one_rule_says_which_devices_are_the_servers_in_both_places(tmp_path, monkeypatch):
    """ALSA's ``default`` is the server's only while the server runs (a door listed beside
    it); a device of PortAudio's PulseAudio host API goes with the server but has its own
    channels.  The device lists (server_source) and the lost-device words (sound_system)
    take this from one rule: before, each module had a list of its own, and they differed
    on ``default`` and on the PulseAudio host API."""
    from improv.capture import server_source
    from improv.capture.devices import AudioDevice

    def dev(name, hostapi="ALSA"):
        return AudioDevice(index=0, name=name, hostapi=hostapi, input_channels=32,
                           output_channels=0, default_samplerate=44100.0)

    card, default, pulse = dev("USB Mic (hw:1,0)"), dev("default"), dev("pulse")
    own = dev("Built-in Audio Analog Stereo", "PulseAudio")
    cases = [  # device, listed with, a door (its channels are the server's), goes with it
        (pulse, [pulse], True, True),
        (dev("pipewire"), [], True, True),
        (default, [default, pulse], True, True),
        (default, [default, card], False, False),  # no server: ALSA falls back to the card
        (card, [default, pulse, card], False, False),
        (dev("pulse", "OSS"), [pulse], False, False),
        (own, [own], False, True),
    ]
    for d, listed, door, goes in cases:
        runs = sound_system.door_listed((x.name, x.hostapi) for x in listed)
        assert sound_system.is_door(d.name, hostapi=d.hostapi, server_runs=runs) is door, d
        assert server_source.is_server_device(d, listed=listed) is door, d
        assert sound_system.is_server_device(d.name, hostapi=d.hostapi,
                                             server_runs=runs) is goes, d
    # a name added to the one list counts in both places
    monkeypatch.setattr(sound_system, "DOORS", (*sound_system.DOORS, "pipewire-alt"))
    alt = dev("pipewire-alt")
    assert server_source.is_server_device(alt) and server_source.is_server_device(
        default, listed=[default, alt])
    monkeypatch.setattr(sound_system, "system_name", lambda env=None: "PipeWire")
    stopped = {"PULSE_SERVER": f"unix:{tmp_path}/native"}
    assert sound_system.stopped_system("pipewire-alt", hostapi="ALSA", env=stopped) == "PipeWire"


# -- live --------------------------------------------------------------------------------


def test_the_live_warning_says_to_start_the_sound_system():
    text = system_stopped_text("pulse", system="PulseAudio", at=15.2)
    assert text == ("the computer's sound system (PulseAudio) stopped at 0:15, and pulse with "
                    f"it: {SYSTEM_ADVICE}")
    assert "plug" not in text


def _cap(name, *, gaps=0, gap_frames=0, away=(), sr=48000):
    return SimpleNamespace(name=name, gaps=gaps, gap_frames=gap_frames, overflows=0, sr=sr,
                           channels=2, away=list(away))


def test_a_stretch_away_is_not_a_short_dropout():
    # 25.5 s away from 0:15 (with PulseAudio stopped) and one real dropout of 0.1 s
    cap = _cap("pulse", gaps=2, gap_frames=int(25.6 * 48000), away=[(15.2, 25.5, "PulseAudio")])
    h = health(audio=[cap], midi_ports=[], lost=[])
    assert h["line"] == ("1 short dropout, 0.1 s in all; pulse was not recorded for 26 s "
                         "(0:15–0:41)")
    assert "pulse was not recorded for 26 s (0:15–0:41): the computer's sound system " \
        "(PulseAudio) had stopped" in h["details"]
    assert "pulse: 1 dropout (0.10 s) filled with silence" in h["details"]
    assert h["lost_s"] == pytest.approx(25.6)  # the samples filled in, all of them
    # twice away, unplugged
    cap = _cap("mic", gaps=2, gap_frames=48000 * 30, away=[(10.0, 20.0, None), (40.0, 10.0, None)])
    h = health(audio=[cap], midi_ports=[], lost=[])
    assert h["line"] == "mic was not recorded twice, 30 s in all (from 0:10 to 0:50)"
    assert "short dropout" not in h["line"]


def test_while_away_the_line_says_the_sound_system_stopped():
    h = health(audio=[_cap("pulse")], midi_ports=[], lost=["pulse", "USB Mic"],
               stopped={"pulse": "PulseAudio"})
    assert h["line"] == "USB Mic unplugged; the computer's sound system (PulseAudio) stopped"
    assert not h["healthy"]


# -- afterwards ----------------------------------------------------------------------------


def _manifest():
    sr = 44100
    return {
        "id": "20261207-232758-cdf3", "status": "complete", "duration_s": 29.0,
        "midi": {"events": 0, "counters": {}},
        "audio": [{"name": "pulse", "sr": sr, "channels": 2, "frames": 29 * sr,
                   "players": {"client": [1]}, "device": {"name": "pulse"},
                   "gaps": [{"t": 7.7, "frames": int(16.1 * sr), "detected_by": "reopen"}]}],
        "events": [
            {"kind": "device_lost", "t": 7.7, "input": "audio", "device": "pulse",
             "name": "pulse", "reason": "stream stopped", "sound_system": "PulseAudio"},
            {"kind": "device_back", "t": 23.9, "input": "audio", "device": "pulse",
             "name": "pulse", "reopened": True, "sound_system": "PulseAudio"},
            {"kind": "warning", "t": 8.7, "text": system_stopped_text(
                "pulse", system="PulseAudio", at=8.7)},
            {"kind": "stop", "t": 29.0, "reason": "duration"},
        ],
    }


def test_the_end_of_improv_record_counts_the_stretch_apart():
    r = summarize(_manifest())
    (a,) = r["audio"]
    assert audio_summary(a) == (
        "pulse: 0:29 recorded (2 channels); not recorded for 16 s (0:08–0:24), filled with "
        "silence: the computer's sound system (PulseAudio) had stopped")
    lost, back = (e for e in r["device_events"] if e["kind"] in ("device_lost", "device_back"))
    assert event_words(lost) == ("the computer's sound system (PulseAudio) stopped at 0:07.7, "
                                 "and pulse with it")
    assert event_words(back) == ("the computer's sound system (PulseAudio) ran again at "
                                 "0:23.9: pulse recorded from then on")

    @click.command()
    def show():
        _print_result({**r, "number": 2}, printed=[])

    out = CliRunner().invoke(show).output
    assert "short dropout" not in out and "unplugged" not in out and "plug it in" not in out
    assert "start it again" not in out  # the live advice is stale at the end


def test_an_unplugged_device_is_still_said_unplugged_at_the_end():
    m = _manifest()
    for e in m["events"]:
        e.pop("sound_system", None)
    (a,) = summarize(m)["audio"]
    assert audio_summary(a).endswith("not recorded for 16 s (0:08–0:24), filled with silence: "
                                     "unplugged")
    assert event_words(m["events"][0]) == "pulse unplugged at 0:07.7"


def test_the_session_page_says_the_sound_system_had_stopped():
    (g,) = stretches(_manifest())
    assert g["cause"] == "sound_system" and g["system"] == "PulseAudio"
    assert g["text"] == ("pulse (client) recorded nothing 0:07.7–0:23.8: the computer's sound "
                         "system (PulseAudio) had stopped; filled with silence")
    assert g["label"] == "pulse (client): PulseAudio stopped"
    # an older session (no sound_system in its events): as before
    m = _manifest()
    m["events"][0].pop("sound_system")
    (g,) = stretches(m)
    assert g["cause"] == "unplugged_silence" and "was unplugged" in g["text"]
    # still away at the end: the source_gap says it too
    m = _manifest()
    m["audio"][0]["gaps"] = []
    m["events"].append({"kind": "source_gap", "t": 7.7, "end": 29.0, "source": "pulse",
                        "port": None, "name": "pulse"})
    (g,) = stretches(m)
    assert g["cause"] == "sound_system" and "(PulseAudio) had stopped" in g["text"]
    # the live advice is left out afterwards, the stretch says it in past tense
    warned = [e["text"] for e in _manifest()["events"] if e["kind"] == "warning"]
    assert warnings_afterwards(warned, unplugged=True) == []
