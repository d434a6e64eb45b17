"""The role suggestions of the session page through the API (improv.web.api_roles): counts,
adding them as annotations once, confirming and discarding, and the refusals."""

from __future__ import annotations

import pytest

from improv.analyze import analyze_session
from sessions.store import Store
from tests.improv.web.test_api import snapshot


@pytest.fixture
def analysed(demo_store):
    """The 30 s demo duet with its dialogue analysed: (store path, session id)."""
    path, sid = demo_store
    with Store(path) as store:
        analyze_session(store, sid, dialogue=True)
    return path, sid


def suggestions(path, sid) -> list[dict]:
    with Store(path) as store:
        return [a for a in store.session(sid).annotations(include_deleted=True)
                if a["source"] == "suggestion"]


def test_not_analysed_is_a_409_that_says_what_to_do(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    before = snapshot(path)
    for r in (c.get(f"/api/sessions/{sid}/roles"),
              c.post(f"/api/sessions/{sid}/roles/annotations", json={})):
        assert r.status_code == 409
        msg = r.json()["error"]
        assert "Analyse now" in msg and "\n" not in msg
    assert snapshot(path) == before


def test_add_counts_and_adds_once(analysed, client_for):
    path, sid = analysed
    c = client_for(path)
    r = c.get(f"/api/sessions/{sid}/roles").json()
    n = len(r["suggestions"])
    assert n > 0 and r["pairs"] == [["client", "therapist"]]
    assert sum(x["n"] for x in r["counts"]) == n
    assert r["states"] == {"new": n, "to review": 0, "confirmed": 0, "discarded": 0}
    # the 30 s demo's suggestions are all less sure than the default 0.5: none written
    sure = r["new_sure"]
    r = c.post(f"/api/sessions/{sid}/roles/annotations", json={}).json()
    assert r["added"] == sure == len(suggestions(path, sid))
    r = c.post(f"/api/sessions/{sid}/roles/annotations", json={"min_confidence": 0}).json()
    assert r["added"] == n - sure and r["states"]["to review"] == n
    written = suggestions(path, sid)
    assert len(written) == n and all("suggestion" in a["tags"] for a in written)
    r = c.post(f"/api/sessions/{sid}/roles/annotations", json={"min_confidence": 0}).json()
    assert r["added"] == 0 and len(suggestions(path, sid)) == n
    r = c.post(f"/api/sessions/{sid}/roles/annotations", json={"min_confidence": 2})
    assert r.status_code == 400 and "min_confidence must be a number in 0..1" in r.json()["error"]


def test_confirm_and_discard_keep_their_history(analysed, client_for):
    path, sid = analysed
    c = client_for(path)
    c.post(f"/api/sessions/{sid}/roles/annotations", json={"min_confidence": 0})
    first, second, *rest = suggestions(path, sid)
    base = f"/api/sessions/{sid}/roles"
    r = c.post(f"{base}/confirm", json={"annotations": [{"id": first["id"], "rev": 1}]})
    assert r.status_code == 200 and r.json()["confirmed"] == 1
    (a,) = r.json()["annotations"]
    assert "suggestion" not in a["tags"] and a["rev"] == 2 and a["source"] == "suggestion"
    assert set(a["tags"]) == set(first["tags"]) - {"suggestion"}
    r = c.post(f"{base}/discard", json={"annotations": [{"id": second["id"], "rev": 1}]})
    assert r.status_code == 200 and r.json()["annotations"][0]["deleted"]
    history = c.get(f"/api/sessions/{sid}/annotations/{second['id']}/history").json()["history"]
    assert [v["op"] for v in history] == ["create", "delete"]
    states = c.get(base).json()["states"]
    assert states["confirmed"] == 1 and states["discarded"] == 1
    # adding again brings back neither the confirmed nor the discarded one
    assert c.post(f"{base}/annotations", json={"min_confidence": 0}).json()["added"] == 0

    # refusals write nothing: changed meanwhile (409), not a suggestion (400), unknown (404)
    before = snapshot(path)
    r = c.post(f"{base}/confirm", json={"annotations": [{"id": a["id"], "rev": 1}]})
    assert r.status_code == 409 and "reload them and try again" in r.json()["error"]
    r = c.post(f"{base}/confirm", json={"annotations": [{"id": a["id"], "rev": 2}]})
    assert r.status_code == 400 and "confirmed already" in r.json()["error"]
    r = c.post(f"{base}/discard", json={"annotations": [{"id": "a-0000000000"}]})
    assert r.status_code == 404
    assert snapshot(path) == before
    if rest:  # all the rest at once
        r = c.post(f"{base}/discard", json={"annotations": [
            {"id": x["id"], "rev": x["rev"]} for x in rest]})
        assert r.json()["discarded"] == len(rest)


def test_a_confirmation_is_no_correction(analysed, client_for):
    """After Confirm the row said "(edited)" (review 27b): the annotations' ``edits`` count
    corrections only, not the confirmation nor a deletion undone; the text says confirmed."""
    path, sid = analysed
    c = client_for(path)
    c.post(f"/api/sessions/{sid}/roles/annotations", json={"min_confidence": 0})
    first, second, *_ = suggestions(path, sid)
    base = f"/api/sessions/{sid}/annotations"
    c.post(f"/api/sessions/{sid}/roles/confirm", json={"annotations": [{"id": first["id"]}]})
    c.delete(f"{base}/{second['id']}")
    c.post(f"{base}/{second['id']}/restore", json={})

    def current(aid):
        (a,) = [a for a in c.get(base).json()["annotations"] if a["id"] == aid]
        return a

    a = current(first["id"])
    assert a["rev"] == 2 and a["edits"] == 0 and ", confirmed " in a["text"]
    assert current(second["id"])["edits"] == 0
    page = c.get(f"/api/sessions/{sid}/page").json()["annotations"]
    assert [x["edits"] for x in page if x["id"] == first["id"]] == [0]
    c.patch(f"{base}/{first['id']}", json={"text": "she leads here"})
    assert current(first["id"])["edits"] == 1


def test_discarding_all_is_undone_in_one_request(analysed, client_for):
    """The page's Undo after "Discard all remaining" restores them with one request (it sent
    one per suggestion); a stale revision is a 409 and restores none."""
    path, sid = analysed
    c = client_for(path)
    c.post(f"/api/sessions/{sid}/roles/annotations", json={"min_confidence": 0})
    written = suggestions(path, sid)
    base = f"/api/sessions/{sid}/roles"
    gone = c.post(f"{base}/discard", json={"annotations": [
        {"id": a["id"], "rev": a["rev"]} for a in written]}).json()["annotations"]
    before = snapshot(path)
    r = c.post(f"{base}/restore", json={"annotations": [{"id": a["id"], "rev": 1}
                                                         for a in gone]})
    assert r.status_code == 409 and snapshot(path) == before
    r = c.post(f"{base}/restore", json={"annotations": [{"id": a["id"], "rev": a["rev"]}
                                                         for a in gone]})
    assert r.status_code == 200 and r.json()["restored"] == len(written)
    assert c.get(base).json()["states"]["to review"] == len(written)
