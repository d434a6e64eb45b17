"""Builders of small real files for the store tests (written to tmp_path)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import mido
import numpy as np
import soundfile as sf


def write_midi(
    path: Path,
    *,
    mtype: int = 1,
    tracks: dict[str, list[tuple[float, int, int, int]]] | None = None,
    tempo_bpm: float = 120.0,
    ticks_per_beat: int = 480,
    markers: list[tuple[float, str]] = (),
) -> Path:
    """A Standard MIDI File from ``{track name: [(t_seconds, channel, pitch, velocity)]}``.

    Each note lasts 0.1 s.  Type 0 merges all tracks into one.
    """
    if tracks is None:
        tracks = {"piano": [(0.0, 0, 60, 90), (0.5, 0, 64, 80)]}
    tempo = mido.bpm2tempo(tempo_bpm)

    def ticks(t: float) -> int:
        return int(round(mido.second2tick(t, ticks_per_beat, tempo)))

    mid = mido.MidiFile(type=mtype, ticks_per_beat=ticks_per_beat)
    conductor = [(0, mido.MetaMessage("set_tempo", tempo=tempo))]
    conductor += [(ticks(t), mido.MetaMessage("marker", text=text)) for t, text in markers]
    per_track = []
    for name, notes in tracks.items():
        evs = [(0, mido.MetaMessage("track_name", name=name))]
        for t, ch, pitch, vel in notes:
            evs.append((ticks(t), mido.Message("note_on", channel=ch, note=pitch, velocity=vel)))
            evs.append((ticks(t + 0.1), mido.Message("note_off", channel=ch, note=pitch)))
        per_track.append(evs)
    groups = ([conductor + [e for tr in per_track for e in tr]] if mtype == 0
              else [conductor] + per_track)
    for evs in groups:
        evs.sort(key=lambda e: e[0])
        track = mido.MidiTrack()
        last = 0
        for tick, msg in evs:
            track.append(msg.copy(time=tick - last))
            last = tick
        mid.tracks.append(track)
    mid.save(path)
    return path


def write_audio(path: Path, *, sr: int = 48000, seconds: float = 1.0, channels: int = 2,
                subtype: str | None = None, freq: float = 440.0) -> np.ndarray:
    """A sine per channel (channel k at ``freq * (k + 1)``), amplitude 0.5."""
    n = int(sr * seconds)
    t = np.arange(n) / sr
    y = np.stack([0.5 * np.sin(2 * np.pi * freq * (k + 1) * t) for k in range(channels)], axis=1)
    sf.write(path, y.astype(np.float32), sr, subtype=subtype)
    return y


def import_weekly_session(store, folder: Path, *, week: int, notes: int, duration: float,
                          rng: np.random.Generator, start, client: str = "C07") -> str:
    """Import week ``week`` of a client's course: ``notes`` client notes at uniformly random
    times in a ``duration``-second session (random pitch and velocity), the therapist's drum
    at the start and the end; started ``7 * week`` days after ``start``. Returns the id."""
    from datetime import timedelta

    from sessions.importer import import_files

    times = np.sort(rng.uniform(0.2, duration - 0.5, notes))
    tones = [(float(t), 0, int(rng.integers(55, 80)), int(rng.integers(50, 100))) for t in times]
    name = f"s{week}.mid"
    path = write_midi(Path(folder) / name,
                      tracks={"client": tones,
                              "therapist": [(0.1, 9, 38, 80), (duration - 0.2, 9, 38, 80)]})
    m = import_files(store, [path], client=client,
                     players=[f"client={name}:2", f"therapist={name}:3"],
                     started=start + timedelta(days=7 * week))
    return m["id"]


def import_half_duet(store, folder: Path, *, rng: np.random.Generator,
                     duration: float = 40.0, client: str = "C01") -> str:
    """Import a duet of known content: client plays the whole ``duration`` seconds at 120 BPM
    (velocity 90, C E G); therapist joins every note 30 ms late (velocity 40, C3) for the first
    half only, then is silent. Returns the id."""
    from sessions.importer import import_files

    ts = np.arange(0.1, duration - 0.5, 0.5) + rng.uniform(-0.005, 0.005)
    tones = [(float(t), 0, (60, 64, 67)[i % 3], 90) for i, t in enumerate(ts)]
    answers = [(t + 0.03, 0, 48, 40) for t, *_ in tones if t < duration / 2]
    path = write_midi(Path(folder) / "duet.mid", tracks={"client": tones, "therapist": answers})
    m = import_files(store, [path], client=client,
                     players=["client=duet.mid:2", "therapist=duet.mid:3"])
    return m["id"]


def import_room_duet(store, folder: Path) -> str:
    """Import a 60 s duet (client keyboard, therapist drums) with a 2 s room recording of the
    therapist; returns the session ID."""
    from sessions.importer import import_files

    mid = write_midi(folder / "duet.mid", tracks={
        "client": [(0.0, 0, 60, 80), (59.0, 0, 62, 80)], "therapist": [(1.0, 9, 38, 90)]})
    write_audio(folder / "room.wav", seconds=2.0, sr=8000)
    return import_files(store, [mid, folder / "room.wav"], client="C07",
                        players=["client=duet.mid:2", "therapist=duet.mid:3",
                                 "therapist=room.wav"])["id"]


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` with its bytes (the catalog as its row dump)."""
    import sqlite3

    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.name.startswith("catalog.sqlite"):
            out[str(p.relative_to(root))] = p.read_bytes()
        elif p.is_dir():
            out[str(p.relative_to(root)) + "/"] = b""
    db = root / "catalog.sqlite"
    if db.exists():
        con = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
        rows = []
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            rows.append((table, sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)))
        con.close()
        out["catalog rows"] = repr(rows).encode()
    return out


def wait_written(writer, *, timeout: float = 30.0) -> None:
    """Wait until ``writer``'s thread has written and flushed everything queued so far.

    The writer takes its items in order and handles each before it takes the next, so once a
    second flush request has been taken the first one (and everything queued before it) has
    been written and flushed. An empty queue alone says only that the last item was *taken*:
    on a loaded machine the writer can be descheduled before it writes or flushes it.
    """
    import time

    deadline = time.monotonic() + timeout
    for _ in range(2):
        writer.flush()
        while writer.queue_depth:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the session writer did not drain its queue in {timeout} s")
            time.sleep(0.01)


def resum(folder: Path, rel: str) -> None:
    """Record ``rel``'s present checksum in the session's manifest (damage that the manifest's
    checksums do not show: only parsing the file finds it)."""
    manifest = json.loads((folder / "session.json").read_text())
    manifest["checksums"][rel] = hashlib.sha256((folder / rel).read_bytes()).hexdigest()
    (folder / "session.json").write_text(json.dumps(manifest))


def garble_event_log(folder: Path) -> str:
    """Replace a session's ``midi.tsv`` with garbage under a matching checksum; its name."""
    (folder / "midi.tsv").write_bytes(b"t\tplayer\n" + bytes(range(256)) * 4)
    resum(folder, "midi.tsv")
    return "midi.tsv"


@contextlib.contextmanager
def tmpfs(path: Path, *, size: str) -> Iterator[Path]:
    """A real file system of ``size`` (``"3m"``) mounted at ``path`` (made here), owner-only,
    for the block: a disk that fills up or is remounted read-only. Skips the test where
    mounting is not allowed (it needs root on Linux)."""
    import pytest

    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("needs root on Linux to mount a tmpfs")
    path.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                        str(path)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill_disk(mount: Path) -> Path:
    """Fill the file system at ``mount`` to the last byte; returns the filler file."""
    filler = mount / "filler"
    with open(filler, "wb", buffering=0) as f:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                continue
    return filler
