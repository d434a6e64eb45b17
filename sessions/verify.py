"""Checking a session folder: structure, readability and checksums."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sessions import annotation_log as ann
from sessions import manifest as mf
from sessions.errors import SESSION_FAULTS, StoreError, fault_text
from sessions.fsutil import describe_os_error, read_json, sha256_file
from sessions.lines import glued_lines, glued_words, said, said_glued, torn_tail_bytes, torn_words
from sessions.midilog import read_log
from sessions.notes import NOTES_HISTORY, notes_history
from sessions.revisions import REVISIONS, check_revisions
from sessions.safeio import unsafe_entries
from sessions.session import player_names, renamed_records

RECOVER_ADVICE = "run 'improv sessions recover'"


def verify_folder(folder: Path, *, digests: dict[str, str] | None = None,
                  recover_advice: str = RECOVER_ADVICE) -> dict[str, Any]:
    """Verify one session folder; one that cannot be read at all (permission denied, a fault
    no check foresaw) is a report with that problem, never an exception, so a check of every
    session goes on with the others.

    Checks that the manifest is valid, that every file it names exists, that
    each file's SHA-256 matches the manifest, that the event log, the
    annotations and the Standard MIDI File parse, and that each audio file
    has the sample rate, channels and frame count the manifest says.

    Parameters
    ----------
    folder : Path
        The session folder.
    digests : dict of str to str, optional
        SHA-256 (hex) of files of the folder already read, by their path in it
        (``audio/mic.wav``): a backup that has just copied them while holding the session's
        locks passes the digests of the bytes it copied, so the audio is not read twice.
    recover_advice : str
        What to do about an interrupted recording, in one clause
        (:meth:`sessions.store.Store.recovery_advice`: on a read-only store, recover a
        writable copy).

    Returns
    -------
    dict
        ``id``, ``ok`` (bool), ``problems`` (list of one-line strings) and
        ``checked`` (number of files hashed); ``recording: True`` (and ``ok``) for a session
        being recorded right now, which is checked once it is finished. Once the manifest
        is read: ``log_problems``, those of ``problems`` that are about the session's own
        logs (``annotations.jsonl``, ``revisions.jsonl``, ``notes.history.jsonl``: the
        recordings are not in question), and ``warnings``, a log whose last line was cut
        short by a write that did not finish (no problem: it is left out when read and cut
        off by ``improv sessions recover``, see :mod:`sessions.lines`).
    """
    folder = Path(folder)
    try:
        return _verify_folder(folder, digests or {}, recover_advice)
    except SESSION_FAULTS as exc:
        return {"id": folder.name, "ok": False, "problems": [_fault_line(exc, folder)],
                "checked": 0}


def _fault_line(exc: BaseException, folder: Path) -> str:
    """A fault of reading a session in one line, its paths relative to ``folder``."""
    if isinstance(exc, OSError) and not isinstance(exc, StoreError):
        name = Path(exc.filename).name if exc.filename else folder.name
        return f"{name}: {describe_os_error(exc)}"
    return fault_text(exc).replace(f"{folder}{os.sep}", "")


def _verify_folder(folder: Path, digests: dict[str, str], recover_advice: str
                   ) -> dict[str, Any]:
    problems: list[str] = []
    checked = 0
    report = {"id": folder.name, "ok": False, "problems": problems, "checked": 0}
    if (folder / mf.RECORDING_FLAG).exists():
        from sessions.recovery import is_interrupted

        if not is_interrupted(folder):  # its recorder holds the lock: nothing to check yet
            return {**report, "ok": True, "recording": True}
        problems.append(f"the recording was interrupted ({recover_advice})")
        return report
    unsafe = unsafe_entries(folder)
    if unsafe:  # nothing in it is opened
        problems.extend(unsafe)
        return report
    try:
        manifest = mf.validate(read_json(folder / mf.MANIFEST))
    except StoreError as exc:
        problems.append(str(exc))
        return report
    if manifest["id"] != folder.name:
        problems.append(f"session.json: 'id' {manifest['id']} does not match the folder name "
                        f"{folder.name} (a session's ID is its folder's name)")
    sums = manifest.get("checksums") or {}
    expected = [a["file"] for a in manifest["audio"]] + [mf.MIDI_LOG]
    if manifest.get("smf"):
        expected.append(manifest["smf"]["file"])
    for rel in expected:
        if rel not in sums:
            problems.append(f"{rel}: no checksum in session.json")
    for rel, digest in sums.items():
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
            continue
        checked += 1
        if (digests.get(rel) or sha256_file(path)) != digest:
            problems.append(f"{rel}: checksum mismatch (the file changed or is damaged)")
    try:
        events, _ = read_log(folder / mf.MIDI_LOG)
        if len(events) != manifest["midi"].get("events", len(events)):
            problems.append(
                f"{mf.MIDI_LOG}: {len(events)} events, "
                f"manifest says {manifest['midi'].get('events')}"
            )
        problems += _unknown_players(events, manifest)
    except (StoreError, OSError) as exc:
        problems.append(str(exc))
    report["warnings"] = _damaged_lines(folder)
    logs: list[str] = []
    try:
        records = ann.read_records(folder / mf.ANNOTATIONS)
        ann.fold(records)
        logs += _annotations_without_player(folder, manifest, records)
    except (StoreError, OSError) as exc:
        logs.append(str(exc))
    logs += check_revisions(folder, manifest)
    try:
        notes_history(folder)
    except (StoreError, OSError) as exc:
        logs.append(str(exc))
    problems += logs
    report["log_problems"] = logs
    if manifest.get("smf"):
        try:
            import mido

            mido.MidiFile(folder / manifest["smf"]["file"])
        except Exception as exc:  # noqa: BLE001 - any parse failure is a finding
            problems.append(f"{manifest['smf']['file']}: not a readable MIDI file ({exc})")
    for a in manifest["audio"]:
        path = folder / a["file"]
        if not path.is_file():
            continue
        try:
            import soundfile as sf

            info = sf.info(str(path))
        except RuntimeError as exc:
            problems.append(f"{a['file']}: not readable audio ({exc})")
            continue
        if (info.samplerate, info.channels, info.frames) != (a["sr"], a["channels"], a["frames"]):
            problems.append(
                f"{a['file']}: {info.samplerate} Hz, {info.channels} ch, {info.frames} frames; "
                f"manifest says {a['sr']} Hz, {a['channels']} ch, {a['frames']} frames"
            )
    report["checked"] = checked
    report["ok"] = not problems
    return report


#: The session's own append-only logs (:mod:`sessions.lines`).
LOGS = (mf.ANNOTATIONS, REVISIONS, NOTES_HISTORY)


def _damaged_lines(folder: Path) -> list[str]:
    """What the logs of a session hold of a damaged line, in words: a last line cut short
    (:func:`sessions.lines.torn_tail_bytes`) and each record an older improv glued onto a torn
    line (:func:`sessions.lines.glued_at`). Said once, as the report's warnings, not again by
    each reader."""
    out = []
    for name in LOGS:
        path = folder / name
        try:
            cut, numbers = torn_tail_bytes(path), glued_lines(path)
        except (StoreError, OSError):
            continue  # the reader says what is wrong
        if cut:
            out.append(torn_words(path, cut))
            said(path, cut)
        for number in numbers:
            out.append(glued_words(path, number))
            said_glued(path, number)
    return out


def _unknown_players(events, manifest: dict[str, Any]) -> list[str]:
    """Players ``midi.tsv`` names that ``session.json`` neither has nor renamed (the raw names
    of a renamed player are the keys of its ``player_names``)."""
    names = player_names(manifest)
    players = {p["name"] for p in manifest["players"]}
    unknown = sorted({p for p in set(events.player.tolist()) if names.get(p, p) not in players})
    return [f"{mf.MIDI_LOG}: player {p!r} is not a player of session.json"
            + (f" (renamed {names[p]!r}, which is not one either)" if p in names else "")
            for p in unknown]


def _annotations_without_player(folder: Path, manifest: dict[str, Any],
                                records: list[dict[str, Any]]) -> list[str]:
    """Annotations whose player (under its current name, as
    :func:`sessions.session.renamed_records` reads it) is not a player of ``session.json``."""
    players = {p["name"] for p in manifest["players"]}
    current = ann.fold(renamed_records(folder, manifest, records))
    return [f"{mf.ANNOTATIONS}: annotation {a.get('id')} (at {a.get('t')} s) names player "
            f"{a['player']!r}, which is not a player of session.json"
            for a in current if isinstance(a.get("player"), str) and a["player"] not in players]
