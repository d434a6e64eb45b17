"""The command line of backup and restore (review 28, findings 1 and 5): an export is imported
back, a whole store is backed up, checked and restored, 'improv info' says where the store is,
and an import without a client code says so with the fix. Every refusal is one line, exit 1,
the store unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.sessions.helpers import tree_snapshot, write_midi


@pytest.fixture
def sid(run_cli, tmp_path):
    mid = write_midi(tmp_path / "duet.mid")
    r = run_cli("sessions", "import", mid, "--client", "C07", "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()["id"]


def _one_line_error(r, text):
    assert r.exit_code == 1, r.stdout + r.stderr
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr
    assert text in r.stderr, r.stderr


def test_an_export_is_imported_back(run_cli, sid, tmp_path, store_path):
    assert run_cli("sessions", "export", sid, "--to", tmp_path / "s.zip").exit_code == 0
    assert run_cli("sessions", "delete", sid, "--yes").exit_code == 0
    r = run_cli("sessions", "import", tmp_path / "s.zip")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(f"restored session {sid} from s.zip: client C07")
    assert "warning" not in r.stderr
    assert [s["id"] for s in run_cli("sessions", "list", "--json").json()] == [sid]
    assert run_cli("sessions", "verify", sid).exit_code == 0


def test_importing_an_export_twice_or_damaged_is_refused(run_cli, sid, tmp_path, store_path):
    run_cli("sessions", "export", sid, "--to", tmp_path / "out")
    before = tree_snapshot(store_path)
    _one_line_error(run_cli("sessions", "import", tmp_path / "out"),
                    f"session {sid} is in the store already: delete it first")
    (tmp_path / "out" / sid / "midi.tsv").write_text("t\tplayer\tport\tdelta_s\tdata\n")
    run_cli("sessions", "delete", sid, "--yes")
    before = tree_snapshot(store_path)
    _one_line_error(run_cli("sessions", "import", tmp_path / "out" / sid),
                    "midi.tsv does not match its checksum in SHA256SUMS")
    assert tree_snapshot(store_path) == before
    _one_line_error(run_cli("sessions", "import", tmp_path / "out", "--client", "C01"),
                    "is a session export: it comes back as it was exported, without --client")


def test_an_import_without_a_client_code_warns_with_the_fix(run_cli, tmp_path):
    mid = write_midi(tmp_path / "duet.mid")
    r = run_cli("sessions", "import", mid)
    assert r.exit_code == 0
    new = r.stdout.split()[2].rstrip(":")
    assert (f"warning: session {new} has no client code" in r.stderr
            and f"'improv sessions correct {new} --client C07'" in r.stderr)
    r = run_cli("sessions", "import", mid, "--client", "C07", "--json")
    assert r.exit_code == 0 and "no client code" not in r.stderr
    json.loads(r.stdout)  # stdout stays JSON


def test_a_folder_or_a_zip_among_recordings_is_told_apart(run_cli, tmp_path, store_path):
    mid = write_midi(tmp_path / "duet.mid")
    folder = tmp_path / "takes"
    folder.mkdir()
    _one_line_error(run_cli("sessions", "import", folder),
                    f"{folder} is a folder: give the files in it, e.g. {folder}/*.mid")
    (tmp_path / "x.zip").write_bytes(b"PK")
    _one_line_error(run_cli("sessions", "import", mid, tmp_path / "x.zip"),
                    "a zip file is imported on its own")


def test_backup_check_and_restore(run_cli, sid, tmp_path, store_path):
    r = run_cli("backup", "--to", tmp_path / "b.zip")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("backed up 1 session, goals of 0 clients")
    r = run_cli("backup", "--check", tmp_path / "b.zip", "--json")
    assert r.exit_code == 0 and r.json()["ok"] and r.json()["sessions"] == 1
    r = run_cli("--store", tmp_path / "new", "restore", tmp_path / "b.zip")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("restored 1 session")
    listed = run_cli("--store", tmp_path / "new", "sessions", "list", "--json").json()
    assert [s["id"] for s in listed] == [sid]
    before = tree_snapshot(store_path)
    _one_line_error(run_cli("restore", tmp_path / "b.zip"),
                    "is not empty (it holds 1 session folder(s)): a backup is restored only "
                    "into an empty store")
    assert tree_snapshot(store_path) == before
    _one_line_error(run_cli("backup", "--to", tmp_path / "b.zip"), "exists already")
    _one_line_error(run_cli("backup"), "give --to FOLDER|FILE.zip")


def test_a_damaged_backup_fails_its_check(run_cli, sid, tmp_path):
    run_cli("backup", "--to", tmp_path / "b")
    wav = next((tmp_path / "b" / "sessions" / sid).glob("midi.tsv"))
    wav.write_bytes(wav.read_bytes() + b"x")
    r = run_cli("backup", "--check", tmp_path / "b")
    _one_line_error(r, "is damaged: 1 problem (first: sessions/")
    assert "midi.tsv: checksum mismatch" in r.stdout
    r = run_cli("--store", tmp_path / "new", "restore", tmp_path / "b")
    assert r.exit_code == 1, r.stderr
    assert r.stderr == (f"warning: session {sid} was not restored: midi.tsv does not match its "
                        "checksum in SHA256SUMS (damaged in the backup) (it stays in the "
                        "backup)\n")
    assert r.stdout.startswith("restored 0 sessions")
    assert f"1 damaged session not restored: {sid}" in r.stdout
    assert list((tmp_path / "new" / "sessions").iterdir()) == []


def test_a_session_damaged_in_the_store_is_named_and_set_aside(run_cli, sid, tmp_path,
                                                               store_path):
    """Review 28, finding 1: the check verifies each session as 'sessions verify' does, and
    the restore brings back the rest, exit 1 with a warning per session set aside (as
    'analyze --all' with a failed session)."""
    good = run_cli("sessions", "import", write_midi(tmp_path / "two.mid"), "--client", "C08",
                   "--json").json()["id"]
    tsv = store_path / "sessions" / sid / "midi.tsv"
    data = bytearray(tsv.read_bytes())
    data[-3] ^= 1
    tsv.write_bytes(bytes(data))
    r = run_cli("backup", "--to", tmp_path / "b.zip")
    assert r.exit_code == 1 and f"warning: session {sid}: midi.tsv does not match" in r.stderr
    assert r.stderr.endswith(f"error: the backup is not whole: 1 damaged session copied as it "
                             f"is ({sid}) (see the warnings above)\n")
    r = run_cli("backup", "--check", tmp_path / "b.zip")
    _one_line_error(r, f"holds 1 damaged session (first: {sid}: midi.tsv: checksum mismatch")
    assert f"session {sid} is damaged: midi.tsv: checksum mismatch" in r.stdout
    r = run_cli("--store", tmp_path / "new", "restore", tmp_path / "b.zip", "--json")
    assert r.exit_code == 1
    assert r.json()["sessions"] == [good] and [x[0] for x in r.json()["set_aside"]] == [sid]
    assert f"warning: session {sid} was not restored: midi.tsv: checksum mismatch" in r.stderr
    listed = run_cli("--store", tmp_path / "new", "sessions", "list", "--json").json()
    assert [s["id"] for s in listed] == [good]


def test_a_partial_left_by_a_killed_backup_is_removed_and_named(run_cli, sid, tmp_path):
    """Review 28, finding 8: was 'cannot write …/.b.zip.partial: File exists'."""
    (tmp_path / ".b.zip.partial").write_bytes(b"PK left by a killed backup")
    r = run_cli("backup", "--to", tmp_path / "b.zip")
    assert r.exit_code == 0, r.stderr
    assert f"removed {tmp_path / '.b.zip.partial'}, left by a backup that did not finish" \
        in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if "b.zip" in p.name) == ["b.zip"]


def test_sigterm_while_backing_up_is_an_interrupt():
    """A `kill` of 'improv backup' runs its cleanup (the partial is removed) as Ctrl-C."""
    import os
    import signal
    import time

    from improv.cli.store import _terminate_as_interrupt

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), _terminate_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises at once
    assert signal.getsignal(signal.SIGTERM) == before


def test_info_says_where_the_store_is(run_cli, sid, store_path, tmp_path):
    r = run_cli("info", "--json")
    assert r.exit_code == 0
    got = r.json()
    assert got["path"] == str(store_path.resolve()) and got["sessions"] == 1
    assert got["clients"] == 1 and got["bytes"] > 0 and got["exists"]
    assert 0 < got["backup_bytes"] <= got["bytes"]
    human = run_cli("info").stdout
    assert f"store     {store_path.resolve()}" in human and "1 session of 1 client" in human
    missing = run_cli("--store", tmp_path / "none", "info", "--json")
    assert missing.exit_code == 0 and missing.json()["exists"] is False
    assert not (tmp_path / "none").exists()


def test_size_words():
    from improv.cli.store import size_words

    assert [size_words(n) for n in (400, 42_000, 99_999, 2_500_000)] == \
        ["0 kB", "42 kB", "100 kB", "2.5 MB"]
    assert Path  # noqa: B018 - keeps the import for the fixtures' paths


def test_session_keys_stay_the_same_after_backup_and_restore(run_cli, sid, tmp_path):
    """Review 28, finding 4: export, back up, restore into a new store, export again: the
    same session_key for every session (the backup carries the store's dataset-key)."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")

    def keys(*store):
        out = tmp_path / f"ds{len(list(tmp_path.glob('ds*')))}"
        r = run_cli(*store, "export-dataset", "--to", out, "--json")
        assert r.exit_code == 0, r.stderr
        return list(pd.read_parquet(out / "sessions.parquet").session_key)

    before = keys()
    assert len(before) == 1 and isinstance(before[0], str)
    r = run_cli("backup", "--to", tmp_path / "b.zip")
    assert r.exit_code == 0, r.stderr
    assert "goals of 0 clients, the research export's key (" in r.stdout
    r = run_cli("--store", tmp_path / "new", "restore", tmp_path / "b.zip")
    assert r.exit_code == 0 and "the research export's key" in r.stdout, r.stderr
    assert keys("--store", tmp_path / "new") == before


def test_a_damaged_key_is_named_when_backing_up(run_cli, sid, tmp_path, store_path):
    (store_path / "dataset-key").write_text("abc\n")
    r = run_cli("backup", "--to", tmp_path / "b")
    assert r.exit_code == 1 and "error: the backup is not whole: 1 file left out" in r.stderr
    assert ("warning: the research export's key is not in the backup: dataset-key is damaged "
            "(expected 64 hex digits); restore it from an older backup") in r.stderr
    assert not (tmp_path / "b" / "dataset-key").exists()


def test_info_tells_the_backup_size_and_a_dated_name_on_a_disk(run_cli, sid, store_path,
                                                                 tmp_path, monkeypatch):
    """Review 28, finding 5: the size a backup takes apart from the total (caches are not
    backed up), and a backup command per disk plugged in, with today's date in a name that
    is free; without a disk, one into the home folder and a word about plugging one in."""
    from datetime import date

    from sessions import storeinfo

    (store_path / "sessions" / sid / "cache").mkdir(exist_ok=True)
    (store_path / "sessions" / sid / "cache" / "x.bin").write_bytes(b"\0" * 3_000_000)
    disk = tmp_path / "media" / "anna" / "USB DISK"
    disk.mkdir(parents=True)
    monkeypatch.setattr(storeinfo, "removable_disks", lambda: [disk])
    today = date.today().isoformat()
    (disk / f"improv-{today}.zip").write_bytes(b"")  # this morning's
    human = run_cli("info").stdout
    lines = human.splitlines()
    assert lines[1].startswith("holds     1 session of 1 client, 3.") and "MB in all" in lines[1]
    assert lines[2].startswith("backup    ") and " kB (no measures or waveforms" in lines[2]
    assert lines[3] == "          last backup: none made from this store yet"
    assert lines[4] == f"          improv backup --to '{disk}/improv-{today}-2.zip'"
    assert "no backup disk found" not in human
    r = run_cli("backup", "--to", str(disk / f"improv-{today}-2.zip"))
    assert r.exit_code == 0, r.stderr  # the suggestion works
    assert (f"          last backup: today, to {disk}/improv-{today}-2.zip"
            in run_cli("info").stdout.splitlines())

    monkeypatch.setattr(storeinfo, "removable_disks", lambda: [])
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    got = run_cli("info", "--json").json()
    assert got["disks"] == [] and got["backup_to"] == [
        str(tmp_path / "home" / f"improv-{today}.zip")]
    human = run_cli("info").stdout
    assert f"improv backup --to {tmp_path}/home/improv-{today}.zip" in human
    assert "(no backup disk found: plug one in and run 'improv info' again)" in human


def test_ago_words():
    from datetime import datetime, timezone

    from sessions.timefmt import ago_words

    now = datetime(2026, 12, 18, 12, 0, tzinfo=timezone.utc).astimezone()
    assert [ago_words(t, now=now) for t in ("2026-12-18T11:00:00+00:00",
                                            "2026-12-17T12:00:00+00:00",
                                            "2026-12-06T12:00:00+00:00",
                                            "2026-12-19T12:00:00+00:00")] == \
        ["today", "yesterday", "12 days ago", "today"]
