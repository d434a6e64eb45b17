"""The research outputs' seconds are rounded to 6 decimals (docs/research.md, "JSON output"):
'compare --json' printed float noise such as 89.60000000000001 and a segment's end as typed
to the nanosecond (review 35)."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.sessions.helpers import import_weekly_session


def _decimals(x: float) -> int:
    text = repr(x)
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def test_compare_json_gives_seconds_to_six_decimals(store, run_cli, tmp_path, rng):
    start = datetime(2026, 11, 2, 10, tzinfo=timezone.utc)
    ids = [import_weekly_session(store, tmp_path, week=k, notes=30, duration=20.0 + k / 3,
                                 rng=rng, start=start) for k in range(3)]
    seg = run_cli("compare", ids[0], "--segments", "0-7.1234567891,7.1234567891-14",
                  "--features", "notes_per_s", "--json")
    assert seg.exit_code == 0, seg.stderr
    assert seg.json()["segments"] == [{"start_s": 0.0, "end_s": 7.123457},
                                      {"start_s": 7.123457, "end_s": 14.0}]
    course = run_cli("compare", "--client", "C07", "--json")
    assert course.exit_code == 0, course.stderr
    durations = [s["duration_s"] for s in course.json()["sessions"]]
    assert all(_decimals(d) <= 6 for d in durations), durations
