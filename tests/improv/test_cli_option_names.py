"""The command line names its options, never the library's parameter names (review 30 docs,
finding 5: "choose another MIDI API (midi_api) … (option --midi-api)", "no audio output
device (give one: audio_out)"); the library's message, which the web app shows as it is,
names neither."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest

NO_SERVER = "improv-no-such-server"


@pytest.fixture
def no_jack(monkeypatch):
    """No JACK server of that name: JACK MIDI cannot be opened."""
    monkeypatch.setenv("JACK_DEFAULT_SERVER", NO_SERVER)


def test_the_librarys_message_names_no_option_nor_parameter(no_jack):
    """The web app shows it as it is, beside its own "MIDI API" field."""
    from improv.capture.devices import CHOOSE_MIDI_API, open_midi_in
    from improv.errors import NoDevicesError

    with pytest.raises(NoDevicesError) as info:
        open_midi_in(api="jack")
    assert info.value.parameter == "midi_api"
    text = str(info.value)
    assert f"or {CHOOSE_MIDI_API} (details: jack: " in text
    assert "midi_api" not in text and "--" not in text


def test_record_names_the_midi_api_option(run_cli, no_jack):
    r = run_cli("record", "--client", "C07", "--midi-api", "jack", "--player", "client=midi:kb")
    assert r.exit_code == 1
    assert "or choose another MIDI API (details: jack: " in r.stderr
    assert r.stderr.endswith(") (option --midi-api)\n"), r.stderr
    assert "midi_api" not in r.stderr


def test_setups_save_and_devices_name_the_midi_api_option(run_cli, no_jack):
    r = run_cli("setups", "save", "Room 9", "--midi-api", "jack",
                "--player", "client=midi:Keyboard")
    assert r.exit_code == 0, r.stderr
    warning = next(line for line in r.stderr.splitlines() if line.startswith("warning:"))
    assert warning.startswith("warning: saved, but not found on this computer now: the MIDI "
                              "ports could not be listed: no MIDI system available: ")
    assert warning.endswith(") (option --midi-api)") and "midi_api" not in warning
    r = run_cli("devices", "--midi-api", "jack")
    assert r.exit_code == 0
    assert "warning: MIDI: no MIDI system available: " in r.stderr
    assert "(option --midi-api)\n" in r.stderr and "midi_api" not in r.stderr


@pytest.fixture
def one_session(store, tmp_path):
    from tests.sessions.helpers import import_weekly_session

    return import_weekly_session(store, tmp_path, week=0, notes=10, duration=5.0,
                                 rng=np.random.default_rng(1),
                                 start=datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc))


def test_replay_without_an_output_device_says_which_options_help(run_cli, one_session,
                                                                  monkeypatch):
    from improv.errors import NoDevicesError
    from improv.playback import replay

    def none(query, **_kw):  # as match_audio_output says it where PortAudio has no default
        raise NoDevicesError("no audio output device", parameter="audio_out")

    monkeypatch.setattr(replay, "match_audio_output", none)
    r = run_cli("replay", one_session, "--to", "0:02")
    assert r.exit_code == 1
    assert r.stderr == ("error: no audio output device: give one with --audio-out (see 'improv "
                        "devices'), or use --no-audio (with --midi-out PORT: the MIDI alone)\n")


def test_replay_keeps_the_message_about_a_device_given(run_cli, one_session, monkeypatch):
    from improv.errors import NoDevicesError
    from improv.playback import replay

    def unknown(query, **_kw):
        raise NoDevicesError(f"no audio output device matches {query!r}")

    monkeypatch.setattr(replay, "match_audio_output", unknown)
    r = run_cli("replay", one_session, "--to", "0:02", "--audio-out", "Nowhere")
    assert r.exit_code == 1
    assert r.stderr == "error: no audio output device matches 'Nowhere'\n"
