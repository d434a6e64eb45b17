"""Drum kits not on MIDI channel 10: an input marked as a drum kit (``percussion`` in the
manifest's ``midi.ports``) at import, at recording or afterwards (a revision in
``revisions.jsonl``), and the analysis taking its notes as drums on every channel."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sessions.errors import InvalidArgumentError, SessionFormatError
from sessions.importer import import_files
from sessions.manifest import percussion_ports, validate
from sessions.revisions import REVISIONS, mark_percussion, read_revisions
from sessions.verify import verify_folder
from tests.sessions.helpers import tree_snapshot, write_audio, write_midi

#: A rock beat on channel 16 (0-based 15), as the Jazz-Jitter kits send: kick 36, snare 38,
#: closed hi-hat 42 on eighths at 120 BPM for 20 s. Its note numbers (C, D, F#) would give a
#: key if they were pitches.
KIT = [(t, 15, 42, 80) for t in np.arange(0.0, 20.0, 0.25)] + \
      [(t, 15, 36 if int(t) % 2 == 0 else 38, 100) for t in np.arange(0.0, 20.0, 0.5)]
SCALE = [60, 62, 64, 65, 67, 69, 71, 72]
PIANO = [(t, 0, SCALE[k % 8], 90) for k, t in enumerate(np.arange(0.0, 20.0, 0.5))]


def _duet(tmp_path):
    kit = write_midi(tmp_path / "kit.mid", tracks={"kit": KIT})
    piano = write_midi(tmp_path / "piano.mid", tracks={"piano": PIANO})
    mic = tmp_path / "room.wav"
    write_audio(mic, sr=16000, seconds=2.0, channels=1)
    return kit, piano, mic


def _import(store, tmp_path, **kw):
    kit, piano, mic = _duet(tmp_path)
    return import_files(store, [kit, piano, mic], client="C07",
                        players=["therapist=kit.mid", "client=piano.mid", "client=room.wav"],
                        **kw)["id"]


def test_a_kit_on_channel_16_marked_percussion_has_no_key_or_pitch(store, tmp_path):
    """Known answer: the kit's summary has no key, pitch or tonal clarity and a percussion
    share of 1.0 once marked; unmarked it is read as today (a key from its note numbers);
    the piano beside it is the same either way."""
    from improv.analyze import analyze_session

    plain = analyze_session(store, _import(store, tmp_path))["players"]
    (tmp_path / "b").mkdir()
    marked_id = _import(store, tmp_path / "b", percussion=["kit.mid"])
    marked = analyze_session(store, marked_id)["players"]
    kit = marked["therapist"]["sources"]["midi"]["summary"]
    assert kit["percussion_share"] == 1.0
    assert kit["key"] is None and kit["tonal_clarity"] is None
    assert kit["pitch_mean"] is None and kit["tonal_clarity_mean"] is None
    assert kit["n_notes"] == len(KIT) and kit["tempo_bpm"] == pytest.approx(
        plain["therapist"]["sources"]["midi"]["summary"]["tempo_bpm"])
    before = plain["therapist"]["sources"]["midi"]["summary"]
    assert before["percussion_share"] == 0.0 and before["key"] is not None
    assert before["pitch_mean"] == pytest.approx(np.mean([p for _, _, p, _ in KIT]))
    for k in ("key", "pitch_mean", "percussion_share", "tempo_bpm"):
        assert (marked["client"]["sources"]["midi"]["summary"][k]
                == plain["client"]["sources"]["midi"]["summary"][k])


def test_the_dialogue_takes_a_marked_kit_as_drums(store, tmp_path):
    """The dialogue's events of a marked kit have no pitches (no melody to imitate)."""
    from analysis.dialogue import PlayerEvents
    from improv.analyze.sources import midi_notes

    sid = _import(store, tmp_path, percussion=["therapist"])
    notes = midi_notes(store.session(sid), "therapist")
    assert notes.drum.all() and notes.percussion.all() and len(notes.pitched()) == 0
    assert PlayerEvents.from_notes(notes).pitches is None
    piano = midi_notes(store.session(sid), "client")
    assert not piano.drum.any() and PlayerEvents.from_notes(piano).pitches is not None


def test_marking_afterwards_is_a_revision_and_changes_the_analysis_key(store, tmp_path, run_cli):
    from improv.analyze import analyze_session, default_keys

    sid = _import(store, tmp_path)
    first = analyze_session(store, sid)["players"]["therapist"]
    assert first["sources"]["midi"]["summary"]["key"] is not None
    keys = default_keys(store.session(sid))
    out = run_cli("sessions", "percussion", sid, "kit.mid", "--by", "T01", "--reason",
                  "e-drum on channel 16")
    assert out.exit_code == 0, out.stderr
    assert "MIDI input kit.mid (therapist) marked as a drum kit" in out.stdout
    (rev,) = read_revisions(store.folder(sid))
    assert {k: rev[k] for k in ("rev", "by", "field", "input", "player", "from", "to",
                                "reason")} == {
        "rev": 1, "by": "T01", "field": "percussion", "input": "kit.mid",
        "player": "therapist", "from": False, "to": True, "reason": "e-drum on channel 16"}
    assert rev["at_utc"]
    assert percussion_ports(store.session(sid).manifest) == {("therapist", "kit.mid")}
    new_keys = default_keys(store.session(sid))
    assert new_keys["therapist"] != keys["therapist"]  # measured again, not the cache
    again = analyze_session(store, sid)["players"]["therapist"]
    assert again["cached"] is False and again["sources"]["midi"]["summary"]["key"] is None
    shown = run_cli("sessions", "show", sid).stdout
    assert "midi:kit.mid (drum kit)" in shown
    assert "by T01: MIDI input kit.mid (therapist) marked as a drum kit (e-drum" in shown
    assert verify_folder(store.folder(sid))["ok"]
    # the same mark again writes nothing; --off takes it away, as a second revision, and the
    # session reads (and is keyed) as before any mark
    same = run_cli("sessions", "percussion", sid, "therapist")
    assert same.exit_code == 0 and "nothing to change" in same.stdout
    off = run_cli("sessions", "percussion", sid, "Therapist", "--off", "--json")
    assert off.exit_code == 0, off.stderr
    assert [(r["from"], r["to"]) for r in off.json()["revisions"]] == [(True, False)]
    assert "percussion" not in store.session(sid).manifest["midi"]["ports"][0]
    assert default_keys(store.session(sid)) == keys
    assert len(read_revisions(store.folder(sid))) == 2


def test_import_option_marks_the_input(store, tmp_path, run_cli):
    kit, piano, _ = _duet(tmp_path)
    out = run_cli("sessions", "import", kit, piano, "--player", "therapist=kit.mid",
                  "--player", "client=piano.mid", "--percussion", "kit.mid", "--json")
    assert out.exit_code == 0, out.stderr
    sid = out.json()["id"]
    assert out.json()["percussion"] == [{"name": "kit.mid", "player": "therapist"}]
    ports = store.session(sid).manifest["midi"]["ports"]
    assert [(p["player"], p.get("percussion")) for p in ports] == [
        ("therapist", True), ("client", None)]
    assert read_revisions(store.folder(sid)) == []  # as imported: no correction
    human = run_cli("sessions", "import", kit, piano, "--percussion", "kit")
    assert human.exit_code == 0, human.stderr
    assert "kit.mid (kit) is a drum kit" in human.stdout


def test_a_track_of_a_type1_file_is_marked_by_its_player(store, tmp_path):
    """One file holding the piano and the kit: the kit's player is marked, not the file."""
    both = write_midi(tmp_path / "trio.mid", tracks={"piano": PIANO, "drums": KIT})
    sid = import_files(store, [both], percussion=["drums"])["id"]
    assert percussion_ports(store.session(sid).manifest) == {("drums", "trio.mid")}


@pytest.mark.parametrize("name,message", [
    ("cowbell", "no player or MIDI input 'cowbell' (MIDI inputs: kit.mid (therapist), "
                "piano.mid (client); players: therapist, client)"),
    ("room", "audio input 'room' cannot be marked as a drum kit: the analysis hears by the "
             "sound whether audio is percussive"),
])
def test_marking_refuses_unknown_and_audio_inputs(store, tmp_path, run_cli, name, message):
    sid = _import(store, tmp_path)
    before = tree_snapshot(store.root)
    out = run_cli("sessions", "percussion", sid, name)
    assert out.exit_code == 1
    assert out.stderr.startswith("error: ") and message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert tree_snapshot(store.root) == before
    with pytest.raises(InvalidArgumentError, match="drum kit|no player"):
        mark_percussion(store, sid, [name])


def test_a_player_with_audio_only_cannot_be_marked(store, tmp_path, run_cli):
    kit, _, mic = _duet(tmp_path)
    sid = import_files(store, [kit, mic], players=["therapist=kit.mid", "singer=room.wav"])["id"]
    before = tree_snapshot(store.root)
    out = run_cli("sessions", "percussion", sid, "singer")
    assert out.exit_code == 1
    assert "player 'singer' plays only audio inputs, which cannot be marked" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert tree_snapshot(store.root) == before


def test_a_bad_author_changes_nothing(store, tmp_path, run_cli):
    sid = _import(store, tmp_path)
    before = tree_snapshot(store.root)
    out = run_cli("sessions", "percussion", sid, "kit.mid", "--by", "Dr Who")
    assert out.exit_code == 1 and "author" in out.stderr
    assert tree_snapshot(store.root) == before


@pytest.mark.parametrize("name,message", [
    ("cowbell", "no player or MIDI input 'cowbell'"),
    ("room.wav", "room.wav is an audio file, which cannot be marked as a drum kit"),
    ("client", "player 'client' plays only audio inputs"),
])
def test_import_refuses_a_bad_percussion_name(store, tmp_path, run_cli, name, message):
    kit, _, mic = _duet(tmp_path)
    before = tree_snapshot(store.root)
    out = run_cli("sessions", "import", kit, mic, "--player", "client=room.wav",
                  "--percussion", name)
    assert out.exit_code == 1
    assert out.stderr.startswith("error: ") and message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert tree_snapshot(store.root) == before


def test_verify_names_a_mark_the_manifest_lost(store, tmp_path):
    sid = _import(store, tmp_path)
    mark_percussion(store, sid, ["kit.mid"], by="T01")
    path = store.folder(sid) / "session.json"
    m = json.loads(path.read_text())
    del m["midi"]["ports"][0]["percussion"]  # as if the manifest's update were lost
    path.write_text(json.dumps(m))
    problems = verify_folder(store.folder(sid))["problems"]
    assert any("last drum-kit mark of MIDI input 'kit.mid' (therapist) gives True" in p
               for p in problems)
    (store.folder(sid) / REVISIONS).write_text('{"field": "percussion", "to": "yes"}\n')
    with pytest.raises(SessionFormatError, match="not a correction of the title, the client, "
                                                 "a player's name or a drum-kit mark"):
        read_revisions(store.folder(sid))


def test_a_mark_must_be_true_or_false(store, tmp_path):
    sid = _import(store, tmp_path)
    m = json.loads((store.folder(sid) / "session.json").read_text())
    assert percussion_ports(validate(m)) == set()  # old sessions: channel 10 only
    m["midi"]["ports"][0]["percussion"] = "yes"
    with pytest.raises(SessionFormatError, match="'percussion' true or false"):
        validate(m)
