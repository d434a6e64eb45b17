"""A clear trend is a change only where it is large enough to matter, and two sessions' table
gives its differences as its values read (review rev-months, findings 3 and 9).

Finding 3: the course said "Change: yes" for the therapist's silence falling by 0.023
percentage points a session (0.2 points over ten sessions), while the same row's band held
2 points as "the smallest change that matters"; the command line printed its interval as
"[-0.05, 0]" beside the "yes". Finding 9: ``improv compare A B`` printed "Silence (%) 8 7
-0.347" and "Pitch (mean) A#2 C#4 +14.6" (semitones unsaid).

The values are put into the catalog under the keys of the default analysis, as ``improv
analyze`` would, so nothing is analysed here.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.improv.test_goals import N, build_client_store

#: The client's silence falls 0.5 points a session: 3.5 points over eight sessions, a change.
CLIENT_SILENCE = [0.30 - 0.005 * i for i in range(N)]
#: The therapist's falls 0.02 points a session, steadily (a clear test): 0.14 points in all.
THERAPIST_SILENCE = [0.0778 - 0.0002 * i for i in range(N)]
#: The client's mean pitch: A#2 in the first session, C#4 in the last (14.6 semitones).
PITCH = [46.3 + (60.9 - 46.3) * i / (N - 1) for i in range(N)]
CLIENT = "client.midi.silence_share"
THERAPIST = "therapist.midi.silence_share"


def build_store(tmp_path):
    """:func:`tests.improv.test_goals.build_client_store` with the silences and pitches above."""
    from improv.analyze import default_keys
    from sessions.store import Store

    path, ids = build_client_store(tmp_path)
    with Store(path) as store:
        for i, sid in enumerate(ids):
            keys = default_keys(store.session(sid))
            store.catalog.put_features(sid, "client", keys["client"], {
                "status": "ok", "midi.notes_per_s": 2.0, "midi.silence_share": CLIENT_SILENCE[i],
                "midi.pitch_mean": PITCH[i], "midi.tempo_bpm": 120.4 - 0.54 * i,
                "midi.pulsed_share": 0.9})
            store.catalog.put_features(sid, "therapist", keys["therapist"], {
                "status": "ok", "midi.notes_per_s": 0.2,
                "midi.silence_share": THERAPIST_SILENCE[i]})
    return path, ids


def _on(run_cli, path):
    """``improv --store PATH ...`` through the ``run_cli`` fixture."""
    return lambda *args: run_cli("--store", str(path), *args)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("matters"))


def test_a_clear_trend_too_small_to_matter_is_no_change(built):
    """The verdict agrees with the band's smallest change; the test itself stays in the
    result (and in --json) for research."""
    from improv.reports.compare import MIN_BAND_HALF_WIDTH, compare_client
    from sessions.store import Store

    path, _ = built
    with Store(path) as store:
        res = compare_client(store, client="C07", features=["silence_share"])
    small, large = res["features"][THERAPIST], res["features"][CLIENT]
    assert small["trend"]["distinguishable"] and small["trend"]["mk_p"] < 0.05
    assert small["change"] == "too small to matter"
    assert small["smallest_change"] == MIN_BAND_HALF_WIDTH["fraction"]
    assert large["trend"]["distinguishable"] and large["change"] == "yes"


def test_the_command_line_says_too_small_and_keeps_the_test_in_json(built, run_cli):
    path, _ = built
    cli = _on(run_cli, path)
    r = cli("compare", "--client", "C07", "--features", "silence_share")
    assert r.exit_code == 0, r.stderr
    rows = {who: r.stdout.splitlines()[_row_of(r.stdout, who)] for who in ("client", "therapist")}
    assert re.search(r"\btoo small\b", rows["therapist"]), rows
    assert "yes" not in rows["therapist"]
    assert re.search(r"\byes\b", rows["client"]), rows
    assert "Too small: a clear trend that changed the measure by less than the smallest " \
           "change that matters" in r.stdout
    assert max(len(line) for line in r.stdout.splitlines()) <= 120
    raw = cli("compare", "--client", "C07", "--features", "silence_share", "--raw")
    assert "too small to matter" in raw.stdout
    data = json.loads(cli("compare", "--client", "C07", "--features", "silence_share",
                          "--json").stdout)
    f = data["features"][THERAPIST]
    assert f["change"] == "too small to matter" and f["trend"]["distinguishable"] is True
    assert f["smallest_change"] == 0.02


def _row_of(out: str, who: str) -> int:
    """The line of ``who``'s silence: the first "Silence" after ``who``'s heading line."""
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("Density") and
                f"· {who} " in line + " ")
    return next(i for i in range(head, len(lines)) if lines[i].strip().startswith("Silence"))


def test_the_client_report_says_too_small_not_changes(built):
    from improv.reports.client_report import TREND_METHOD, _trend_table_html
    from improv.reports.compare import compare_client
    from sessions.store import Store

    path, _ = built
    with Store(path) as store:
        res = compare_client(store, client="C07", features=["silence_share"])
    html = _trend_table_html(res, {s["id"]: s["id"] for s in res["sessions"]})
    rows = {c: row for row in html.split("<tr>") for c in (CLIENT, THERAPIST)
            if ("therapist (MIDI)" in row) == (c == THERAPIST) and "Silence" in row}
    assert "too small to matter" in rows[THERAPIST] and "changes" not in rows[THERAPIST]
    assert "changes" in rows[CLIENT]
    assert "smallest change that matters for it (else it is “too small to matter”)" in \
        TREND_METHOD


def test_an_interval_end_that_is_not_zero_never_reads_0():
    """The review's interval, [-0.053, -0.0014] % a session, printed "[-0.05, 0]"."""
    from improv.cli.compare import _trend_row

    trend = {"slope_per_session": -0.000234, "ci_low": -0.000532, "ci_high": -1.441e-05,
             "distinguishable": True, "n": 10}
    f = {"trend": trend, "values": [0.078] * 10, "change": "too small to matter",
         "band": None, "outside_band": [], "outliers": []}
    row = _trend_row(THERAPIST, f, {})
    assert row[1] == "-0.02 [-0.05, -0.001]", row
    assert row[2] == "too small"


def test_two_sessions_differ_as_their_values_read(built, run_cli):
    path, ids = built
    cli = _on(run_cli, path)
    r = cli("compare", ids[0], ids[-1], "--features", "silence_share,pitch_mean,tempo_bpm")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("Difference: Session 8 (Feb 23) minus Session 1 (Jan 5)"), lines
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines if line.startswith("  ")]
    assert ["Silence (%)", "30.0", "26.5", "-3.5 percentage points", "lower"] in rows, rows
    # the therapist's 0.14 points (7.78 to 7.64 %), read as 7.8 and 7.6: 0.2 points, less
    # than the smallest change that matters
    assert ["Silence (%)", "7.8", "7.6", "-0.2 percentage points", "about the same"] in rows
    assert ["Pitch (mean)", "A#2", "C#4", "+14.6 semitones", "higher"] in rows
    # 120.4 and 116.6 BPM read 120 and 117: a difference of 3, as they read (not 3.78)
    assert ["Tempo (BPM)", "120", "117", "-3", "lower"] in rows
    assert re.split(r"\s{2,}", lines[3])[-2:] == ["DIFFERENCE", "IN WORDS"], lines[3]
    # --json keeps the stored difference
    data = json.loads(cli("compare", ids[0], ids[-1], "--features", "pitch_mean",
                          "--json").stdout)
    assert data["rows"][0]["difference"] == pytest.approx(14.6)
