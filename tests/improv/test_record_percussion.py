"""``improv record --percussion PLAYER|PORT``: a drum kit named when recording is declared in
the session with its input, from the recording's first second (no revision: nothing was
corrected); a name of no MIDI input is refused before anything is recorded; a saved setup
keeps its kits."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from sessions.revisions import read_revisions
from sessions.store import Store
from sessions.verify import verify_folder
from tests.sessions.helpers import tree_snapshot


@pytest.mark.parametrize("name,message", [
    ("cowbell", "error: --percussion: 'cowbell' is no player or MIDI input of this recording "
                "(MIDI inputs: kb (client), pads (drums))"),
    ("Scarlett", "error: --percussion: 'Scarlett' is an audio input, which cannot be marked as "
                 "a drum kit: the analysis hears by the sound whether audio is percussive"),
    ("singer", "error: --percussion: 'singer' is an audio input"),
])
def test_a_bad_name_is_refused_before_recording(run_cli, name, message):
    store = Store(os.environ["IMPROV_STORE"])
    store.close()
    before = tree_snapshot(store.root)
    r = run_cli("record", "--client", "C07", "--player", "client=midi:kb", "--player",
                "drums=midi:pads", "--player", "singer=audio:Scarlett:1", "--percussion", name)
    assert r.exit_code == 1
    assert r.stderr.startswith(message), r.stderr
    assert r.stderr.count("\n") == 1
    assert tree_snapshot(store.root) == before


def test_kit_inputs_are_named_by_player_or_port():
    """Players and ports (as written after midi:, without regard to case) name MIDI inputs."""
    from improv.capture.setups import mark_kits, parse_player_spec
    from improv.cli.record import kit_inputs

    inputs = [parse_player_spec(s) for s in ("client=midi:kb", "drums=audio:mic:1",
                                             "drums=midi:TD-17", "drums=midi:pads")]
    assert [i.device for i in kit_inputs(inputs, ["Drums"])] == ["TD-17", "pads"]
    assert [i.device for i in kit_inputs(inputs, ["td-17", "drums"])] == ["TD-17", "pads"]
    marked = mark_kits(inputs, kit_inputs(inputs, ["TD-17"]))
    assert [i.percussion for i in marked] == [False, False, True, False]


def test_a_setup_keeps_its_drum_kits(tmp_path):
    from improv.capture.setups import (
        get_setup,
        parse_player_spec,
        save_setup,
        setup_inputs,
    )

    inputs = [parse_player_spec("client=midi:kb"), parse_player_spec("drums=midi:TD-17")]
    inputs[1] = replace(inputs[1], percussion=True)
    save_setup(tmp_path, "Room 2", inputs=inputs)
    saved = get_setup(tmp_path, "Room 2")
    assert saved["percussion"] == ["drums=midi:TD-17"]
    assert [(i.device, i.percussion) for i in setup_inputs(saved)] == [
        ("kb", False), ("TD-17", True)]
    save_setup(tmp_path, "Room 3", inputs=inputs[:1])
    assert "percussion" not in get_setup(tmp_path, "Room 3")  # no kits: as setups were


@pytest.mark.jack
def test_a_recorded_kit_is_marked(jack_rig, run_cli):
    rig = jack_rig
    rig.midi_player(name="kb1", events=[(0.1 * k, bytes([0x90, 60 + k, 90])) for k in range(5)])
    rig.midi_player(name="td17", events=[(0.1 * k, bytes([0x9F, 36, 100])) for k in range(5)])
    r = run_cli("record", "--client", "C07", "--therapist", "T01", "--jack-server",
                rig.server.name, "--midi-api", "jack", "--audio-api", "JACK", "--no-display",
                "--duration", "1", "--player", "client=midi:kb1", "--player",
                "therapist=midi:td17", "--percussion", "td17", "--json")
    assert r.exit_code == 0, r.stderr
    sid = r.json()["id"]
    with Store(os.environ["IMPROV_STORE"]) as store:
        ports = store.session(sid).manifest["midi"]["ports"]
        assert [(p["player"], p.get("percussion")) for p in ports] == [
            ("client", None), ("therapist", True)]
        assert read_revisions(store.folder(sid)) == []  # declared, not corrected
        assert verify_folder(store.folder(sid))["problems"] == []
