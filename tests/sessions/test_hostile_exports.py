"""Hostile exports and backups (the hostile-folder rules for what comes back from a USB stick
or a stranger): a zip with ``../`` or absolute paths, links, hidden files, two top folders,
absurd sizes or too many entries, and a folder holding a link, are refused in one line; the
store stays as it was and nothing outside it is touched."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from sessions.errors import SessionFormatError, StoreWriteError
from sessions.export import export_session
from tests.sessions.helpers import import_room_duet, tree_snapshot

SID = "20261127-093012-3fa2"


@pytest.fixture
def world(tmp_path, store):
    """The store (holding one session), a canary beside it, and a good export to break."""
    from sessions.store import Store

    with Store(tmp_path / "other") as other:
        sid = import_room_duet(other, tmp_path)
        good = export_session(other.folder(sid), tmp_path / "good.zip")
    import_room_duet(store, tmp_path)
    canary = tmp_path / "canary.txt"
    canary.write_text("outside the store\n")
    return {"good": good, "sid": sid, "canary": canary, "tmp": tmp_path}


def _zip(path: Path, entries: dict[str, bytes], *, links: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            if name in links:
                info.create_system = 3
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, data)
    return path


def _both(store, path, match, world, *, error=SessionFormatError):
    """Refused as a session export and as a backup, the store and the canary unchanged."""
    from sessions.backup_restore import restore_store
    from sessions.restore import restore_session
    from sessions.store import Store

    before = tree_snapshot(store.root)
    outside = sorted(os.listdir(world["tmp"]))
    with pytest.raises(error, match=match) as info:
        restore_session(store, path)
    assert "\n" not in str(info.value)
    assert tree_snapshot(store.root) == before
    empty = Store(world["tmp"] / f"empty-{path.stem}")
    with pytest.raises((SessionFormatError, StoreWriteError)):
        restore_store(empty, path)
    assert list(empty.sessions_dir.iterdir()) == [] and os.listdir(empty.tmp_dir) == []
    empty.close()
    assert world["canary"].read_text() == "outside the store\n"
    assert sorted(os.listdir(world["tmp"])) == sorted([*outside, f"empty-{path.stem}"])
    assert not Path("/tmp/evil.txt").exists()


@pytest.mark.parametrize("name", [f"{SID}/../../evil.txt", "/tmp/evil.txt",
                                  f"{SID}/audio/..\\..\\evil.txt"])
def test_a_path_out_of_the_folder_is_refused(store, world, name):
    bad = _zip(world["tmp"] / "bad.zip", {f"{SID}/session.json": b"{}",
                                          f"{SID}/SHA256SUMS": b"", name: b"evil"})
    _both(store, bad, "refused", world)


@pytest.mark.parametrize("second", ["session.json/x", "Session.json", "SESSION.JSON/x"])
def test_entries_that_clash_are_refused_as_such(store, world, second):
    """Review 28, finding 10: a file and an entry below it, or two names that differ only in
    case (one file on macOS or exFAT), are refused, not reported as a disk error."""
    import hashlib

    files = {"session.json": b"{}", second: b"y"}
    sums = "".join(f"{hashlib.sha256(v).hexdigest()}  {k}\n" for k, v in files.items())
    bad = _zip(world["tmp"] / "clash.zip", {**{f"{SID}/{k}": v for k, v in files.items()},
                                            f"{SID}/SHA256SUMS": sums.encode()})
    _both(store, bad, rf"clash.zip refused: .*\(entries 'session.json' and "
                      rf"'{second}' clash\)", world)


def test_a_folder_whose_names_differ_only_in_case_is_refused(store, world):
    import hashlib

    folder = world["tmp"] / "caseful" / SID
    folder.mkdir(parents=True)
    files = {"session.json": b"{}", "Session.json": b"y"}
    for k, v in files.items():
        (folder / k).write_bytes(v)
    (folder / "SHA256SUMS").write_text(
        "".join(f"{hashlib.sha256(v).hexdigest()}  {k}\n" for k, v in files.items()))
    if len(os.listdir(folder)) < 3:
        pytest.skip("this file system does not tell the two names apart")
    _both(store, folder, r"refused: .*\(entries '.ession.json' and '.ession.json' clash\)",
          world)


def test_a_link_in_a_zip_is_refused(store, world):
    bad = _zip(world["tmp"] / "link.zip", {f"{SID}/session.json": b"{}",
                                           f"{SID}/SHA256SUMS": b"",
                                           f"{SID}/audio/mic.wav": str(world["canary"]).encode()},
               links=(f"{SID}/audio/mic.wav",))
    _both(store, bad, "symbolic link or special file", world)


def test_two_top_folders_are_refused(store, world):
    bad = _zip(world["tmp"] / "two.zip", {f"{SID}/session.json": b"{}",
                                          "20261127-093012-aaaa/session.json": b"{}"})
    _both(store, bad, "does not hold one folder", world)


def test_a_link_in_an_export_folder_is_refused(store, world):
    folder = world["tmp"] / "exp"
    with zipfile.ZipFile(world["good"]) as z:
        z.extractall(folder)
    inner = folder / world["sid"]
    (inner / "notes.md").symlink_to(world["canary"])
    _both(store, folder, "symbolic link", world)


def test_an_absurd_size_is_refused_before_anything_is_written(store, world, monkeypatch):
    """A zip whose entries announce more than the disk holds (200 MB of zeros, deflated to
    200 kB, against 100 MB free) is refused before the first byte is unpacked."""
    import shutil

    from sessions import packed

    big = world["tmp"] / "bomb.zip"
    with zipfile.ZipFile(world["good"]) as zin, zipfile.ZipFile(
            big, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    with zipfile.ZipFile(big, "a", zipfile.ZIP_DEFLATED) as z, \
            z.open(f"{world['sid']}/audio/zeros.wav", "w", force_zip64=True) as f:
        for _ in range(200):
            f.write(bytes(1 << 20))
    usage = shutil.disk_usage(world["tmp"])
    monkeypatch.setattr(packed.shutil, "disk_usage",
                        lambda p: usage._replace(free=100 * 1000 * 1000))
    _both(store, big, "needs 2", world, error=StoreWriteError)


def test_too_many_entries_are_refused(store, world, monkeypatch):
    from sessions import packed

    monkeypatch.setattr(packed, "MAX_FILES", 3)
    _both(store, world["good"], "more than the 3", world)


def test_an_encrypted_entry_is_refused(store, world):
    data = bytearray(world["good"].read_bytes())
    # set the 'encrypted' flag of every entry, in the local and the central headers
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        at = 0
        while (at := data.find(sig, at)) >= 0:
            flag = at + (6 if sig == b"PK\x03\x04" else 8)
            data[flag] |= 1
            at += 4
    bad = world["tmp"] / "locked.zip"
    bad.write_bytes(bytes(data))
    _both(store, bad, "encrypted", world)


def test_hidden_files_are_left_out_not_copied(store, world):
    """A file manager's .DS_Store beside the files (folder) or a .lock in the zip is not
    listed in SHA256SUMS, and it is neither a reason to refuse nor copied into the store."""
    from sessions.restore import restore_session

    folder = world["tmp"] / "exp"
    with zipfile.ZipFile(world["good"]) as z:
        z.extractall(folder)
    (folder / world["sid"] / ".DS_Store").write_bytes(b"finder")
    (folder / world["sid"] / "audio" / ".hidden").mkdir()
    (folder / world["sid"] / "audio" / ".hidden" / "x").write_bytes(b"x")
    restore_session(store, folder)
    assert not list(store.folder(world["sid"]).rglob(".DS_Store"))
    assert not list(store.folder(world["sid"]).rglob(".hidden"))
    store.delete(world["sid"])
    zipped = world["tmp"] / "lock.zip"
    with zipfile.ZipFile(world["good"]) as zin, zipfile.ZipFile(zipped, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        zout.writestr(f"{world['sid']}/.lock", "123")
    restore_session(store, zipped)
    assert not (store.folder(world["sid"]) / ".lock").exists()


def test_a_zip_from_macos_finder_restores_without_its_macosx_folder(store, world):
    """Finder's "Compress" adds a top folder __MACOSX/ of ._ files (and may leave a .DS_Store
    beside the folder): the export restores, and none of it reaches the store."""
    from sessions.restore import restore_session

    finder = world["tmp"] / "finder.zip"
    with zipfile.ZipFile(world["good"]) as zin, zipfile.ZipFile(finder, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
            zout.writestr(f"__MACOSX/{PurePosixPath(info.filename).parent}/"
                          f"._{PurePosixPath(info.filename).name}", b"\0\5\26\7fork")
        zout.writestr("__MACOSX/", b"")
        zout.writestr(".DS_Store", b"finder")
    restore_session(store, finder)
    names = {p.name for p in store.folder(world["sid"]).rglob("*")}
    assert "session.json" in names
    assert not [n for n in names if n.startswith("._") or n in ("__MACOSX", ".DS_Store")]
    assert not (store.root / "__MACOSX").exists()
    # unpacked by hand (the folder beside __MACOSX/): the same
    store.delete(world["sid"])
    folder = world["tmp"] / "unpacked"
    with zipfile.ZipFile(finder) as z:
        z.extractall(folder)
    restore_session(store, folder)
    assert (store.folder(world["sid"]) / "session.json").is_file()


def test_a_real_second_folder_beside_macosx_is_still_refused(store, world):
    bad = _zip(world["tmp"] / "two-mac.zip", {f"{SID}/session.json": b"{}",
                                              f"__MACOSX/{SID}/._session.json": b"fork",
                                              "20261127-093012-aaaa/session.json": b"{}"})
    _both(store, bad, "does not hold one folder", world)
