"""A damaged line of a session's ``revisions.jsonl`` says what to do, as one of its
``annotations.jsonl`` does (review 35 of the researcher: 'error: …/revisions.jsonl:1: not valid
JSON (…)' and no advice)."""

from __future__ import annotations

import json

import pytest

from tests.sessions.helpers import tree_snapshot, write_midi


@pytest.fixture
def sid(run_cli, tmp_path):
    """A session with two title corrections in its ``revisions.jsonl``."""
    mid = write_midi(tmp_path / "duet.mid", tracks={
        "client": [(0.0, 0, 60, 80), (9.0, 0, 62, 80)], "therapist": [(1.0, 9, 38, 90)]})
    r = run_cli("sessions", "import", mid, "--client", "C07", "--player", "client=duet.mid:2",
                "--player", "therapist=duet.mid:3", "--json")
    assert r.exit_code == 0, r.stderr
    sid = r.json()["id"]
    for title in ("first", "second"):
        assert run_cli("sessions", "correct", sid, "--title", title).exit_code == 0
    return sid


@pytest.mark.parametrize("line, what", [
    ('{"rev": 1, oops}', "not valid JSON (Expecting property name enclosed in double quotes: "
                         "line 1 column 12 (char 11))"),
    ('{"rev": 1, "field": "colour", "to": "red"}',
     "not a correction of the title, the client, a player's name or a drum-kit mark"),
])
def test_a_damaged_revision_log_says_what_to_do(run_cli, sid, store_path, line, what):
    log = store_path / "sessions" / sid / "revisions.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    assert len(lines) == 2
    log.write_text(f"{line}\n{lines[1]}")
    before = tree_snapshot(store_path)
    advice = (f"; check the session with 'improv sessions verify {sid}'; a backup made before "
              "holds the file as it was ('improv help restore')")
    for args in (["sessions", "correct", sid, "--title", "third"],
                 ["sessions", "correct", sid, "--player", "client=Kim"],
                 ["sessions", "percussion", sid, "therapist"],
                 ["sessions", "show", sid]):
        r = run_cli(*args)
        assert r.exit_code == 1, (args, r.stdout, r.stderr)
        assert r.stderr == f"error: {log}:1: {what}{advice}\n", (args, r.stderr)
        assert tree_snapshot(store_path) == before, args  # nothing written, nothing cut off
    r = run_cli("sessions", "correct", sid, "--title", "third", "--json")
    assert (r.exit_code, json.loads(r.stderr)["kind"]) == (1, "DamagedLogError")
    assert tree_snapshot(store_path) == before
