"""Reading a stored session: manifest, MIDI events, audio, annotations."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from sessions import annotation_log as ann
from sessions import manifest as mf
from sessions.errors import InvalidArgumentError, SessionFormatError
from sessions.fsutil import read_json, sha256_file
from sessions.midilog import MidiEvents, read_log
from sessions.safeio import check_folder

#: Stretches not recorded less than this apart [s] are one cluster (25 short dropouts in a
#: minute are one line, "25 dropouts, 0.2 s in all"; a second loss ten minutes later another).
GAP_JOIN_S = 10.0


def group_gaps(gaps: list[dict[str, Any]], *, join_s: float = GAP_JOIN_S) -> list[dict[str, Any]]:
    """Clusters of stretches not recorded, per input and reason (and ``cause``, if given).

    Parameters
    ----------
    gaps : list of dict
        ``t``, ``end`` [s], ``what``, ``why`` (as :meth:`Session.not_recorded` gives them).
    join_s : float [seconds]
        A stretch starting less than this after the cluster's end joins it.

    Returns
    -------
    list of dict
        By start: ``t``, ``end`` [s] (the cluster's span), ``what``, ``why``, ``count`` and
        ``total_s`` [s] (the time not recorded, summed); ``name``, ``players`` and ``cause``
        of its first stretch where the stretches have them.
    """
    open_: dict[tuple[str, str, str], dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for g in sorted(gaps, key=lambda g: g["t"]):
        key = (g["what"], g["why"], g.get("cause", ""))
        c = open_.get(key)
        if c is None or g["t"] - c["end"] >= join_s:
            # the input and cause go with the cluster (its words are made again for it)
            c = {**{k: g[k] for k in ("name", "players", "cause", "system") if k in g},
                 "t": g["t"], "end": g["end"], "what": g["what"], "why": g["why"], "count": 0,
                 "total_s": 0.0}
            open_[key] = c
            out.append(c)
        c["end"] = max(c["end"], g["end"])
        c["count"] += 1
        c["total_s"] += g["end"] - g["t"]
    return out


def player_names(manifest: dict[str, Any]) -> dict[str, str]:
    """The renamed players of a session: the name a player was recorded or imported with (as
    ``midi.tsv`` holds it) -> its current name (``session.json``'s optional ``player_names``,
    written by :func:`sessions.revisions.rename_player`; none: ``{}``)."""
    names = manifest.get("player_names")
    return dict(names) if isinstance(names, dict) else {}


def renamed_records(folder: Path, manifest: dict[str, Any],
                    records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Annotation revisions (of the session in ``folder``) with each ``player`` under its
    current name. The log itself stays as written; changed revisions are copies.

    ``session.json``'s ``player_names`` is the authority: the renames in ``revisions.jsonl``
    only place the revisions written between two renames (one written as ``clinet`` between
    two renames follows the second only), and only when, replayed in order, each renames a
    player the session had then and together they give ``player_names`` and the players. A
    rename logged whose ``session.json`` write failed (a full disk), or a log that cannot be
    read (``verify`` reports both), gives way to ``player_names`` applied to every revision;
    so does a revision whose placed name is no player of the session.

    A rename applies to the revisions written before it: those before its
    ``annotations_before`` (the number of revisions in the annotation log when it was made),
    or, for a rename logged without it, those with an earlier ``at_utc``.
    """
    from sessions.revisions import PLAYER, read_revisions

    names = player_names(manifest)
    players = {p["name"] for p in manifest["players"] if isinstance(p, dict)}

    def mapped(rec: dict[str, Any]) -> dict[str, Any]:
        player = rec.get("player")
        return {**rec, "player": names[player]} if isinstance(player, str) and player in names \
            else rec

    try:
        renames = [r for r in read_revisions(folder) if r["field"] == PLAYER]
    except (SessionFormatError, OSError):
        renames = []
    if not renames or not _renames_give(renames, manifest, names):
        return [mapped(r) for r in records]
    times = [_when(r.get("at_utc")) for r in renames]
    out = []
    for index, rec in enumerate(records):
        player = rec.get("player")
        if isinstance(player, str):
            at = _when(rec.get("at_utc"))
            for r, t in zip(renames, times, strict=True):
                if player == r["from"] and _made_after(r, t, index=index, at=at):
                    player = r["to"]
            if player not in players and names.get(rec["player"]) in players:
                player = names[rec["player"]]  # placed wrongly (written as the rename ran)
            if player != rec["player"]:
                rec = {**rec, "player": player}
        out.append(rec)
    return out


def _when(text: Any):
    from datetime import datetime

    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _made_after(rename: dict[str, Any], t, *, index: int, at) -> bool:
    """Whether ``rename`` (made at ``t``) was made after annotation revision number ``index``
    (0-based, in log order; written at ``at``): by position where the rename logged it."""
    before = rename.get("annotations_before")
    if isinstance(before, int) and not isinstance(before, bool):
        return index < before
    return at is None or t is None or t > at


def _renames_give(renames: list[dict[str, Any]], manifest: dict[str, Any],
                  names: dict[str, str]) -> bool:
    """Whether the renames, replayed from the names the players were recorded with, each
    rename a player the session had then to a name no other player had, and give
    ``session.json``'s players and ``player_names``."""
    from sessions.revisions import compose_names

    current = {p["name"] for p in manifest["players"] if isinstance(p, dict)}
    recorded = {v: k for k, v in names.items()}
    have = {recorded.get(p, p) for p in current}
    composed: dict[str, str] = {}
    for r in renames:
        old, new = r["from"], r["to"]
        if old not in have or (new != old and new in have):
            return False
        have = (have - {old}) | {new}
        composed = compose_names(composed, old, new)
    return have == current and composed == names


@dataclass(frozen=True)
class AudioInput:
    """One stored audio file (one input device, all its channels).

    Attributes
    ----------
    name : str
    path : Path
    sr : int [Hz]
    channels : int
    frames : int
    t0 : float [seconds]
        Session time of frame 0.
    drift_ppm : float or None
        Audio clock against session clock (positive: audio runs fast).
    players : dict[str, list[int]]
        Player -> 1-based channel numbers.
    """

    name: str
    path: Path
    sr: int
    channels: int
    frames: int
    t0: float
    drift_ppm: float | None
    players: dict[str, list[int]]

    @property
    def duration_s(self) -> float:
        return self.frames / self.sr

    def frame_to_time(self, frames: np.ndarray | int) -> np.ndarray:
        """Session time [s] of sample indices, correcting the measured drift."""
        rate = self.sr * (1.0 + (self.drift_ppm or 0.0) * 1e-6)
        return self.t0 + np.asarray(frames, dtype=np.float64) / rate

    def time_to_frame(self, t: np.ndarray | float) -> np.ndarray:
        """Nearest sample index of session times [s] (may be out of range)."""
        rate = self.sr * (1.0 + (self.drift_ppm or 0.0) * 1e-6)
        return np.rint((np.asarray(t, dtype=np.float64) - self.t0) * rate).astype(np.int64)


class Session:
    """A completed (or recovered) session folder, opened read-only.

    Use :meth:`sessions.store.Store.session` to get one.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        check_folder(self.folder)
        self.manifest: dict[str, Any] = mf.validate(read_json(self.folder / mf.MANIFEST))
        mf.check_id_matches(self.manifest, folder_name=self.folder.name)
        self.id: str = self.manifest["id"]

    def __repr__(self) -> str:
        return f"Session({self.id!r})"

    @property
    def players(self) -> list[str]:
        return [p["name"] for p in self.manifest["players"]]

    @property
    def duration_s(self) -> float:
        return float(self.manifest.get("duration_s") or 0.0)

    @property
    def client(self) -> str | None:
        return self.manifest.get("client")

    def changed_files(self, files: Iterable[str]) -> list[str]:
        """Those of ``files`` (paths relative to the folder) that are missing or no longer
        match the SHA-256 the manifest recorded for them; files without a checksum pass."""
        sums = self.manifest.get("checksums") or {}
        changed = []
        for rel in files:
            digest = sums.get(rel)
            path = self.folder / rel
            if digest and (not path.is_file() or sha256_file(path) != digest):
                changed.append(rel)
        return changed

    @property
    def player_names(self) -> dict[str, str]:
        """Renamed players: the name as ``midi.tsv`` or the annotation log holds it -> the
        current name (see :func:`player_names`)."""
        return player_names(self.manifest)

    def midi_events(self, *, players: list[str] | None = None) -> MidiEvents:
        """All MIDI events (arrival order), optionally of some players only.

        Each event's ``player`` is its current name: a player renamed after the recording
        (:func:`sessions.revisions.rename_player`) is read under its new name, although
        ``midi.tsv`` keeps the name it was recorded or imported with.
        """
        events, _ = read_log(self.folder / mf.MIDI_LOG)
        names = self.player_names
        if names and len(events):
            mapped = events.player.copy()
            for old, new in names.items():
                mapped[events.player == old] = new
            events = replace(events, player=mapped)
        return events.select(players=players)

    def midi_players(self) -> list[str]:
        """Players that have at least one MIDI input."""
        seen = {p["player"] for p in self.manifest["midi"].get("ports", [])}
        return [p for p in self.players if p in seen]

    def audio_inputs(self) -> list[AudioInput]:
        out = []
        for a in self.manifest["audio"]:
            out.append(
                AudioInput(
                    name=a["name"],
                    path=self.folder / a["file"],
                    sr=int(a["sr"]),
                    channels=int(a["channels"]),
                    frames=int(a.get("frames", 0)),
                    t0=float(a.get("t0") or 0.0),
                    drift_ppm=a.get("drift_ppm"),
                    players={k: list(v) for k, v in a.get("players", {}).items()},
                )
            )
        return out

    def audio_input(self, name: str) -> AudioInput:
        for a in self.audio_inputs():
            if a.name == name:
                return a
        names = ", ".join(a.name for a in self.audio_inputs()) or "none"
        raise InvalidArgumentError(
            f"session {self.id} has no audio input {name!r} (has: {names})", parameter="name")

    def player_audio(self, player: str) -> list[tuple[AudioInput, list[int]]]:
        """Audio inputs of a player with its 0-based channel indices in each."""
        out = []
        for a in self.audio_inputs():
            chans = a.players.get(player)
            if chans:
                out.append((a, [c - 1 for c in chans]))
        return out

    def read_audio(
        self, name: str, *, start_frame: int = 0, n_frames: int = -1,
        channels: list[int] | None = None,
    ) -> np.ndarray:
        """Samples of an input as float32, shape (frames, channels).

        ``start_frame`` is the sample index to start at and ``n_frames`` the number of frames
        to read (-1: to the end); session times [seconds] become frames with
        :meth:`AudioInput.time_to_frame`.  ``channels`` are 0-based indices to keep
        (all by default).
        """
        import soundfile as sf

        a = self.audio_input(name)
        try:
            data, _ = sf.read(a.path, start=start_frame, frames=n_frames, dtype="float32",
                              always_2d=True)
        except (RuntimeError, OSError) as exc:  # LibsndfileError is a RuntimeError
            raise self._unreadable(a, exc) from None
        return data if channels is None else data[:, channels]

    def _unreadable(self, a: AudioInput, exc: Exception) -> SessionFormatError:
        """The error for a recording of this session that cannot be read."""
        rel = a.path.relative_to(self.folder).as_posix()
        return SessionFormatError(
            f"{rel} of session {self.id} cannot be read ({exc}); check it with "
            f"'improv sessions verify {self.id}'")

    def audio_blocks(
        self, name: str, *, blocksize: int, channels: list[int] | None = None
    ) -> Iterator[np.ndarray]:
        """Iterate float32 blocks of shape (<= blocksize, channels) through an input."""
        import soundfile as sf

        a = self.audio_input(name)
        try:
            f = sf.SoundFile(a.path)
        except (RuntimeError, OSError) as exc:
            raise self._unreadable(a, exc) from None
        with f:
            while True:
                try:
                    block = f.read(blocksize, dtype="float32", always_2d=True)
                except (RuntimeError, OSError) as exc:
                    raise self._unreadable(a, exc) from None
                if not len(block):
                    break
                yield block if channels is None else block[:, channels]

    def annotations(self, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Current annotations sorted by time (see :mod:`sessions.annotation_log`), each
        ``player`` under its current name (see :meth:`midi_events`)."""
        return ann.fold(self.annotation_records(), include_deleted=include_deleted)

    def annotation_records(self) -> list[dict[str, Any]]:
        """Every revision, in the order it was made, each ``player`` under its current name
        (the log keeps the name it was written with)."""
        return renamed_records(self.folder, self.manifest,
                               ann.read_records(self.folder / mf.ANNOTATIONS))

    def not_recorded(self) -> list[dict[str, Any]]:
        """Stretches an input did not record, by time: ``t``, ``end`` [s], ``what``, ``why``,
        and the same in a therapist's words (``input``, ``span``, ``text``, ``label``; see
        :func:`sessions.gap_words.stretches`).

        A device lost for a while (``midi_gap``, ``source_gap`` events; why: ``device lost``),
        audio dropouts the recorder filled with silence (the inputs' ``gaps``; why:
        ``dropout, filled with silence``) and the absence of an audio device that was opened
        again (gaps ``detected_by="reopen"``; why: ``device lost, filled with silence``).
        """
        from sessions.gap_words import stretches

        return stretches(self.manifest, renamed=player_names(self.manifest))

    def not_recorded_groups(self, *, join_s: float = GAP_JOIN_S) -> list[dict[str, Any]]:
        """:meth:`not_recorded` grouped: one entry per cluster (see :func:`group_gaps`), its
        words those of the cluster (:func:`sessions.gap_words.group_text`)."""
        from sessions.gap_words import group_text

        groups = group_gaps(self.not_recorded(), join_s=join_s)
        for g in groups:
            g.update(group_text(g, manifest=self.manifest))
        return groups

    def warnings(self) -> list[str]:
        """The store's warnings about the session and those the recorder showed live."""
        return mf.warnings_of(self.manifest)

    def warnings_afterwards(self) -> list[str]:
        """:meth:`warnings` as they read after the recording: the live "plug it in again"
        lines left out where a stretch not recorded says it in past tense
        (:func:`sessions.gap_words.warnings_afterwards`)."""
        from sessions.gap_words import warnings_afterwards

        unplugged = any(g["cause"] in ("unplugged", "unplugged_silence", "sound_system")
                        for g in self.not_recorded())
        return warnings_afterwards(self.warnings(), unplugged=unplugged)

    @property
    def cache_dir(self) -> Path:
        """Folder for derived data (analysis results, waveform peaks); created on use.

        Only inside a session folder that exists: work that ends after the session was
        deleted (an analysis, waveform peaks) must not make its folder again (it came back
        as a folder with only ``cache/`` in it, which no command could verify or delete).
        """
        from sessions.errors import UnknownSessionError

        gone = f"session {self.id} no longer exists (deleted)"
        if not (self.folder / mf.MANIFEST).is_file():
            raise UnknownSessionError(gone)
        path = self.folder / "cache"
        try:
            path.mkdir(mode=0o700, exist_ok=True)  # never its parents
        except FileNotFoundError:  # deleted between the check and here
            raise UnknownSessionError(gone) from None
        return path
