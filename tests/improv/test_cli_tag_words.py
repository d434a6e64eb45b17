"""``improv annotations list``, ``search`` and ``history`` word the tags as the session page and
the tag picker do ("IAP · autonomy: leader", "Practice · mood: calm"), not as their codes
(``autonomy:leader``), which ``--json`` keeps (review 35 found the codes on the session page;
the command line showed them too)."""

from __future__ import annotations

import re

import pytest

from improv.reports.tag_words import tag_short, tag_words, tags_in_words
from tests.sessions.helpers import write_midi

#: a tag written as its code: letters, a colon, letters
CODE = re.compile(r"[a-z]:[a-z]", re.IGNORECASE)


@pytest.fixture
def sid(run_cli, tmp_path):
    mid = write_midi(tmp_path / "duet.mid", tracks={
        "client": [(0.0, 0, 60, 80), (30.0, 0, 62, 80)], "therapist": [(1.0, 9, 38, 90)]})
    r = run_cli("sessions", "import", mid, "--client", "C07", "--player", "client=duet.mid:2",
                "--player", "therapist=duet.mid:3", "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()["id"]


def test_the_words_of_tags():
    assert tag_words("autonomy:leader") == "IAP · autonomy: leader"
    assert tag_words("mood:calm") == "Practice · mood: calm"
    assert tag_words("laughing") == "laughing"
    assert tags_in_words(["autonomy:leader", "marker", "mood:calm", "autonomy:follower"]) == (
        "marker; IAP · autonomy: leader, follower; Practice · mood: calm")
    assert tags_in_words([]) == ""
    assert (tag_short("autonomy:leader"), tag_short("marker")) == ("leader", "marker")


def test_list_search_and_history_say_tags_in_words(run_cli, sid):
    r = run_cli("annotate", sid, "--at", "5", "--player", "client", "--tag", "autonomy:leader",
                "--new-tag", "mood:calm", "settles", "--json")
    assert r.exit_code == 0, r.stderr
    aid = r.json()["id"]
    assert run_cli("annotations", "edit", sid, aid, "--tag", "autonomy:partner",
                   "--tag", "solo").exit_code == 0

    listed = run_cli("annotations", "list", sid)
    assert listed.exit_code == 0, listed.stderr
    assert "solo; IAP · autonomy: partner" in listed.stdout
    assert not CODE.search(listed.stdout), listed.stdout
    # --json keeps the codes
    assert run_cli("annotations", "list", sid, "--json").json()[0]["tags"] == [
        "autonomy:partner", "solo"]

    found = run_cli("annotations", "search", "settles")
    assert found.exit_code == 0, found.stderr
    assert "solo; IAP · autonomy: partner" in found.stdout and not CODE.search(found.stdout)

    history = run_cli("annotations", "history", sid, aid)
    assert history.exit_code == 0, history.stderr
    assert "IAP · autonomy: leader; Practice · mood: calm" in history.stdout
    assert "solo; IAP · autonomy: partner" in history.stdout
    assert not CODE.search(history.stdout.replace(aid, "")), history.stdout
