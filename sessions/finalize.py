"""Completing a session: after a normal stop, after an import, and after a crash.

:func:`complete_session` is shared by :meth:`sessions.writer.SessionWriter.finalize`, by the
importer (:mod:`sessions.importer`) and by :func:`sessions.recovery.recover_session`, so a
recovered session is completed exactly like a normally stopped one and plays and analyses like
any other.  Recovery adds only the repairs a crash makes necessary: dropping a partial last
line of a text journal and fixing WAV headers from the file length.

Completing folds the journal (``journal.jsonl``) into the manifest, fits each audio input's
clock to its anchors, writes the Standard MIDI File and the checksums, and then the manifest
with its final status; last, it removes the ``RECORDING`` flag.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from sessions import annotation_log as ann
from sessions import manifest as mf
from sessions.errors import SessionFormatError
from sessions.fsutil import (
    atomic_write_bytes,
    atomic_write_json,
    fsync_dir,
    sha256_file,
)
from sessions.lines import read_complete, truncate_partial_tail
from sessions.midilog import iter_log
from sessions.schema import journal_entry_problem
from sessions.smf import SmfBuilder
from sessions.wavjournal import repair

log = logging.getLogger(__name__)


def read_journal(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Journal entries (dropping a partial last line); returns them and bytes dropped."""
    if not path.exists():
        return [], 0
    blob, cut = read_complete(path, allow_partial_tail=True)
    entries = []
    for line in blob.decode("utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            entry = None
        # a malformed entry (a copied-in folder's, say) is dropped and counted like a cut
        # line: one bad line never stops the recovery of this or any other session
        if journal_entry_problem(entry) is None:
            entries.append(entry)
        else:
            log.debug("journal %s: dropped a malformed entry", path)
            cut += len(line)
    return entries, cut


def fit_audio_clock(anchors: list[list[float]], *, sr: int) -> dict[str, float | None]:
    """Fit session time = t0 + frame / (sr * (1 + drift)) to anchor pairs.

    Parameters
    ----------
    anchors : list of [frame, t]
        Pairs of a sample index and the session time it was captured at.
    sr : int [Hz]
        Nominal sample rate.

    Returns
    -------
    dict
        ``t0`` [s], ``drift_ppm`` (positive: the audio clock runs fast against
        the session clock), ``residual_ms_max``; None where too few anchors.
    """
    if not anchors:
        return {"t0": None, "drift_ppm": None, "residual_ms_max": None}
    a = np.asarray(anchors, dtype=np.float64)
    frames, t = a[:, 0], a[:, 1]
    if len(a) < 2 or np.ptp(frames) < sr:  # under a second: no slope
        t0 = float(np.median(t - frames / sr))
        return {"t0": t0, "drift_ppm": None, "residual_ms_max": None}
    slope, t0 = np.polyfit(frames, t, 1)
    resid = t - (t0 + slope * frames)
    # slope = 1 / (sr * (1 + drift))
    drift = 1.0 / (slope * sr) - 1.0
    return {
        "t0": float(t0),
        "drift_ppm": float(drift * 1e6),
        "residual_ms_max": float(np.max(np.abs(resid)) * 1e3),
    }


def _fold_journal(manifest: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    by_name = {a["name"]: a for a in manifest["audio"]}
    events = manifest.setdefault("events", [])
    counters = manifest["midi"].setdefault("counters", {})
    for e in entries:
        kind = e.get("kind")
        audio = by_name.get(e.get("input", ""))
        if kind == "anchor" and audio is not None:
            audio["anchors"].append([e["frame"], e["t"]])
            raw = {k: v for k, v in e.items() if k not in ("kind", "input", "frame", "t")}
            if raw and "first_anchor_raw" not in audio:
                audio["first_anchor_raw"] = raw
        elif kind == "overflow" and audio is not None:
            audio["overflows"] = audio.get("overflows", 0) + int(e.get("count", 1))
        elif kind == "gap" and audio is not None:
            audio["gaps"].append(
                {"t": e["t"], "frames": e["frames"], "detected_by": e.get("detected_by")}
            )
        elif kind == "count":
            name = str(e.get("name"))
            counters[name] = counters.get(name, 0) + int(e.get("n", 1))
        else:
            events.append(e)


def complete_session(
    folder: Path,
    manifest: dict[str, Any],
    *,
    status: str,
    duration_s: float | None = None,
    recovered: bool = False,
    at_least_s: float = 0.0,
) -> dict[str, Any]:
    """Fold the journal into the manifest, write the SMF and checksums, mark done.

    ``duration_s`` (the recorder's) is taken as given; without it the session lasts until
    its last event, annotation or sample, and at least ``at_least_s`` seconds (an imported
    MIDI file's end of track).

    Returns the completed manifest (also written to ``session.json``).
    """
    folder = Path(folder)
    recovery: dict[str, Any] = {}
    _fold_journal_file(folder, manifest, recovery)
    end_times = [0.0, float(at_least_s)]
    end_times += _complete_audio(folder, manifest, recovered=recovered, recovery=recovery)
    # Hash the audio (the bulk of the bytes) on a second thread while the
    # event log is read and the SMF is built; hashlib releases the GIL.
    audio_sums = _hash_audio(folder, manifest)
    smf = _index_midi(folder, manifest, recovered=recovered, recovery=recovery)
    if smf.count:
        end_times.append(smf.last_t)
    current = _current_annotations(folder, recovered=recovered, recovery=recovery)
    for a in current:
        end_times.append(a["end"] if a["end"] is not None else a["t"])

    manifest["duration_s"] = float(duration_s if duration_s is not None else max(end_times))
    _write_smf(folder, manifest, smf, current)
    sums = audio_sums.result()
    for rel in [mf.MIDI_LOG] + ([manifest["smf"]["file"]] if manifest.get("smf") else []):
        if (folder / rel).exists():
            sums[rel] = sha256_file(folder / rel)
    manifest["checksums"] = sums
    manifest["status"] = "recovered" if recovered else status
    if recovered:
        recovery["recovered_utc"] = ann.utc_now()
        manifest["recovery"] = recovery
    atomic_write_json(folder / mf.MANIFEST, manifest)
    flag = folder / mf.RECORDING_FLAG
    if flag.exists():
        flag.unlink()
        fsync_dir(folder)
    return manifest


def _fold_journal_file(folder: Path, manifest: dict[str, Any], recovery: dict[str, Any]) -> None:
    """Fold ``journal.jsonl`` into a manifest whose journal-derived fields start empty."""
    entries, cut = read_journal(folder / mf.JOURNAL)
    if cut:
        recovery["journal_bytes_dropped"] = cut
    for audio in manifest["audio"]:
        audio["anchors"] = []
        audio["gaps"] = []
        audio["overflows"] = 0
    manifest["midi"]["counters"] = {}
    manifest["events"] = []
    _fold_journal(manifest, entries)


def _complete_audio(
    folder: Path, manifest: dict[str, Any], *, recovered: bool, recovery: dict[str, Any]
) -> list[float]:
    """Count (after a crash: repair) each audio file's frames and fit its clock; returns the
    session time each input ends at."""
    end_times = []
    for audio in manifest["audio"]:
        path = folder / audio["file"]
        if recovered:
            info = repair(path, sr=audio["sr"], channels=audio["channels"])
            audio["frames"] = info["frames"]
            recovery.setdefault("audio_frames", {})[audio["name"]] = info["frames"]
            if info["truncated_bytes"]:
                recovery.setdefault("audio_partial_frame_bytes", {})[audio["name"]] = info[
                    "truncated_bytes"
                ]
        else:
            audio["frames"] = _audio_frames(path)
        clock = fit_audio_clock(audio["anchors"], sr=audio["sr"])
        if audio.get("t0") is None:
            audio["t0"] = clock["t0"] if clock["t0"] is not None else 0.0
        audio["drift_ppm"] = clock["drift_ppm"]
        audio["clock_residual_ms_max"] = clock["residual_ms_max"]
        end_times.append(audio["t0"] + audio["frames"] / audio["sr"])
    return end_times


def _hash_audio(folder: Path, manifest: dict[str, Any]) -> Future:
    """Start hashing every audio file on a second thread; the future's result maps file ->
    SHA-256."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checksum")
    audio_sums = pool.submit(
        lambda: {a["file"]: sha256_file(folder / a["file"]) for a in manifest["audio"]
                 if (folder / a["file"]).exists()}
    )
    pool.shutdown(wait=False)
    return audio_sums


def _index_midi(
    folder: Path, manifest: dict[str, Any], *, recovered: bool, recovery: dict[str, Any]
) -> SmfBuilder:
    """Read the event log into an SMF builder and declare players and ports that played
    without being declared."""
    midi_path = folder / mf.MIDI_LOG
    if recovered:
        dropped = truncate_partial_tail(midi_path)
        if dropped:
            recovery["midi_partial_line_bytes"] = dropped
    players = [p["name"] for p in manifest["players"]]
    smf = SmfBuilder(players)
    seen: set[tuple[str, str]] = set()
    for t, player, port, data in iter_log(midi_path):
        smf.add(t, player, data)
        seen.add((player, port))
    # ports (and players) that played without being declared are declared now, so the
    # manifest always says who has MIDI
    declared = {(p["player"], p["name"]) for p in manifest["midi"]["ports"]}
    for player, port in sorted(seen - declared):
        manifest["midi"]["ports"].append({"name": port, "player": player, "device": {},
                                          "declared": False})
        if player not in players:
            players.append(player)
            manifest["players"].append({"name": player})
    manifest["midi"]["events"] = smf.count
    manifest["midi"]["file"] = mf.MIDI_LOG
    if recovered:
        recovery["midi_events"] = smf.count
    return smf


def _current_annotations(
    folder: Path, *, recovered: bool, recovery: dict[str, Any]
) -> list[dict[str, Any]]:
    """The current annotations (after a crash: with a partial last revision cut off)."""
    records = ann.read_records(folder / mf.ANNOTATIONS, allow_partial_tail=recovered)
    if recovered and (folder / mf.ANNOTATIONS).exists():
        truncate_partial_tail(folder / mf.ANNOTATIONS)
    current = ann.fold(records)
    if recovered:
        recovery["annotations"] = len(current)
    return current


def _write_smf(folder: Path, manifest: dict[str, Any], smf: SmfBuilder,
               current: list[dict[str, Any]]) -> None:
    """Write ``session.mid`` with the annotations as markers, or note in the manifest why not."""
    try:
        atomic_write_bytes(folder / mf.SMF, smf.to_bytes(markers=smf_markers(current),
                                                          duration=manifest["duration_s"]))
        manifest["smf"] = {"file": mf.SMF, "skipped_non_smf_messages": smf.skipped}
    except OSError as exc:  # disk full at the very end: the log is still the record
        manifest["smf"] = None
        manifest.setdefault("warnings", []).append(f"no Standard MIDI File written: {exc}")


def _audio_frames(path: Path) -> int:
    import soundfile as sf

    try:
        return int(sf.info(str(path)).frames)
    except RuntimeError as exc:
        raise SessionFormatError(f"{path} is not readable audio ({exc})") from None


def smf_markers(current: list[dict[str, Any]]) -> list[tuple[float, str]]:
    """Marker meta events for the SMF: every current annotation, tags and text."""
    out = []
    for a in current:
        label = " ".join(a.get("tags") or [])
        if a.get("text"):
            label = f"{label}: {a['text']}" if label else a["text"]
        out.append((a["t"], label or "marker"))
    return out
