"""Treatment goals: goals agreed before the first session, one list of measures a goal can
follow for the command line and the web form, a pair named either way round, and the open
goals counted by the client page's case rule."""

from __future__ import annotations

import numpy as np
import pytest

from tests.improv import test_goals as _goals
from tests.improv.test_goals import LEADS, N, _ok
from tests.sessions.helpers import tree_snapshot

# the client of tests/improv/test_goals.py: C07 with eight weekly sessions, values known
built_store, client_store = _goals.built_store, _goals.client_store

# -- a goal agreed at intake, before the client's first session ----------------------------


def test_a_goal_for_a_client_without_sessions_needs_new_client(client_store, run_cli):
    """A code with no sessions and no goals is refused without --new-client (a misspelt code
    would start a second client), with the close codes named; nothing is written."""
    path, _ = client_store
    before = tree_snapshot(path)
    r = run_cli("goals", "add", "--client", "C08", "Comes to the sessions")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "client 'C08' has no sessions and no goals yet; did you mean C07?" in r.stderr
    assert "add --new-client" in r.stderr
    assert tree_snapshot(path) == before


def test_a_goal_agreed_at_intake_is_kept_shown_planned_and_deleted(client_store, run_cli):
    from sessions.store import Store

    path, _ = client_store
    r = _ok(run_cli("goals", "add", "--client", "N01", "Comes to the sessions", "--new-client",
                    "--indicator", "leads_share@client:up"))
    assert "added goal g-" in r.stdout and "no sessions yet to measure it against" in r.stdout
    assert (path / "clients" / "N01" / "goals.jsonl").is_file()
    # a second goal needs no --new-client: the client has goals now
    _ok(run_cli("goals", "add", "--client", "N01", "Plays with the therapist",
                "--indicator", "joint_share@client|therapist:up"))
    listed = _ok(run_cli("goals", "list", "--client", "N01", "--json"))
    assert [g["text"] for g in listed["goals"]] == ["Comes to the sessions",
                                                    "Plays with the therapist"]
    shown = _ok(run_cli("goals", "show", "--client", "N01", "--json"))
    assert shown["sessions"] == []
    assert [g["reading"] for g in shown["goals"]] == ["no sessions yet to measure it against"] * 2
    human = _ok(run_cli("goals", "show", "--client", "N01")).stdout
    assert "no sessions yet to measure it against" in human
    _ok(run_cli("goals", "plan", "--client", "N01", "--sessions", "20"))
    assert "planned: 20 sessions (none recorded yet)" in _ok(
        run_cli("goals", "list", "--client", "N01")).stdout
    assert "a goal can follow" in _ok(run_cli("goals", "measures", "--client", "N01")).stdout
    # deleting the client deletes its goals, though it has no sessions
    _ok(run_cli("sessions", "delete", "--client", "N01", "--yes"))
    assert not (path / "clients" / "N01").exists()
    with Store(path) as store:
        assert store.catalog.db.execute(
            "SELECT COUNT(*) FROM goals WHERE client = 'N01'").fetchone()[0] == 0


@pytest.mark.parametrize(("args", "message"), [
    # the players of a client without sessions are the usual ones, client and therapist
    (["--indicator", "notes_per_s:up@drummer"],
     "player 'drummer' of indicator notes_per_s is not in client N01's sessions (players: "
     "client, therapist, client|therapist)"),
    (["--since", "2099-01-01"], "is in the future"),
    (["--indicator", "floor_transfers:up@client|therapist"], "a goal cannot follow"),
])
def test_bad_input_at_intake_is_one_line_and_writes_nothing(client_store, run_cli, args,
                                                            message):
    path, _ = client_store
    before = tree_snapshot(path)
    r = run_cli("goals", "add", "--client", "N01", "X", "--new-client", *args)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    assert message in r.stderr, r.stderr
    assert tree_snapshot(path) == before


def test_the_code_of_a_new_client_is_checked_as_a_pseudonym_code(client_store, run_cli):
    path, _ = client_store
    before = tree_snapshot(path)
    r = run_cli("goals", "add", "--client", "../x", "X", "--new-client")
    assert r.exit_code == 1 and "client must be a pseudonym code" in r.stderr, r.stderr
    assert tree_snapshot(path) == before


# -- one list of measures for the command line and the web form ----------------------------

@pytest.mark.parametrize(("indicator", "what"), [
    ("floor_transfers:up@client|therapist",
     "a goal cannot follow Turn changes (floor_transfers): a total that grows with the length "
     "of the session; a goal can follow "),
    ("alpha_lo:up@client", "a goal cannot follow client adapts (lower bound) (alpha_lo): a "
                           "bound of the phase correction"),
    ("lead_xcorr:up@client|therapist", "how well the lead-lag's curves correlate"),
    ("tempo_alt_bpm:up@client", "the tempo at the runner-up level"),
])
def test_goals_add_refuses_the_measures_the_web_form_leaves_out(client_store, run_cli,
                                                                indicator, what):
    path, _ = client_store
    before = tree_snapshot(path)
    r = run_cli("goals", "add", "--client", "C07", "X", "--indicator", indicator)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and r.stdout == "", r.stderr
    assert what in r.stderr, r.stderr
    # the allowed ones are named: those of the client's sessions
    allowed = r.stderr.split("a goal can follow ", 1)[1]
    assert "leads_share" in allowed and "joint_share" in allowed and "notes_per_s" in allowed
    assert "floor_transfers," not in allowed
    assert tree_snapshot(path) == before


def test_the_form_and_the_command_line_read_one_list():
    from improv.reports import goal_indicators as rg
    from improv.web import api_goals

    assert api_goals.offered_as_goal is rg.offered_as_goal
    assert not hasattr(api_goals, "_NOT_GOALS")


def test_the_measures_listed_for_a_goal_are_all_taken(client_store, run_cli):
    """``goals measures`` lists what ``goals add`` takes: not a total the sessions have."""
    from improv.analyze import default_keys
    from sessions.store import Store

    path, ids = client_store
    with Store(path) as store:
        key = default_keys(store.session(ids[0]))["client|therapist"]
        store.catalog.put_features(ids[0], "client|therapist", key, {
            "client_leads_share": LEADS[0], "therapist_leads_share": 1 - LEADS[0],
            "joint_share": 0.4, "floor_transfers": 12.0, "floor_transfers_per_min": 3.0})
    r = run_cli("goals", "measures", "--client", "C07", "--json")
    assert r.exit_code == 0, r.stderr
    names = r.json()
    bare = {n["name"].split("@")[0] for n in names}
    assert "floor_transfers_per_min" in bare and "floor_transfers" not in bare
    for n in names:
        _ok(run_cli("goals", "add", "--client", "C07", "X", "--indicator", f"{n['name']}:up"))


def test_a_goal_keeps_a_measure_it_has_already(client_store):
    """A goal agreed before the list was one (an old log may have a total) can still be
    changed with that measure: only a new measure is checked against the list."""
    from improv.reports.goal_indicators import edit_goal
    from sessions import goals as gl
    from sessions.store import Store

    path, _ = client_store
    with Store(path) as store:
        old = gl.add_goal(store, "C07", text="Turns", since="2026-01-05", indicators=[
            {"measure": "floor_transfers", "direction": "up", "player": "client|therapist"}])
        g = edit_goal(store, old["id"], text="Takes turns", since="2026-01-12",
                      indicators=old["indicators"])
        assert g["versions"][-1]["indicators"] == old["indicators"]


# -- a pair named either way round ---------------------------------------------------------

def _pair_store(path, ids, *, turned):
    """Sessions ``turned`` (indices) name the pair "therapist|client" instead of
    "client|therapist", with lead-lag, asynchrony and tempo ratio in that order."""
    from improv.analyze import default_keys
    from sessions.store import Store

    with Store(path) as store:
        for i, sid in enumerate(ids):
            key = default_keys(store.session(sid))["client|therapist"]
            values = {"joint_share": 0.3 + 0.01 * i, "lead_lag_s": 0.1 * (i + 1),
                      "asynchrony_mean_ms": 5.0 * (i + 1), "tempo_ratio_median": 1.0 + 0.1 * i}
            if i in turned:
                store.catalog.db.execute("DELETE FROM features WHERE session_id = ? AND "
                                         "player = 'client|therapist'", (sid,))
                store.catalog.db.commit()
                store.catalog.put_features(sid, "therapist|client", key, {
                    "client_leads_share": LEADS[i], "joint_share": values["joint_share"],
                    "lead_lag_s": -values["lead_lag_s"],
                    "asynchrony_mean_ms": -values["asynchrony_mean_ms"],
                    "tempo_ratio_median": 1.0 / values["tempo_ratio_median"]})
            else:
                store.catalog.put_features(sid, "client|therapist", key, {
                    "client_leads_share": LEADS[i], **values})


def test_a_pair_named_either_way_round_is_one_pair(client_store, run_cli):
    path, ids = client_store
    _pair_store(path, ids, turned={1, 4, 6})
    for player in ("client|therapist", "therapist|client"):
        g = _ok(run_cli("goals", "add", "--client", "C07", f"Together ({player})", "--since",
                        "2026-01-05", "--indicator", f"joint_share@{player}:up",
                        "--indicator", f"lead_lag_s@{player}:down",
                        "--indicator", f"asynchrony_mean_ms@{player}:down",
                        "--indicator", f"tempo_ratio_median@{player}:down",
                        "--indicator", "leads_share@client:up", "--json"))
        assert [i["player"] for i in g["indicators"][:4]] == [player] * 4
    # a measure without a player: one pair, not two to choose from
    _ok(run_cli("goals", "add", "--client", "C07", "Plays along", "--since", "2026-01-05",
                "--indicator", "joint_share:up"))
    from improv.reports.goals import goals_progress
    from sessions.store import Store

    with Store(path) as store:  # as analysed: the turned sessions have their pair "turned"
        res = goals_progress(store, "C07", analyse=False)
    first, second, third = res["goals"]
    joint, lag, asyn, ratio, leads = first["versions"][0]["indicators"]
    assert joint["values"] == pytest.approx([0.3 + 0.01 * i for i in range(N)])
    assert lag["values"] == pytest.approx([0.1 * (i + 1) for i in range(N)])
    assert asyn["values"] == pytest.approx([5.0 * (i + 1) for i in range(N)])
    assert ratio["values"] == pytest.approx([1.0 + 0.1 * i for i in range(N)])
    assert leads["values"] == pytest.approx(LEADS)
    # the other order: the same sessions, the ordered measures turned round
    joint2, lag2, asyn2, ratio2, _ = second["versions"][0]["indicators"]
    assert joint2["values"] == pytest.approx(joint["values"])
    assert lag2["values"] == pytest.approx([-v for v in lag["values"]])
    assert asyn2["values"] == pytest.approx([-v for v in asyn["values"]])
    assert ratio2["values"] == pytest.approx([1 / v for v in ratio["values"]])
    assert third["versions"][0]["indicators"][0]["values"] == pytest.approx(joint["values"])


def test_a_pair_measure_that_keeps_its_order_is_not_turned():
    from improv.reports.goal_indicators import distinct_columns, pair_turn, pair_value

    assert pair_turn("a|b.lead_confidence_mean") is None
    cols = ["a|b.lead_confidence_mean", "b|a.lead_confidence_mean"]
    assert distinct_columns(cols) == cols
    assert pair_value({"b|a.lead_confidence_mean": 0.3}, cols[0]) is None
    assert distinct_columns(["a|b.joint_share", "b|a.joint_share"]) == ["a|b.joint_share"]


def test_the_pair_measures_said_to_turn_do_so_in_the_analysis():
    """ORDER_FREE_PAIR_MEASURES and FLIPPED_PAIR_MEASURES against the dialogue analysis run
    both ways round on one recording; and every pair measure a goal can follow is in one of
    them (a new one must be sorted in)."""
    from analysis.dialogue import PlayerEvents, analyze_dialogue
    from analysis.features import FEATURES
    from improv.reports.goal_indicators import (
        FLIPPED_PAIR_MEASURES,
        ORDER_FREE_PAIR_MEASURES,
        offered_as_goal,
        session_measure_problem,
    )

    rng = np.random.default_rng(1)
    ta = np.cumsum(rng.uniform(0.2, 0.7, 150))
    ta = ta[ta < 60]
    tb = np.sort(np.concatenate([ta[::2] + 0.08 + rng.normal(0, 0.02, len(ta[::2])),
                                 rng.uniform(0, 60, 30)]))
    tb = tb[(tb > 0) & (tb < 60)]

    def events(t, base):
        return PlayerEvents(t, offsets=t + 0.15,
                            pitches=base + rng.integers(0, 12, len(t)).astype(float),
                            velocities=rng.integers(40, 100, len(t)).astype(float))

    a, b = events(ta, 60), events(tb, 48)
    ab = analyze_dialogue(a, b, duration=60.0, names=("a", "b")).summary
    ba = analyze_dialogue(b, a, duration=60.0, names=("b", "a")).summary
    checked = 0
    for name in ORDER_FREE_PAIR_MEASURES | set(FLIPPED_PAIR_MEASURES):
        if ab.get(name) is None:
            continue  # not measured on this recording (no turn changes, no tempo)
        turn = FLIPPED_PAIR_MEASURES.get(name, lambda v: v)
        assert turn(ba[name]) == pytest.approx(ab[name]), name
        checked += 1
    assert checked >= 12
    pair_measures = {f.name for f in FEATURES if f.group.startswith("dialogue")
                     and "{" not in f.name and "summary" in f.kinds and f.unit
                     and session_measure_problem(f.name) is None and offered_as_goal(f.name)}
    assert pair_measures <= ORDER_FREE_PAIR_MEASURES | set(FLIPPED_PAIR_MEASURES)


# -- open goals counted by the client page's case rule -------------------------------------

def test_the_clients_list_counts_goals_kept_under_another_case(client_store):
    from improv.web.api_clients import list_clients
    from sessions import goals as gl
    from sessions.store import Store

    path, _ = client_store
    with Store(path) as store:
        gl.add_goal(store, "C07", text="Plays louder", since="2026-02-02")
        (path / "clients" / "C07").rename(path / "clients" / "c07")  # as older improv left it
        store.catalog.db.execute("DELETE FROM goals WHERE client = 'C07'")
        store.catalog.db.commit()
        gl.index_all(store)  # as 'improv sessions reindex' indexes it: under c07
        assert len(gl.client_goals(store, "C07")["goals"]) == 1  # the client page's reading
        gl.add_goal(store, "N01", text="Comes to the sessions")
        d = list_clients(store=store)
    assert [(c["client"], c["sessions"], c["active_goals"]) for c in d["clients"]] == [
        ("C07", N, 1), ("N01", 0, 1)]
    assert d["clients"][1]["latest"] is None
