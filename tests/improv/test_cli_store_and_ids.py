"""Review 28 (first), findings 7 and 18: ``--store`` after the command's name, and sessions
named as a therapist reads them (a part of the ID, ``C07/7``)."""

from __future__ import annotations

import click
import pytest

from sessions.errors import UnknownSessionError
from sessions.lookup import match_session_id
from tests.sessions.helpers import write_midi

ROWS = [
    ("20261206-190740-a76e", "DEMO", 1),
    ("20261206-191512-0b31", "C07", 1),
    ("20261213-101500-3fa2", "C07", 2),
    ("20261214-090000-77aa", None, 1),
]


@pytest.mark.parametrize("given, found", [
    ("20261206-190740-a76e", "20261206-190740-a76e"),  # whole
    ("20991231-000000-ffff", "20991231-000000-ffff"),  # whole: the store says it has none
    ("a76e", "20261206-190740-a76e"),  # the end
    ("A76E", "20261206-190740-a76e"),  # without regard to case
    ("20261206-1907", "20261206-190740-a76e"),  # the start
    ("500-3fa2", "20261213-101500-3fa2"),
    ("C07/2", "20261213-101500-3fa2"),  # client and the number the lists show
    ("c07/02", "20261213-101500-3fa2"),
    ("DEMO/1", "20261206-190740-a76e"),
])
def test_a_session_is_named_by_part_of_its_id_or_client_and_number(given, found):
    assert match_session_id(given, ROWS) == found


@pytest.mark.parametrize("given, message", [
    ("20261206", "'20261206' is part of 2 session IDs: 20261206-190740-a76e (DEMO/1), "
                 "20261206-191512-0b31 (C07/1); give more of the ID"),
    ("a7", "'a7' is not a session ID (IDs look like 20261127-093012-3fa2; the end of one such "
           "as 3fa2, or CLIENT/NUMBER such as C07/7, will do if only one session has it; "
           "see 'improv sessions list')"),  # under 4 characters: no guess
    ("beef", "'beef' is not a session ID"),
    ("C07/3", "client C07 has no session '3' (C07 has sessions 1 to 2; 'improv sessions list "
              "--client C07' shows them)"),
    ("C07/x", "client C07 has no session 'x'"),
    ("C7/1", "no client 'C7' has sessions, so 'C7/1' names none (see 'improv sessions list')"),
    ("../../etc", "'../../etc' is not a session ID"),
])
def test_what_names_no_session_or_several_says_so_in_one_line(given, message):
    with pytest.raises(UnknownSessionError) as caught:
        match_session_id(given, ROWS)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_many_candidates_are_cut_short():
    rows = [(f"20261206-1907{i:02d}-aa{i:02d}", "C07", i + 1) for i in range(9)]
    with pytest.raises(UnknownSessionError, match=r"part of 9 session IDs: .* and 3 more; give"):
        match_session_id("20261206", rows)


@pytest.fixture
def two_sessions(run_cli, tmp_path):
    a = write_midi(tmp_path / "a.mid", tracks={"keys": [(0.0, 0, 60, 80), (1.0, 0, 62, 80)]})
    ids = []
    for started in ("2026-03-02T10:00:00+01:00", "2026-03-09T10:00:00+01:00"):
        r = run_cli("sessions", "import", a, "--client", "C07", "--started", started, "--json")
        assert r.exit_code == 0, r.stderr
        ids.append(r.json()["id"])
    return ids


@pytest.mark.parametrize("args", [
    ["sessions", "show", "{ref}", "--json"],
    ["sessions", "verify", "{ref}", "--json"],
    ["summary", "{ref}", "--json"],
    ["annotations", "{ref}", "--json"],
])
def test_commands_take_a_session_by_part_of_its_id_or_client_and_number(run_cli, two_sessions,
                                                                        args):
    first, second = two_sessions
    for ref, sid in ((second[-4:], second), ("C07/1", first), (second[:13], None)):
        r = run_cli(*[a.format(ref=ref) for a in args])
        if sid is None:  # 20260309-0900 names the second only if the first started otherwise
            continue
        assert r.exit_code == 0, r.stderr
        assert sid in r.stdout or args[0] == "annotations", r.stdout


def test_compare_takes_its_sessions_by_part(run_cli, two_sessions):
    first, second = two_sessions
    r = run_cli("compare", "C07/1", second[-4:], "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["sessions"] == [{"session_id": first}, {"session_id": second}]


def test_compare_takes_baseline_sessions_by_part(run_cli, two_sessions):
    first, second = two_sessions
    r = run_cli("compare", "--client", "C07", "--baseline", f"sessions:C07/1,{second[-4:]}",
                "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["baseline"] == [{"session_id": first}, {"session_id": second}]
    wrong = run_cli("compare", "--client", "C07", "--baseline", "sessions:C07/1,C07/5")
    assert wrong.exit_code == 1
    assert wrong.stderr.startswith("error: client C07 has no session '5' (C07 has sessions 1 "
                                   "to 2;")


def test_an_ambiguous_part_lists_the_sessions(run_cli, two_sessions):
    first, second = two_sessions
    r = run_cli("sessions", "show", "2026030")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr == (f"error: '2026030' is part of 2 session IDs: {first} (C07/1), "
                        f"{second} (C07/2); give more of the ID\n")


def test_every_session_argument_is_looked_up(run_cli):
    """Every command that takes a session takes it as 'sessions list' shows it: the lookup
    is given to each session argument in one place (improv.cli.params.share_options)."""
    from improv.cli import cli
    from improv.cli.params import SESSION_ARGUMENTS

    def walk(group, path):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from walk(command, [*path, name])
            for p in command.params:
                if isinstance(p, click.Argument) and p.name in SESSION_ARGUMENTS:
                    yield " ".join([*path, name]), command

    found = list(walk(cli, []))
    assert len(found) > 15
    assert [where for where, c in found
            if not getattr(c.callback, "resolves_sessions", False)] == []


# -- --store after the command (finding 7) --------------------------------------------------


@pytest.fixture
def other_store(run_cli, tmp_path, monkeypatch):
    """A store with one session, not the one IMPROV_STORE names."""
    a = write_midi(tmp_path / "b.mid")
    path = tmp_path / "other"
    r = run_cli("--store", path, "sessions", "import", a, "--client", "C09", "--json")
    assert r.exit_code == 0, r.stderr
    return path, r.json()["id"]


@pytest.mark.parametrize("args", [
    ["--store", "{store}", "sessions", "list", "--json"],
    ["sessions", "list", "--json", "--store", "{store}"],
    ["sessions", "list", "--store", "{store}", "--json"],
    ["sessions", "--store", "{store}", "list", "--json"],
    ["--store", "{store}", "sessions", "list", "--store", "{store}/.", "--json"],  # the same
])
def test_store_goes_before_or_after_the_command(run_cli, other_store, args):
    path, sid = other_store
    r = run_cli(*[a.format(store=path) for a in args])
    assert r.exit_code == 0, r.stderr
    assert [row["id"] for row in r.json()] == [sid]


def test_store_after_the_command_overrides_improv_store(run_cli, other_store, store_path):
    path, sid = other_store  # IMPROV_STORE names store_path, which is empty
    assert run_cli("sessions", "list", "--json").json() == []
    assert [r["id"] for r in run_cli("sessions", "list", "--store", path,
                                     "--json").json()] == [sid]


def test_a_session_id_is_looked_up_in_the_store_given_after_it(run_cli, other_store):
    path, sid = other_store
    r = run_cli("sessions", "show", sid[-4:], "--json", "--store", path)
    assert r.exit_code == 0, r.stderr
    assert r.json()["id"] == sid


def test_two_different_stores_are_refused_in_one_line(run_cli, other_store, tmp_path):
    path, _ = other_store
    r = run_cli("--store", path, "sessions", "list", "--store", tmp_path / "elsewhere")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr == (f"error: two different stores given: --store {path} and --store "
                        f"{tmp_path / 'elsewhere'}; give --store once\n")
    assert not (tmp_path / "elsewhere").exists()


def test_store_after_a_command_that_makes_one_still_says_so(run_cli, tmp_path):
    a = write_midi(tmp_path / "c.mid")
    r = run_cli("sessions", "import", a, "--client", "C07", "--store", tmp_path / "new")
    assert r.exit_code == 0, r.stderr
    assert f"created a new session store at {tmp_path / 'new'}\n" in r.stderr
    missing = run_cli("sessions", "list", "--store", tmp_path / "typo")
    assert missing.exit_code == 1 and "no session store at" in missing.stderr
    assert not (tmp_path / "typo").exists()


def test_a_library_warning_is_one_line_in_the_cli_convention(run_cli, tmp_path):
    """Review 28 (first), finding 20: was 'WARNING sessions.store: store folder …'."""
    folder = tmp_path / "made-by-hand"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    r = run_cli("--store", folder, "sessions", "list")
    assert r.exit_code == 0, r.stderr
    lines = r.stderr.splitlines()
    assert (f"warning: store folder {folder} was open to other users (mode 755): made "
            "owner-only") in lines, r.stderr
    assert "WARNING" not in r.stderr and "sessions.store" not in r.stderr
    assert folder.stat().st_mode & 0o777 == 0o700
    folder.chmod(0o755)
    debug = run_cli("--debug", "--store", folder, "sessions", "list")  # with its logger
    assert debug.exit_code == 0
    assert "WARNING sessions.store: store folder" in debug.stderr, debug.stderr


def test_a_refused_import_into_a_new_store_leaves_no_store_behind(run_cli, tmp_path):
    """Review 29 recheck, N9: the store made for an import that is refused is removed again
    (it held nothing), and no line says it was made."""
    bad = tmp_path / "notes.mid"
    bad.write_bytes(b"not a MIDI file")
    new = tmp_path / "new"
    r = run_cli("sessions", "import", bad, "--client", "C07", "--store", new)
    assert r.exit_code == 1 and r.stderr.startswith("error: ") and r.stderr.count("\n") == 1
    assert "created a new" not in r.stderr
    assert not new.exists()
    good = run_cli("sessions", "export", "--help")  # the command line goes on working
    assert good.exit_code == 0


def test_a_refused_export_restore_into_a_new_store_leaves_no_store_behind(run_cli, tmp_path):
    from sessions.export import export_session
    from sessions.store import Store
    from tests.sessions.helpers import import_room_duet

    with Store(tmp_path / "other") as other:
        sid = import_room_duet(other, tmp_path)
        export = export_session(other.folder(sid), tmp_path / "s.zip")
    damaged = tmp_path / "damaged.zip"
    import zipfile

    with zipfile.ZipFile(export) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith("midi.tsv"):
                data = data[:-10] + b"9999999999"  # changed: its checksum no longer matches
            dst.writestr(item, data)
    new = tmp_path / "new"
    r = run_cli("sessions", "import", damaged, "--store", new)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    assert not new.exists()
    r = run_cli("sessions", "import", export, "--store", new)  # accepted: the store is made
    assert r.exit_code == 0, r.stderr
    assert r.stderr == f"created a new session store at {new}\n"
    assert (new / "sessions" / sid).is_dir()


def test_a_refused_import_into_an_existing_store_leaves_it_there(run_cli, store_path,
                                                                 tmp_path):
    bad = tmp_path / "notes.mid"
    bad.write_bytes(b"not a MIDI file")
    r = run_cli("sessions", "import", bad, "--client", "C07")
    assert r.exit_code == 1
    assert (store_path / "sessions").is_dir()  # the folder was there before: a store now
