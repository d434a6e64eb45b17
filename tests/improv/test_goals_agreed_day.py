"""A goal's agreed day can be corrected; a change dated too early says how (review 35).

A therapist who left "Agreed on" empty (today) found the client's earlier sessions outside
the goal, and a change dated back was refused with the goal's internal ID and no way out.
The day agreed is now corrected by one more line of the log (``edit`` with
``"corrects": "agreed"``), the first line kept as it was written.
"""

from __future__ import annotations

import json

import pytest

from tests.improv import test_goals as _goals
from tests.improv.test_goals import _ok
from tests.sessions.helpers import tree_snapshot

# the client of tests/improv/test_goals.py: C07 with eight weekly sessions, values known
built_store, client_store = _goals.built_store, _goals.client_store


def _log(path):
    return (path / "clients" / "C07" / "goals.jsonl").read_bytes()


def test_a_change_dated_before_the_current_version_says_how_to_count_earlier_sessions(
        client_store, run_cli):
    path, _ = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "Dares to lead", "--since", "2026-02-02",
                    "--json"))
    before = tree_snapshot(path)
    r = run_cli("goals", "edit", g["id"], "Dares to lead and follow", "--since", "2026-01-05")
    assert r.exit_code == 1 and r.stdout == "" and r.stderr.count("\n") == 1
    # by its text, the way out named; the command line adds the ID in the command to give
    assert r.stderr == (
        "error: A change of “Dares to lead” can apply from Feb 2, 2026 (when its current "
        "version began) or later. To count earlier sessions, correct the day the goal was "
        f"agreed: improv goals edit {g['id']} --agreed-on 2026-01-05\n")
    assert tree_snapshot(path) == before


def test_the_library_names_the_goal_by_its_text_never_its_id(client_store):
    from sessions import goals as gl
    from sessions.store import Store

    path, _ = client_store
    with Store(path) as store:
        g = gl.add_goal(store, "C07", text="Dares to lead", since="2026-02-02")
        with pytest.raises(gl.EarlyChangeError) as info:
            gl.edit_goal(store, "C07", g["id"], text="Other", since="2026-01-05")
        assert str(info.value) == (
            "A change of “Dares to lead” can apply from Feb 2, 2026 (when its current version "
            "began) or later. To count earlier sessions, correct the day the goal was agreed.")
        assert info.value.can_correct_agreed and info.value.since == "2026-02-02"
        messages = [str(info.value)]
        for call in (lambda: gl.edit_goal(store, "C07", g["id"], since="2026-02-02"),
                     lambda: gl.end_goal(store, "C07", g["id"], op="reach", on="2026-01-12")):
            with pytest.raises(gl.GoalError) as other:
                call()
            messages.append(str(other.value))
        gl.end_goal(store, "C07", g["id"], op="drop", on="2026-02-09")
        for call in (lambda: gl.edit_goal(store, "C07", g["id"], text="Again"),
                     lambda: gl.end_goal(store, "C07", g["id"], op="reach")):
            with pytest.raises(gl.GoalError) as other:
                call()
            messages.append(str(other.value))
    assert messages[1] == ("nothing to change in “Dares to lead”: give a new text, indicators "
                           "or tags")
    assert messages[2] == ("the day it was reached, Jan 12, 2026, is before the current "
                           "version of “Dares to lead” (from Feb 2, 2026)")
    assert messages[3].startswith("“Dares to lead” was dropped on Feb 9, 2026; it can no longer")
    assert messages[4] == "“Dares to lead” was dropped on Feb 9, 2026 already"
    assert not any("g-" in m for m in messages), messages


def test_correcting_the_day_agreed_counts_the_earlier_sessions_and_keeps_the_first_line(
        client_store, run_cli):
    path, ids = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "Dares to lead", "--since", "2026-02-02",
                    "--indicator", "leads_share@client:up", "--json"))
    first = _log(path)
    r = _ok(run_cli("goals", "edit", g["id"], "--agreed-on", "2026-01-05"))
    assert r.stdout == (f"goal {g['id']}: agreed on Jan 5, 2026 (corrected; version 2, the day "
                        "entered first stays in its history)\n")
    # append-only: the first line as it was written, one more line that says what it corrects
    after = _log(path)
    assert after.startswith(first)
    (added,) = [json.loads(line) for line in after[len(first):].splitlines()]
    assert (added["op"], added["rev"], added["since"], added["corrects"]) == (
        "edit", 2, "2026-01-05", "agreed")
    assert added["text"] == "Dares to lead" and added["indicators"] == g["indicators"]
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    assert goal["since"] == "2026-01-05"
    v1, v2 = goal["versions"]
    assert (v1["used"], v1["sessions"], v1["since"]) == (False, [], "2026-02-02")
    assert (v2["used"], v2["sessions"], v2["corrects_agreed"]) == (True, ids, True)
    human = _ok(run_cli("goals", "show", "--client", "C07")).stdout
    assert ("version 1 (agreed on Feb 2, 2026 as first entered; corrected to Jan 5, 2026 by "
            "version 2; not used): “Dares to lead”") in human
    assert "version 2, Jan 5, 2026 to now" in human
    assert f"{g['id']}  since Jan 5, 2026 (active)" in human
    # the catalog's index and a rebuilt one say the same
    _ok(run_cli("sessions", "reindex"))
    listed = _ok(run_cli("goals", "list", "--client", "C07", "--json"))["goals"]
    assert listed[0]["since"] == "2026-01-05"
    from sessions.store import Store

    with Store(path) as store:
        row = store.catalog.db.execute("SELECT since FROM goals WHERE id = ?",
                                       (g["id"],)).fetchone()
    assert row[0] == "2026-01-05"


def test_the_day_agreed_can_be_corrected_to_a_later_day_and_with_a_new_text(client_store,
                                                                          run_cli):
    _, ids = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "Dares to laed", "--since", "2026-01-05",
                    "--indicator", "leads_share@client:up", "--json"))
    e = _ok(run_cli("goals", "edit", g["id"], "Dares to lead", "--agreed-on", "2026-02-02",
                    "--json"))
    assert e["since"] == "2026-02-02" and e["text"] == "Dares to lead"
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    assert [v["sessions"] for v in goal["versions"]] == [[], ids[4:]]
    # the same day again, nothing else new: nothing to write
    r = run_cli("goals", "edit", g["id"], "--agreed-on", "2026-02-02")
    assert r.exit_code == 1 and "it was agreed on Feb 2, 2026 already" in r.stderr


def test_the_day_agreed_cannot_be_corrected_after_a_change_from_a_later_day(client_store,
                                                                           run_cli):
    path, _ = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "Dares to lead", "--since", "2026-01-12",
                    "--json"))
    _ok(run_cli("goals", "edit", g["id"], "Leads and follows", "--since", "2026-02-02"))
    before = tree_snapshot(path)
    r = run_cli("goals", "edit", g["id"], "--agreed-on", "2026-01-05")
    assert r.exit_code == 1 and r.stderr == (
        "error: the day “Leads and follows” was agreed can no longer be corrected: it was "
        "changed from Feb 2, 2026 on (its earlier version counts the sessions from Jan 12, "
        "2026)\n")
    # a change dated before its current version: no correction offered, the ID in brackets
    r = run_cli("goals", "edit", g["id"], "Other", "--since", "2026-01-19")
    assert r.exit_code == 1 and r.stderr == (
        "error: A change of “Leads and follows” can apply from Feb 2, 2026 (when its current "
        "version began) or later. Earlier sessions count for its earlier version (from Jan "
        f"12, 2026) (goal {g['id']})\n")
    r = run_cli("goals", "edit", g["id"], "--agreed-on", "2026-01-05", "--since", "2026-02-09")
    assert r.exit_code == 1 and "not both" in r.stderr
    r = run_cli("goals", "edit", g["id"], "--agreed-on", "2025-12-01")
    assert r.exit_code == 1 and ("the day the goal was agreed, Dec 1, 2025, is before the "
                                 "client's first session (Jan 5, 2026)") in r.stderr
    assert tree_snapshot(path) == before


def test_a_text_corrected_on_its_first_day_reads_replaced_not_a_second_period(client_store,
                                                                             run_cli):
    from improv.reports.goals import goals_progress
    from improv.reports.goals_report import goals_section_html
    from sessions.store import Store

    path, _ = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "Dares to laed", "--since", "2026-01-12",
                    "--indicator", "leads_share@client:up", "--json"))
    _ok(run_cli("goals", "edit", g["id"], "Dares to lead", "--since", "2026-01-12"))
    human = _ok(run_cli("goals", "show", "--client", "C07")).stdout
    assert ("version 1 (replaced the same day by version 2; not used): “Dares to laed”"
            in human)
    assert "version 2, Jan 12, 2026 to now: “Dares to lead”" in human
    with Store(path) as store:
        page = goals_section_html(goals_progress(store, "C07", analyse=False))
    assert ("Version 1 (replaced the same day by version 2; not used): “Dares to laed”"
            in page)
    assert "Version 2, Jan 12, 2026 to now: “Dares to lead”" in page
    assert page.count("to now") == 1
