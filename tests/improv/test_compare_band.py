"""The baseline band is never narrower than the smallest change that matters
(:data:`improv.reports.compare.MIN_BAND_HALF_WIDTH`): a baseline of nearly equal sessions does
not call a session "outside the band" for a difference no one hears, while a real change still
lies outside it."""

from __future__ import annotations

import pytest

from tests.improv.test_goals import build_client_store

#: Silence shares of eight sessions: a baseline (first three) within 0.02 percentage points,
#: then 0.2 points less (session 4), then a real change of 10 points (session 8).
SILENCE = [0.0779, 0.0780, 0.0781, 0.0760, 0.0785, 0.0775, 0.0790, 0.1780]


@pytest.fixture(scope="module")
def band_store(tmp_path_factory):
    from improv.analyze import default_keys
    from sessions.store import Store

    path, ids = build_client_store(tmp_path_factory.mktemp("band"))
    with Store(path) as store:
        for sid, share in zip(ids, SILENCE, strict=True):
            keys = default_keys(store.session(sid))
            store.catalog.put_features(sid, "client", keys["client"], {
                "status": "ok", "midi.notes_per_s": 2.0, "midi.silence_share": share})
    return path, ids


def test_a_difference_no_one_hears_is_inside_the_band(band_store):
    from improv.reports.compare import MIN_BAND_HALF_WIDTH, compare_client
    from sessions.store import Store

    path, ids = band_store
    with Store(path) as store:
        res = compare_client(store, client="C07", features=["silence_share"])
    f = res["features"]["client.midi.silence_share"]
    band = f["band"]
    floor = MIN_BAND_HALF_WIDTH["fraction"]
    assert band["min_half_width"] == floor  # 2 SD of the baseline are 0.0002: widened
    assert band["low"] == pytest.approx(band["mean"] - floor)
    assert band["high"] == pytest.approx(band["mean"] + floor)
    assert f["outside_band"] == [ids[-1]]  # the 10-point change, not the 0.2-point one
    # nor is the 0.2-point one an outlier off the (very even) course: only the real change
    assert f["outliers"] == [ids[-1]]


def test_a_wide_baseline_keeps_its_own_band(band_store):
    """Where the baseline's 2 SD exceed the floor, the band is the baseline's own."""
    from improv.reports.compare import compare_client
    from sessions.store import Store

    path, _ = band_store
    with Store(path) as store:
        res = compare_client(store, client="C07", features=["leads_share"])
    band = res["features"]["client|therapist.client_leads_share"]["band"]
    assert band["min_half_width"] is None
    assert band["high"] - band["mean"] == pytest.approx(2 * band["sd"])


def test_a_goals_band_is_floored_too():
    from improv.reports.goals import course

    c = course([0.0779, 0.0780, 0.0781, 0.0760, 0.0785], [0, 7, 14, 21, 28], direction="down",
               label="Silence", unit="fraction")
    assert c["band"]["min_half_width"] == 0.02


def test_an_annotated_session_is_one_the_therapist_annotated(band_store):
    """Unconfirmed role suggestions of the analysis do not make a session "annotated" (the
    filled points of the course)."""
    from improv.reports.compare import compare_client
    from sessions.annotation_edits import SUGGESTION_AUTHOR, add_annotations
    from sessions.store import Store

    path, ids = band_store
    with Store(path) as store:
        before = [s["annotations"] for s in compare_client(
            store, client="C07", features=["silence_share"])["sessions"]]
        add_annotations(store, ids[0], [{"t": 1.0, "end": 2.0, "player": "client",
                                         "tags": ["suggestion", "autonomy:leader"]}],
                        by=SUGGESTION_AUTHOR, source="suggestion")
        after = [s["annotations"] for s in compare_client(
            store, client="C07", features=["silence_share"])["sessions"]]
    assert after == before and before[0] == 0


def test_the_command_line_prints_the_band_by_its_ends(band_store, run_cli, tmp_path):
    """``compare --client`` and ``goals show`` print the band the sessions are judged
    against (its ends, widened to the floor here), not the baseline's mean ± one SD under a
    heading "band ±2 SD" (review 30, finding 4); ``goals show`` adds the mean ± SD, named."""
    import shutil

    path = tmp_path / "band-copy"  # a copy: a goal is added
    shutil.copytree(band_store[0], path)
    r = run_cli("--store", path, "compare", "--client", "C07", "--features", "silence_share")
    assert r.exit_code == 0, r.stderr
    assert "Band: the baseline's mean ± 2 SD, at least the smallest change that matters" \
        in r.stdout
    row = next(line for line in r.stdout.splitlines() if line.startswith("  Silence (%)"))
    assert "  5.8–9.8  " in row and "±" not in row, row  # 7.8 ± 2 points, not "7.8 ± 0.01"
    raw = run_cli("--store", path, "compare", "--client", "C07", "--features",
                  "silence_share", "--raw")
    assert raw.exit_code == 0, raw.stderr
    assert "band: the baseline's mean ± 2 SD" in raw.stdout
    assert "0.058–0.098 (0.078 ± 0.0001)" in raw.stdout
    assert run_cli("--store", path, "goals", "add", "--client", "C07", "Quieter",
                   "--since", "2026-01-05", "--indicator", "silence_share:down@client",
                   "--indicator", "leads_share:up@client").exit_code == 0
    show = run_cli("--store", path, "goals", "show", "--client", "C07")
    assert show.exit_code == 0, show.stderr
    assert ("client (MIDI) · Silence (%) (down): band 5.8–9.8 (baseline 7.8 ± 0.01, "
            "mean ± SD);") in show.stdout
    # a band as wide as 2 SD: the SD is named as such (the band's ends stop at 0 and 100 %
    # of a share: band_ends' doctest)
    assert "client leads (%) (up): band 3.0–11.0 (baseline 7.0 ± 2.0, mean ± SD);" \
        in show.stdout
