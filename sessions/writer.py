"""The crash-safe session writer used by the live recorder and importers.

Real-time contract
------------------
Every public ``SessionWriter``/``AudioInputWriter`` method except
:meth:`SessionWriter.finalize` may be called from any thread, including audio
and MIDI callbacks: it only puts a tuple on a queue (no I/O, no locks held
across I/O, no allocation beyond the tuple).  One writer thread owns every
file.  It appends MIDI events to ``midi.tsv``, audio frames to
``audio/<input>.wav`` and clock anchors, gaps, overflows and device events to
``journal.jsonl``, and flushes and fsyncs all of them at least every
``flush_interval`` seconds (default 0.5 s).  After ``kill -9`` or a power
cut, everything up to the last flush is recoverable (:mod:`sessions.recovery`).

Audio blocks are taken over, not copied: the caller hands the writer a block
it will not touch again (in a PortAudio callback, ``indata.copy()``).

If a write fails (disk full, device removed), the writer thread stops
writing, keeps what it had flushed, and exposes the error in
:attr:`SessionWriter.error`; the recorder polls it and stops cleanly.  From
then on the thread only takes what is queued (journal events are kept for
:meth:`SessionWriter.finalize`) and sleeps in between: it no longer wakes
up to flush.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from sessions import annotation_log as ann
from sessions import locks
from sessions import manifest as mf
from sessions.errors import InvalidArgumentError, StoreError
from sessions.finalize import complete_session
from sessions.fsutil import atomic_write_json, fsync_dir, make_dir, open_new, write_errors
from sessions.midilog import MidiLogWriter, clean_name, format_event
from sessions.wavjournal import WavJournal

log = logging.getLogger(__name__)

_MIDI, _AUDIO, _JOURNAL, _ANNOT, _FLUSH, _STOP = range(6)


class AudioInputWriter:
    """Handle for one audio input (one device, all its channels) of a session."""

    def __init__(self, owner: "SessionWriter", index: int, name: str, sr: int, channels: int):
        self._owner = owner
        self._index = index
        self.name = name
        self.sr = sr
        self.channels = channels
        self.frames_queued = 0

    def write(self, block: np.ndarray) -> None:
        """Queue a block of shape (frames, channels); the writer takes ownership."""
        self.frames_queued += len(block)
        self._owner._q.put((_AUDIO, self._index, block))

    def anchor(self, *, frame: int, t: float, **raw: float) -> None:
        """Record that sample ``frame`` of this input was captured at session time ``t``.

        Extra keyword values (e.g. PortAudio's ``adc_time``, ``current_time``)
        are stored beside the pair for later clock analysis.
        """
        self._owner._journal("anchor", input=self.name, frame=int(frame), t=float(t), **raw)

    def overflow(self, *, t: float, count: int = 1, kind: str = "input_overflow") -> None:
        """Count an overflow that PortAudio flagged (``status.input_overflow``)."""
        self._owner._journal("overflow", input=self.name, t=float(t), count=int(count), what=kind)

    def gap(self, *, t: float, frames: int, detected_by: str = "stream_time") -> None:
        """Record ``frames`` missing frames found at session time ``t``.

        The writer does not insert silence itself; the recorder decides
        whether it pads (keeping later samples on the clock) and says so.
        """
        self._owner._journal(
            "gap", input=self.name, t=float(t), frames=int(frames), detected_by=detected_by
        )


class SessionWriter:
    """Append MIDI, audio, markers and clock data to a new session folder.

    Create it with :meth:`sessions.store.Store.create_session`.

    Parameters
    ----------
    folder : Path
        The session folder (already created, with its initial manifest).
    manifest : dict
        The initial manifest; kept up to date as inputs are added.
    flush_interval : float [seconds]
        Longest time between flushes of every journal to the disk.
    on_finalize : callable, optional
        Called with the final manifest after finalize (the store indexes it).
    lockfile : file, optional
        The session's lock as :func:`sessions.locks.hold` returned it, if the caller took it before
        flagging the folder (the store does); else the writer takes it.
    """

    def __init__(
        self,
        folder: Path,
        manifest: dict[str, Any],
        *,
        flush_interval: float = 0.5,
        on_finalize: Callable[[dict], None] | None = None,
        lockfile: Any = None,
    ) -> None:
        if not 0 < flush_interval <= 1.0:
            raise InvalidArgumentError(
                f"flush_interval must be in (0, 1] seconds, got {flush_interval!r}",
                parameter="flush_interval")
        self.folder = Path(folder)
        self.manifest = manifest
        self.id = manifest["id"]
        self.flush_interval = flush_interval
        self._on_finalize = on_finalize
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self._audio: list[WavJournal] = []
        self._audio_names: list[str] = []
        self._lock = threading.Lock()
        self._finalized = False
        self._finalize_error: BaseException | None = None
        self.error: BaseException | None = None
        self._unwritten: list[dict[str, Any]] = []
        self.midi_count = 0
        self.last_t = 0.0
        self.wakeups = 0  # the writer thread's turns: an item taken or a flush deadline reached
        # the creator may hold the lock already (taken before the folder was flagged)
        self._lockfile = lockfile if lockfile is not None else locks.hold(self.folder / mf.LOCK)
        self._midi = MidiLogWriter(self.folder / mf.MIDI_LOG)
        self._journal_file = open_new(self.folder / mf.JOURNAL, "x", encoding="utf-8")
        fsync_dir(self.folder)  # the new files' names survive a power cut, not only their data
        self._annot_path = self.folder / mf.ANNOTATIONS
        self._thread = threading.Thread(
            target=self._run, name=f"session-writer-{self.id}", daemon=True
        )
        self._thread.start()

    # -- producer side (any thread) ---------------------------------------------

    def add_audio_input(
        self,
        name: str,
        *,
        sr: int,
        channels: int,
        players: dict[str, list[int]],
        device: dict[str, Any] | None = None,
        latency_s: float | None = None,
        t0: float | None = None,
    ) -> AudioInputWriter:
        """Declare an audio input and create its journal file.

        Parameters
        ----------
        name : str
            Short input name, used for the file name (``audio/<name>.wav``).
        sr : int [Hz]
        channels : int
            All channels of the device stream, recorded in full.
        players : dict
            Player name -> 1-based channel numbers of this input.
        device : dict, optional
            Device facts (name, host API, index) for the manifest.
        latency_s : float [seconds], optional
            Input latency reported by the device.
        t0 : float [seconds], optional
            Session time of frame 0, if known already (else from the first anchor).

        Call this before the stream starts (it writes files on the caller's thread).
        """
        with self._lock:
            safe = _safe_file_name(name)
            if safe in self._audio_names:
                raise InvalidArgumentError(f"audio input {name!r} is declared twice",
                                           parameter="name")
            for player, chans in players.items():
                mf.check_player_name(player)
                bad = [c for c in chans if not 1 <= int(c) <= channels]
                if bad:
                    raise InvalidArgumentError(
                        f"channel numbers for {player!r} must be in 1..{channels}, got {bad}",
                        parameter="players")
            audio_dir = make_dir(self.folder / mf.AUDIO_DIR)
            rel = f"{mf.AUDIO_DIR}/{safe}.wav"
            journal = WavJournal(audio_dir / f"{safe}.wav", sr=int(sr), channels=int(channels))
            fsync_dir(audio_dir)
            fsync_dir(self.folder)  # audio/ itself may be new
            index = len(self._audio)
            self._audio.append(journal)
            self._audio_names.append(safe)
            self.manifest["audio"].append(
                {
                    "name": safe,
                    "file": rel,
                    "sr": int(sr),
                    "channels": int(channels),
                    "subtype": "FLOAT",
                    "players": {p: [int(c) for c in cs] for p, cs in players.items()},
                    "device": device or {},
                    "latency_s": latency_s,
                    "t0": t0,
                    "frames": 0,
                    "anchors": [],
                    "overflows": 0,
                    "gaps": [],
                }
            )
            atomic_write_json(self.folder / mf.MANIFEST, self.manifest)
            return AudioInputWriter(self, index, safe, int(sr), int(channels))

    def add_midi_input(self, port: str, *, player: str, device: dict | None = None,
                       percussion: bool = False) -> None:
        """Declare a MIDI input port and the player it belongs to; ``percussion``: the input
        is a drum kit (its notes are drums on every channel)."""
        mf.check_player_name(player)
        with self._lock:
            self.manifest["midi"]["ports"].append(
                {"name": clean_name(port), "player": player, "device": device or {},
                 **({"percussion": True} if percussion else {})}
            )
            atomic_write_json(self.folder / mf.MANIFEST, self.manifest)

    def midi(
        self, t: float, *, player: str, port: str, data: bytes | list[int],
        delta_s: float | None = None,
    ) -> None:
        """Queue one MIDI message received at session time ``t`` [seconds]."""
        self._q.put((_MIDI, t, player, port, data, delta_s))

    def marker(
        self,
        t: float,
        *,
        text: str = "",
        kind: str = "marker",
        by: str | None = None,
        player: str | None = None,
        end: float | None = None,
    ) -> str:
        """Queue a marker (or a typed note) as an annotation; returns its ID.

        ``kind`` becomes its tag (``marker`` or ``note``).
        """
        rec = ann.creation_record(
            t=t, end=end, player=player, tags=[kind], text=text, by=by, source="recording"
        )
        self._q.put((_ANNOT, rec))
        return rec["id"]

    def revise(self, rec: dict[str, Any]) -> None:
        """Queue a later revision of an annotation placed while recording (an
        :func:`sessions.annotation_log.edit_record`)."""
        self._q.put((_ANNOT, rec))

    def report(self, kind: str, *, t: float, **fields: Any) -> None:
        """Queue a journal event (e.g. ``device_lost``, ``device_back``, ``warning``)."""
        self._journal(kind, t=float(t), **fields)

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the counter ``name`` in ``manifest["midi"]["counters"]``.

        ``n = 0`` still creates the counter, so a stored zero means "counted,
        none happened" (e.g. ``midi_queue_overflows``).
        """
        self._journal("count", name=str(name), n=int(n))

    def flush(self) -> None:
        """Ask the writer thread for an immediate flush (returns at once)."""
        self._q.put((_FLUSH,))

    @property
    def queue_depth(self) -> int:
        """Items waiting for the writer thread (a growing number means a slow disk)."""
        return self._q.qsize()

    def _journal(self, kind: str, **fields: Any) -> None:
        self._q.put((_JOURNAL, {"kind": kind, **fields}))

    # -- writer thread -----------------------------------------------------------

    def _run(self) -> None:
        q = self._q
        last_flush = time.monotonic()
        dirty = False
        lines: list[str] = []
        while True:
            if self.error is None:
                timeout = max(0.0, self.flush_interval - (time.monotonic() - last_flush))
                try:
                    item = q.get(timeout=timeout)
                except queue.Empty:
                    item = (_FLUSH,)
            else:
                # stopped: nothing is flushed any more, so wait for the next item without a
                # timeout (the flush deadline, never moved after the error, made it spin at
                # 100 % CPU and starve the recorder's stop of the GIL until finalize)
                item = q.get()
            self.wakeups += 1
            kind = item[0]
            if self.error is not None:
                if kind == _STOP:
                    return
                if kind == _JOURNAL and len(self._unwritten) < 1000:
                    # the stop event and its reason, the warnings: written by finalize once
                    # the disk reserve is given back (an ENOSPC stop said "stopped (None)")
                    self._unwritten.append(item[1])
                continue  # drain: nothing more can be written safely
            try:
                if kind == _MIDI:
                    _, t, player, port, data, delta = item
                    lines.append(format_event(t, player, port, bytes(data), delta))
                    if t > self.last_t:
                        self.last_t = t
                    if len(lines) >= 512:
                        self._midi.write_lines(lines, len(lines))
                        self.midi_count += len(lines)
                        lines = []
                    dirty = True
                elif kind == _AUDIO:
                    self._audio[item[1]].write(item[2])
                    dirty = True
                elif kind == _JOURNAL:
                    self._journal_file.write(json.dumps(item[1], separators=(",", ":")) + "\n")
                    dirty = True
                elif kind == _ANNOT:
                    ann.append_records(self._annot_path, [item[1]])
                if kind in (_FLUSH, _STOP) or time.monotonic() - last_flush >= self.flush_interval:
                    if lines:
                        self._midi.write_lines(lines, len(lines))
                        self.midi_count += len(lines)
                        lines = []
                    if dirty:
                        self._flush_all()
                        dirty = False
                    last_flush = time.monotonic()
                if kind == _STOP:
                    return
            except BaseException as exc:  # noqa: BLE001 - kept for the recorder
                self.error = exc
                log.error("session writer stopped: %s", exc)
                if kind == _STOP:
                    return

    def _flush_all(self) -> None:
        self._midi.flush()
        with write_errors(self.folder / mf.JOURNAL):
            self._journal_file.flush()
            os.fsync(self._journal_file.fileno())
        for journal in self._audio:
            journal.flush()

    # -- finalize ------------------------------------------------------------------

    def finalize(self, *, duration_s: float | None = None) -> dict[str, Any]:
        """Stop the writer thread, close every file and complete the session.

        Writes the final WAV headers, the Standard MIDI File, checksums and the
        manifest with status ``complete``.  If the writer had failed (e.g. the
        disk filled), everything it flushed is kept and the failure is noted
        in the manifest.

        Parameters
        ----------
        duration_s : float [seconds], optional
            Length of the session on its clock; by default the end of the last
            audio frame or MIDI event.

        Returns
        -------
        dict
            The final manifest.
        """
        if self._finalize_error is not None:
            raise StoreError(
                f"session {self.manifest['id']} could not be finished "
                f"({self._finalize_error}); 'improv sessions recover' completes it")
        if self._finalized:
            return self.manifest
        self._q.put((_STOP,))
        self._thread.join()
        self._finalized = True
        writer_error = self.error
        try:
            self._midi.close()
        except StoreError as exc:
            writer_error = writer_error or exc
        self._journal_file.close()
        for journal in self._audio:
            try:
                journal.close()
            except StoreError as exc:
                writer_error = writer_error or exc
        if writer_error is not None:
            self.manifest.setdefault("warnings", []).append(
                f"writing stopped early: {writer_error}"
            )
            self._write_unwritten()
        try:
            manifest = complete_session(
                self.folder, self.manifest, status="complete", duration_s=duration_s
            )
        except BaseException as exc:
            # e.g. no room left for the manifest: the flagged folder stays as it is and the
            # next start recovers it, so the lock must not outlive this attempt; a second
            # call says so instead of returning the unfinished manifest as if it were done
            self._finalize_error = exc
            self._lockfile.close()
            raise
        self.manifest = manifest
        locks.release(self._lockfile, self.folder / mf.LOCK)
        if self._on_finalize is not None:
            self._on_finalize(manifest)
        return manifest


    def _write_unwritten(self) -> None:
        """Append the journal events queued after the writer failed (best effort: with no
        space they are lost as before, and the session is completed without them)."""
        if not self._unwritten:
            return
        # after a newline: the failed write may have left half a line
        text = "\n" + "".join(json.dumps(e, separators=(",", ":")) + "\n"
                              for e in self._unwritten)
        try:
            with open_new(self.folder / mf.JOURNAL, "a", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
        except (OSError, StoreError) as exc:
            log.warning("session %s: %d journal events not written: %s", self.manifest["id"],
                        len(self._unwritten), exc)


def _safe_file_name(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "-" for c in str(name).strip())
    keep = keep.strip(".-") or "input"
    return keep[:48]


def disk_free_bytes(path: Path) -> int:
    """Free bytes on the file system that holds ``path``."""
    return shutil.disk_usage(path).free
