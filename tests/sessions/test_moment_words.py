"""A stretch shorter than the times shown is a moment with its length, never a range whose two
ends read the same (review rev-pulse, finding 6: "pulse (client, therapist) had a dropout
0:34.4–0:34.4, filled with silence")."""

from __future__ import annotations

import pytest

from sessions.gap_words import gap_text, moment_length, span_words, stretches


def _gap(t, end, cause="dropout"):
    return {"t": t, "end": end, "name": "pulse", "players": ["client", "therapist"],
            "cause": cause}


def test_a_dropout_shorter_than_a_tenth_is_a_moment_at_its_time():
    words = gap_text(_gap(34.40, 34.44))
    assert words["text"] == ("pulse (client, therapist) had a dropout for a moment (0.04 s) "
                             "at 0:34.4, filled with silence")
    # the times in the text (the page's link to the stretch) are the one time shown
    assert words["span"] == "0:34.4" and words["span"] in words["text"]
    assert "0:34.4–0:34.4" not in words["text"]


def test_every_cause_reads_as_a_moment():
    for cause in ("unplugged", "unplugged_silence", "jack_stopped", "sound_system"):
        text = gap_text(_gap(9.51, 9.54, cause))["text"]
        assert "for a moment (0.03 s) at 0:09.5" in text and "–" not in text, text
    ended = gap_text(_gap(9.51, 9.54, "jack_stopped"), ended_recording=True)["text"]
    assert ended == ("pulse (client, therapist) recorded nothing for a moment (0.03 s) at "
                     "0:09.5, until the recording stopped")


def test_a_cluster_within_one_shown_time_says_its_total_once():
    words = gap_text(_gap(12.0, 12.04), count=3, total_s=0.03)
    assert words["text"] == ("pulse (client, therapist) had 3 dropouts at 0:12.0, 0.03 s in "
                             "all, filled with silence")
    assert words["span"] == "0:12.0"


def test_a_stretch_whose_ends_differ_is_a_range_as_before():
    assert gap_text(_gap(12.0, 12.1))["span"] == "0:12.0–0:12.1"
    assert span_words(7.5, 15.0) == ("0:07.5–0:15.0", "0:07.5–0:15.0")
    # at whole seconds, as the summary shows them
    assert span_words(3.1, 3.3, decimals=0) == ("for a moment (0.2 s) at 0:03", "0:03")


@pytest.mark.parametrize(("seconds", "said"), [
    (0.2, "0.2 s"), (0.04, "0.04 s"), (0.0951, "0.1 s"), (0.001, "under 0.01 s"),
    (0.0, "under 0.01 s"), (0.8, "0.8 s")])
def test_moment_length_never_reads_zero(seconds, said):
    assert moment_length(seconds) == said


def test_stretches_of_a_manifest_say_a_short_dropout_as_a_moment():
    """The review's session: the ALSA pulse device's dropout of 0.04 s at 34.4 s."""
    audio = [{"name": "pulse", "sr": 48000, "players": {"client": [1], "therapist": [2]},
              "device": {"name": "pulse"}, "gaps": [{"t": 34.41, "frames": 1920}]}]
    (g,) = stretches({"events": [], "audio": audio, "duration_s": 60.0, "midi": {"ports": []}})
    assert g["text"] == ("pulse (client, therapist) had a dropout for a moment (0.04 s) at "
                         "0:34.4, filled with silence")
