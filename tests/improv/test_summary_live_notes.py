"""The summary's words for what the therapist did while recording (review rev-pulse):

- finding 7: a note typed in "Note at this moment" read "one other annotation (1:02.3).
  Tags: note (1).": it is a note written while recording;
- finding 6: "Nothing was recorded from client's microphone from 0:03 to 0:03": a stretch
  whose ends read the same is a moment with its length.
"""

from __future__ import annotations

import pytest

from improv.reports.summary_text import _annotations, _not_recorded


def _live_note(t, **more):
    return {"t": t, "tags": ["note"], "source": "recording", "text": "answers", **more}


def test_a_note_written_while_recording_is_called_so():
    said = [s["text"] for s in _annotations([
        _live_note(62.3), {"t": 64.6, "tags": ["marker"], "source": "recording"}])]
    assert said == ["There are 2 annotations: one marker (1:04.6) and one note written while "
                    "recording (1:02.3)."]
    assert "other annotation" not in said[0] and "Tags: note" not in " ".join(said)


@pytest.mark.parametrize(("anns", "expected"), [
    ([_live_note(62.3)], "There is 1 annotation, a note written while recording (1:02.3)."),
    ([_live_note(10.0), _live_note(20.0)],
     "There are 2 annotations, all notes written while recording (0:10.0, 0:20.0)."),
    ([_live_note(10.0), {"t": 20.0, "tags": ["solo"], "source": "manual"}],
     "There are 2 annotations: one note written while recording (0:10.0) and one other "
     "annotation (0:20.0)."),
])
def test_notes_written_while_recording_are_counted_apart(anns, expected):
    assert _annotations(anns)[0]["text"] == expected
    assert _annotations(anns)[0]["measures"]["notes_while_recording"]


def test_a_note_tag_given_afterwards_is_an_annotation_and_other_tags_are_listed():
    """Only what the recording wrote is a note written while recording; a note written then
    and tagged afterwards keeps its other tags in the list."""
    said = [s["text"] for s in _annotations([
        {"t": 10.0, "tags": ["note"], "source": "manual"},
        _live_note(20.0, tags=["note", "solo"])])]
    assert said == ["There are 2 annotations: one note written while recording (0:20.0) and "
                    "one other annotation (0:10.0).", "Tags: note (1), solo (1)."]


def test_an_annotation_range_whose_ends_read_the_same_is_one_time():
    said = _annotations([{"t": 10.02, "end": 10.04, "tags": ["marker"]}])[0]["text"]
    assert said == "There is 1 annotation, a marked range (0:10.0)."


def _gapped(gaps, *, duration=40.0):
    return {"duration_s": duration, "not_recorded": {"client": gaps},
            "players": {"client": {"sources": {"audio": {}}}}}


def test_a_stretch_too_short_for_whole_seconds_is_a_moment():
    (s,) = _not_recorded(_gapped([[3.1, 3.3], [15.0, 40.0]]))
    assert s["text"].startswith(
        "Nothing was recorded from client's microphone for a moment (0.2 s) at 0:03 and from "
        "0:15 to the end (it was lost or dropped out)"), s["text"]
    (s,) = _not_recorded(_gapped([[3.1, 3.3], [15.0, 25.0]]))
    assert "for a moment (0.2 s) at 0:03 and from 0:15 to 0:25 (" in s["text"]
    assert "from 0:03 to 0:03" not in s["text"]


def test_a_moment_at_the_end_is_said_so():
    (s,) = _not_recorded(_gapped([[10.0, 20.0], [39.8, 40.0]]))
    assert "from 0:10 to 0:20 and for a moment (0.2 s) at the end (" in s["text"], s["text"]
