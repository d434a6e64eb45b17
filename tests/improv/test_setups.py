"""Player input specs and saved setups (pure logic and files)."""

from __future__ import annotations

import os
import stat
from contextlib import nullcontext

import pytest

from improv.capture.setups import (
    PlayerInput,
    check_inputs,
    delete_setup,
    get_setup,
    load_setups,
    parse_channels,
    parse_player_spec,
    save_setup,
)
from improv.errors import ParameterError
from tests.cli_status import Usage, exit_status


@pytest.mark.parametrize(
    "spec, expected",
    [
        ('client=midi:Keyboard', PlayerInput("client", "midi", "Keyboard")),
        ('client=midi:"Digital Piano"', PlayerInput("client", "midi", "Digital Piano")),
        ("client=midi:a2j:Keyboard [20]", PlayerInput("client", "midi", "a2j:Keyboard [20]")),
        ('therapist=audio:"Scarlett":2', PlayerInput("therapist", "audio", "Scarlett", (2,))),
        ("client=audio:3:1,2", PlayerInput("client", "audio", "3", (1, 2))),
        ("group=audio:system:1-4", PlayerInput("group", "audio", "system", (1, 2, 3, 4))),
        ("client=audio:Scarlett", PlayerInput("client", "audio", "Scarlett", (1,))),
        ("client=AUDIO:hw:1,0:2", PlayerInput("client", "audio", "hw:1,0", (2,))),
    ],
)
def test_parse_player_spec(spec, expected):
    assert parse_player_spec(spec) == expected
    assert parse_player_spec(expected.spec) == expected  # round trip


@pytest.mark.parametrize(
    "spec, match",
    [
        ("client", "PLAYER=midi:PORT"),
        ("client=Keyboard", "PLAYER=midi:PORT"),
        ("client=video:cam", "kind must be midi or audio"),
        ("client=midi:", "MIDI port name is empty"),
        ("client=audio::2", "audio device name is empty"),
        ("bad name=midi:kb", "player name"),
        ("=midi:kb", "player name"),
        ("Dr.K=midi:kb", "separates the parts of a measure's name"),
    ],
)
def test_parse_player_spec_errors(spec, match):
    with pytest.raises(ParameterError, match=match):
        parse_player_spec(spec)


@pytest.mark.parametrize(
    "text, ctx",
    [
        ("1", nullcontext((1,))),
        ("1,3-4", nullcontext((1, 3, 4))),
        ("0", pytest.raises(ParameterError, match="numbered from 1")),
        ("2-1", pytest.raises(ParameterError, match="ascending")),
        ("1,1", pytest.raises(ParameterError, match="repeat")),
        ("a", pytest.raises(ParameterError, match="channels must look like")),
    ],
)
def test_parse_channels(text, ctx):
    with ctx as expected:
        assert parse_channels(text) == expected


def test_check_inputs_rejects_shared_inputs_and_empty():
    with pytest.raises(ParameterError, match="no inputs"):
        check_inputs([])
    with pytest.raises(ParameterError, match="belongs to one player"):
        check_inputs([parse_player_spec("client=audio:sc:1"),
                      parse_player_spec("therapist=audio:SC:1,2")])
    with pytest.raises(ParameterError, match="belongs to one player"):
        check_inputs([parse_player_spec("client=midi:kb"), parse_player_spec("therapist=midi:KB")])
    check_inputs([parse_player_spec("client=audio:sc:1"),
                  parse_player_spec("therapist=audio:sc:2")])
    # sixteen players, some with two inputs, are a session; a seventeenth is refused
    sixteen = [parse_player_spec(f"p{k}=midi:port{k}") for k in range(16)]
    check_inputs(sixteen + [parse_player_spec("p0=audio:sc:1")])
    with pytest.raises(ParameterError, match="at most 16 players, these inputs give 17"):
        check_inputs(sixteen + [parse_player_spec("p16=audio:sc:1")])


def test_setups_saved_owner_only_and_reused(tmp_path):
    inputs = [parse_player_spec("client=midi:kb"), parse_player_spec("therapist=audio:sc:2")]
    save_setup(tmp_path, "Room 2", inputs=inputs, options={"audio_api": "JACK", "x": None})
    path = tmp_path / "setups.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    s = get_setup(tmp_path, "room 2")  # names are found case-insensitively
    assert s["players"] == ["client=midi:kb", "therapist=audio:sc:2"]
    assert s["options"] == {"audio_api": "JACK"}
    with pytest.raises(ParameterError, match=r"no setup named 'gone' \(saved: Room 2\)"):
        get_setup(tmp_path, "gone")
    with pytest.raises(ParameterError, match="setup name"):
        save_setup(tmp_path, "../x", inputs=inputs)
    # an API no system has is a typo that would only show at the next recording
    with pytest.raises(ParameterError, match="audio API must name a PortAudio host API"):
        save_setup(tmp_path, "Room 3", inputs=inputs, options={"audio_api": "nonsense"})
    with pytest.raises(ParameterError, match="MIDI API must be one of alsa, jack"):
        save_setup(tmp_path, "Room 3", inputs=inputs, options={"midi_api": "coreaudio"})
    save_setup(tmp_path, "Room 3", inputs=inputs, options={"audio_api": "pulse"})
    delete_setup(tmp_path, "Room 3")
    delete_setup(tmp_path, "Room 2")
    assert load_setups(tmp_path) == {}


def test_setups_cli(run_cli, store_path):
    r = run_cli("setups", "save", "duo", "--player", "client=midi:kb",
                "--player", "therapist=audio:system:2", "--audio-api", "JACK")
    assert r.exit_code == 0, r.stderr
    r = run_cli("setups", "list", "--json")
    assert r.json()["duo"]["players"] == ["client=midi:kb", "therapist=audio:system:2"]
    r = run_cli("setups", "show", "duo")
    assert "--player client=midi:kb" in r.stdout and "--audio-api JACK" in r.stdout
    r = run_cli("setups", "show", "nope")
    assert r.exit_code == 1 and "error: no setup named 'nope' (saved: duo)" in r.stderr
    r = run_cli("record", "--client", "C07", "--setup", "nope")
    assert r.exit_code == 1 and "no setup named 'nope'" in r.stderr
    assert run_cli("setups", "delete", "duo").exit_code == 0
    assert run_cli("setups", "list", "--json").json() == {}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--player", "client=keyboard"],
         ("error: player input must be PLAYER=midi:PORT", "(option --player)")),
        (["--player", "client=midi:kb", "--player", "therapist=midi:KB"], "belongs to one player"),
        ([], "error: no inputs"),
        (["--player", "client=audio:x:0"], "numbered from 1"),
        (["--player", "client=video:cam"], "kind must be midi or audio"),
        (["--player", "client=audio:x:2-1"], "ascending"),
        (["--setup", "nope"], "no setup named 'nope' (saved: duo)"),
        (["--player", "client=midi:kb", "--save-setup", "../x"], "setup name must be 1-48"),
        (["--player", "client=midi:kb", "--duration", "0"],
         Usage("--duration must be more than 0 seconds, got 0")),
        (["--player", "client=midi:kb", "--midi-api", "bogus"],
         Usage("--midi-api must be auto, alsa, jack, coremidi or winmm, got 'bogus'")),
        (["--player", "client=midi:kb", "--client", "Anna Smith"], "pseudonym code"),
    ],
)
def test_record_rejects_bad_player_specs(run_cli, store, args, message):
    """Refused before any device is opened: one line, exit 1, no session, no setup saved."""
    from tests.sessions.helpers import tree_snapshot

    assert run_cli("setups", "save", "duo", "--player", "client=midi:kb").exit_code == 0
    before = tree_snapshot(store.root)
    r = run_cli("record", "--client", "C07", *args)
    assert r.exit_code == exit_status(message)
    parts = (message,) if isinstance(message, str) else message
    assert r.stderr.startswith("error: ") and all(m in r.stderr for m in parts), r.stderr
    assert r.stderr.count("\n") == 1
    assert tree_snapshot(store.root) == before


@pytest.mark.parametrize("player, message", [
    ("client=midi:no-such-port-4711",
     r"error: no MIDI (system available: start the "
     r"JACK server .+ \(details: .+\)|"
     r"input port matches 'no-such-port-4711'; candidates: )"),
    ("client=audio:no-such-device-4711:1",
     r"error: no audio input device (found|matches 'no-such-device-4711'; candidates: )"),
])
def test_record_with_unknown_devices_saves_no_setup(run_cli, store, player, message):
    """Unknown devices (issue 3) are refused with the candidates, before anything is saved:
    neither a session nor the setup named by --save-setup."""
    import re

    from tests.sessions.helpers import tree_snapshot

    assert run_cli("setups", "save", "duo", "--player", "client=midi:kb").exit_code == 0
    before = tree_snapshot(store.root)
    r = run_cli("record", "--client", "C07", "--player", player, "--save-setup", "new",
                "--no-display", "--duration", "1")
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and re.match(message, r.stderr.strip()), r.stderr
    assert tree_snapshot(store.root) == before
    assert list(run_cli("setups", "list", "--json").json()) == ["duo"]


def test_record_rejects_bad_client_code(run_cli):
    r = run_cli("record", "--client", "Anna Smith", "--player", "client=midi:kb")
    assert r.exit_code == 1 and "pseudonym code" in r.stderr


def test_setups_save_keeps_drum_kits_and_show_lists_them(run_cli, store_path):
    """``improv setups save --percussion`` marks kits as ``record --percussion`` does (by player
    or by port, without regard to case); ``show`` lists them as record's options."""
    r = run_cli("setups", "save", "band", "--player", "client=midi:kb", "--player",
                "drums=midi:TD-17", "--player", "therapist=midi:pads", "--percussion", "td-17",
                "--percussion", "therapist")
    assert r.exit_code == 0, r.stderr
    assert "saved setup 'band' (3 inputs, 2 of them drum kits)" in r.stderr
    saved = run_cli("setups", "list", "--json").json()["band"]
    assert saved["percussion"] == ["drums=midi:TD-17", "therapist=midi:pads"]
    shown = run_cli("setups", "show", "band").stdout.splitlines()
    assert shown[:5] == ["--player client=midi:kb", "--player drums=midi:TD-17",
                         "--player therapist=midi:pads", "--percussion TD-17",
                         "--percussion pads"]
    # a setup without kits shows none
    assert run_cli("setups", "save", "solo", "--player", "client=midi:kb").exit_code == 0
    assert "--percussion" not in run_cli("setups", "show", "solo").stdout


@pytest.mark.parametrize("name, message", [
    ("cowbell", "error: --percussion: 'cowbell' is no player or MIDI input of this setup "
                "(MIDI inputs: kb (client), TD-17 (drums))"),
    ("singer", "error: --percussion: 'singer' is an audio input, which cannot be marked as a "
               "drum kit"),
])
def test_setups_save_refuses_a_kit_that_is_no_input_of_it(run_cli, store_path, name, message):
    """One line, exit 1, and nothing written: no setup, and an older one of that name kept."""
    from tests.sessions.helpers import tree_snapshot

    assert run_cli("setups", "save", "band", "--player", "client=midi:kb").exit_code == 0
    before = tree_snapshot(store_path)
    r = run_cli("setups", "save", "band", "--player", "client=midi:kb", "--player",
                "drums=midi:TD-17", "--player", "singer=audio:Scarlett:1", "--percussion", name)
    assert r.exit_code == 1
    assert r.stderr.startswith(message), r.stderr
    assert r.stderr.count("\n") == 1
    assert tree_snapshot(store_path) == before
    assert run_cli("setups", "list", "--json").json()["band"]["players"] == ["client=midi:kb"]
