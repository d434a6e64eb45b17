"""A goal's history on screen (review rev-months): why a goal was dropped in ``goals list``,
``goals show`` and ``goals drop``; a start day before the first session answered with the day
to give; the research export's goals keep a pair of roles as the pair it is."""

from __future__ import annotations

import logging

import pandas as pd

from tests.improv import test_goals as _goals
from tests.improv.test_goals import _ok
from tests.sessions.helpers import tree_snapshot

# the client of tests/improv/test_goals.py: C07 with eight weekly sessions from Jan 5, 2026
built_store, client_store = _goals.built_store, _goals.client_store

WHY = "client prefers to follow for now"


def test_why_a_goal_was_dropped_is_said_in_drop_list_and_show(client_store, run_cli, caplog):
    """The reason was saved but shown only in --json and the PDF report: now on screen as
    well, after the day it was dropped; never logged at info level (it is health text)."""
    g = _ok(run_cli("goals", "add", "--client", "C07", "Dares to lead the music", "--since",
                    "2026-01-05", "--indicator", "leads_share@client:up", "--json"))
    kept = _ok(run_cli("goals", "add", "--client", "C07", "Plays softly", "--since",
                       "2026-01-05", "--json"))
    with caplog.at_level(logging.DEBUG):
        r = _ok(run_cli("goals", "drop", g["id"], "--on", "2026-02-09", "--reason", WHY))
    assert r.stdout == f"goal {g['id']} dropped on Feb 9, 2026: {WHY}\n"
    assert not [x for x in caplog.records if x.levelno >= logging.INFO and WHY in x.getMessage()]
    listed = _ok(run_cli("goals", "list", "--client", "C07")).stdout
    assert listed.endswith(f"\n\n{g['id']} dropped on Feb 9, 2026: {WHY}\n"), listed
    shown = _ok(run_cli("goals", "show", "--client", "C07", g["id"])).stdout.splitlines()
    head = shown.index(f"{g['id']}  since Jan 5, 2026 to Feb 9, 2026 (dropped): "
                       "“Dares to lead the music”")
    assert shown[head + 1] == f"  dropped on Feb 9, 2026: {WHY}"
    # a goal ended without a reason: no empty line for it
    _ok(run_cli("goals", "reach", kept["id"], "--on", "2026-02-09"))
    shown = _ok(run_cli("goals", "show", "--client", "C07", kept["id"])).stdout
    assert "reached on Feb 9, 2026" not in shown
    assert _ok(run_cli("goals", "list", "--client", "C07")).stdout.count("on Feb 9, 2026") == 1


def test_a_start_before_the_first_session_says_the_day_to_give(client_store, run_cli):
    """"is before the client's first session (Jan 5, 2026)" said what was wrong, not what to
    do: the day to give, and the option as the command takes it; nothing is written."""
    path, _ = client_store
    before = tree_snapshot(path)
    r = run_cli("goals", "add", "--client", "C07", "Keeps a steady shared pulse", "--since",
                "2026-01-02", "--indicator", "leads_share@client:up")
    assert r.exit_code == 1
    assert r.stderr == (
        "error: the goal's start date, Jan 2, 2026, is before the client's first session "
        "(Jan 5, 2026): give Jan 5, 2026 or a later day (a goal agreed at intake counts from "
        "the first session: --since 2026-01-05)\n")
    assert tree_snapshot(path) == before
    # the same rule for the day a goal is dropped: the day to give, in the library's words
    g = _ok(run_cli("goals", "add", "--client", "C07", "X", "--since", "2026-01-05", "--json"))
    r = run_cli("goals", "drop", g["id"], "--on", "2026-01-01")
    assert r.exit_code == 1 and r.stderr.startswith(
        "error: the day it was dropped, Jan 1, 2026, is before the client's first session "
        "(Jan 5, 2026): give Jan 5, 2026 or a later day"), r.stderr


def test_the_research_export_keeps_a_pair_of_roles_and_masks_a_name_in_a_pair(
        client_store, run_cli, tmp_path):
    """goals.csv wrote "asynchrony_abs_mean_ms down player" for the pair client|therapist
    (the whole pair was checked as one role name): each of its names is checked now."""
    from sessions.goals import add_goal
    from sessions.store import Store

    path, _ = client_store
    _ok(run_cli("goals", "add", "--client", "C07", "Plays with the therapist", "--since",
                "2026-01-05", "--indicator", "joint_share@client|therapist:up",
                "--indicator", "leads_share@client:up"))
    with Store(path) as store:  # a pair with a personal name (a player entered by name)
        add_goal(store, "C07", text="Plays with Anna", since="2026-01-05", indicators=[
            {"measure": "joint_share", "direction": "up", "player": "client|Anna"},
            {"measure": "notes_per_s", "direction": "down", "player": "Anna"}])
    _ok(run_cli("export-dataset", "--to", tmp_path / "ds", "--format", "csv"))
    goals = pd.read_csv(tmp_path / "ds" / "goals.csv")
    assert list(goals.indicators) == [
        "joint_share up client|therapist, leads_share up client",
        "joint_share up client|player, notes_per_s down player"]
    assert "Anna" not in (tmp_path / "ds" / "goals.csv").read_text()
    _ok(run_cli("export-dataset", "--to", tmp_path / "text", "--format", "csv", "--with-text"))
    goals = pd.read_csv(tmp_path / "text" / "goals.csv")
    assert goals.indicators.iloc[1] == "joint_share up client|Anna, notes_per_s down Anna"


def test_a_reason_too_long_is_refused_not_cut_short(client_store, run_cli):
    """A reason over 500 characters was cut to 500 without a word: refused now, nothing
    written, and one of 500 is kept whole."""
    path, _ = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "X", "--since", "2026-01-05", "--json"))
    before = tree_snapshot(path)
    r = run_cli("goals", "drop", g["id"], "--reason", "w" * 501)
    assert r.exit_code == 1 and r.stderr == (
        "error: the reason must have at most 500 characters, got 501 (longer text belongs in "
        "the session notes)\n"), r.stderr
    assert tree_snapshot(path) == before
    dropped = _ok(run_cli("goals", "drop", g["id"], "--reason", "w" * 500, "--json"))
    assert dropped["reason"] == "w" * 500
