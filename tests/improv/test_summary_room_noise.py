"""The plain summary says when the room's background noise raised the threshold of a pause
(analysis 1.21.0; the threshold follows the room since 1.20.0): one sentence in words and dB
below the loudest the recording can hold, only where it was raised, and never a field name.
The summaries are those of the real analysis of a drummer's WAV with and without a room."""

from __future__ import annotations

import re

import numpy as np
import pytest

from improv.reports.summary_text import SESSION, summary_groups
from tests.analysis.test_audio_noise_1_20 import analyse, pink, scaled
from tests.analysis.test_audio_noise_1_21 import drummer

ROOM = re.compile(r"^The room's background noise in the recording of client was high \(about "
                  r"(\d+) dB below the loudest the recording can hold\), so stretches more than "
                  r"(\d+) dB below the loudest were counted as pauses: softer playing counts in a "
                  r"quieter room, or with the microphone closer to the instrument\.$")


@pytest.fixture(scope="module")
def summaries(tmp_path_factory):
    """The analysis summaries of one drummer in a quiet room (-65 dBFS) and a loud one
    (pink noise at -45 dBFS RMS)."""
    tmp = tmp_path_factory.mktemp("room")
    rng = np.random.default_rng(33)
    y = drummer(rng)
    room = scaled(pink(y.size, rng), 0.0)
    return {db: analyse(tmp, f"room{-db}", y + room * 10 ** (db / 20)).summary
            for db in (-65, -45)}


def _session(summary, *, midi=False):
    sources = {"audio:mic": {"summary": summary}}
    if midi:
        sources = {"midi": {"summary": {"status": "ok", "velocity_mean": 70.0}}, **sources}
    result = {"duration_s": 60.0, "players": {"client": {"status": "ok", "sources": sources}}}
    (part,) = [g for g in summary_groups(result) if g["label"] == SESSION]
    return part["sentences"]


def test_a_loud_room_is_said_once_in_plain_words(summaries):
    s = summaries[-45]
    assert s["silence_gate_dbfs"] > -50.0
    told = [x for x in _session(s) if x["text"].startswith("The room's")]
    assert len(told) == 1
    m = ROOM.match(told[0]["text"])
    assert m, told[0]["text"]
    assert int(m[1]) == round(-s["noise_floor_dbfs"]) and 43 <= int(m[1]) <= 49
    assert int(m[2]) == round(-s["silence_gate_dbfs"]) and int(m[2]) < int(m[1])
    assert "dBFS" not in told[0]["text"] and "_" not in told[0]["text"]
    assert told[0]["measures"] == {"client.audio:mic.noise_floor_dbfs": s["noise_floor_dbfs"],
                                   "client.audio:mic.silence_gate_dbfs": s["silence_gate_dbfs"]}


def test_a_quiet_room_is_not_mentioned(summaries):
    s = summaries[-65]
    assert s["silence_gate_dbfs"] == -50.0 and s["noise_floor_dbfs"] is not None
    assert not any("room" in x["text"] for x in _session(s))


def test_the_room_is_told_of_the_input_the_summary_reads(summaries):
    """A player the summary reads from MIDI: their microphone's pauses are not what it tells,
    so neither is its threshold; nor without a floor (a silent recording)."""
    assert not any("room" in x["text"] for x in _session(summaries[-45], midi=True))
    assert not any("room" in x["text"]
                   for x in _session(dict(summaries[-45], noise_floor_dbfs=None)))
