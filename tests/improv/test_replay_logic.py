"""Replay control logic (pause, jump, quit, held notes) with a recording MIDI output.

The real devices are tested in test_replay_jack.py; here a fake output port
records what the scheduler sends, and commands arrive the way the keyboard
thread sends them.
"""

import queue
import threading

import pytest

from improv.playback.replay import ALL_NOTES_OFF, Replayer
from sessions.playlist import build_playlist
from tests.cli_status import Usage, exit_status


class RecordingOut:
    def __init__(self, on_send=None):
        self.sent = []
        self.on_send = on_send

    def send_message(self, msg):
        self.sent.append(bytes(msg))
        if self.on_send:
            self.on_send(self)


def notes_only(sent):
    return [m for m in sent if m[0] & 0xF0 == 0x90]


@pytest.fixture
def session(store):
    w = store.create_session(client="C07", players=["client"])
    w.add_midi_input("Keys", player="client")
    for k, t in enumerate([0.0, 0.1, 0.2, 1.6, 1.7]):
        w.midi(t, player="client", port="Keys", data=bytes([0x90, 60 + k, 100]))
    w.midi(0.05, player="client", port="Keys", data=bytes([0x90, 50, 90]))  # held from 0.05 on
    w.marker(1.65, text="late marker")
    sid = w.finalize(duration_s=2.0)["id"]
    return store.session(sid)


def test_plays_everything_in_order_then_silences(session):
    out = RecordingOut()
    seen = []
    Replayer(build_playlist(session), midi_out=out, lead_in=0.0, on_annotation=seen.append).run()
    assert [m[1] for m in notes_only(out.sent)] == [60, 50, 61, 62, 63, 64]
    assert out.sent[-16:] == ALL_NOTES_OFF
    assert [a["text"] for a in seen] == ["late marker"]


def test_jump_skips_ahead_and_quit_stops(session):
    controls = queue.SimpleQueue()

    def on_send(out):
        if len(notes_only(out.sent)) == 3 and not hasattr(out, "jumped"):
            out.jumped = True
            controls.put(("seek", 1.2))  # from about 0.1 s to about 1.3 s: skips 0.2

    out = RecordingOut(on_send)
    results = Replayer(build_playlist(session), midi_out=out, lead_in=0.0, controls=controls).run()
    assert [m[1] for m in notes_only(out.sent)] == [60, 50, 61, 63, 64]
    assert [r.reason for r in results] == ["seek", "end"]
    assert results[0].position == pytest.approx(1.3, abs=0.15)


def test_pause_waits_for_a_command(session):
    controls = queue.SimpleQueue()
    paused = threading.Event()

    def on_send(out):
        if len(notes_only(out.sent)) == 2 and not paused.is_set():
            paused.set()
            controls.put(("pause",))

    out = RecordingOut(on_send)
    th = threading.Thread(target=lambda: Replayer(build_playlist(session), midi_out=out,
                                                  lead_in=0.0, controls=controls).run())
    th.start()
    assert paused.wait(5)
    th.join(0.5)
    assert th.is_alive()  # waiting for resume
    n = len(out.sent)
    controls.put(("quit",))
    th.join(5)
    assert not th.is_alive() and len(out.sent) == n  # nothing more after quit


def test_starting_mid_note_restrikes_held_notes(session):
    out = RecordingOut()
    Replayer(build_playlist(session, start=0.15, end=0.5), midi_out=out, lead_in=0.0).run()
    # 60, 50 and 61 started before 0.15 s and were never released: struck again first
    assert [m[1] for m in notes_only(out.sent)] == [60, 50, 61, 62]


@pytest.mark.parametrize("kwargs, match", [
    ({"start": -1}, "outside the session"),
    ({"start": 1.0, "end": 0.5}, "must be after"),
    ({"players": ["nobody"]}, "unknown player"),
])
def test_bad_windows(session, kwargs, match):
    from sessions.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match=match):
        build_playlist(session, **kwargs)


@pytest.mark.parametrize("args, message", [
    (["replay", "{sid}", "--from", "abc"], "--from: write the time as minutes:seconds"),
    (["replay", "{sid}", "--to", "0:99"], "--to: minutes and seconds must be below 60"),
    (["replay", "{sid}", "--from", "99:00"], "start 99:00 is outside the session (0 to 0:02.0)"),
    (["replay", "{sid}", "--from", "1.5", "--to", "1"], "(1.00 s) must be after start"),
    (["replay", "{sid}", "--players", "nobody"], "unknown player(s) nobody (players: client)"),
    (["replay", "{sid}", "--lead-in", "9"],
     Usage("--lead-in must be between 0 and 5 seconds, got 9")),
    (["replay", "{sid}", "--midi-api", "bogus", "--midi-out", "x"],
     "--midi-api must be auto, alsa, jack, coremidi or winmm, got 'bogus'"),
    (["replay", "{sid}", "--midi-api", "bogus"],
     "--midi-api must be auto, alsa, jack, coremidi or winmm, got 'bogus'"),
    (["replay", "{sid}", "--audio-api", "nonsense", "--no-audio"],
     "audio API must name a PortAudio host API"),
    (["render", "{sid}", "--to", "{tmp}/taken.wav"], "taken.wav exists already; choose another"),
    (["render", "{sid}", "--to", "{tmp}/r.mp3"], "--to must end in .wav, got 'r.mp3'"),
    (["render", "{sid}", "--to", "{tmp}/r.wav", "--players", "nobody"],
     "unknown player(s) nobody (players: client)"),
    (["render", "{sid}", "--to", "{tmp}/r.wav", "--sr", "100"],
     Usage("--sr must be between 8000 and 192000 Hz, got 100")),
    (["render", "{sid}", "--to", "{tmp}/missing/r.wav"], "folder {tmp}/missing does not exist"),
    (["render", "{sid}", "--to", "{tmp}/r.wav", "--soundfont", "{tmp}/taken.wav"],
     "taken.wav is not a SoundFont (.sf2 or .sf3)"),
])
def test_cli_bad_options_are_refused_before_playing(run_cli, session, tmp_path, args, message):
    """Refused before any device is opened or anything rendered: one line, exit 1 (2 for a
    command line that does not fit), the
    store as it was (no cached rendering) and no output file."""
    from tests.sessions.helpers import tree_snapshot

    (tmp_path / "taken.wav").write_bytes(b"mine")
    before = tree_snapshot(session.folder.parents[1])
    r = run_cli(*[a.format(sid=session.id, tmp=tmp_path) for a in args])
    assert r.exit_code == exit_status(message)
    message = message.format(tmp=tmp_path)
    assert r.stderr.startswith("error: ") and message in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1
    assert tree_snapshot(session.folder.parents[1]) == before
    assert (tmp_path / "taken.wav").read_bytes() == b"mine" and not (tmp_path / "r.wav").exists()


def test_replay_with_nothing_to_sound_says_so(run_cli, session):
    """--no-audio without --midi-out plays nothing: the command says so (it used to report
    success with "0 MIDI messages sent" and nothing more), and still prints the annotations."""
    r = run_cli("replay", session.id, "--no-audio", "--lead-in", "0")
    assert r.exit_code == 0, r.stderr
    assert "nothing will sound (--no-audio and no --midi-out)" in r.stderr
    assert "late marker" in r.stdout


def test_an_unknown_midi_output_is_one_line_without_library_noise(session, store_path):
    """ALSA and libjack print their own complaints to the process's stderr while MIDI systems
    are probed; only improv's one-line error reaches the user (a real process: the noise comes
    from C libraries, past Python's sys.stderr)."""
    import os
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "improv", "--store", str(store_path), "replay",
                        session.id, "--midi-out", "no-such-port-4711", "--no-audio"],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "IMPROV_MIDI_API": "auto"})
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert "no-such-port-4711" in lines[0] or "no MIDI system available" in lines[0]
    assert "cannot be recorded" not in lines[0]  # this is replay


def test_replay_last_line_says_what_did_not_play_as_recorded():
    from improv.cli.replay import done_line

    assert done_line(audio_sources=2, midi_sent=40, underruns=0, midi_late=0) == (
        "done: 2 audio sources, 40 MIDI messages sent")
    assert done_line(audio_sources=None, midi_sent=None, underruns=0, midi_late=0) == (
        "done: nothing played")
    line = done_line(audio_sources=1, midi_sent=40, underruns=3, midi_late=5)
    assert line.endswith(", 3 audio underruns, 5 MIDI messages later than recorded (the "
                         "computer was busy; close other programs)")
