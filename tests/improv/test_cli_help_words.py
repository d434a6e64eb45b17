"""``--help`` says what an option is in words a therapist reads, and the shared options the
same way in every command (review 30 docs, finding 9)."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest


def _help(run_cli, *command: str) -> str:
    r = run_cli(*command, "--help")
    assert r.exit_code == 0, r.stderr
    return " ".join(r.stdout.split())  # the words, whatever the wrapping


def test_analyze_help_names_the_csv_columns_whole_and_the_toolbox(run_cli):
    raw = run_cli("analyze", "--help").stdout
    assert "di alogue" not in raw and "dialogue_version" in raw  # never wrapped in a word
    words = _help(run_cli, "analyze")
    assert ("with the columns session_id, analysis_version, dialogue_version, player, curve, "
            "t, value and unit") in words
    assert "(default 6, the Music Therapy Toolbox's default)" in words
    assert "MTTB" not in words


def test_replay_words_its_device_options_as_record_does(run_cli):
    replay, record = _help(run_cli, "replay"), _help(run_cli, "record")
    for words in (replay, record):
        assert "--midi-api [auto|alsa|jack|coremidi|winmm]" in words
        assert "$IMPROV_MIDI_API or auto" in words
        assert "--jack-server NAME JACK server name (default: $JACK_DEFAULT_SERVER or " \
               "'default')." in words
        assert ("--audio-api NAME Only audio devices of this host API (name part, e.g. JACK, "
                "ALSA).") in words
    assert "HOSTAPI" not in replay


@pytest.fixture
def one_session(store, tmp_path):
    from tests.sessions.helpers import import_weekly_session

    return import_weekly_session(store, tmp_path, week=0, notes=10, duration=5.0,
                                 rng=np.random.default_rng(2),
                                 start=datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc))


def test_replay_takes_the_midi_api_from_improv_midi_api(run_cli, one_session, monkeypatch):
    """As record and devices: IMPROV_MIDI_API=jack tries JACK alone (here no server)."""
    monkeypatch.setenv("IMPROV_MIDI_API", "jack")
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "improv-no-such-server")
    r = run_cli("replay", one_session, "--midi-out", "synth", "--no-audio")
    assert r.exit_code == 1
    assert "(details: jack: MidiInJack" in r.stderr and "ALSA:" not in r.stderr, r.stderr
    assert r.stderr.endswith("(option --midi-api)\n")


def test_record_midi_capture_says_it_is_advanced(run_cli):
    words = _help(run_cli, "record")
    assert "--midi-capture [queue|callback] (advanced; leave the default) queue:" in words


def test_restore_says_with_store_anywhere(run_cli):
    words = _help(run_cli, "restore")
    assert "Give the new store with --store: improv restore BACKUP.zip --store " in words
    assert "before the command" not in words


def test_setups_list_has_upper_case_headers_and_the_drum_kits(run_cli):
    assert run_cli("setups", "save", "Room 3", "--player", "client=midi:Keyboard",
                   "--player", "therapist=midi:TD-17", "--percussion", "TD-17").exit_code == 0
    assert run_cli("setups", "save", "Room 4", "--player", "client=midi:Piano").exit_code == 0
    lines = run_cli("setups", "list").stdout.splitlines()
    assert lines[0].split() == ["NAME", "PLAYERS", "DRUM", "KITS", "SAVED"]
    room3 = next(line for line in lines if line.startswith("Room 3 "))
    assert "client=midi:Keyboard; therapist=midi:TD-17  TD-17  " in room3
    room4 = next(line for line in lines if line.startswith("Room 4 "))
    assert "client=midi:Piano" in room4 and "  –  " in room4
