"""``improv record``'s screen and summary in a therapist's words (review 36): before, the live
display read "REC 0:13 session 2026... markers 0 overflows 2 gaps 1" with inputs as JACK ports
("Digital Piano:midi_out"), the start "(1 inputs; for 3 s)" and the end "1 ch, 621568 frames
at 48000 Hz, 2 overflows, 1 gaps (1024 frames)"; --json keeps the fields."""

from __future__ import annotations

import click
from click.testing import CliRunner
from rich.console import Console

from improv.capture.live_status import summarize
from improv.cli.live_display import render
from improv.cli.record import _print_result, audio_summary, event_words


def _text(renderable) -> str:
    console = Console(record=True, width=160, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def test_the_live_display_says_it_in_words():
    status = {
        "session": "20261207-195645-a619", "elapsed_s": 13.2, "markers": 1, "overflows": 2,
        "audio_gaps": 1, "free_bytes": 70.6e9, "warnings": [],
        "health": {"line": "1 short dropout, less than 0.1 s in all", "healthy": False},
        "players": {
            "client": {"midi_events": 38, "peak_dbfs": None, "clipped_blocks": 0, "inputs": [
                {"kind": "midi", "name": "Digital Piano:midi_out", "connected": False}]},
            "therapist": {"midi_events": 0, "peak_dbfs": -22.6, "clipped_blocks": 0, "inputs": [
                {"kind": "audio", "name": "fluidsynth", "connected": True}]},
        },
    }
    text = _text(render(status))
    assert "Recording 0:13   1 marker   disk: 70.6 GB free" in text
    assert "Recording: 1 short dropout, less than 0.1 s in all" in text
    assert "Digital Piano (unplugged)" in text and "fluidsynth" in text
    for old in ("REC ", "overflows", "gaps", "midi_out", "LOST", "20261207"):
        assert old not in text, old


def test_the_end_says_what_was_recorded_in_seconds():
    a = {"name": "fluidsynth", "sr": 48000, "channels": 1, "frames": 621568, "overflows": 2,
         "gaps": 1, "gap_frames": 1024}
    assert audio_summary(a) == ("fluidsynth: 0:13 recorded; 1 short dropout filled with silence "
                                "(21 ms); the sound card lost a few samples twice")
    assert audio_summary({**a, "channels": 2, "gaps": 3, "gap_frames": 96000, "overflows": 0}) \
        == "fluidsynth: 0:13 recorded (2 channels); 3 short dropouts filled with silence (2.0 s " \
        "in all)"
    assert event_words({"kind": "midi_gap", "t": 7.5, "end": 15.0,
                        "port": "Digital Piano:midi_out"}) == \
        "nothing recorded from Digital Piano 0:07.5–0:15.0"
    assert event_words({"kind": "device_lost", "t": 7.5, "port": "Digital Piano:midi_out"}) == \
        "Digital Piano unplugged at 0:07.5"

    manifest = {"id": "20261207-195645-a619", "status": "complete", "duration_s": 13.2,
                "midi": {"events": 1, "counters": {"midi_queue_overflows": 3}},
                "audio": [{**a, "gaps": [{"t": 1.0, "frames": 1024}]}],
                "events": [{"kind": "stop", "t": 13.2, "reason": "user"}]}

    @click.command()
    def show():
        _print_result({**summarize(manifest), "number": 3}, printed=[])

    out = CliRunner().invoke(show).output
    assert "saved: Session 3 of this client, session 20261207-195645-a619, complete, 0:13, " \
        "1 MIDI message\n" in out
    assert "  fluidsynth: 0:13 recorded; 1 short dropout filled with silence (21 ms); the sound " \
        "card lost a few samples twice\n" in out
    assert "  3 MIDI messages not recorded (too many at once)\n" in out
    for old in ("frames", "overflows", " ch,", "gaps"):
        assert old not in out, old


def test_the_end_leaves_out_what_was_true_only_while_recording():
    """"plug it in again, the recording goes on" was advice while recording; at the end the
    device's events say the unplug in past tense, and the other warnings stay."""
    from improv.capture.live_status import back_text, unplugged_text

    live = [unplugged_text("Digital Piano", at=7.5), back_text("Digital Piano", at=15.0),
            "the audio system (JACK) fell behind 4 times at 0:01"]
    manifest = {"id": "20261207-195645-a619", "status": "complete", "duration_s": 23.6,
                "midi": {"events": 40, "counters": {}}, "audio": [],
                "events": [{"kind": "device_lost", "t": 7.5, "port": "Digital Piano:midi_out"},
                           {"kind": "device_back", "t": 15.0, "port": "Digital Piano:midi_out"},
                           {"kind": "warnings", "t": 23.6, "messages": live},
                           {"kind": "stop", "t": 23.6, "reason": "user"}]}

    @click.command()
    def show():
        _print_result(summarize(manifest), printed=[])

    out = CliRunner().invoke(show).output
    assert "  Digital Piano unplugged at 0:07.5\n" in out
    assert "plug it in again" not in out and "recorded again from then on" not in out
    assert "warning: the audio system (JACK) fell behind 4 times at 0:01" in out
