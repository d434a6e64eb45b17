"""Treatment goals: storage, history, progress per goal and the ``improv goals`` commands.

A client with eight weekly sessions whose analysis values are known by construction: they are
put into the catalog under the keys of the default analysis, as ``improv analyze`` would, so
nothing is analysed here.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone

import numpy as np
import pytest

from tests.sessions.helpers import import_weekly_session, tree_snapshot

N = 8
LEADS = [0.05 + 0.02 * i for i in range(N)]  # client leads share: rising
SILENCE = [0.30, 0.32, 0.29, 0.31, 0.33, 0.28, 0.31, 0.30]  # silence share: flat
NOTES = [2.0 + 0.1 * i for i in range(N)]


def build_client_store(tmp_path):
    """C07 with eight weekly sessions (2026-01-05 on), analysis values in the catalog;
    returns (store path, session IDs oldest first)."""
    from improv.analyze import default_keys
    from sessions.annotation_edits import add_annotation
    from sessions.store import Store

    path = tmp_path / "store"
    rng = np.random.default_rng(3)
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    with Store(path) as store:
        ids = [import_weekly_session(store, tmp_path, week=i, notes=20, duration=10.0, rng=rng,
                                     start=start) for i in range(N)]
        for i, sid in enumerate(ids):
            keys = default_keys(store.session(sid))
            store.catalog.put_features(sid, "client", keys["client"], {
                "status": "ok", "midi.notes_per_s": NOTES[i], "midi.silence_share": SILENCE[i]})
            store.catalog.put_features(sid, "therapist", keys["therapist"], {
                "status": "ok", "midi.notes_per_s": 0.2, "midi.silence_share": 0.9})
            store.catalog.put_features(sid, "client|therapist", keys["client|therapist"], {
                "client_leads_share": LEADS[i], "therapist_leads_share": 1 - LEADS[i],
                "joint_share": 0.4})
            for _ in range(i):  # the tag grows by one a session
                add_annotation(store, sid, t=1.0, tags=["autonomy:leader"])
    return path, ids


@pytest.fixture(scope="module")
def built_store(tmp_path_factory):
    return build_client_store(tmp_path_factory.mktemp("goals"))


@pytest.fixture
def client_store(built_store, tmp_path, monkeypatch):
    """A copy of :func:`built_store` for one test (IMPROV_STORE points to it)."""
    import shutil

    path = tmp_path / "store"
    shutil.copytree(built_store[0], path)
    monkeypatch.setenv("IMPROV_STORE", str(path))
    return path, built_store[1]



def _ok(r):
    assert r.exit_code == 0, r.stderr
    return r.json() if r.stdout.lstrip().startswith("{") else r


def test_rising_indicator_reads_rising_and_flat_reads_no_clear_change(client_store, run_cli):
    path, ids = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "Dares to lead the music",
                    "--since", "2026-01-05", "--indicator", "leads_share:up@client",
                    "--indicator", "silence_share:down@client", "--tag", "autonomy:leader:up",
                    "--json"))
    res = _ok(run_cli("goals", "show", "--client", "C07", "--json"))
    (goal,) = res["goals"]
    assert goal["id"] == g["id"] and goal["status"] == "active"
    (v,) = goal["versions"]
    assert v["sessions"] == ids
    lead, silence, tag = v["indicators"]
    assert lead["column"] == "client|therapist.client_leads_share"
    assert lead["values"] == pytest.approx(LEADS)
    assert lead["verdict"] == "rising" and lead["towards"] is True
    assert lead["trend"]["distinguishable"] and lead["trend"]["mk_p"] < 0.05
    assert lead["band"]["mean"] == pytest.approx(np.mean(LEADS[:3]))
    assert "rose from 5 % to 19 % over 8 sessions; the trend is clear (towards the goal)" \
        in lead["reading"]
    assert silence["column"] == "client.midi.silence_share"
    assert silence["verdict"] == "no clear change" and silence["towards"] is None
    assert "rose" not in silence["reading"] and "fell" not in silence["reading"]
    assert tag["values"] == list(range(N)) and tag["verdict"] == "rising"
    assert all(s["goals"] == [g["id"]] for s in res["sessions"])
    human = _ok(run_cli("goals", "show", "--client", "C07")).stdout
    # the readings name the measures by their labels, never by field names
    assert (lead["label"], silence["label"]) == ("client leads", "client (MIDI) · Silence")
    assert tag["label"] == "annotations tagged autonomy:leader per session"
    assert "client leads rose from 5 % to 19 %" in human
    assert "client (MIDI) · Silence: no clear change over 8 sessions" in human
    assert "leads share" not in human and "silence share" not in human
    # the list names them so too, not by what was typed after --indicator
    # values, band and trend in the units of compare and the web page: shares in %
    # the band by its ends (mean ± 2 SD), then the baseline's mean ± SD it was made from
    assert ("client leads (%) (up): band 3.0–11.0 (baseline 7.0 ± 2.0, mean ± SD); "
            "trend +2/session") in human
    # the sessions named as on the web app, not by date and ID
    first_row = next(line for line in human.splitlines() if line.startswith("Session 1 "))
    assert first_row.split()[:6] == ["Session", "1", "(Jan", "5)", "5", "30"], first_row
    assert first_row.split()[6:] == ["0"], first_row
    listed = _ok(run_cli("goals", "list", "--client", "C07")).stdout
    assert ("client leads (up), client · Silence (down), annotations tagged autonomy:leader "
            "per session (up)") in listed
    assert "leads_share" not in listed and "silence_share" not in listed


def test_no_trend_reads_trend_dash_not_dash_per_session(client_store, run_cli):
    # one session (the last) since the goal: no trend yet
    _ok(run_cli("goals", "add", "--client", "C07", "Plays louder", "--since", "2026-02-23",
                "--indicator", "notes_per_s:up@client"))
    human = _ok(run_cli("goals", "show", "--client", "C07")).stdout
    assert "trend –;" in human and "–/session" not in human


def test_too_few_sessions_to_judge(client_store, run_cli):
    _, ids = client_store
    _ok(run_cli("goals", "add", "--client", "C07", "Plays louder", "--since", "2026-02-02",
                "--indicator", "notes_per_s:up@client"))
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    (ind,) = goal["versions"][0]["indicators"]
    assert goal["versions"][0]["sessions"] == ids[4:]
    assert ind["verdict"] == "too few sessions to judge" and ind["towards"] is None
    assert "4 sessions so far, too few sessions to judge" in goal["reading"]


def test_a_code_typed_in_another_case_is_the_clients(client_store, run_cli):
    """Goals added for "c07" belong to C07 (stored under its spelling), not to a client
    "c07" whose goals C07's page would never show."""
    path, _ = client_store
    _ok(run_cli("goals", "add", "--client", "c07", "Plays louder", "--since", "2026-02-02"))
    assert [p.name for p in (path / "clients").iterdir()] == ["C07"]
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    assert goal["text"] == "Plays louder"
    listed = _ok(run_cli("goals", "list", "--client", "c07", "--json"))
    assert [g["text"] for g in listed["goals"]] == ["Plays louder"]


def test_a_goal_log_kept_under_another_case_is_read_added_to_and_deleted(client_store):
    """A log made before goals followed the sessions' spelling (clients/c07 for sessions of
    C07) is the client's: its goals show, new goals go into it (the log is never split), and
    deleting the client's goals removes it (health data is not left behind)."""
    from sessions import goals as gl
    from sessions.store import Store

    path, _ = client_store
    with Store(path) as store:
        gl.add_goal(store, "C07", text="Plays louder", since="2026-02-02")
        (path / "clients" / "C07").rename(path / "clients" / "c07")  # as the old code left it
        assert [g["text"] for g in gl.client_goals(store, "C07")["goals"]] == ["Plays louder"]
        gl.add_goal(store, "C07", text="Takes the lead", since="2026-02-02")
        assert [p.name for p in (path / "clients").iterdir()] == ["c07"]
        assert len(gl.client_goals(store, "c07")["goals"]) == 2
        assert gl.delete_client_goals(store, "C07")
        assert not any((path / "clients").iterdir())


def test_edited_goal_keeps_both_versions_each_for_its_period(client_store, run_cli):
    path, ids = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "Less fear of being alone",
                    "--since", "2026-01-05", "--indicator", "notes_per_s:up@client", "--json"))
    e = _ok(run_cli("goals", "edit", g["id"], "Stays with the silence", "--since", "2026-02-02",
                    "--indicator", "silence_share:up@client", "--json"))
    assert [v["text"] for v in e["versions"]] == ["Less fear of being alone",
                                                   "Stays with the silence"]
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    v1, v2 = goal["versions"]
    assert (v1["since"], v1["until"], v2["since"], v2["until"]) == (
        "2026-01-05", "2026-02-01", "2026-02-02", None)
    assert v1["sessions"] == ids[:4] and v2["sessions"] == ids[4:]
    assert v1["indicators"][0]["values"] == pytest.approx(NOTES[:4])
    assert v2["indicators"][0]["values"] == pytest.approx(SILENCE[4:])
    # the log keeps every revision: nothing rewritten
    log = path / "clients" / "C07" / "goals.jsonl"
    recs = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["op"], r["rev"]) for r in recs] == [("create", 1), ("edit", 2)]
    assert recs[0]["text"] == "Less fear of being alone"
    human = _ok(run_cli("goals", "show", "--client", "C07")).stdout
    # days as the app writes them, not ISO dates
    assert "version 1, Jan 5, 2026 to Feb 1, 2026" in human
    assert "version 2, Feb 2, 2026 to now" in human and "2026-0" not in human


def test_dropped_goal_stops_at_its_date(client_store, run_cli):
    _, ids = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "Shares the beat", "--since",
                    "2026-01-05", "--indicator", "joint_share:up", "--json"))
    other = _ok(run_cli("goals", "add", "--client", "C07", "Finds calm", "--since",
                        "2026-01-12", "--json"))
    d = _ok(run_cli("goals", "drop", g["id"], "--on", "2026-02-09", "--reason", "agreed",
                    "--json"))
    assert d["status"] == "dropped" and d["end"] == "2026-02-09"
    res = _ok(run_cli("goals", "show", "--client", "C07", "--json"))
    goal = next(x for x in res["goals"] if x["id"] == g["id"])
    assert goal["versions"][0]["sessions"] == ids[:6]  # 2026-02-09 is session 6
    marks = {s["id"]: s["goals"] for s in res["sessions"]}
    assert marks[ids[0]] == [g["id"]] and marks[ids[5]] == [g["id"], other["id"]]
    assert marks[ids[6]] == [other["id"]]
    listed = _ok(run_cli("goals", "list", "--client", "C07", "--json"))
    assert [x["status"] for x in listed["goals"]] == ["dropped", "active"]
    r = run_cli("goals", "edit", g["id"], "again")
    assert r.exit_code == 1 and "was dropped on Feb 9, 2026" in r.stderr


@pytest.mark.parametrize("args, message", [
    # a misspelt name: only names a goal takes are suggested (velocity_mean of the feature
    # list: this client's catalog has no velocity yet), and where to find them all
    (["add", "--client", "C07", "X", "--indicator", "velocity_mena:up"],
     "unknown feature 'velocity_mena': did you mean velocity_mean@client or "
     "velocity_mean@therapist? ('improv goals measures --client C07' lists every name) "
     "(option --indicator)"),
    # it said "did you mean lead, leader?", which it then refused (review 27, finding 30)
    (["add", "--client", "C07", "X", "--indicator", "leading:up"],
     "unknown feature 'leading': did you mean leads_share@client or leads_share@therapist?"),
    (["add", "--client", "C07", "X", "--tag", "mood:happy:up"], "unknown tag(s) mood:happy"),
    (["add", "--client", "C07", "X", "--tag", "autonomy:boss:up"], "unknown tag autonomy:boss"),
    # a dimension's value without its dimension: the tags it is, in one short line
    (["add", "--client", "C07", "X", "--tag", "leader:up"],
     "unknown tag leader: did you mean autonomy:leader?"),
    (["add", "--client", "C07", "X", "--since", "2025-12-01"],
     "is before the client's first session (Jan 5, 2026)"),
    (["add", "--client", "C07", "X", "--since", "2099-01-01"], "is in the future"),
    (["add", "--client", "C07", "X", "--since", "soon"], "must be a date like 2026-03-01"),
    (["add", "--client", "C07", "  "], "the goal text must not be empty"),
    (["add", "--client", "C07", "X", "--indicator", "leads_share:sideways"],
     "an indicator must look like NAME:up or NAME:down"),
    (["add", "--client", "C07", "X", "--indicator", "notes_per_s:up"],
     "name one with @PLAYER"),
    (["add", "--client", "C07", "X", "--indicator", "notes_per_s:up@drummer"],
     "player 'drummer' of indicator notes_per_s is not in client C07's sessions"),
    # "Who leads" is a curve and "Leader" a word: neither has a number per session, so a goal
    # tied to them would read "0 sessions so far" for ever
    (["add", "--client", "C07", "X", "--indicator", "lead:up@client"],
     "Who leads (lead) is a curve within each session, with no value per session: use "
     "leads_share@PLAYER instead (for client C07: leads_share@client or "
     "leads_share@therapist)"),
    (["add", "--client", "C07", "X", "--indicator", "leader:up"],
     "Leader (leader) is a word, not a number"),
    (["add", "--client", "C07", "X", "--indicator", "level_dbfs:down@client"],
     "use level_dbfs_mean instead"),
    (["add", "--client", "NOBODY", "X"], "client 'NOBODY' has no sessions and no goals yet"),
    (["add", "--client", "../x", "X"], "client must be a pseudonym code"),
    (["edit", "g-0000000000", "new"], "no goal g-0000000000"),
    (["edit", "nonsense", "new"], "is not a goal ID"),
    (["edit", "{g}", "Later", "--since", "2026-01-01"], "before the client's first session"),
    (["edit", "{g}", "Earlier", "--since", "2026-01-06"],
     "A change of “First goal” can apply from Jan 12, 2026 (when its current version began)"),
    (["edit", "{g}"], "nothing to change in “First goal”"),
    (["reach", "{g}", "--on", "2026-01-06"], "is before the current version of “First goal”"),
    (["show", "--client", "C07", "g-0000000000"], "client C07 has no goal g-0000000000"),
    (["plan", "--client", "C07"], "give the planned length in sessions or months"),
    (["list", "--client", "C7"], "client 'C7' has no sessions and no goals"),
    (["show", "--client", "C7"], "client 'C7' has no sessions and no goals"),
])
def test_bad_input_is_one_line_and_changes_nothing(client_store, run_cli, args, message):
    path, _ = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "First goal", "--since", "2026-01-12",
                    "--json"))
    before = tree_snapshot(path)
    r = run_cli("goals", *[a.format(g=g["id"]) for a in args])
    assert r.exit_code == 1, r.stdout
    assert r.stderr.startswith("error: ") and message in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and r.stdout == ""
    assert tree_snapshot(path) == before


def test_bad_input_for_a_client_without_goals_makes_no_folder(client_store, run_cli):
    path, _ = client_store
    before = tree_snapshot(path)
    # an empty text is refused by the library, a number out of the option's range by the
    # command line (a usage error): both with 1
    for args, status in ((["add", "--client", "C07", ""], 1),
                         (["plan", "--client", "C07", "--sessions", "0"], 1)):
        r = run_cli("goals", *args)
        assert r.exit_code == status and r.stderr.count("\n") == 1, r.stderr
    assert tree_snapshot(path) == before and not (path / "clients").exists()


def test_storage_is_owner_only_indexed_rebuilt_verified_and_deleted(client_store, run_cli,
                                                                    tmp_path):
    from sessions.store import Store

    path, ids = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "Dares to lead", "--since",
                    "2026-01-05", "--indicator", "leads_share:up@client", "--json"))
    _ok(run_cli("goals", "reach", g["id"], "--on", "2026-02-16"))
    _ok(run_cli("goals", "plan", "--client", "C07", "--sessions", "20", "--months", "6"))
    log = path / "clients" / "C07" / "goals.jsonl"
    assert log.stat().st_mode & 0o777 == 0o600
    assert (path / "clients").stat().st_mode & 0o777 == 0o700
    assert log.parent.stat().st_mode & 0o777 == 0o700

    def rows():
        with Store(path) as s:
            db = s.catalog.db
            return [sorted(map(tuple, db.execute(f"SELECT * FROM {t}").fetchall()))
                    for t in ("goals", "goal_versions", "goal_indicators", "client_plans")]

    indexed = rows()
    assert indexed[0][0][:5] == (g["id"], "C07", "reached", "2026-01-05", "2026-02-16")
    assert indexed[2] == [(g["id"], 1, "measure", "leads_share", "up", "client")]
    assert indexed[3][0][:3] == ("C07", 20, 6.0)
    _ok(run_cli("sessions", "reindex"))
    assert rows() == indexed
    os.remove(path / "catalog.sqlite")  # a lost catalog is rebuilt with the goals
    for suffix in ("-wal", "-shm"):
        (path / f"catalog.sqlite{suffix}").unlink(missing_ok=True)
    assert rows() == indexed
    r = run_cli("sessions", "verify", "--all", "--json")
    assert r.exit_code == 0, r.stderr
    assert {"id": "goals of C07", "ok": True, "problems": [], "checked": 1} in r.json()
    out = tmp_path / "export"
    _ok(run_cli("goals", "export", "--client", "C07", "--to", out))
    assert (out / "goals-C07.jsonl").read_bytes() == log.read_bytes()
    assert (out / "goals-C07.jsonl").stat().st_mode & 0o777 == 0o600
    with open(log, "ab") as f:  # a damaged line is reported by verify
        f.write(b'{"op":"edit"}\n')
    r = run_cli("sessions", "verify", "--all")
    assert r.exit_code == 1 and "goals of C07: PROBLEMS" in r.stdout
    _ok(run_cli("sessions", "delete", "--client", "C07", "--yes"))
    assert not (path / "clients" / "C07").exists()
    assert rows() == [[], [], [], []]


def test_a_torn_last_line_is_left_out_and_cut_before_the_next_append(client_store, run_cli):
    path, _ = client_store
    _ok(run_cli("goals", "add", "--client", "C07", "One", "--since", "2026-01-05"))
    log = path / "clients" / "C07" / "goals.jsonl"
    with open(log, "ab") as f:
        f.write(b'{"op":"create","id":"g-12')  # a crash during an append
    assert len(_ok(run_cli("goals", "list", "--client", "C07", "--json"))["goals"]) == 1
    _ok(run_cli("goals", "add", "--client", "C07", "Two", "--since", "2026-01-05"))
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(x)["op"] == "create" for x in lines)


def test_goal_text_is_not_logged_at_info_level(client_store, run_cli, caplog):
    import logging

    caplog.set_level(logging.INFO)
    _ok(run_cli("goals", "add", "--client", "C07", "Secret wording", "--since", "2026-01-05"))
    _ok(run_cli("goals", "show", "--client", "C07"))
    assert "Secret wording" not in caplog.text


def test_client_report_has_a_section_per_goal_before_the_feature_tables(client_store, run_cli):
    from improv.reports.report import client_report_html
    from sessions.store import Store

    path, _ = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "Dares <to> lead", "--since",
                    "2026-01-05", "--indicator", "leads_share:up@client", "--json"))
    _ok(run_cli("goals", "edit", g["id"], "Leads and follows", "--since", "2026-02-02"))
    _ok(run_cli("goals", "plan", "--client", "C07", "--sessions", "20"))
    with Store(path) as s:
        text = client_report_html(s, client="C07")
    assert text.index("<h2>Treatment goals</h2>") < text.index("<h2>Trends</h2>")
    assert "Goal 1: Leads and follows" in text and "Dares <to>" not in text
    assert "Version 1, Jan 5, 2026 to Feb 1, 2026: “Dares &lt;to&gt; lead”" in text
    assert "Version 2, Feb 2, 2026 to now" in text
    assert "Planned: 20 sessions (session 8 so far)" in text
    assert "client leads" in text and "too few sessions to judge" in text
    assert "leads share" not in text
    # in % as the trends of the report (the reading says "5 %" too), not as 0.05
    goals = text[text.index("<h2>Treatment goals</h2>"):text.index("<h2>Trends</h2>")]
    assert "<th>client leads (%)</th>" in goals and "<td class=num>5.0</td>" in goals
    assert "<td class=num>0.05</td>" not in goals and "<td>7.0 ± 2.0</td>" in goals


def test_a_goal_from_a_baseline_without_spread_has_a_band_and_sees_the_change():
    """A client who never led in the first sessions (0 % each): the band is the smallest change
    that matters around 0 (2 points of a share), and the session at 100 % lies outside it."""
    from improv.reports.goals import course

    c = course([0.0, 0.0, 0.0, 0.0, 1.0], [0, 7, 14, 21, 28], direction="up", label="x",
               unit="fraction")
    assert c["band"]["sd"] == 0.0 and c["band"]["min_half_width"] == 0.02
    assert (c["band"]["low"], c["band"]["high"]) == (-0.02, 0.02)
    assert c["outside"] == [4]
    # a unit without a smallest change keeps no band: a band of no width calls every
    # difference a change
    assert course([0.0, 0.0, 0.0, 0.0, 1.0], [0, 7, 14, 21, 28], direction="up", label="x",
                  unit="count")["band"] is None


@pytest.mark.parametrize("values, direction, verdict, towards, words", [
    ([0.1, 0.2, 0.3, 0.4], "up", "too few sessions to judge", None, "4 sessions so far"),
    ([0.1, 0.2, None, 0.3, 0.4, None], "up", "too few sessions to judge", None,
     "4 sessions so far"),  # sessions without a value do not count
    ([0.5, 0.4, 0.3, 0.2, 0.1, 0.0], "up", "falling", False, "fell from 0.5 to 0 over 6 "
     "sessions; the trend is clear (away from the goal)"),
    ([0.5, 0.4, 0.3, 0.2, 0.1, 0.0], "down", "falling", True, "(towards the goal)"),
    ([0.3, 0.1, 0.4, 0.2, 0.35, 0.15], "up", "no clear change", None,
     "no clear change over 6 sessions"),
    ([2, 2, 2, 2, 2, 2], "up", "no clear change", None, "no clear change"),
])
def test_the_reading_never_claims_more_than_the_test(values, direction, verdict, towards,
                                                     words):
    from improv.reports.goals import course

    c = course(values, list(range(0, 7 * len(values), 7)), direction=direction, label="x")
    assert (c["verdict"], c["towards"]) == (verdict, towards)
    assert words in c["reading"]
    if verdict != "rising" and verdict != "falling":
        assert "rose" not in c["reading"] and "fell" not in c["reading"]


def test_researcher_export_has_a_goals_table_with_indicator_rows(client_store, run_cli,
                                                                 tmp_path):
    import csv
    import io

    g = _ok(run_cli("goals", "add", "--client", "C07", "Private words", "--since",
                    "2026-01-05", "--indicator", "leads_share:up@client", "--tag",
                    "autonomy:leader:up", "--json"))
    _ok(run_cli("compare", "--client", "C07", "--export", tmp_path / "out", "--json"))
    text = (tmp_path / "out" / "C07-goals.csv").read_text()
    assert "Private words" not in text  # pseudonymised: no goal texts
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["goal_id"], r["kind"], r["indicator"], r["verdict"]) for r in rows] == [
        (g["id"], "measure", "leads_share", "rising"), (g["id"], "tag", "autonomy:leader",
                                                        "rising")]
    assert rows[0]["column"] == "client|therapist.client_leads_share" and rows[0]["towards"] == "1"
    assert (tmp_path / "out" / "C07-goals.csv").stat().st_mode & 0o777 == 0o600


def test_a_correction_on_the_first_day_keeps_the_original_but_uses_the_new(client_store,
                                                                           run_cli):
    _, ids = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "Dares to laed", "--since",
                    "2026-01-12", "--indicator", "leads_share:up@client", "--json"))
    _ok(run_cli("goals", "edit", g["id"], "Dares to lead", "--since", "2026-01-12"))
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    v1, v2 = goal["versions"]
    assert (v1["text"], v1["used"], v1["sessions"]) == ("Dares to laed", False, [])
    assert (v2["text"], v2["used"], v2["sessions"]) == ("Dares to lead", True, ids[1:])
    assert goal["reading"].startswith("client leads rose")
    r = run_cli("goals", "reach", g["id"], "--on", "2026-02-23")
    assert r.exit_code == 0 and "reached on Feb 23, 2026" in r.stdout
    r = run_cli("goals", "drop", g["id"])
    assert r.exit_code == 1 and "was reached on Feb 23, 2026 already" in r.stderr


def test_a_damaged_log_is_a_one_line_error(client_store, run_cli):
    path, _ = client_store
    _ok(run_cli("goals", "add", "--client", "C07", "One", "--since", "2026-01-05"))
    with open(path / "clients" / "C07" / "goals.jsonl", "ab") as f:
        f.write(b'{"op":"reach","id":"g-0123456789","rev":2,"at_utc":"x"}\n')
    r = run_cli("goals", "list", "--client", "C07")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert "goals.jsonl:2: a reach revision without date" in r.stderr


@pytest.mark.parametrize("unit, values, words", [
    ("fraction", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], "rose from 10 % to 60 %"),
    ("BPM", [90, 95, 100, 105, 110, 115], "rose from 90 BPM to 115 BPM"),
    ("MIDI note", [60, 62, 64, 65, 67, 69], "rose from C4 to A4"),
    ("count", [0, 1, 2, 3, 4, 5], "rose from 0 to 5 over"),
])
def test_the_reading_gives_values_as_the_screen_does(unit, values, words):
    from improv.reports.goals import course

    c = course(values, list(range(0, 7 * len(values), 7)), direction="up", label="x", unit=unit)
    assert words in c["reading"], c["reading"]


def test_indicators_find_the_columns_of_players_whose_names_hold_a_dot():
    """A player named Dr.K in a session an older improv stored (new names have no '.'): its
    own columns and its pair's are found and labelled whole (a column is read from the
    right)."""
    from improv.reports.goal_indicators import indicator_label, matching_columns

    cols = ["Dr.K.midi.notes_per_s", "client.midi.notes_per_s", "Dr.K|client.joint_share"]
    assert matching_columns(cols, "notes_per_s", "Dr.K") == ["Dr.K.midi.notes_per_s"]
    assert matching_columns(cols, "joint_share", "Dr.K|client") == ["Dr.K|client.joint_share"]
    assert indicator_label({"measure": "notes_per_s", "player": "Dr.K"},
                           "Dr.K.midi.notes_per_s") == "Dr.K (MIDI) · Notes per second"


def test_a_pair_goal_without_values_yet_is_labelled_in_words():
    """A goal on the pair's "client leads" made before any session is measured in its period
    (no column yet) reads as the form offered it, never as a field name
    ("client|therapist_client leads" before)."""
    from improv.reports.goal_indicators import indicator_label

    pair = "client|therapist"
    assert indicator_label({"measure": "client_leads_share", "player": pair}, None) == \
        "client leads"
    assert indicator_label({"measure": "joint_share", "player": pair}, None) == \
        "client & therapist · Both playing"
    assert indicator_label({"measure": "silence_share", "player": "client"}, None) == \
        "client · Silence"
    for measure in ("client_leads_share", "joint_share", "leads_share"):
        text = indicator_label({"measure": measure, "player": pair}, None)
        assert "|" not in text and "_" not in text, text


@pytest.fixture
def far_west(monkeypatch):
    """This computer's time zone at UTC−11, where the sessions at 10:00 UTC are at 23:00 the
    evening before (a POSIX zone string: no zone database needed)."""
    import time

    monkeypatch.setenv("TZ", "XYZ+11")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_days_are_the_days_the_therapist_lived(client_store, run_cli, far_west, tmp_path):
    """A goal's days, the reports' and the export's count in the practice computer's time
    zone, as the session list shows the sessions: the first session, at 23:00 on 4 January
    there, is on the 4th, not on the UTC day after."""
    import csv

    from improv.reports.report import client_report_html
    from sessions.store import Store

    path, ids = client_store
    assert "2026-01-04 23:00" in _ok(run_cli("sessions", "list")).stdout
    late = _ok(run_cli("goals", "add", "--client", "C07", "From the first", "--since",
                       "2026-01-04", "--json"))
    after = _ok(run_cli("goals", "add", "--client", "C07", "From the day after", "--since",
                        "2026-01-05", "--json"))
    res = _ok(run_cli("goals", "show", "--client", "C07", "--json"))
    versions = {g["id"]: g["versions"][0]["sessions"] for g in res["goals"]}
    assert versions[late["id"]] == ids and versions[after["id"]] == ids[1:]
    r = run_cli("goals", "add", "--client", "C07", "X", "--since", "2026-01-03")
    assert r.exit_code == 1 and "first session (Jan 4, 2026)" in r.stderr, r.stderr
    with Store(path) as s:
        text = client_report_html(s, client="C07")
    assert "8 sessions from Jan 4, 2026 to Feb 22, 2026" in text
    _ok(run_cli("export-dataset", "--to", tmp_path / "ds", "--format", "csv"))
    with open(next((tmp_path / "ds").rglob("sessions.csv")), newline="") as f:
        days = [row["date"] for row in csv.DictReader(f)]
    assert days[0] == "2026-01-04" and days[-1] == "2026-02-22"
    # a date option is a local day too: the second session, at 23:00 on 11 January there, is
    # before the 12th (in UTC it is on the 12th, and "--until 2026-01-12" would leave it out)
    found = run_cli("annotations", "search", "--until", "2026-01-12", "--json").json()
    assert {row["session_id"] for row in found} == {ids[1]}


def test_goals_measures_lists_label_and_name_and_every_name_is_taken(client_store, run_cli):
    """`improv goals measures`: each measure of the client's sessions as the tables name it,
    and the name --indicator takes; each listed name is accepted as it is."""
    from improv.reports.goal_indicators import check_indicators, parse_indicator
    from sessions.store import Store

    path, _ = client_store
    r = _ok(run_cli("goals", "measures", "--client", "C07"))
    lines = r.stdout.splitlines()
    assert lines[1] == "Give one as --indicator NAME:up or NAME:down, e.g. --indicator " \
        "notes_per_s@client:up"
    rows = {tuple(re.split(r"\s{2,}", line.strip())) for line in lines if line.startswith("  ")}
    assert ("client leads (%)", "leads_share@client") in rows
    assert ("therapist leads (%)", "leads_share@therapist") in rows
    assert ("client & therapist · Both playing (%)", "joint_share@client|therapist") in rows
    assert ("client (MIDI) · Notes per second (notes/s)", "notes_per_s@client") in rows
    assert "Leading and following" in lines  # grouped as on the web page
    names = _ok(run_cli("goals", "measures", "--client", "C07", "--json")).json()
    assert len(names) == len(rows) >= 7
    with Store(path) as store:
        for n in names:
            ind = parse_indicator(f"{n['name']}:up")
            (checked,) = check_indicators(store, "C07", [ind])
            assert checked["player"] == ind["player"], n
    # a listed name goes straight into a goal, and reads its column
    g = _ok(run_cli("goals", "add", "--client", "C07", "Leads", "--since", "2026-01-05",
                    "--indicator", "leads_share@client:up", "--json"))
    assert g["versions"][-1]["indicators"] == [
        {"measure": "leads_share", "direction": "up", "player": "client"}]
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    (ind,) = goal["versions"][-1]["indicators"]
    assert ind["column"] == "client|therapist.client_leads_share"


def test_every_suggested_name_is_accepted(client_store, run_cli):
    """What a refusal suggests, the next try takes: no "did you mean lead?" that is refused."""
    import re

    for typed in ("leading:up", "lead:up@client", "leader:up", "velocity_mena:up",
                  "notes_per_sec:up", "together:up", "silence:down"):
        r = run_cli("goals", "add", "--client", "C07", "X", "--since", "2026-01-05",
                    "--indicator", typed)
        assert r.exit_code == 1 and r.stderr.count("\n") == 1, (typed, r.stderr)
        suggested = re.findall(r"[\w.|]+@[\w|]+", r.stderr.split("lists every name")[0])
        suggested = [n for n in suggested if not n.endswith("@PLAYER")]
        assert suggested, r.stderr
        for name in suggested:
            ok = run_cli("goals", "add", "--client", "C07", "X", "--since", "2026-01-05",
                         "--indicator", f"{name}:up")
            # taken: added, or refused only as a goal added before by another name
            assert ok.exit_code == 0 or "this goal exists already" in ok.stderr, (
                typed, name, ok.stderr)


def test_goals_measures_of_a_client_not_analysed_yet(tmp_path, run_cli, monkeypatch):
    from sessions.store import Store

    rng = np.random.default_rng(1)
    with Store(tmp_path / "store") as store:
        import_weekly_session(store, tmp_path, week=0, notes=5, duration=5.0, rng=rng,
                              start=datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc))
    monkeypatch.setenv("IMPROV_STORE", str(tmp_path / "store"))
    r = _ok(run_cli("goals", "measures", "--client", "C07"))
    assert r.stdout == ("client C07's sessions are not analysed yet: 'improv analyze --all "
                        "--client C07' measures them\n")


def test_an_indicator_names_its_player_before_or_after_the_direction():
    from improv.reports.goal_indicators import parse_indicator

    want = {"measure": "leads_share", "direction": "down", "player": "client"}
    assert parse_indicator("leads_share@client:down") == want
    assert parse_indicator("leads_share:down@client") == want
    assert parse_indicator("joint_share@client|therapist:up")["player"] == "client|therapist"
    with pytest.raises(ValueError, match="an indicator must look like"):
        parse_indicator("leads_share@client:sideways")


def test_unconfirmed_role_suggestions_do_not_move_a_goal(client_store, run_cli):
    """A goal counting autonomy:leader counted the analysis's role suggestions (tagged
    "suggestion") as the therapist's observations (a therapist's review): only the therapist's
    own annotations and confirmed suggestions count; confirming one makes it count."""
    from sessions.annotation_edits import SUGGESTION_AUTHOR, add_annotations, edit_annotation
    from sessions.store import Store

    path, ids = client_store
    _ok(run_cli("goals", "add", "--client", "C07", "Leads", "--since", "2026-01-05",
                "--tag", "autonomy:leader:up"))

    def counts():
        (g,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
        (tag,) = g["versions"][0]["indicators"]
        return tag["values"]

    before = counts()
    assert before == list(range(N))
    with Store(path) as store:
        added = add_annotations(store, ids[0], [
            {"t": 1.0, "end": 3.0, "player": "client", "tags": ["suggestion", "autonomy:leader"],
             "text": "suggested"} for _ in range(3)], by=SUGGESTION_AUTHOR, source="suggestion")
    assert counts() == before  # unconfirmed: not the therapist's
    with Store(path) as store:
        edit_annotation(store, ids[0], added[0]["id"], tags=["autonomy:leader"])
    assert counts() == [1] + before[1:]  # confirmed: now it counts


def test_a_measure_reads_its_own_column_not_a_longer_one_ending_so():
    """``overlap_count`` also matched ``within_overlap_count`` (so 'goals measures' listed a
    field name instead of a name), and ``silence_share@therapist`` the pair's role column
    ``therapist_role_silence_share``: a "_" before the name must follow one of the pair's
    players, as in ``client_leads_share``."""
    from improv.reports.goal_indicators import matching_columns

    cols = ["client|therapist.overlap_count", "client|therapist.within_overlap_count",
            "client|therapist.client_leads_share", "therapist.midi.silence_share",
            "client|therapist.therapist_role_silence_share", "client.midi.n_notes"]
    assert matching_columns(cols, "overlap_count", "client|therapist") == [
        "client|therapist.overlap_count"]
    assert matching_columns(cols, "leads_share", "client") == [
        "client|therapist.client_leads_share"]
    assert matching_columns(cols, "silence_share", "therapist") == [
        "therapist.midi.silence_share"]
    assert matching_columns(cols, "notes", None) == []


def test_goal_days_are_written_in_words_everywhere(client_store, run_cli):
    """A goal's days read "since Jan 5, 2026" (sessions.timefmt.day_words), as the rest of
    the app writes days, not ISO dates: the command line's messages, list and show, the
    goal's line of the web API, and the refusals."""
    path, _ = client_store
    r = _ok(run_cli("goals", "add", "--client", "C07", "Dares to lead", "--since", "2026-01-05",
                    "--indicator", "leads_share@client:up"))
    assert "(since Jan 5, 2026)" in r.stdout
    g = _ok(run_cli("goals", "list", "--client", "C07", "--json"))["goals"][0]
    r = _ok(run_cli("goals", "edit", g["id"], "Leads more often", "--since", "2026-02-02"))
    assert "version 2 from Feb 2, 2026" in r.stdout
    listed = _ok(run_cli("goals", "list", "--client", "C07")).stdout
    assert "Jan 5, 2026" in listed and "2026-01-05" not in listed
    shown = _ok(run_cli("goals", "show", "--client", "C07")).stdout
    assert f"{g['id']}  since Jan 5, 2026 (active)" in shown
    assert "(since Jan 5, 2026): client leads" in shown  # the goal's line (reading)
    assert not re.search(r"\d{4}-\d\d-\d\d", shown)
    r = _ok(run_cli("goals", "reach", g["id"], "--on", "2026-02-23"))
    assert "reached on Feb 23, 2026" in r.stdout
    from improv.reports.goals import goal_line, goals_progress
    from sessions.store import Store

    with Store(path) as store:  # the web API's "line" of each goal
        line = goal_line(goals_progress(store, "C07", analyse=False)["goals"][0])
    assert line.startswith("“Leads more often” (Jan 5, 2026 to Feb 23, 2026, reached): ")
    r = run_cli("goals", "add", "--client", "C07", "X", "--since", "2026-01-02")
    assert "the goal's start date, Jan 2, 2026, is before the client's first session " \
        "(Jan 5, 2026)" in r.stderr


def test_a_tag_counts_trend_reads_in_words(client_store, run_cli):
    """A tag count's trend read "+0 per session [+0, +0]": in words now, "no change" where
    the count and its interval are all zero, else how many more (fewer) per session with its
    interval, in the command line and the report's goals section."""
    from improv.reports.goals import goals_progress
    from improv.reports.goals_report import goals_section_html
    from sessions.store import Store

    path, _ = client_store
    _ok(run_cli("goals", "add", "--client", "C07", "Leads", "--since", "2026-01-05",
                "--tag", "autonomy:leader:up"))  # one more each session
    _ok(run_cli("goals", "add", "--client", "C07", "Marks", "--since", "2026-01-05",
                "--tag", "marker:up"))  # never: 0 in every session
    human = _ok(run_cli("goals", "show", "--client", "C07")).stdout
    assert ("annotations tagged autonomy:leader per session (up): band 0–3 (baseline 1 ± 1, "
            "mean ± SD); trend rising: "
            "1 more per session (between +1 and +1); rising") in human
    assert "annotations tagged marker per session (up): band –; trend no change;" in human
    assert "+0" not in human and "/session" not in human
    with Store(path) as store:
        html = goals_section_html(goals_progress(store, "C07", analyse=False))
    assert "<td>no change</td>" in html
    assert "<td>rising: 1 more per session (between +1 and +1)</td>" in html
    assert "+0" not in html


@pytest.mark.parametrize("trend, words", [
    ((0.0, 0.0, 0.0, False), "no change"),
    ((0.04, -0.2, 0.31, False), "no clear trend: 0 more per session (between −0.2 and +0.3)"),
    ((-0.5, -1.0, -0.25, True), "falling: 0.5 fewer per session (between −1 and −0.3)"),
    ((0.0, -0.5, 0.0, False), "no clear trend: 0 more per session (between −0.5 and 0)"),
])
def test_count_trend_words(trend, words):
    from improv.reports.goals import count_trend_words

    slope, low, high, clear = trend
    assert count_trend_words({"slope_per_session": slope, "ci_low": low, "ci_high": high,
                              "distinguishable": clear, "n": 8}) == words
    # four sessions: 0, 1, 2 and 3 annotations read "about the same: 1 more" before
    assert count_trend_words({"slope_per_session": 1.0, "ci_low": 1.0, "ci_high": 1.0,
                              "distinguishable": False, "n": 4}) == (
        "too few sessions to judge: 1 more per session (between +1 and +1)")


def test_the_goals_say_which_sessions_are_outside_the_band_as_the_trends_do(client_store,
                                                                             run_cli):
    """A goal's indicator names the sessions outside its band (``outside_band``), by the rule
    of the trend charts (improv.reports.compare.outside_band over the floored band): the same
    sessions as the comparison of the same sessions with the same baseline."""
    from improv.reports.compare import compare_client
    from improv.reports.goals import goals_progress
    from sessions.store import Store

    path, ids = client_store
    _ok(run_cli("goals", "add", "--client", "C07", "Leads", "--since", "2026-01-05",
                "--indicator", "leads_share@client:up", "--tag", "autonomy:leader:up"))
    with Store(path) as store:
        (goal,) = goals_progress(store, "C07", analyse=False)["goals"]
        lead, tag = goal["versions"][0]["indicators"]
        compared = compare_client(store, client="C07", baseline="first:3",
                                  features=["client_leads_share"])
    column = "client|therapist.client_leads_share"
    assert lead["column"] == column
    assert set(ids[4:]) <= set(lead["outside_band"])  # rising past the band
    assert lead["outside_band"] == compared["features"][column]["outside_band"]
    # a count: 0, 1, 2 in the baseline (band 1 ± 2 SD), then 3 … 7
    assert tag["outside_band"] == ids[4:]
    assert not set(lead["outside_band"]) & set(ids[:3])
