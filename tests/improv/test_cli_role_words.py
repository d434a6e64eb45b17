"""`improv annotations ID` shows a role suggestion stored in the wording before session 35
("leader · client (suggested from the playing, 100 % sure)") in today's words, as the session
page does; `--json` keeps the stored text, and a therapist's own text is never reworded."""

from __future__ import annotations

from sessions.annotation_edits import SUGGESTION_AUTHOR, add_annotation, add_annotations

OLD = "leader · client (suggested from the playing, 100 % sure)"


def test_an_older_suggestion_is_listed_in_todays_words(run_cli, store):
    from improv.demo import create_demo_session

    sid = create_demo_session(store, duration=10.0)["id"]
    add_annotations(store, sid, [{"t": 2.0, "end": 6.0, "player": "client",
                                  "tags": ["suggestion", "autonomy:leader"], "text": OLD}],
                    by=SUGGESTION_AUTHOR, source="suggestion")
    add_annotation(store, sid, t=8.0, tags=["note"], text="100 % sure she led", by="T01")
    r = run_cli("annotations", sid)
    assert r.exit_code == 0, r.stderr
    assert "leader · client (suggested: a clear indication from the pl" in r.stdout
    assert "100 % sure)" not in r.stdout and "100 % sure she led" in r.stdout
    texts = {a["text"] for a in run_cli("annotations", sid, "--json").json()}
    assert OLD in texts
