"""The plain summary in labelled parts (:func:`improv.reports.summary_text.summary_groups`):
a session of three players, analysed for real, has one part per pair under the pair's own
label, and no pair's part starts with "They" (review 28, finding 7: "They played together for
48 % … They played together for 69 % …", each "They" another pair)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from improv.analyze import analyze_session
from improv.reports.summary_text import session_summary, summary_groups, summary_sentences
from sessions.annotation_edits import add_annotation
from sessions.importer import import_files
from tests.sessions.helpers import write_midi

PLAYERS = ("client", "therapist", "room")


def _beats(bpm, t0, t1, pitch, velocity, *, rng, lag=0.0):
    ts = np.arange(t0, t1, 60.0 / bpm)
    return [(float(t + lag + rng.uniform(-0.005, 0.005)), 0, pitch, velocity) for t in ts]


def import_trio(store, folder, *, rng) -> str:
    """Import a 40 s session of three players (MIDI), three pairs: client plays throughout,
    therapist joins for the middle 20 s, room (a second keyboard) plays throughout at another
    tempo; one marker at 0:05. Returns the ID."""
    mid = write_midi(folder / "trio.mid", tracks={
        "client": _beats(90, 0.2, 40.0, 60, 85, rng=rng),
        "therapist": _beats(90, 10.0, 30.0, 48, 45, rng=rng, lag=0.02),
        "room": _beats(100, 0.5, 40.0, 36, 60, rng=rng, lag=0.03)})
    sid = import_files(store, [mid], client="C07", players=[
        f"{p}=trio.mid:{k}" for k, p in enumerate(PLAYERS, start=2)])["id"]
    add_annotation(store, sid, t=5.0, tags=["marker"])
    return sid


@pytest.fixture
def trio(tmp_path, store, rng):
    return import_trio(store, tmp_path, rng=rng)


def test_three_players_get_a_part_per_pair_named_in_its_label(store, trio):
    groups = summary_groups(analyze_session(store, trio, dialogue=True),
                            annotations=store.session(trio).annotations())
    labels = [g["label"] for g in groups]
    assert labels == ["Session", "client & therapist", "client & room", "therapist & room",
                      "Tempo and pulse", "Dynamics", "Your annotations"]
    for g in groups[1:4]:
        pair = g["label"].split(" & ")
        texts = [s["text"] for s in g["sentences"]]
        # the part opens with both players named, never with "They" (whose "they"?)
        assert not re.match(r"(When )?[Tt]hey\b", texts[0]), texts[0]
        assert all(p in texts[0].lower() for p in pair), texts[0]
        # every sentence of the part is about this pair: the third player is not in it
        third = next(p for p in PLAYERS if p not in pair)
        assert not any(third in t.lower() for t in texts), (g["label"], texts)
        # and every measure it names is the pair's
        for s in g["sentences"]:
            assert all(name.startswith(f"{pair[0]}|{pair[1]}.") for name in s["measures"]), s
        assert any("together for" in t for t in texts), texts
    session = " ".join(s["text"] for s in groups[0]["sentences"])
    assert session.startswith("The session lasted 0:") and "3 players" in session
    assert "together" not in session  # the pairs' sentences are under their own labels
    tempo = [s["text"] for s in groups[4]["sentences"]]
    assert [t.split()[0] for t in tempo] == ["Client", "Therapist", "Room"], tempo
    assert groups[-1]["sentences"][0]["text"] == "There is 1 annotation, a marker (0:05.0)."


def test_the_flat_sentences_are_the_parts_in_order(store, trio):
    result = analyze_session(store, trio, dialogue=True)
    groups = summary_groups(result)
    assert summary_sentences(result) == [s for g in groups for s in g["sentences"]]
    res = session_summary(store, trio)
    assert res["groups"] == summary_groups(result, annotations=store.session(trio).annotations())
    assert res["text"] == " ".join(s["text"] for g in res["groups"] for s in g["sentences"])


def _pair(**summary):
    return {"name": "client|therapist", "pair": ["client", "therapist"], "summary": summary,
            "curves": {}}


@pytest.mark.parametrize(("summary", "opening"), [
    # no shares (one of them did not play): the part opens with who led
    ({"leader": "shared", "client_leads_share": 0.3, "therapist_leads_share": 0.3,
      "together_share": 0.4}, "Client and therapist took turns leading"),
    ({"leader": "together"}, "Client and therapist moved together; neither player led."),
    ({"asynchrony_mean_ms": 20.0, "n_pairs": 30},
     "When client and therapist played at the same moment (30 times), therapist came"),
])
def test_a_pair_part_that_would_open_with_they_names_the_pair(summary, opening):
    result = {"duration_s": 60.0, "dialogue": [_pair(**summary)],
              "players": {p: {"status": "empty", "sources": {}} for p in PLAYERS[:2]}}
    (part,) = [g for g in summary_groups(result) if g["label"] == "client & therapist"]
    assert part["sentences"][0]["text"].startswith(opening), part


def test_parts_without_a_sentence_are_left_out():
    """A session whose players have nothing to measure: no pair's part, no tempo, no
    dynamics; what is said stays under Session."""
    result = {"duration_s": 30.0, "dialogue": [_pair()],
              "players": {p: {"status": "empty", "sources": {}} for p in PLAYERS[:2]}}
    groups = summary_groups(result)
    assert [g["label"] for g in groups] == ["Session", "Your annotations"]
    assert [s["text"] for s in groups[0]["sentences"]][1:] == [
        "Client has nothing to measure (empty).", "Therapist has nothing to measure (empty)."]
