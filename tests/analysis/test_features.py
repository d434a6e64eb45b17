"""The one feature list (analysis/features.py) and what the analysis produces agree: every
curve and summary value of a MIDI player, an audio player and a pair's dialogue is listed with
its kind, and every listed feature is produced by one of them."""

import re

import numpy as np
import pytest

import analysis
from analysis.convert import NoteTable
from analysis.dialogue import ROLES, PlayerEvents, analyze_dialogue
from analysis.errors import ParameterError
from analysis.features import (
    FEATURES,
    GROUPS,
    check_features,
    describe,
    feature_list,
    is_setting,
    label,
    lookup,
    split_column,
    title,
    typed_summary,
    typed_value,
)

NAMES = ("client", "therapist")
DUR = 30.0


def _players():
    beat = np.arange(0.25, DUR - 1.0, 0.5)
    k = np.arange(beat.size)
    a = NoteTable.from_arrays(beat, beat + 0.3, 60 + k % 5, 60 + (k % 7) * 8)
    b = NoteTable.from_arrays(beat + 0.3, beat + 0.5, 64 + k % 5, 50 + (k % 3) * 8)
    return a, b


@pytest.fixture(scope="module")
def produced() -> dict[str, set[str]]:
    """kind ("curve"/"summary") -> names produced by a MIDI, an audio and a pair analysis."""
    a, b = _players()
    sr = 22050
    t = np.arange(int(DUR * sr)) / sr
    y = (0.3 * np.sin(2 * np.pi * 440 * t) * np.exp(-(t % 0.5) * 8)).astype(np.float32)
    results = [analysis.analyze_midi(a, duration=DUR), analysis.analyze_audio(y, sr=sr),
               analyze_dialogue(PlayerEvents.from_notes(a), PlayerEvents.from_notes(b),
                                duration=DUR, names=NAMES)]
    assert all(r.summary["status"] == "ok" for r in results)
    out: dict[str, set[str]] = {"curve": set(), "summary": set()}
    for r in results:
        out["curve"] |= set(r.curves)
        out["summary"] |= set(r.summary)
    return out


def _expand(name: str) -> set[str]:
    """A template's names for the players in NAMES (x != y) and every role."""
    names = {name}
    for key, values in (("role", ROLES), ("x", NAMES), ("y", NAMES)):
        names = {n.replace("{" + key + "}", v) for n in names for v in values}
    return {n for n in names if not re.search(r"(\w+)_imitates_\1$|(\w+)_imitates_\2_", n)
            and n.count(NAMES[0]) <= 1 and n.count(NAMES[1]) <= 1}


def test_every_produced_name_is_listed_with_its_kind(produced):
    for kind, names in produced.items():
        for n in sorted(names):
            found = lookup(n)
            assert found is not None, f"{kind} {n!r} is not in analysis/features.py"
            listed = found[0].kinds
            assert kind in listed, f"{n!r} is produced as a {kind}, listed as {listed}"


def test_every_listed_feature_is_produced(produced):
    for f in FEATURES:
        for kind in f.kinds:
            assert _expand(f.name) & produced[kind], f"{f.name!r} ({kind}) is never produced"
            assert _expand(f.name) <= produced[kind] or "{" not in f.name, f.name


def test_the_list_is_complete_per_entry():
    names = [f.name for f in FEATURES]
    assert len(names) == len(set(names))
    for f in FEATURES:
        assert f.group in GROUPS, f
        assert f.label and f.definition and f.kinds, f
        assert set(f.kinds) <= {"curve", "summary"}, f
        assert f.unit or f.name in {"pulse", "tempo_source", "tempo_level_from", "key", "status",
                                   "leader", "leader_basis", "xcorr_leader", "timing_leader"}, f
    assert [d["name"] for d in feature_list()] == names


def test_definitions_carry_no_version_notes():
    """The one-line definitions are shown to therapists (reports, the web page): a version
    note such as "(since 1.12)" means nothing there; docs/features.md keeps the history."""
    note = re.compile(r"\b(since|before|until|as of) (analysis )?v?\d+\.\d+|\b\d+\.\d+\.\d+\b",
                      re.IGNORECASE)
    noted = [f.name for f in FEATURES if note.search(f.definition)]
    assert noted == []
    assert note.search("clear only from 0.6 (since 1.12)") and note.search("(1.13.0)")
    assert not note.search("the pulse is clear only from 0.6")  # a threshold is no version


def test_labels_units_and_definitions_with_the_player_names():
    assert label("a|b.asynchrony_mean_ms") == "Asynchrony (mean)"
    assert label("client.audio.level_dbfs") == "Level"
    assert label("client|therapist.therapist_role_solo_share") == "therapist as solo"
    assert label("x.monkey") == "monkey"
    assert describe("client|therapist.therapist_role_solo_share") == (
        "fraction", "share of the windows in which therapist was suggested the role solo "
                    "(Bruscia's autonomy profile)")
    assert describe("a|b.b_imitates_a_per_min")[1] == "imitation episodes of a by b per minute"
    assert describe("x.monkey") == ("", "")


def test_titles_say_whose_measure_from_which_input():
    assert title("client.midi.notes_per_s") == "client (MIDI) · Notes per second"
    assert title("therapist.audio.level_dbfs_mean") == "therapist (audio) · Level (mean)"
    assert title("client|therapist.client_leads_share") == "client & therapist · client leads"
    assert title("tempo_bpm") == "Tempo" and title("x.monkey") == "x · monkey"


def test_an_unknown_feature_names_the_parameter_not_an_option():
    with pytest.raises(ParameterError, match="did you mean velocity_mean") as e:
        check_features(["velocity_mena"])
    assert e.value.parameter == "features" and "--" not in str(e.value)


def test_counts_are_whole_numbers_and_no_value_is_minus_zero():
    summary = {"gap_count": 10.0, "client_n_events": 98.0, "n_notes": 3.0, "tempo_bpm": 120.0,
               "therapist_phase_correction": -0.0, "joint_share": 0.5, "pulse": "clear",
               "tempo_bpm_tentative": None}
    out = typed_summary(dict(summary))
    assert out["gap_count"] == 10 and type(out["gap_count"]) is int
    assert type(out["client_n_events"]) is int and type(out["n_notes"]) is int
    assert type(out["tempo_bpm"]) is float  # 120 BPM is a measure, not a count
    assert str(out["therapist_phase_correction"]) == "0.0"
    assert out["pulse"] == "clear" and out["tempo_bpm_tentative"] is None
    assert typed_value("client.midi.n_beats", 2.5) == 2.5  # a count that is not whole stays


def test_the_analysis_settings_are_not_measures():
    assert all(is_setting(f"client.midi.{k}") for k in ("window_s", "hop_s", "duration_s"))
    assert not any(is_setting(k) for k in ("client.midi.tempo_bpm", "a|b.gap_count", "monkey"))


def test_a_player_name_with_a_dot_stays_whole_in_its_columns():
    """Player names may hold '.' (Dr.K), which the columns also use as a separator: they are
    read from the right, and the input is midi, audio or audio:<input>."""
    assert split_column("Dr.K.midi.notes_per_s") == ("Dr.K", "midi", "notes_per_s")
    assert split_column("Dr.K.audio:mic.2.level_dbfs_mean") == ("Dr.K", "audio:mic.2",
                                                                 "level_dbfs_mean")
    assert split_column("Dr.K|J.B.joint_share") == ("Dr.K|J.B", "", "joint_share")
    assert split_column("midi.midi.n_notes") == ("midi", "midi", "n_notes")
    assert title("Dr.K.midi.notes_per_s") == "Dr.K (MIDI) · Notes per second"
    assert title("Dr.K|client.joint_share") == "Dr.K & client · Both playing"
