"""A goal changed in its course (review rev-months, finding 8): a measure the change kept keeps
the baseline agreed at the start, and the goal's reading says which sessions it covers.

Before, a goal reworded after session 4 with a second measure added read "active since Jan 8 —
Tempo stability: no clear change over 6 sessions" (10 sessions since Jan 8): the reading was
of its last version alone, against a band set anew from the sessions after the change (0.16 to
1.00 instead of 0.68 to 1.00), so a fall well below the band agreed at the start was "no
clear change" with no session outside the band.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.improv import test_goals as _goals
from tests.improv.test_goals import SILENCE, _ok

# the client of tests/improv/test_goals.py: C07 with eight weekly sessions from Jan 5, 2026
built_store, client_store = _goals.built_store, _goals.client_store

#: The client's tempo stability (0-1) per session: steady at first, then falling below the
#: band of the first three sessions (0.68 to 1.00), as in the review's client.
STABILITY = [0.98, 0.99, 0.78, 0.17, 0.85, 0.51, 0.44, 0.39]


def _with_stability(path, ids):
    """Put :data:`STABILITY` into the catalog as the client's MIDI tempo stability, beside the
    measures :func:`tests.improv.test_goals.build_client_store` put there."""
    from improv.analyze import default_keys
    from sessions.store import Store

    with Store(path) as store:
        for i, sid in enumerate(ids):
            key = default_keys(store.session(sid))["client"]
            rows = {r["name"]: r["value"] for r in store.catalog.features(client="C07")
                    if r["session_id"] == sid and r["player"] == "client"}
            store.catalog.put_features(sid, "client", key, {
                "status": "ok", **{k: v for k, v in rows.items() if v is not None},
                "midi.tempo_stability": STABILITY[i]})


@pytest.fixture
def changed_goal(client_store, run_cli):
    """A goal on the client's tempo stability from Jan 5, changed from Feb 2 (after session 4)
    in its words, keeping that measure and adding the client's silence; (store path, session
    IDs, goal ID)."""
    path, ids = client_store
    _with_stability(path, ids)
    g = _ok(run_cli("goals", "add", "--client", "C07", "Keeps a steady shared pulse", "--since",
                    "2026-01-05", "--indicator", "tempo_stability@client:up", "--json"))
    _ok(run_cli("goals", "edit", g["id"], "Keeps a steady pulse and rests at times", "--since",
                "2026-02-02", "--indicator", "tempo_stability@client:up",
                "--indicator", "silence_share@client:down"))
    return path, ids, g["id"]


def test_a_measure_kept_by_a_change_keeps_the_baseline_agreed_at_the_start(changed_goal,
                                                                         run_cli):
    _, ids, _ = changed_goal
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    v1, v2 = goal["versions"]
    assert (v1["sessions"], v2["sessions"]) == (ids[:4], ids[4:])
    (first,) = v1["indicators"]
    stability, silence = v2["indicators"]
    assert stability["values"] == pytest.approx(STABILITY[4:])
    # the band of the first three sessions (0.92 ± 0.12), not of 0.85, 0.51, 0.44 (0.60 ±
    # 0.22, a band from 0.16 in which no session of the fall lay)
    assert stability["band"]["mean"] == pytest.approx(np.mean(STABILITY[:3]))
    assert stability["band"] == first["band"]
    assert stability["baseline_from"] == {"version": 1, "since": "2026-01-05"}
    assert stability["outside_band"] == ids[5:]  # 0.51, 0.44, 0.39: below it
    # a measure the change added has a baseline of its own first sessions
    assert silence["baseline_from"] is None and first["baseline_from"] is None
    assert silence["band"]["mean"] == pytest.approx(np.mean(SILENCE[4:7]))
    human = _ok(run_cli("goals", "show", "--client", "C07")).stdout
    v2_lines = human[human.index("  version 2, Feb 2, 2026 to now"):]
    assert ("client (MIDI) · Tempo stability (0-1) (up): band 0.68–1.00 (baseline 0.92 ± 0.12 "
            "from version 1, mean ± SD)") in v2_lines
    assert "band 0.68–1.00 (baseline 0.92 ± 0.12, mean ± SD)" in human[:human.index(v2_lines)]


def test_the_reading_of_a_changed_goal_says_which_sessions_it_covers(changed_goal, run_cli):
    _, ids, _ = changed_goal
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    # the kept measure over all eight sessions since the goal was agreed (before: "no clear
    # change over 4 sessions"), with the sessions below the band agreed at the start counted;
    # the added one over the sessions since the change
    assert goal["reading"] == (
        "client (MIDI) · Tempo stability: no clear change over 8 sessions since Jan 5, 2026 "
        "(4 of them below the baseline band); client (MIDI) · Silence: 4 sessions since the "
        "goal was changed on Feb 2, 2026, too few sessions to judge (5 are needed)")
    stability, silence = goal["reading_courses"]
    assert (stability["sessions"], stability["since"], stability["since_change"]) == (
        ids, "2026-01-05", False)
    assert stability["outside_band"] == [ids[3], *ids[5:]]
    assert (silence["sessions"], silence["since"], silence["since_change"]) == (
        ids[4:], "2026-02-02", True)
    human = _ok(run_cli("goals", "show", "--client", "C07")).stdout
    assert ("reading: “Keeps a steady pulse and rests at times” (since Jan 5, 2026): client "
            "(MIDI) · Tempo stability: no clear change over 8 sessions since Jan 5, 2026") in human


def test_the_client_report_reads_a_changed_goal_so_too(changed_goal):
    from improv.reports.report import client_report_html
    from sessions.store import Store

    path, _, _ = changed_goal
    with Store(path) as s:
        text = client_report_html(s, client="C07")
    goals = text[text.index("<h2>Treatment goals</h2>"):text.index("<h2>Trends</h2>")]
    assert "no clear change over 8 sessions since Jan 5, 2026 (4 of them below" in goals
    assert "4 sessions since the goal was changed on Feb 2, 2026" in goals
    assert "<td>0.92 ± 0.12 from version 1</td>" in goals  # the band kept, said so
    assert "keeps the band of the sessions it was first followed in" in goals


def test_a_goal_never_changed_reads_as_before_and_a_rewording_keeps_every_baseline(
        client_store, run_cli):
    """A goal with one version says no span (its line says since when); one changed only in
    its words keeps every measure's band and reads each over all its sessions."""
    _, ids = client_store
    g = _ok(run_cli("goals", "add", "--client", "C07", "Dares to lead", "--since",
                    "2026-01-05", "--indicator", "leads_share@client:up", "--tag",
                    "autonomy:leader:up", "--json"))
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    assert goal["reading"].startswith("client leads rose from 5 % to 19 % over 8 sessions; ")
    assert "since" not in goal["reading"]
    _ok(run_cli("goals", "edit", g["id"], "Leads more often", "--since", "2026-02-02"))
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    v1, v2 = goal["versions"]
    for a, b in zip(v1["indicators"], v2["indicators"], strict=True):
        assert a["band"] == b["band"] and b["baseline_from"]["version"] == 1
    assert goal["reading"] == (
        "client leads rose from 5 % to 19 % over 8 sessions since Jan 5, 2026; the trend is "
        "clear (towards the goal); annotations tagged autonomy:leader per session rose from 0 "
        "to 7 over 8 sessions since Jan 5, 2026; the trend is clear (towards the goal)")
    assert [c["sessions"] for c in goal["reading_courses"]] == [ids, ids]


def test_a_measure_turned_the_other_way_starts_anew(client_store, run_cli):
    """What counts as progress changed: the measure is followed anew from the change."""
    g = _ok(run_cli("goals", "add", "--client", "C07", "Plays more", "--since", "2026-01-05",
                    "--indicator", "notes_per_s@client:up", "--json"))
    _ok(run_cli("goals", "edit", g["id"], "Plays less", "--since", "2026-02-02",
                "--indicator", "notes_per_s@client:down"))
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    (ind,) = goal["versions"][1]["indicators"]
    assert ind["baseline_from"] is None
    assert goal["reading"].endswith(": 4 sessions since the goal was changed on Feb 2, 2026, "
                                    "too few sessions to judge (5 are needed)")


def test_a_change_with_no_session_since_reads_the_kept_measure_as_before(client_store, run_cli):
    """Reworded after the last session: the measure keeps its name, band and course; no
    session of the new version has it yet, which had made it "client · Notes per second:
    0 sessions so far" and the goal "no sessions in this period yet"."""
    g = _ok(run_cli("goals", "add", "--client", "C07", "Plays more", "--since", "2026-01-05",
                    "--indicator", "notes_per_s@client:up", "--json"))
    _ok(run_cli("goals", "edit", g["id"], "Plays more, and enjoys it", "--since", "2026-03-02"))
    (goal,) = _ok(run_cli("goals", "show", "--client", "C07", "--json"))["goals"]
    (before,), (after,) = (v["indicators"] for v in goal["versions"])
    assert goal["versions"][1]["sessions"] == []
    assert (after["label"], after["column"]) == (before["label"], before["column"]) == (
        "client (MIDI) · Notes per second", "client.midi.notes_per_s")
    assert after["band"] == before["band"] and after["baseline_from"]["version"] == 1
    assert goal["reading"] == ("client (MIDI) · Notes per second rose from 2 notes/s to 2.7 "
                               "notes/s over 8 sessions since Jan 5, 2026; the trend is clear "
                               "(towards the goal)")
