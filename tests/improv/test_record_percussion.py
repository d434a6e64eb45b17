"""``improv record --percussion PLAYER|PORT``: a drum kit named when recording is marked in the
finished session (a revision by the therapist); a name of no MIDI input is refused before
anything is recorded."""

from __future__ import annotations

import os

import pytest

from sessions.revisions import read_revisions
from sessions.store import Store
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


def test_kit_inputs_and_their_recorded_ports():
    """Players and ports (as written after midi:, without regard to case) name MIDI inputs;
    the recording's ports follow the MIDI inputs' order."""
    from types import SimpleNamespace

    from improv.capture.setups import parse_player_spec
    from improv.cli.record import kit_inputs, kit_port_names

    inputs = [parse_player_spec(s) for s in ("client=midi:kb", "drums=audio:mic:1",
                                             "drums=midi:TD-17", "drums=midi:pads")]
    assert [i.device for i in kit_inputs(inputs, ["Drums"])] == ["TD-17", "pads"]
    assert [i.device for i in kit_inputs(inputs, ["td-17", "drums"])] == ["TD-17", "pads"]
    rec = SimpleNamespace(midi=SimpleNamespace(ports=[
        SimpleNamespace(port_name=n) for n in ("KB:out", "TD-17 MIDI 1", "Pads:out")]))
    assert kit_port_names(rec, inputs, kit_inputs(inputs, ["TD-17"])) == ["TD-17 MIDI 1"]


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
        (rev,) = read_revisions(store.folder(sid))
        assert (rev["field"], rev["player"], rev["to"], rev["by"]) == (
            "percussion", "therapist", True, "T01")
        assert "given at the recording" in rev["reason"]
