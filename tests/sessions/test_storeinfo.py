"""What 'improv info' tells about a store (sessions.storeinfo, review 28 finding 5): the size
of a backup apart from the total, the removable disks where this system mounts them, and a
dated backup name that is not taken yet."""

from __future__ import annotations

from datetime import date

import pytest

from sessions.backup import backup_store
from sessions.storeinfo import (
    DRIVE_REMOVABLE,
    backup_targets,
    removable_disks,
    store_summary,
    windows_removable,
)
from tests.sessions.helpers import import_room_duet

DAY = date(2026, 12, 6)


def test_the_backup_size_leaves_out_caches_and_the_catalog(store, tmp_path):
    sid = import_room_duet(store, tmp_path)
    (store.folder(sid) / "cache").mkdir()
    (store.folder(sid) / "cache" / "peaks.bin").write_bytes(b"\0" * 2_000_000)
    got = store_summary(store, today=DAY, disks=[])
    made = backup_store(store, tmp_path / "b")
    assert got["bytes"] > got["backup_bytes"] + 2_000_000
    # the backup adds only BACKUP.json to what info counts
    about = (tmp_path / "b" / "BACKUP.json").stat().st_size
    assert got["backup_bytes"] + about == made["bytes"]


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_removable_disks_are_found_where_the_system_mounts_them(tmp_path, platform):
    for folder in ("media/anna/USB 1", "media/anna/.hidden", "run/media/anna/BACKUP",
                   "media/bob/OTHER", "Volumes/Stick"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "Volumes" / "Macintosh HD").symlink_to(tmp_path)  # the start-up disk
    got = removable_disks(platform=platform, user="anna", root=tmp_path)
    assert got == {"linux": [tmp_path / "media/anna/USB 1", tmp_path / "run/media/anna/BACKUP"],
                   "darwin": [tmp_path / "Volumes/Stick"], "win32": []}[platform]


def test_no_mount_folder_means_no_disks(tmp_path):
    assert removable_disks(platform="linux", user="anna", root=tmp_path) == []
    assert removable_disks(platform="darwin", root=tmp_path) == []


def test_windows_removable_drive_letters_are_the_backup_disks():
    """Windows found no backup disk before (note 29): the letters it calls removable are them;
    a fixed disk (C:), a CD drive and the floppy letters are not. The drive types are given
    here as Windows answers them (GetDriveTypeW: 2 removable, 3 fixed, 5 CD)."""
    types = {"A:\\": DRIVE_REMOVABLE, "C:\\": 3, "D:\\": 5, "E:\\": DRIVE_REMOVABLE,
             "G:\\": DRIVE_REMOVABLE}
    asked = []

    def drive_type(root):
        asked.append(root)
        return types.get(root, 0)

    mask = sum(1 << (ord(letter) - ord("A")) for letter in "ACDEG")
    assert [str(p) for p in windows_removable(mask, drive_type)] == ["E:\\", "G:\\"]
    assert asked == ["C:\\", "D:\\", "E:\\", "G:\\"]  # letters not in use are not asked
    assert windows_removable(0, drive_type) == []


def test_a_dated_name_on_each_disk_or_in_home_never_one_taken(tmp_path):
    disks = [tmp_path / f"D{k}" for k in range(5)]
    for d in disks:
        d.mkdir()
    (disks[0] / "improv-2026-12-06.zip").write_bytes(b"")
    (disks[0] / "improv-2026-12-06-2.zip").mkdir()
    got = backup_targets(disks, home=tmp_path / "home", today=DAY)
    assert got == [disks[0] / "improv-2026-12-06-3.zip", disks[1] / "improv-2026-12-06.zip",
                   disks[2] / "improv-2026-12-06.zip"]  # at most three disks
    assert backup_targets([], home=tmp_path / "home", today=DAY) == \
        [tmp_path / "home" / "improv-2026-12-06.zip"]
