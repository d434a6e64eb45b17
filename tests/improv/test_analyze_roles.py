"""Role suggestions in the annotations (improv.analyze.roles): their wording, role and player
first; a confirmed one says so (not "suggested"); suggestions written with the older wording
are still recognised and are reworded when confirmed; the history keeps every version."""

from __future__ import annotations

from datetime import datetime

import pytest

from analysis.dialogue.roles import LEAD_MIN, RESISTER_MAX
from improv.analyze.roles import (
    MIN_CONFIDENCE,
    accept_dialogue_roles,
    accept_roles,
    confirm_suggestions,
    confirmed_text,
    indication_words,
    is_machine_text,
    reworded,
    role_suggestions,
    suggestion_text,
)
from sessions.annotation_edits import SUGGESTION_AUTHOR, add_annotations, annotation_history

RUNS = [{"t": 1.0, "end": 4.0, "player": "client", "role": "leader", "confidence": 0.8},
        {"t": 4.0, "end": 6.0, "player": "therapist", "role": "silence", "confidence": 0.987}]
OLD = "suggested role: leader (confidence 0.80, dialogue client|therapist)"


@pytest.fixture
def duo(store):
    from improv.demo import create_demo_session

    return create_demo_session(store, duration=10.0)["id"]


def test_suggestions_start_with_the_role_and_the_player(store, duo):
    written = accept_dialogue_roles(store, duo, [{"name": "client|therapist", "role_runs": RUNS}])
    # one pair: it goes without saying
    assert [a["text"] for a in written] == [
        "leader · client (suggested: a clear indication from the playing)",
        "silence · therapist (suggested: a clear indication from the playing)"]
    # in a group, the pair it was found in, in words (not "client|therapist")
    assert suggestion_text(RUNS[0], pair="client|therapist") == (
        "leader · client (suggested: a clear indication from the playing of client & "
        "therapist)")
    assert all(is_machine_text(a["text"]) for a in written)
    assert is_machine_text(OLD) and not is_machine_text("leader · client, plays first")
    # the wording before session 35 is still the analysis's
    assert is_machine_text("leader · client (suggested from the playing, 100 % sure)")


@pytest.mark.parametrize(("confidence", "words"), [
    (1.0, "a clear indication"), (MIN_CONFIDENCE, "a clear indication"),
    (0.49, "some indication"), (RESISTER_MAX, "some indication"), (LEAD_MIN, "some indication"),
    (0.29, "a weak indication"), (0.0, "a weak indication"), (None, "a weak indication")])
def test_how_clearly_a_role_is_indicated_is_said_in_words(confidence, words):
    """A therapist's review: "leader · therapist (suggested from the playing, 100 % sure)" on
    the page that says "Less sure: a confidence under 0.5". One scale in words, at the
    thresholds the analysis uses: clear from the least confidence written by default (0.5),
    some from the least for which it names a leader or follower (0.3); a resister (at most
    0.45) is never clear."""
    assert indication_words(confidence) == words
    text = suggestion_text({"role": "leader", "player": "therapist", "confidence": confidence})
    assert text == f"leader · therapist (suggested: {words} from the playing)"
    assert "%" not in text and "sure" not in text and is_machine_text(text)


def test_older_wordings_are_shown_in_todays():
    assert reworded({"player": "therapist", "text": "leader · therapist (suggested from the "
                     "playing, 100 % sure)"}) == (
        "leader · therapist (suggested: a clear indication from the playing)")
    assert reworded({"player": "client", "text": "partner · client (suggested from the playing "
                     "of client & drums, 31 % sure)"}) == (
        "partner · client (suggested: some indication from the playing of client & drums)")
    assert reworded({"player": "client", "text": OLD}) == (
        "leader · client (suggested: a clear indication from the playing of client & "
        "therapist)")
    assert reworded({"player": "client", "text": "she led, 100 % sure"}) == "she led, 100 % sure"


def test_confirming_rewords_the_suggestion_and_keeps_its_history(store, duo):
    therapist_words = "she led from here"
    written = accept_roles(store, duo, RUNS[:1], min_confidence=0.5)
    (own,) = add_annotations(store, duo, [{"t": 4.0, "end": 6.0, "player": "therapist",
                                           "tags": ["suggestion", "silence"],
                                           "text": therapist_words}],
                             by=SUGGESTION_AUTHOR, source="suggestion")
    done = confirm_suggestions(store, duo, [{"id": a["id"], "rev": 1} for a in [*written, own]])
    day = datetime.now().astimezone()
    assert done[0]["text"] == f"leader · client, confirmed {day:%b} {day.day}, {day.year}"
    assert done[0]["tags"] == ["autonomy:leader"] and done[0]["rev"] == 2  # one revision
    assert done[1]["text"] == therapist_words  # the therapist's own words stay
    history = annotation_history(store, duo, written[0]["id"])
    assert [v["state"]["text"] for v in history] == [written[0]["text"], done[0]["text"]]


def test_suggestions_in_the_older_wording_are_recognised_and_reworded(store, duo):
    """Stores keep the texts written before ("suggested role: … (confidence …, dialogue
    a|b)"): they are not written again, count as to review, and read as confirmed once
    confirmed."""
    (old,) = add_annotations(store, duo, [{"t": 1.0, "end": 4.0, "player": "client",
                                           "tags": ["suggestion", "autonomy:leader"],
                                           "text": OLD}],
                             by=SUGGESTION_AUTHOR, source="suggestion")
    dialogue = [{"name": "client|therapist", "role_runs": RUNS}]
    states = {r["role"]: r["state"] for r in role_suggestions(store, duo, dialogue)}
    assert states == {"leader": "to review", "silence": "new"}
    assert [a["player"] for a in accept_dialogue_roles(store, duo, dialogue)] == ["therapist"]
    (done,) = confirm_suggestions(store, duo, [{"id": old["id"], "rev": 1}])
    assert done["text"].startswith("leader · client, confirmed ")
    (now,) = [a for a in store.session(duo).annotations() if a["id"] == old["id"]]
    assert now["text"] == done["text"] and "suggestion" not in now["tags"]


def test_the_confirmed_day_is_the_local_day():
    on = datetime(2026, 12, 6, 23, 30).astimezone()
    assert confirmed_text("partner", "client", on=on) == (
        f"partner · client, confirmed Dec {on.day}, 2026")
    assert confirmed_text("silence", None, on=on).startswith("silence, confirmed Dec")


def test_confirming_or_discarding_all_is_one_batch(store, duo, monkeypatch):
    """"Confirm all" rewrote the markers and the catalog once per suggestion (3.5 s for 200):
    all of them are one append to the log, one rewrite of the SMF, one catalog update."""
    from improv.analyze.roles import discard_suggestions, restore_suggestions
    from sessions import annotation_edits
    from sessions import annotation_log as ann

    runs = [{"t": k * 0.04, "end": k * 0.04 + 0.03, "player": "client", "role": "leader",
             "confidence": 0.9} for k in range(200)]
    written = accept_roles(store, duo, runs)
    assert len(written) == 200
    calls = []
    for module, name in ((ann, "append_records"), (annotation_edits, "atomic_write_bytes"),
                         (store.catalog, "put_annotations")):
        fn = getattr(module, name)
        monkeypatch.setattr(module, name,
                            lambda *a, _fn=fn, _name=name, **k: calls.append(_name) or _fn(*a, **k))
    done = confirm_suggestions(store, duo, [{"id": a["id"], "rev": 1} for a in written[:150]])
    assert sorted(calls) == ["append_records", "atomic_write_bytes", "put_annotations"]
    assert all(a["rev"] == 2 and "suggestion" not in a["tags"] for a in done)
    assert all(", confirmed " in a["text"] for a in done)
    calls.clear()
    gone = discard_suggestions(store, duo, [{"id": a["id"], "rev": 1} for a in written[150:]])
    assert sorted(calls) == ["append_records", "atomic_write_bytes", "put_annotations"]
    assert all(a["deleted"] for a in gone)
    states = [r["state"] for r in role_suggestions(
        store, duo, [{"name": "client|therapist", "role_runs": runs}])]
    assert states.count("confirmed") == 150 and states.count("discarded") == 50
    calls.clear()
    back = restore_suggestions(store, duo, [{"id": a["id"], "rev": a["rev"]} for a in gone])
    assert len(calls) == 3 and not any(a["deleted"] for a in back)


def test_restoring_is_for_discarded_suggestions_only(store, duo):
    from improv.analyze.roles import restore_suggestions
    from sessions.annotation_edits import add_annotation
    from sessions.errors import InvalidArgumentError

    (a,) = accept_roles(store, duo, RUNS[:1])
    with pytest.raises(InvalidArgumentError, match="is not deleted"):
        restore_suggestions(store, duo, [{"id": a["id"]}])
    own = add_annotation(store, duo, t=1.0, tags=["autonomy:leader"], text="mine")
    with pytest.raises(InvalidArgumentError, match="is not a role suggestion"):
        restore_suggestions(store, duo, [{"id": own["id"]}])
