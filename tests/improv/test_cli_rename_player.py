"""``improv sessions correct ID --player OLD=NEW``: renaming a player from the command line,
kept in the session's history (``sessions show``)."""

from __future__ import annotations

import pytest

from sessions.revisions import read_revisions
from tests.sessions.helpers import tree_snapshot
from tests.sessions.test_rename_player import _imported


def test_correct_renames_a_player_and_show_lists_it(store, tmp_path, run_cli):
    sid = _imported(store, tmp_path)
    out = run_cli("sessions", "correct", sid, "--player", "Piano-client=client", "--by", "T01",
                  "--reason", "track name")
    assert out.exit_code == 0, out.stderr
    assert f"session {sid}: Player Piano-client renamed client" in out.stdout
    assert f"'improv analyze {sid}'" in out.stdout
    (rev,) = read_revisions(store.folder(sid))
    assert (rev["field"], rev["from"], rev["to"], rev["by"]) == (
        "player", "Piano-client", "client", "T01")
    shown = run_cli("sessions", "show", sid)
    assert "Player Piano-client renamed client (track name)" in shown.stdout
    assert "  client " in shown.stdout and "Piano-client " not in shown.stdout.split(
        "players")[1]
    again = run_cli("sessions", "correct", sid, "--player", "client=client")
    assert "nothing to correct" in again.stdout
    both = run_cli("sessions", "correct", sid, "--player", "room-1=room", "--title", "duet",
                   "--json")
    assert both.exit_code == 0, both.stderr
    r = both.json()
    assert [v["field"] for v in r["revisions"]] == ["player", "title"]
    assert r["players"] == ["client", "Piano-therapist", "room"]
    assert r["player_names"] == {"Piano-client": "client", "room-1": "room"}
    assert r["title"] == "duet"


@pytest.mark.parametrize("args,message", [
    (["--player", "Piano-client"], "--player takes OLD=NEW (e.g. Piano-client=client), got "
                                   "'Piano-client'"),
    (["--player", "=client"], "--player takes OLD=NEW"),
    (["--player", "cello=client"], "has no player 'cello'"),
    (["--player", "Piano-client=Piano-therapist"], "players are not merged"),
    (["--player", "Piano-client=Dr.K"], "must be 1-32 letters"),
    (["--player", "Piano-client=client", "--client", "bad code!"],
     "client must be a pseudonym code"),
    (["--player", "Piano-client=client", "--title", "x" * 201], "title must be at most"),
])
def test_refused_renames_change_nothing(store, tmp_path, store_path, run_cli, args, message):
    sid = _imported(store, tmp_path)
    before = tree_snapshot(store_path)
    out = run_cli("sessions", "correct", sid, *args)
    assert out.exit_code == 1
    assert message in out.stderr and out.stderr.count("\n") == 1, out.stderr
    assert tree_snapshot(store_path) == before
