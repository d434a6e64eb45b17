"""The ``improv analyze`` table as a therapist reads it (review 27, finding 34): the session
named as everywhere else, tempi and velocities in whole numbers, the analysis' technical words
only where they tell something; ``--raw`` and ``--json`` keep everything."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import numpy as np
import pytest

from tests.sessions.helpers import write_midi


@pytest.fixture
def session(store, tmp_path):
    """Session 1 of C07, 20 s, started 2026-11-02 09:00 UTC: the client plays 39 notes at about
    119 BPM (an interval of 0.504 s), velocities 80 and 85 in turn (mean 82.44), the therapist
    on every other beat."""
    from sessions.importer import import_files

    rng = np.random.default_rng(4)
    ts = np.arange(0.2, 19.5, 0.504) + rng.uniform(-0.003, 0.003, 39)
    client = [(float(t), 0, (60, 64, 67)[i % 3], (80, 85)[i % 2]) for i, t in enumerate(ts)]
    therapist = [(float(t) + 0.02, 0, 48, 60) for t in ts[::2]] + [(19.9, 0, 48, 60)]
    mid = write_midi(tmp_path / "duet.mid", tracks={"client": client, "therapist": therapist})
    m = import_files(store, [mid], client="C07", players=["client=duet.mid:2",
                                                          "therapist=duet.mid:3"],
                     started=datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))
    return m["id"]


def _row(out: str, label: str) -> list[str]:
    line = next(x for x in out.splitlines() if re.search(rf"(^|  ){re.escape(label)}  ", x))
    return re.split(r"\s{2,}", line.strip())


def test_header_names_the_session_as_the_list_does(run_cli, session):
    r = run_cli("analyze", session)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    # it was "session 20261102-090000-xxxx  20.0 s  window 6 s  hop 1 s  analysis 1.16.0"
    assert lines[0] == "Session 1 · C07 · Nov 2, 2026 · 0:20"
    assert "analysis 1." not in r.stdout and session not in r.stdout
    # a player by name; "ok (cached)" was the analysis' word and the cache's
    assert "\nclient\n" in r.stdout and "\ntherapist\n" in r.stdout
    assert "ok" not in r.stdout.split() and "(cached)" not in r.stdout
    assert "Tempo from" not in r.stdout  # "windows over the session": the usual case
    # a window that is not the default is said, since the numbers differ from the catalog's
    r = run_cli("analyze", session, "--window", "8", "--no-cache")
    assert r.stdout.splitlines()[0] == "Session 1 · C07 · Nov 2, 2026 · 0:20 · window 8 s, hop 1 s"


def test_tempi_and_velocities_are_whole_numbers(run_cli, session):
    out = run_cli("analyze", session).stdout
    tempo = _row(out, "Tempo (BPM)")[-1]
    assert re.fullmatch(r"1[12]\d", tempo), tempo  # 119, not 119.05
    for label in ("Tempo (slowest, BPM)", "Tempo (fastest, BPM)", "Velocity (mean, 0-127)",
                  "Velocity (SD, 0-127)", "Velocity spread (0-127)"):
        value = _row(out, label)[-1]
        assert re.fullmatch(r"\d+|–", value), (label, value)
    assert _row(out, "Velocity (mean, 0-127)")[-1] == "82"  # 82.44 (20 notes at 80, 19 at 85)
    # the other measures keep their decimals
    assert re.fullmatch(r"0\.\d\d", _row(out, "Pulse clarity (0-1)")[-1])
    assert re.fullmatch(r"\d\.\d\d", _row(out, "Notes per second (notes/s)")[-1])


def test_raw_and_json_keep_the_technical_words_and_values(run_cli, session):
    run_cli("analyze", session)  # so that the next run reads the cache
    raw = run_cli("analyze", session, "--raw").stdout
    assert raw.splitlines()[0].startswith(f"session {session}  20.0 s  window 6 s  hop 1 s  "
                                          "analysis ")
    assert "client: ok (cached)" in raw and re.search(r"tempo_source +windows", raw)
    assert re.search(r"velocity_mean +82\.44\n", raw), raw
    data = run_cli("analyze", session, "--json").json()
    summary = data["players"]["client"]["sources"]["midi"]["summary"]
    assert summary["velocity_mean"] == pytest.approx(3215 / 39)
    assert summary["tempo_source"] == "windows"
    assert data["players"]["client"]["cached"] is True


def test_a_session_shorter_than_a_window_says_where_its_tempo_comes_from(run_cli, session):
    out = run_cli("analyze", session, "--window", "30", "--no-cache").stdout
    assert "\nclient: too short\n" in out  # a status other than "ok" is said
    assert _row(out, "Tempo from")[-1] == "the whole clip (shorter than one window)"
