"""A session export comes back (sessions.restore): byte for byte, indexed, and never when it
is damaged, changed, hostile or already in the store (then the store stays as it was)."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from sessions.errors import SessionFormatError, StoreError
from sessions.export import export_session
from sessions.restore import is_export, restore_session
from tests.sessions.helpers import import_room_duet, tree_snapshot


@pytest.fixture
def exported(tmp_path):
    """A session exported from another store as a zip file and as a folder."""
    from sessions.store import Store

    src = tmp_path / "other"
    with Store(src) as other:
        sid = import_room_duet(other, tmp_path)
        zipped = export_session(other.folder(sid), tmp_path / "s.zip")
        folder = export_session(other.folder(sid), tmp_path / "out")
    return {"id": sid, "zip": zipped, "folder": folder, "source": src / "sessions" / sid}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")
            and "cache" not in p.relative_to(folder).parts}


@pytest.mark.parametrize("kind", ["zip", "folder", "parent"])
def test_an_export_comes_back_byte_for_byte_and_indexed(store, exported, kind):
    path = {"zip": exported["zip"], "folder": exported["folder"],
            "parent": exported["folder"].parent}[kind]  # the folder given to export --to
    assert is_export(path)
    manifest = restore_session(store, path)
    sid = exported["id"]
    assert manifest["id"] == sid
    assert _files(store.folder(sid)) == _files(exported["source"])
    assert [r["id"] for r in store.list(client="C07")] == [sid]
    assert os.listdir(store.tmp_dir) == []  # the staging folder and its claim are gone
    for p in [store.folder(sid), *store.folder(sid).rglob("*")]:
        assert p.stat().st_mode & 0o777 == (0o700 if p.is_dir() else 0o600), p


@pytest.mark.parametrize("kind", ["zip", "folder"])
def test_a_restored_session_is_fsynced_before_it_is_renamed_in(store, exported, kind,
                                                               fsynced):
    """Review 28, finding 5: each file and folder of the session is flushed to the disk
    while it is still in tmp/, and sessions/ after the rename."""
    sid = exported["id"]
    restore_session(store, exported[kind])
    staged = (store.tmp_dir / f"restore-{sid}" / sid).resolve()
    folder = store.folder(sid)
    for p in [folder, *folder.rglob("*")]:
        rel = p.relative_to(folder)
        assert str(staged / rel) in fsynced, rel
    last = max(i for i, f in enumerate(fsynced) if f.startswith(str(staged)))
    assert str(store.sessions_dir.resolve()) in fsynced[last + 1:]


def _refused(store, path, match, *, error=SessionFormatError):
    before = tree_snapshot(store.root)
    with pytest.raises(error, match=match) as info:
        restore_session(store, path)
    assert "\n" not in str(info.value)
    assert tree_snapshot(store.root) == before
    return info.value


def test_a_session_in_the_store_already_is_refused(store, exported):
    restore_session(store, exported["zip"])
    err = _refused(store, exported["folder"], "in the store already: delete it first",
                   error=StoreError)
    assert f"improv sessions delete {exported['id']}" in str(err)


def _rezip(src: Path, dst: Path, change) -> Path:
    """Copy zip ``src`` to ``dst`` with ``change(name, data)`` giving each entry's new bytes
    (None: left out); ``change`` may add entries through its ``extra`` attribute."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in getattr(change, "extra", {}).items():
            zout.writestr(name, data)
    return dst


def test_a_changed_file_is_refused(store, exported, tmp_path):
    bad = _rezip(exported["zip"], tmp_path / "bad.zip",
                 lambda n, d: d.replace(b"client", b"CLIENT") if n.endswith("midi.tsv") else d)
    _refused(store, bad, "midi.tsv does not match its checksum in SHA256SUMS")


def test_a_file_changed_with_its_sums_recomputed_is_refused_by_the_manifest(store, exported,
                                                                              tmp_path):
    import hashlib

    sid = exported["id"]
    changed = (exported["source"] / "midi.tsv").read_bytes().replace(b"client", b"CLIENT")
    digest = hashlib.sha256(changed).hexdigest()

    def change(name, data):
        if name.endswith("midi.tsv"):
            return changed
        if name.endswith("SHA256SUMS"):
            return b"".join(
                (f"{digest}  midi.tsv".encode() if line.endswith(b"  midi.tsv") else line)
                + b"\n" for line in data.splitlines())
        return data

    bad = _rezip(exported["zip"], tmp_path / "bad.zip", change)
    _refused(store, bad, f"session {sid}: midi.tsv: checksum mismatch")


def test_a_damaged_zip_is_refused(store, exported, tmp_path):
    data = bytearray(exported["zip"].read_bytes())
    bad = tmp_path / "cut.zip"
    bad.write_bytes(bytes(data[: len(data) // 2]))
    _refused(store, bad, "not a readable zip file")


def test_a_missing_or_extra_file_is_refused(store, exported, tmp_path):
    gone = _rezip(exported["zip"], tmp_path / "gone.zip",
                  lambda n, d: None if n.endswith("session.mid") else d)
    _refused(store, gone, "session.mid is listed in SHA256SUMS but missing")

    def add(n, d):
        return d
    add.extra = {f"{exported['id']}/notes.md": "added later"}
    extra = _rezip(exported["zip"], tmp_path / "extra.zip", add)
    _refused(store, extra, "notes.md is not listed in SHA256SUMS")
    nosums = _rezip(exported["zip"], tmp_path / "nosums.zip",
                    lambda n, d: None if n.endswith("SHA256SUMS") else d)
    _refused(store, nosums, "holds no SHA256SUMS")


def test_a_backup_or_other_zip_is_not_taken_for_a_session_export(store, tmp_path):
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("holiday/SHA256SUMS", "")
        z.writestr("holiday/a.jpg", "x")
    _refused(store, other, "not a session export")


def test_the_export_of_a_recording_session_is_refused(store, exported, tmp_path):
    def add(n, d):
        if n.endswith("SHA256SUMS"):
            import hashlib

            return d + f"{hashlib.sha256(b'1').hexdigest()}  RECORDING\n".encode()
        return d
    add.extra = {f"{exported['id']}/RECORDING": "1"}
    _refused(store, _rezip(exported["zip"], tmp_path / "rec.zip", add),
             "exported while being recorded")


def test_an_export_with_a_manifest_naming_another_id_is_refused(store, exported, tmp_path):
    import hashlib

    folder = exported["folder"]
    m = json.loads((folder / "session.json").read_text())
    m["id"] = "20250101-000000-abcd"
    (folder / "session.json").write_text(json.dumps(m))
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    digest = hashlib.sha256((folder / "session.json").read_bytes()).hexdigest()
    (folder / "SHA256SUMS").write_text("".join(
        (f"{digest}  session.json" if s.endswith("  session.json") else s) + "\n" for s in sums))
    _refused(store, folder, "does not match the folder name")
