"""A role suggestion written before session 35 said "leader · therapist (suggested from the
playing, 100 % sure)" on the session page, beside "Less sure: a confidence under 0.5" (a
therapist's review): the page is given it in today's words, "… (suggested: a clear
indication from the playing)"; what is stored stays as written, and a text the therapist
wrote is never reworded."""

from __future__ import annotations

from sessions.annotation_edits import SUGGESTION_AUTHOR, add_annotation, add_annotations
from sessions.store import Store

OLD = "leader · therapist (suggested from the playing, 100 % sure)"


def test_an_older_suggestion_is_shown_in_todays_words(demo_store, client_for):
    path, sid = demo_store
    with Store(path) as store:
        (old,) = add_annotations(store, sid, [
            {"t": 2.0, "end": 6.0, "player": "therapist",
             "tags": ["suggestion", "autonomy:leader"], "text": OLD}],
            by=SUGGESTION_AUTHOR, source="suggestion")
        mine = add_annotation(store, sid, t=8.0, tags=["autonomy:leader"], text=OLD, by="T01")
    c = client_for(path)
    for answer in (c.get(f"/api/sessions/{sid}/annotations").json(),
                   c.get(f"/api/sessions/{sid}/page").json()):
        by_id = {a["id"]: a for a in answer["annotations"]}
        assert by_id[old["id"]]["text"] == (
            "leader · therapist (suggested: a clear indication from the playing)")
        assert by_id[mine["id"]]["text"] == OLD  # the therapist's words, as written
    with Store(path) as store:
        stored = {a["id"]: a for a in store.session(sid).annotations()}
    assert stored[old["id"]]["text"] == OLD
