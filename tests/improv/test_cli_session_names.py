"""`improv compare` and `improv goals show` name sessions as the web app does ("Session 3
(Nov 23)"), not by ID, and a client's course fits 120 columns (review 27, finding 33: it was
about 220 wide, with the outliers as "20261123-090000-a9f4")."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import numpy as np
import pytest

from tests.sessions.helpers import import_weekly_session

OUTLIER = 4  # this session is played 3 notes/s denser than the course


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Six weekly 30 s duets from Monday 5 January 2026, density rising, one outlier."""
    from sessions.store import Store

    tmp = tmp_path_factory.mktemp("names")
    store = Store(tmp / "store")
    rng = np.random.default_rng(7)
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    ids = [import_weekly_session(store, tmp, week=i, duration=30.0, rng=rng, start=start,
                                 notes=int((1.0 + 0.3 * i + (3.0 if i == OUTLIER else 0)) * 30))
           for i in range(6)]
    store.close()
    return tmp / "store", ids


@pytest.fixture
def cli(course, run_cli, monkeypatch):
    monkeypatch.setenv("IMPROV_STORE", str(course[0]))
    return run_cli


def test_a_clients_course_fits_120_columns_and_names_sessions(course, cli):
    _, ids = course
    r = cli("compare", "--client", "C07")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120, max(lines, key=len)
    assert not [i for i in ids if i in r.stdout]  # no raw IDs
    assert lines[0] == "client C07: 6 sessions; baseline: Sessions 1, 2, 3"
    # the days of the sessions, broken between two sessions (at most 100 characters a line)
    assert lines[1:3] == ["Session 1 (Jan 5) · Session 2 (Jan 12) · Session 3 (Jan 19) · "
                          "Session 4 (Jan 26) · Session 5 (Feb 2)", "Session 6 (Feb 9)"]
    # what the band is (not "band ±2 SD" over a column of mean ± one SD: review 30, #4)
    assert ("Band: the baseline's mean ± 2 SD, at least the smallest change that matters"
            in lines)
    header = next(line for line in lines if line.startswith("MEASURE"))
    assert header.split() == ["MEASURE", "TREND", "[95", "%", "RANGE]", "CHANGE", "BAND",
                              "OUTSIDE", "BAND", "OUTLIERS"]
    assert "95% CI" not in r.stdout and "GROUP" not in r.stdout
    density = lines[lines.index("Density · client (MIDI)") + 1]
    assert density.startswith("  Notes per second (notes/s)  "), density
    assert density.endswith(f"  Session {OUTLIER + 1}"), density  # the outlier, by its number
    assert re.search(r"  Sessions (\d, )*5, 6  ", density), density  # outside the band
    # the pair's measures under their own line
    assert "Playing together and turns · client & therapist" in lines


def test_too_few_sessions_say_how_many_of_how_many(course, cli):
    _, ids = course
    r = cli("compare", "--client", "C07", "--since", "2026-01-20", "--baseline",
            f"sessions:{ids[3]},{ids[4]}")
    assert r.exit_code == 0, r.stderr
    assert " too few (3/5) " in r.stdout and "too few sessions to judge" not in r.stdout


def test_two_sessions_and_segments_are_named_too(course, cli):
    _, ids = course
    r = cli("compare", ids[0], ids[5], "--features", "notes_per_s")
    assert r.exit_code == 0, r.stderr
    head = next(line for line in r.stdout.splitlines() if line.startswith("MEASURE"))
    assert re.split(r"\s{2,}", head) == [
        "MEASURE", "Session 1 (Jan 5)", "Session 6 (Feb 9)", "DIFFERENCE", "IN WORDS"]
    assert r.stdout.startswith("Difference: Session 6 (Feb 9) minus Session 1 (Jan 5)")
    r = cli("compare", ids[1], "--segments", "0:00-0:10,0:10-0:20", "--features", "notes_per_s")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0] == "Session 2 (Jan 12): segments"
    raw = cli("compare", ids[0], ids[5], "--raw", "--features", "notes_per_s").stdout
    assert ids[0] in raw and "Session 1" not in raw  # --raw keeps the IDs


def test_goals_show_names_sessions(course, cli):
    _, ids = course
    r = cli("goals", "add", "--client", "C07", "Plays more", "--since", "2026-01-05",
            "--indicator", "notes_per_s:up@client")
    assert r.exit_code == 0, r.stderr
    r = cli("goals", "show", "--client", "C07")
    assert r.exit_code == 0, r.stderr
    assert not [i for i in ids if i in r.stdout]
    rows = [re.split(r"\s{2,}", line)[0] for line in r.stdout.splitlines()
            if line.startswith("Session ")]
    assert rows == ["Session 1 (Jan 5)", "Session 2 (Jan 12)", "Session 3 (Jan 19)",
                    "Session 4 (Jan 26)", "Session 5 (Feb 2)", "Session 6 (Feb 9)"]
    assert "SESSION " in r.stdout and "DATE" not in r.stdout


def test_a_course_over_new_year_names_the_year(tmp_path):
    from improv.reports.wording import session_name, spans_years

    sessions = [{"started_utc": "2025-12-22T10:00:00+00:00"},
                {"started_utc": "2026-01-05T10:00:00+00:00"}]
    assert spans_years(sessions) and not spans_years(sessions[1:])
    assert session_name(7, sessions[1]["started_utc"], year=True) == "Session 7 (Jan 5, 2026)"
    assert session_name(None, sessions[1]["started_utc"], session_id="20260105-100000-abcd") \
        == "20260105-100000-abcd (Jan 5)"
