"""The session page's analysis answer keeps each pair's turns (the timeline's text alternative
lists them, review 30 finding 11), and an answer kept in the older shape is not served."""

from __future__ import annotations

import hashlib
import json

from improv.analyze import analyze_session
from sessions.store import Store


def test_the_answer_keeps_the_turns_and_replaces_an_older_kept_answer(demo_store, client_for):
    path, sid = demo_store
    with Store(path) as store:
        turns = analyze_session(store, sid, dialogue=True)["dialogue"][0]["turns"]
        cache = store.session(sid).cache_dir
        keys = sorted({(r["player"], r["analysis_key"])
                       for r in store.catalog.features(session_id=sid)})
    assert turns
    # an answer kept before, without the turns, under the name of the older shape
    digest = hashlib.sha256(json.dumps(keys).encode()).hexdigest()[:16]
    old = cache / f"analysis-answer-{digest}.json"
    old.write_text(json.dumps({"status": "ok", "players": {}, "dialogue": [{"pair": ["a", "b"]}]}))
    c = client_for(path)
    r = c.get(f"/api/sessions/{sid}/analysis")
    assert r.status_code == 200
    (d,) = r.json()["dialogue"]
    assert d["turns"] == json.loads(json.dumps(turns))
    assert "transitions" not in d
    kept = [p for p in cache.glob("analysis-answer-*.json") if p != old]
    assert len(kept) == 1 and "turns" in json.loads(kept[0].read_text())["dialogue"][0]
