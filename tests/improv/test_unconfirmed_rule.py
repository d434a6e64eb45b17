"""One rule for "an unconfirmed role suggestion is not the therapist's annotation": the
catalog's counts (Catalog.own_annotation_counts, in SQL) and the reports
(improv.reports.wording.unconfirmed) agree, also for an annotation the therapist tagged
'suggestion' by hand: that one is theirs and counts."""

from __future__ import annotations

import pytest

from improv.analyze.roles import confirm_suggestions
from improv.reports.wording import unconfirmed
from sessions.annotation_edits import SUGGESTION_AUTHOR, add_annotation, add_annotations
from sessions.errors import InvalidArgumentError


@pytest.fixture
def duo(store):
    from improv.demo import create_demo_session

    return create_demo_session(store, duration=10.0)["id"]


def test_a_hand_tagged_suggestion_is_the_therapists_in_the_catalog_and_the_reports(store, duo):
    demo = len(store.session(duo).annotations())  # the demo's own markers
    own = add_annotation(store, duo, t=1.0, tags=["suggestion", "autonomy:leader"],
                         text="I suggest she leads more", by="T01")  # source "manual"
    waiting, confirmed = add_annotations(store, duo, [
        {"t": 2.0, "end": 3.0, "player": "client", "tags": ["suggestion", "autonomy:leader"],
         "text": "leader · client (suggested from the playing, 90 % sure)"},
        {"t": 4.0, "end": 5.0, "player": "client", "tags": ["suggestion", "autonomy:leader"],
         "text": "leader · client (suggested from the playing, 80 % sure)"}],
        by=SUGGESTION_AUTHOR, source="suggestion")
    (confirmed,) = confirm_suggestions(store, duo, [{"id": confirmed["id"], "rev": 1}])
    current = {a["id"]: a for a in store.session(duo).annotations()}
    # the reports
    assert not unconfirmed(current[own["id"]])
    assert unconfirmed(current[waiting["id"]])
    assert not unconfirmed(current[confirmed["id"]])
    mine = [a for a in current.values() if not unconfirmed(a)]
    # the catalog counts the same ones: the hand-tagged one and the confirmed one
    counts = store.catalog.own_annotation_counts
    assert counts([duo]) == {duo: len(mine)} == {duo: demo + 2}
    assert counts([duo], tag="autonomy:leader") == {duo: 2}
    assert counts([duo], tag="suggestion") == {duo: 1}  # only the therapist's own
    # after a rebuild of the catalog from the session folders, the same
    store.reindex()
    assert store.catalog.own_annotation_counts([duo], tag="autonomy:leader") == {duo: 2}


def test_a_hand_tagged_suggestion_is_not_offered_for_confirmation(store, duo):
    own = add_annotation(store, duo, t=1.0, tags=["suggestion"], text="try the drum", by="T01")
    with pytest.raises(InvalidArgumentError, match="an annotation of your own"):
        confirm_suggestions(store, duo, [{"id": own["id"], "rev": 1}])
