"""Restoring a session export (``improv sessions export``) into the store.

The export (a zip file or a folder) is checked whole before the store changes: its one
folder is the session ID, ``SHA256SUMS`` lists every file and every file matches it
(:mod:`sessions.packed`), and the unpacked session verifies as a stored one does
(:func:`sessions.verify.verify_folder`: its manifest, the checksums it gives, the event log,
annotations, revisions, MIDI and audio), and has at most
:data:`sessions.manifest.MAX_PLAYERS` players, as an import of recordings. It is unpacked
into a claimed scratch folder ``tmp/restore-<id>/`` and renamed into ``sessions/`` only
then, and indexed (:meth:`sessions.store.Store.commit_folder`), as an import is; a refused
or interrupted restore leaves the store exactly as it was. A session whose ID is in the
store already is refused: the one there may hold newer annotations or notes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sessions import manifest as mf
from sessions import scratch
from sessions.errors import SessionFormatError, StoreError
from sessions.fsutil import read_json
from sessions.packed import check_space, is_packed, open_packed, read_sums, unpack

__all__ = ["is_export", "player_count_problem", "restore_session"]


def is_export(path: Path) -> bool:
    """True if ``path`` is a zip file or a folder such as ``improv sessions export`` writes
    (by its form; :func:`restore_session` checks its content)."""
    return is_packed(Path(path))


def already_there(session_id: str) -> str:
    """The refusal of a session that is in the store already."""
    return (f"session {session_id} is in the store already: delete it first ('improv "
            f"sessions delete {session_id}') or keep the one there")


def restore_session(store, path: Path) -> dict[str, Any]:
    """Put the session of an export back into ``store``.

    Parameters
    ----------
    store : sessions.store.Store
    path : Path
        The export: a ``.zip`` file or a folder holding ``SHA256SUMS`` (or the folder the
        export was written into, holding that one folder).

    Returns
    -------
    dict
        The restored session's manifest.

    Raises
    ------
    SessionFormatError
        Not a session export, a file damaged or changed (its checksum), a hostile entry
        (see :mod:`sessions.packed`), or a session that does not verify.
    StoreError
        The session is in the store already, or the disk has no room.
    """
    store.require_writable()
    with open_packed(path) as packed:
        sid = packed.name
        if not mf.valid_session_id(sid) or mf.MANIFEST not in packed.files:
            raise SessionFormatError(
                f"{Path(path).name} is not a session export (its folder {sid!r} is no session "
                "ID with a session.json); a backup of a whole store is restored with "
                "'improv restore'")
        if store.folder(sid).exists():
            raise StoreError(already_there(sid))
        check_space(packed, store.tmp_dir)
        sums = read_sums(packed)
        with scratch.claim(store.tmp_dir, f"restore-{sid}") as claim:
            staged = claim.path / sid
            # the analysis cache is derived data that an export never holds: not taken in
            unpack(packed, staged, sums, skip=("cache",))
            problem = _first_problem(staged)
            if problem:
                raise SessionFormatError(f"{Path(path).name}: session {sid}: {problem}; "
                                         "nothing was imported")
            manifest = read_json(staged / mf.MANIFEST)
            try:
                store.commit_folder(staged)
            except StoreError:
                if store.folder(sid).exists():  # restored by another process meanwhile
                    raise StoreError(already_there(sid)) from None
                raise
    return manifest


def _first_problem(folder: Path) -> str | None:
    """Why an unpacked session is not fit for the store, or None."""
    from sessions.verify import verify_folder

    if (folder / mf.RECORDING_FLAG).exists():
        return "it was exported while being recorded"
    report = verify_folder(folder)
    if report["problems"]:
        more = len(report["problems"]) - 1
        return report["problems"][0] + (f" (and {more} more)" if more else "")
    manifest = read_json(folder / mf.MANIFEST)
    if manifest.get("status") == "recording":  # it would stay so
        return ("its session.json says it is still being recorded, but an export holds a "
                "finished session: export it again from the store it was recorded in")
    return player_count_problem(manifest)


def player_count_problem(manifest: dict[str, Any]) -> str | None:
    """Why a session from elsewhere has too many players to be taken in, or None.

    An import of recordings refuses more than :data:`sessions.manifest.MAX_PLAYERS` players
    (:func:`sessions.manifest.check_player_count`); a session export (or a backup) holding
    more must not bring in what an import refuses: the analysis of the pairs of players
    would run for a very long time.

    Parameters
    ----------
    manifest : dict
        The session's validated ``session.json``.
    """
    names = [p["name"] for p in manifest["players"]]
    if len(names) <= mf.MAX_PLAYERS:
        return None
    shown = ", ".join(names[:3])
    return (f"it has {len(names)} players ({shown}, ...), and a session may have at most "
            f"{mf.MAX_PLAYERS}: import the recordings themselves with 'improv sessions "
            "import', giving the parts you need to players (--player NAME=FILE:N)")
