"""Review 29 (hostile files), findings 7, 12 and 18: names that end in a newline, titles with
control characters, and imports with more players than a session may have."""

from __future__ import annotations

import pytest

from sessions import manifest as mf
from sessions.errors import InvalidArgumentError, SessionFormatError
from sessions.import_mapping import PlayerMap
from sessions.importer import import_files
from tests.sessions.helpers import tree_snapshot, write_midi

# ---- finding 7: "$" matches before a final newline; every validator uses fullmatch -----------

@pytest.mark.parametrize("code", ["C07\n", "C07\r\n", "\nC07"])
def test_a_code_with_a_newline_is_refused(code):
    for what in ("client", "therapist"):
        with pytest.raises(SessionFormatError, match=f"{what} must be a pseudonym code"):
            mf.check_code(code, what=what)
    with pytest.raises(SessionFormatError, match="the author"):
        mf.check_author(code)


def test_a_player_name_or_session_id_with_a_newline_is_refused():
    for stored in (False, True):
        with pytest.raises(SessionFormatError, match="player name must be"):
            mf.check_player_name("client\n", stored=stored)
    assert mf.valid_session_id("20261206-220538-f41a")
    assert not mf.valid_session_id("20261206-220538-f41a\n")


def test_a_manifest_whose_client_ends_in_a_newline_is_refused():
    m = {"format": mf.FORMAT_NAME, "schema_version": 1, "id": "20261206-220538-f41a",
         "status": "complete", "started_utc": "2026-12-06T22:05:38+00:00", "players": [],
         "audio": [], "midi": {"file": "midi.tsv", "ports": []}, "client": "C07\n"}
    with pytest.raises(SessionFormatError, match="'client' must be a pseudonym code"):
        mf.validate(m)
    m["client"] = "C07"
    mf.validate(m)


def test_setup_names_check_ids_and_tags_with_a_newline_are_refused():
    from improv.capture.setups import check_setup_name
    from improv.errors import ParameterError
    from improv.web.recording import _check_id
    from sessions.vocabulary import check_new_tag

    with pytest.raises(ParameterError, match="setup name must be"):
        check_setup_name("room 2\n")
    assert check_setup_name("room 2") == "room 2"
    with pytest.raises(ParameterError, match="check must be"):
        _check_id("abcdefgh\n")
    with pytest.raises(InvalidArgumentError, match="a tag must be"):
        check_new_tag("calm\n")


def test_an_import_with_a_newline_in_the_client_or_a_player_changes_nothing(store, tmp_path):
    mid = write_midi(tmp_path / "a.mid")
    before = tree_snapshot(store.root)
    with pytest.raises(SessionFormatError, match=r"client must be a pseudonym code.*'C07\\n'"):
        import_files(store, [mid], client="C07\n")
    with pytest.raises(SessionFormatError, match="player name must be"):
        import_files(store, [mid], client="C07", players=[PlayerMap("bad\n", "a.mid")])
    assert tree_snapshot(store.root) == before


# ---- finding 18: a title is one line without control characters, at most 200 characters ----

@pytest.mark.parametrize("title, why", [
    ("a\nb", r"U\+000A \(a newline\)"), ("bell\x07", r"U\+0007"),
    ("tab\there", r"U\+0009 \(a tab\)"), ("esc\x1b[2J", r"U\+001B"),
    ("line\u2028sep", r"U\+2028"), ("x" * 201, "at most 200 characters, got 201"),
])
def test_an_import_with_a_bad_title_is_refused_in_one_line(store, tmp_path, title, why):
    mid = write_midi(tmp_path / "a.mid")
    before = tree_snapshot(store.root)
    with pytest.raises(InvalidArgumentError, match=f"title must .*{why}") as info:
        import_files(store, [mid], client="C07", title=title)
    assert "\n" not in str(info.value)
    assert tree_snapshot(store.root) == before


def test_a_good_title_is_stored_without_its_outer_spaces(store, tmp_path):
    mid = write_midi(tmp_path / "a.mid")
    m = import_files(store, [mid], client="C07", title="  Week 3: drums ")
    assert m["title"] == "Week 3: drums"
    assert import_files(store, [write_midi(tmp_path / "b.mid")], title="  ")["title"] is None


def test_a_title_correction_with_a_bell_is_refused(store, tmp_path):
    from sessions.revisions import check_value

    with pytest.raises(InvalidArgumentError, match="U\\+0007"):
        check_value("title", "new\x07")
    # one rule with the import (re-check N9): a newline or tab is refused, not joined
    for bad, name in (("two\nlines", "U\\+000A"), ("tab\there", "U\\+0009")):
        with pytest.raises(InvalidArgumentError, match=name):
            check_value("title", bad)
    assert check_value("title", "  two  spaces ") == "two  spaces"  # as an import stores it


def test_the_cli_refuses_a_title_with_a_newline(run_cli, tmp_path, store_path):
    mid = write_midi(tmp_path / "a.mid")
    r = run_cli("sessions", "import", "--client", "C07", "--title", "a\nb\x07", mid)
    assert r.exit_code == 1
    assert r.stderr.startswith("error: title must be one line") and r.stderr.count("\n") == 1


def test_the_cli_refuses_a_title_correction_with_a_newline_as_an_import_does(
        run_cli, tmp_path, store_path):
    from sessions.store import Store

    mid = write_midi(tmp_path / "a.mid")
    with Store(store_path) as st:
        sid = import_files(st, [mid], client="C07", title="two")["id"]
    before = tree_snapshot(store_path / "sessions")
    r = run_cli("sessions", "correct", sid, "--title", "a\nb")
    assert r.exit_code == 1, r.stdout
    assert r.stderr.startswith("error: title must be one line without control characters, "
                               "got U+000A") and r.stderr.count("\n") == 1
    assert tree_snapshot(store_path / "sessions") == before  # no revision, title unchanged


# ---- finding 12: at most MAX_PLAYERS players a session ----------------------------------------

def _many_tracks(path, n):
    return write_midi(path, tracks={f"t{k}": [(0.1 * k, 0, 60, 80)] for k in range(1, n + 1)})


def test_an_import_of_more_players_than_the_limit_is_refused(store, tmp_path):
    mid = _many_tracks(tmp_path / "big.mid", mf.MAX_PLAYERS + 1)
    before = tree_snapshot(store.root)
    with pytest.raises(InvalidArgumentError,
                       match=f"at most {mf.MAX_PLAYERS} players, these files give "
                             f"{mf.MAX_PLAYERS + 1} .*--player NAME=FILE:N"):
        import_files(store, [mid], client="C07")
    assert tree_snapshot(store.root) == before


def test_the_limit_is_met_by_giving_the_rest_of_the_file_to_one_player(store, tmp_path):
    mid = _many_tracks(tmp_path / "big.mid", mf.MAX_PLAYERS + 1)
    m = import_files(store, [mid], client="C07",
                     players=["band=big.mid", "client=big.mid:2", "therapist=big.mid:3"])
    assert sorted(p["name"] for p in m["players"]) == ["band", "client", "therapist"]
    ok = _many_tracks(tmp_path / "ok.mid", mf.MAX_PLAYERS)
    assert len(import_files(store, [ok])["players"]) == mf.MAX_PLAYERS


# ---- finding 14: a manifest field of the wrong type is named in words, with the value ---------

@pytest.mark.parametrize("key, value, words", [
    ("players", "x", "'players' must be a list ([...]), got 'x'"),
    ("midi", [], "'midi' must be a JSON object ({...}), got []"),
    ("id", 7, "'id' must be text, got 7"),
])
def test_a_manifest_field_of_the_wrong_type_is_named_in_words(key, value, words):
    m = {"format": mf.FORMAT_NAME, "schema_version": 1, "id": "20261206-220538-f41a",
         "status": "complete", "started_utc": "2026-12-06T22:05:38+00:00", "players": [],
         "audio": [], "midi": {"file": "midi.tsv", "ports": []}, key: value}
    with pytest.raises(SessionFormatError) as info:
        mf.validate(m)
    assert str(info.value) == f"session.json: {words}"


# ---- finding 18: an annotation's text has lines and tabs, no other control character ---------

def test_an_annotation_text_with_a_bell_or_escape_is_refused(store, tmp_path):
    from sessions.annotation_edits import add_annotation, edit_annotation

    sid = import_files(store, [write_midi(tmp_path / "a.mid")], client="C07")["id"]
    log = store.folder(sid) / mf.ANNOTATIONS
    before = log.read_bytes() if log.exists() else None
    for bad, code in (("ring\x07", "U\\+0007"), ("\x1b[2Jgone", "U\\+001B")):
        with pytest.raises(InvalidArgumentError, match=f"no other control character, got {code}"):
            add_annotation(store, sid, t=0.2, text=bad)
    assert (log.read_bytes() if log.exists() else None) == before
    a = add_annotation(store, sid, t=0.2, text="calm,\r\n\tthen loud")
    assert a["text"] == "calm,\r\n\tthen loud"
    with pytest.raises(InvalidArgumentError, match="U\\+0000"):
        edit_annotation(store, sid, a["id"], text="nul\x00")
    assert edit_annotation(store, sid, a["id"], text="two\nlines")["text"] == "two\nlines"


def test_a_midi_marker_with_a_bell_is_imported_with_a_space(store, tmp_path):
    mid = write_midi(tmp_path / "m.mid", markers=[(0.2, "smiles\x07now")])
    sid = import_files(store, [mid], client="C07")["id"]
    assert [a["text"] for a in store.session(sid).annotations()] == ["smiles now"]
