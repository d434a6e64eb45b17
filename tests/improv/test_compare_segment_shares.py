"""Shares of time per window are per cent on screen, as the session values are (researcher
review 35: ``compare ID --segments`` showed "Both playing (0-1)" where a client's course,
the session page and the reports say "Both playing (%)")."""

from __future__ import annotations

import pytest

from analysis.features import FEATURES
from improv.reports.labels import heading
from sessions.importer import import_files
from tests.sessions.helpers import write_midi


def test_every_share_of_the_window_is_a_fraction():
    """A curve that is a share of time in its window has the unit of the session's shares,
    ``fraction`` (shown as %), not ``0-1`` (a score, shown as it is)."""
    shares = [f for f in FEATURES if "curve" in f.kinds and f.definition.startswith("share of")]
    assert {f.name for f in shares} >= {"{x}_active", "{x}_solo", "joint", "silent"}
    assert {f.name: f.unit for f in shares} == {f.name: "fraction" for f in shares}
    assert heading("client|therapist.joint") == heading("client|therapist.joint_share") == (
        "Both playing (%)")
    assert heading("client|therapist.client_solo") == "client solo (%)"


@pytest.fixture
def duet(store, tmp_path, monkeypatch):
    """The client plays alone for 16 s, then both play for 16 s (four notes a second each)."""
    client = [(0.25 * k, 0, 60 + k % 5, 80) for k in range(128)]
    therapist = [(16.0 + 0.25 * k + 0.1, 1, 48 + k % 3, 70) for k in range(64)]
    mid = write_midi(tmp_path / "duet.mid", tracks={"client": client, "therapist": therapist})
    sid = import_files(store, [mid], client="C07",
                       players=["client=duet.mid:2", "therapist=duet.mid:3"])["id"]
    monkeypatch.setenv("IMPROV_STORE", str(store.root))
    return sid


def test_segments_show_shares_of_time_in_per_cent(run_cli, duet):
    args = ("compare", duet, "--segments", "0-16,16-32", "--features", "joint,client_solo")
    got = run_cli(*args, "--json")
    assert got.exit_code == 0, got.stderr
    rows = {r["feature"]: r for r in got.json()["rows"]}
    joint = rows["client|therapist.joint"]
    # --json keeps the stored fractions, with the unit of the session's shares
    assert joint["unit"] == "fraction" and 0 <= joint["values"][0] < 0.4 < joint["values"][1] <= 1
    shown = run_cli(*args)
    assert shown.exit_code == 0, shown.stderr
    assert "(0-1)" not in shown.stdout, shown.stdout
    (line,) = [x for x in shown.stdout.splitlines() if x.strip().startswith("Both playing")]
    cells = line.split()
    assert cells[:3] == ["Both", "playing", "(%)"], line
    assert [float(c) for c in cells[3:5]] == [pytest.approx(100 * v, abs=0.6)
                                             for v in joint["values"]]
    assert float(cells[5]) == pytest.approx(100 * joint["difference"], rel=0.01), line
    assert "client solo (%)" in shown.stdout
    raw = run_cli(*args, "--raw")  # field names and stored values, the unit named as stored
    assert "client|therapist.joint" in raw.stdout and "fraction" in raw.stdout
