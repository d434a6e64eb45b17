"""Labels, not field names: the tables of ``analyze``, ``analyze --dialogue`` and ``compare``.

Measures are labelled with units from the one feature list, grouped as on the web page, pitch
as note names, shares as percentages; the field names stay in --json, --csv and --raw.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import numpy as np
import pytest

from improv.reports.labels import column_title, grouped, heading, note_name, shown
from improv.reports.wording import change_word
from tests.sessions.helpers import import_half_duet, import_weekly_session


@pytest.fixture
def half_duet(tmp_path, store, rng):
    return import_half_duet(store, tmp_path, rng=rng)


def test_headings_values_and_groups():
    assert heading("client|therapist.asynchrony_mean_ms") == "Asynchrony (mean, ms)"
    assert heading("client.midi.tempo_bpm") == "Tempo (BPM)"
    assert heading("client.midi.silence_share") == "Silence (%)"
    assert heading("client.midi.n_notes") == "Notes"  # a count has no unit
    assert heading("client.midi.pitch_mean") == "Pitch (mean)"  # shown as a note name
    assert [note_name(n) for n in (60, 61.4, 59.6, 21, 108)] == ["C4", "C#4", "C4", "A0", "C8"]
    assert shown("x.midi.pitch_min", 48.0) == "C3"
    assert shown("x.midi.silence_share", 0.504) == "50"
    assert shown("a|b.asynchrony_sd_ms", 1.3e-12) == "0"
    assert shown("x.midi.tempo_bpm", None) == "–" and shown("x.midi.key", "C major") == "C major"
    # the analysis' own terms in plain words; other words as they are
    assert shown("client.audio.tempo_level_from", "midi") == (
        "the player's MIDI, which this recording hears")
    assert shown("tempo_level_from", "audio") == "this recording"
    assert shown("x.midi.tempo_source", "windows") == "windows over the session"
    # the pulse label: plain words, one that depends on the share of pulsed windows beside it
    assert [shown("x.midi.pulse", p) for p in ("clear", "intermittent", "rare", "none")] == [
        "clear and steady", "only at times", "hardly ever", "none found"]
    assert shown("x.midi.pulse", "intermittent", summary={"x.midi.pulsed_share": 0.95}) == (
        "most of the time, but no single tempo")
    # half of the playing or more is "much of the time" (commit 3ac4137), less "only at times"
    assert shown("pulse", "intermittent", summary={"pulsed_share": 0.5}) == "much of the time"
    assert shown("pulse", "intermittent", summary={"pulsed_share": 0.4}) == "only at times"
    assert shown("x.midi.pulse", "clear", summary={"x.midi.pulsed_share": 0.95}) == (
        "clear and steady")
    # what named the leader, and a leader who is no player, in words; a player's name as it is
    assert shown("a|b.leader_basis", "none") == "nothing: neither timing nor the music's changes"
    assert shown("a|b.xcorr_leader", "together") == "neither (together)"
    assert shown("a|b.leader", "together") == "neither (together)"
    assert shown("a|b.leader", "client") == "client"
    assert column_title("a|b.a_imitates_b_count") == "a & b: a imitates b"
    groups = grouped(["x.midi.velocity_mean", "a|b.joint_share", "x.midi.tempo_bpm",
                      "x.midi.pulse_clarity", "x.midi.unknown_thing"])
    assert groups == [("Tempo and pulse", ["x.midi.tempo_bpm", "x.midi.pulse_clarity"]),
                      ("Dynamics", ["x.midi.velocity_mean"]),
                      ("Playing together and turns", ["a|b.joint_share"]),
                      ("Analysis", ["x.midi.unknown_thing"])]


def test_change_word_below_five_sessions():
    assert change_word(None, 3) == "–"
    assert change_word({"distinguishable": True}, 5) == "yes"
    assert change_word({"distinguishable": False}, 4) == "too few sessions to judge"
    assert change_word({"distinguishable": False}, 5) == "no"


def test_analyze_tables_are_labelled_and_grouped(run_cli, half_duet):
    r = run_cli("analyze", half_duet)
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "GROUP" in out and "Tempo and pulse" in out and "Register and tonality" in out
    assert "Tempo (BPM)" in out and "Lowest note" in out and " C3" in out and " G4" in out
    assert "_share" not in out and "tempo_bpm" not in out and "pitch_min" not in out
    # where the tempo comes from is said only where it is not the usual (--raw says it always)
    assert "Tempo from" not in out
    assert re.search(r"tempo_source +windows", run_cli("analyze", half_duet, "--raw").stdout)
    assert out.index("Tempo and pulse") < out.index("Density") < out.index("Dynamics")


def test_dialogue_shows_the_dialogue_only_in_labels(run_cli, half_duet):
    r = run_cli("analyze", half_duet, "--dialogue")
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "\nDialogue of client & therapist (from client's MIDI and therapist's MIDI)\n" in out
    assert "\nclient\n" not in out and "Tempo (BPM)" not in out  # no per-player table again
    assert "Asynchrony (mean, ms)" in out and "Both playing (%)" in out
    assert "Playing together and turns" in out and "Synchrony" in out
    assert "asynchrony_mean_ms" not in out and "joint_share" not in out
    assert "ROLE (% of windows)" in out
    raw = run_cli("analyze", half_duet, "--dialogue", "--raw").stdout
    assert "asynchrony_mean_ms" in raw and "client: ok" not in raw
    assert "dialogue client | therapist: ok" in raw  # --raw: the analysis' own words


def test_accept_roles_says_how_many_it_wrote(run_cli, store, half_duet):
    # bug 4: "8 role suggestions (--accept-roles writes them...)" after writing 6
    d = run_cli("analyze", half_duet, "--dialogue", "--json").json()["dialogue"][0]
    n = len(d["role_runs"])
    eligible = len([x for x in d["role_runs"] if x["confidence"] >= 0.5])
    assert n > eligible > 0
    r = run_cli("analyze", half_duet, "--dialogue", "--accept-roles")
    assert r.exit_code == 0, r.stderr
    written = len([a for a in store.session(half_duet).annotations()
                   if a["source"] == "suggestion"])
    assert written == eligible
    assert (f"{n} role suggestions: {eligible} written into the annotations; "
            f"{n - eligible} below --min-confidence or already there") in r.stdout
    assert "--accept-roles writes them" not in r.stdout
    r = run_cli("analyze", half_duet, "--dialogue")
    assert f"{n} role suggestions (--accept-roles writes them into the annotations)" in r.stdout


def test_compare_tables_are_labelled(run_cli, store, tmp_path):
    rng = np.random.default_rng(3)
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    ids = [import_weekly_session(store, tmp_path, week=i, notes=20 + 10 * i, duration=20.0,
                                 rng=rng, start=start) for i in range(4)]
    r = run_cli("compare", ids[0], ids[1], "--features", "notes_per_s,silence_share,pitch_mean")
    assert r.exit_code == 0, r.stderr
    # a line per group and player, the measures under it
    assert "\nDensity · client (MIDI)\n  Notes per second (notes/s)  " in r.stdout, r.stdout
    assert "\n  Silence (%)  " in r.stdout
    assert "notes_per_s" not in r.stdout
    # the sessions named as on the web, not by ID
    assert "Session 1 (Jan 5)" in r.stdout and "Session 2 (Jan 12)" in r.stdout
    assert ids[0] not in r.stdout
    r = run_cli("compare", "--client", "C07", "--features", "client.midi.notes_per_s")
    assert r.exit_code == 0, r.stderr
    assert "\nDensity · client (MIDI)\n  Notes per second (notes/s)  " in r.stdout, r.stdout
    assert " too few (4/5) " in r.stdout  # four sessions: no test can say "no"
    assert " no " not in r.stdout
    raw = run_cli("compare", "--client", "C07", "--raw", "--features", "notes_per_s").stdout
    assert "client.midi.notes_per_s" in raw and "Notes per second" not in raw
    raw = run_cli("compare", ids[0], ids[1], "--raw", "--features", "notes_per_s").stdout
    assert "client.midi.notes_per_s" in raw and "FEATURE" in raw
    j = run_cli("compare", "--client", "C07", "--json").json()
    assert "client.midi.notes_per_s" in j["columns"]
    # a pitch's baseline band reads as its values do: by note names, its ends
    r = run_cli("compare", "--client", "C07", "--features", "client.midi.pitch_mean")
    assert re.search(r" [A-G]#?\d–[A-G]#?\d ", r.stdout), r.stdout
    raw = run_cli("compare", "--client", "C07", "--raw", "--features", "client.midi.pitch_mean")
    assert re.search(r" [\d.]+–[\d.]+ \([\d.]+ ± [\d.]+\) ", raw.stdout), raw.stdout
    assert "semitones" not in raw.stdout
