"""A second goal that an active goal already is (the same client, measures and tags, each the
same way) is refused in one line that says how to change that goal instead; the store is left
as it was (therapist review 35: it was accepted without a remark)."""

from __future__ import annotations

from tests.improv.goal_stores import client_store_fixtures, refusal

built, store = client_store_fixtures(folder="dup")


def _add(run_cli, *args: str):
    return run_cli("goals", "add", "--client", "C07", *args)


def test_a_repeated_goal_is_refused_with_the_command_that_changes_it(store, run_cli):
    first = _add(run_cli, "Dares to lead", "--since", "2026-01-05", "--indicator",
                 "leads_share@client:up", "--json")
    assert first.exit_code == 0, first.stderr
    goal_id = first.json()["id"]
    # the same goal again, its measure named the other way the command line takes it, and
    # under another text: the same course would be followed twice
    for args in (["Dares to lead", "--indicator", "leads_share@client:up"],
                 ["Takes the lead", "--indicator", "client_leads_share@client|therapist:up"]):
        said = refusal(run_cli, store, "goals", "add", "--client", "C07", *args)
        assert said == (
            "error: this goal exists already: “Dares to lead”, active since Jan 5, 2026, "
            "follows the same measures the same way; change that goal instead of adding it "
            f"again (improv goals edit {goal_id})"), said
    listed = run_cli("goals", "list", "--client", "C07", "--json").json()
    assert [g["id"] for g in listed["goals"]] == [goal_id]


def test_a_goal_that_differs_is_added(store, run_cli):
    assert _add(run_cli, "Dares to lead", "--indicator", "leads_share@client:up").exit_code == 0
    # another direction, another measure besides, a tag besides, another player: new goals
    for args in (["Lets the therapist lead", "--indicator", "leads_share@client:down"],
                 ["Leads and plays more", "--indicator", "leads_share@client:up",
                  "--indicator", "notes_per_s@client:up"],
                 ["Leads, tagged", "--indicator", "leads_share@client:up",
                  "--tag", "autonomy:leader:up"],
                 ["Therapist leads", "--indicator", "leads_share@therapist:up"]):
        r = _add(run_cli, *args)
        assert r.exit_code == 0, (args, r.stderr)


def test_an_ended_goal_may_be_agreed_again(store, run_cli):
    g = _add(run_cli, "Dares to lead", "--since", "2026-01-05", "--indicator",
             "leads_share@client:up", "--json").json()
    assert run_cli("goals", "drop", g["id"], "--on", "2026-02-01").exit_code == 0
    r = _add(run_cli, "Dares to lead", "--indicator", "leads_share@client:up")
    assert r.exit_code == 0, r.stderr


def test_goals_without_measures_are_the_same_only_by_their_text(store, run_cli):
    assert _add(run_cli, "Comes on time").exit_code == 0
    assert _add(run_cli, "Says hello").exit_code == 0
    r = _add(run_cli, "  comes ON time ")
    assert r.exit_code == 1 and "this goal exists already: “Comes on time”" in r.stderr
