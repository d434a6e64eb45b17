"""A goal's measure and its player: a measure of two players is refused with one player, a
measure of one player with a pair (review 29 finding 1), before and after the first session;
the measures a new client's goal can follow, in words (finding 3); a pair in the goal's own
order (finding 14). The web's words: tests/improv/web/test_goals_intake_web.py."""

from __future__ import annotations

from tests.improv import test_goals as _goals
from tests.improv.test_goals import _ok
from tests.sessions.helpers import tree_snapshot

# the client of tests/improv/test_goals.py: C07 with eight weekly sessions, values known
built_store, client_store = _goals.built_store, _goals.client_store


def _refused(r, text: str) -> str:
    assert r.exit_code == 1, r.stdout
    assert text in r.stderr, r.stderr
    return r.stderr


def test_a_pair_measure_with_one_player_is_refused_for_a_new_client(client_store, run_cli):
    path, _ = client_store
    before = tree_snapshot(path)
    _refused(run_cli("goals", "add", "--client", "N01", "--new-client", "Both play more",
                     "--indicator", "joint_share@client:up"),
             "Both playing is a measure of two players, not of client: name client|therapist, "
             "e.g. joint_share@client|therapist:up")
    _refused(run_cli("goals", "add", "--client", "N01", "--new-client", "Softer together",
                     "--indicator", "velocity_mean@client|therapist:down"),
             "Velocity (mean) is a measure of one player, not of client|therapist: name client "
             "or therapist, e.g. velocity_mean@client:down")
    # a pair's share named after its player belongs to that player
    _refused(run_cli("goals", "add", "--client", "N01", "--new-client", "Leads",
                     "--indicator", "leads_share@client|therapist:up"),
             "client leads is a measure of one player, not of client|therapist")
    _refused(run_cli("goals", "add", "--client", "N01", "--new-client", "Leads",
                     "--indicator", "client_leads_share@therapist:up"),
             "client leads is a measure of client, not of therapist: name client|therapist")
    assert tree_snapshot(path) == before  # nothing written
    for ind in ("joint_share@client|therapist:up", "velocity_mean@client:down",
                "leads_share@client:up"):
        _ok(run_cli("goals", "add", "--client", "N01", "--new-client", "t", "--indicator", ind))
    # the pair's share named by the pair is the one just added by its player: taken as that
    # measure, and refused only as the same goal again
    r = run_cli("goals", "add", "--client", "N01", "--new-client", "t", "--indicator",
                "client_leads_share@client|therapist:up")
    assert r.exit_code == 1 and "this goal exists already" in r.stderr, r.stderr


def test_a_wrong_player_is_refused_for_a_client_with_sessions(client_store, run_cli):
    path, _ = client_store
    before = tree_snapshot(path)
    _refused(run_cli("goals", "add", "--client", "C07", "t", "--indicator",
                     "joint_share@client:up"),
             "Both playing is a measure of two players, not of client: name client|therapist")
    _refused(run_cli("goals", "add", "--client", "C07", "t", "--indicator",
                     "notes_per_s@client|therapist:up"),
             "Notes per second is a measure of one player, not of client|therapist: name "
             "client or therapist")
    assert tree_snapshot(path) == before


def test_measures_of_a_new_client_are_listed_in_words(client_store, run_cli):
    path, _ = client_store
    before = tree_snapshot(path)
    r = _ok(run_cli("goals", "measures", "--client", "N02"))
    out = r.stdout
    assert out.startswith("Client N02 has no sessions yet. The measures a goal can follow")
    for label, name in (("client leads (%)", "leads_share@client"),
                        ("client & therapist · Both playing (%)", "joint_share@client|therapist"),
                        ("client · Velocity (mean, 0-127)", "velocity_mean@client"),
                        ("therapist turn length (mean, s)", "turn_mean_s@therapist")):
        line = next((x for x in out.splitlines() if x.strip().startswith(label)), None)
        assert line is not None and line.split()[-1] == name, (label, out)
    assert "floor_transfers@" not in out  # a total is not a goal's measure
    assert tree_snapshot(path) == before  # listing writes nothing
    # every listed name is taken by goals add (nothing listed that would be refused)
    names = [n["name"] for n in run_cli("goals", "measures", "--client", "N02",
                                        "--json").json()]
    assert "leads_share@client" in names and "joint_share@client|therapist" in names
    for name in names:
        _ok(run_cli("goals", "add", "--client", "N02", "--new-client", "t", "--indicator",
                    f"{name}:up"))
    # a client with goals but no sessions: the same table
    r = _ok(run_cli("goals", "measures", "--client", "N02"))
    assert "client leads (%)" in r.stdout and "joint_share@client|therapist" in r.stdout
    # a code close to a known one is named, as a likely typo
    r = _ok(run_cli("goals", "measures", "--client", "C7"))
    assert r.stdout.startswith("Client C7 has no sessions yet (did you mean C07?).")


def test_a_pair_keeps_the_order_the_goal_gave_it(client_store, run_cli):
    # the sessions name the pair "client|therapist"; the goal "therapist|client"
    _ok(run_cli("goals", "add", "--client", "C07", "Both play", "--since", "2026-01-05",
                "--indicator", "joint_share@therapist|client:up"))
    r = _ok(run_cli("goals", "show", "--client", "C07", "--json"))
    (ind,) = r["goals"][0]["versions"][0]["indicators"]
    assert ind["label"] == "therapist & client · Both playing"
    assert ind["values"] == [0.4] * 8  # the sessions' values, read in the goal's order
    assert ind["follows"] == "Both playing of therapist & client, progress when it goes up"


def test_a_client_with_goals_but_no_sessions_has_a_report_of_the_goals(client_store, run_cli,
                                                                        tmp_path):
    # review 29 finding 16: the goals agreed at intake can be printed
    _ok(run_cli("goals", "add", "--client", "N01", "--new-client", "Takes turns",
                "--indicator", "floor_transfers_per_min@client|therapist:up"))
    to = tmp_path / "n01.html"
    r = _ok(run_cli("report", "--client", "N01", "--to", to))
    assert "no sessions yet: the goals alone" in r.stdout
    text = to.read_text()
    assert "<h1>Client N01</h1>" in text and "Goal 1: Takes turns" in text
    assert ("Follows: Turn changes per minute of client &amp; therapist, progress when it goes "
            "up.") in text
    assert "baseline band" not in text  # no method for sessions that are not there
    # a code with neither sessions nor goals is still refused
    r = run_cli("report", "--client", "N02", "--to", tmp_path / "n02.html")
    assert r.exit_code == 1 and "has no sessions" in r.stderr
    assert not (tmp_path / "n02.html").exists()


def test_a_goal_stored_before_the_refusal_says_why_it_is_never_measured(client_store,
                                                                         run_cli):
    from sessions.goals import add_goal
    from sessions.store import Store

    path, _ = client_store
    with Store(path) as store:  # as the review's store has it: written before the check
        add_goal(store, "C07", text="Both play more", since="2026-01-05", indicators=[
            {"measure": "joint_share", "direction": "up", "player": "client"}])
    r = _ok(run_cli("goals", "show", "--client", "C07", "--json"))
    (ind,) = r["goals"][0]["versions"][0]["indicators"]
    assert ind["values"] == [None] * 8
    assert ind["reading"] == ("client · Both playing: never measured, as Both playing is a "
                              "measure of two players, not of client; change the goal to "
                              "name whom it can be measured for")
    assert "sessions so far" not in r["goals"][0]["reading"]


def test_a_goal_without_sessions_yet_has_its_measures_unit(client_store, run_cli):
    """Review 35: a goal on a client's share of leading, agreed at intake, had a chart on a 0-1
    axis without "(%)" (its unit was empty until a session had a value), then 0-100 %."""
    _ok(run_cli("goals", "add", "--client", "N03", "--new-client", "Dares to lead",
                "--indicator", "leads_share@client:up", "--indicator", "notes_per_s@client:up"))
    shown = _ok(run_cli("goals", "show", "--client", "N03", "--json"))
    units = [i["unit"] for i in shown["goals"][0]["versions"][0]["indicators"]]
    assert units == ["fraction", "notes/s"]
