"""No range whose two ends read the same (review rev-pulse, finding 6) in the live health line
of an input that was away for under a second, nor in the end-of-recording event list of
``improv record``: "0:15–0:15" read as an error and said nothing of the length."""

from __future__ import annotations


def test_an_input_away_for_a_moment_is_said_at_its_time():
    from improv.capture.live_status import away_text

    assert away_text("pulse", [(15.1, 0.3, None)]) == "pulse was not recorded for 0.3 s (at 0:15)"
    assert away_text("pulse", [(15.0, 25.4, None)]) == (
        "pulse was not recorded for 25 s (0:15–0:40)")


def test_a_stretch_shorter_than_the_times_shown_is_a_moment_in_the_event_list():
    from improv.cli.record import event_words

    e = {"kind": "midi_gap", "t": 15.01, "end": 15.04, "port": "Keys"}
    assert event_words(e).endswith("for a moment at 0:15.0")
    e["end"] = 21.0
    assert event_words(e).endswith("0:15.0–0:21.0")
