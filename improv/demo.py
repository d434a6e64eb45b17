"""A generated demo session: a synthetic duet, clearly marked as demo.

The client plays short melodic phrases on a keyboard (MIDI, around 96 BPM,
with rubato and dynamics); the therapist answers on drum pads, first
echoing each of the client's phrases' rhythm 0.45 s after it ends, then leading a steady
groove that the client joins; there is a silence, and a closing part played together in
phrases that swell and relax, quieter over the last 20 s only (a long demo does not fade
over minutes, which read as an analysis fault in its dynamics curve).  Both players are
also "heard" by a two-channel microphone input (channel 1 client, channel 2 therapist)
synthesised from the same notes, so the demo has audio and MIDI on one clock, plus two
markers.

Nothing here is real client data: the client code is ``DEMO`` and the
session is flagged ``demo`` in its manifest.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

DEMO_CLIENT = "DEMO"


@dataclass(frozen=True)
class DemoNote:
    player: str
    start: float
    end: float
    pitch: int
    velocity: int
    channel: int


ENDING_S = 20.0
"""The closing part gets quieter over this last stretch of the demo [seconds] (and only there)."""
PHRASE_BEATS = (12, 20)
"""A closing phrase lasts this many beats (at least, at most): 7.5 to 12.5 s at 96 BPM, longer
than an analysis window (6 s), so that the dynamics curve shows each swell."""


def closing_levels(n: int, *, rng: np.random.Generator) -> np.ndarray:
    """Loudness [0..1] of the closing part's ``n`` beats: phrases of :data:`PHRASE_BEATS` that
    swell from half their peak to the peak and relax again (a half sine), each phrase's peak
    0.7 to 1.0, so that the dynamics move as playing does, with no trend over the part."""
    out = np.empty(n)
    k = 0
    while k < n:
        length = int(rng.integers(PHRASE_BEATS[0], PHRASE_BEATS[1] + 1))
        peak = rng.uniform(0.7, 1.0)
        pos = (np.arange(length) + 0.5) / length
        out[k:k + length] = (peak * (0.5 + 0.5 * np.sin(np.pi * pos)))[:n - k]
        k += length
    return out


def ending_level(t: float, *, duration: float) -> float:
    """Factor [0.5..1] on the loudness at ``t`` [s]: 1 until :data:`ENDING_S` before the end,
    then down to 0.5 at the end (a quieter ending, not a fade over the whole part)."""
    left = duration - t
    return 1.0 if left >= ENDING_S else 0.5 + 0.5 * max(left, 0.0) / ENDING_S


def demo_notes(*, seed: int = 7, duration: float = 90.0) -> list[DemoNote]:
    """The demo's notes (deterministic for a seed), times in seconds."""
    rng = np.random.default_rng(seed)
    notes: list[DemoNote] = []
    beat = 60.0 / 96.0
    scale = [60, 62, 64, 67, 69, 72]

    def phrase(t0: float, n: int, *, rubato: float,
               values=(0.5, 1.0, 1.0, 1.5)) -> list[tuple[float, int, int]]:
        out, t = [], t0
        for i in range(n):
            pitch = scale[int(rng.integers(len(scale)))]
            vel = int(np.clip(70 + 25 * np.sin(i / n * np.pi) + rng.normal(0, 6), 30, 120))
            out.append((t, pitch, vel))
            t += beat * rng.choice(values) * (1 + rng.normal(0, rubato))
        return out

    # 1. call and response: a client phrase with a rhythm of its own (dotted and short notes
    # that the drum plays nowhere else), the therapist's drum answers with it right after it
    # ends: imitation that chance would not give (analysis.dialogue.imitation)
    t = 1.0
    while t < 30:
        ph = phrase(t, 6, rubato=0.03, values=(0.25, 0.75, 0.75, 1.25))
        for s, p, v in ph:
            notes.append(DemoNote("client", s, s + beat * 0.2, p, v, 0))
        lag = ph[-1][0] - ph[0][0] + 0.45
        for s, _, v in ph:
            notes.append(DemoNote("therapist", s + lag, s + lag + 0.1, 38, max(40, v - 10), 9))
        t += 2 * lag + beat * 2
    # 2. therapist leads a steady groove from 32 s; the client joins at 38 s
    for k in range(int(22 / (beat / 2))):
        s = 32 + k * beat / 2
        notes.append(DemoNote("therapist", s, s + 0.1, 36 if k % 2 == 0 else 42,
                              95 if k % 4 == 0 else 70, 9))
    t = 38.0
    while t < 53:
        ph = phrase(t, 4, rubato=0.02)
        for s, p, v in ph:
            notes.append(DemoNote("client", s, s + beat * 0.5, p - 12, v, 0))
        t = ph[-1][0] + beat
    # 3. silence 54-60 s, then a closing part together, in phrases that swell and relax
    # (closing_levels), quieter only over the last ENDING_S
    n_close = max(0, int((duration - 62) / beat))  # none in a demo of 62 s or less
    for k, level in enumerate(closing_levels(n_close, rng=rng)):
        s = 61 + k * beat
        level *= ending_level(s, duration=duration)
        notes.append(DemoNote("client", s + rng.normal(0, 0.015), s + beat * 0.9, scale[k % 6],
                              int(38 + 62 * level), 0))
        notes.append(DemoNote("therapist", s, s + 0.1, 45, int(32 + 58 * level), 9))
    notes.sort(key=lambda n: (n.start, n.player))
    return [n for n in notes if n.end < duration]


def synthesize(notes: list[DemoNote], *, sr: int, duration: float) -> np.ndarray:
    """Two-channel float32 audio (client, therapist) of the notes.

    Keyboard notes are decaying harmonic tones; drum notes are filtered noise
    bursts.  Level follows MIDI velocity (0 dBFS peak at velocity 127, before
    mixing).  A little room noise (-60 dBFS) keeps silence realistic.
    """
    rng = np.random.default_rng(11)
    n = int(duration * sr)
    out = rng.normal(0, 1e-3, size=(n, 2)).astype(np.float32)
    for note in notes:
        i0 = int(note.start * sr)
        length = int(min(note.end - note.start + 0.3, 1.5) * sr)
        if i0 >= n:
            continue
        length = min(length, n - i0)
        t = np.arange(length) / sr
        amp = 0.5 * (note.velocity / 127) ** 1.5
        if note.player == "client":
            f = 440.0 * 2 ** ((note.pitch - 69) / 12)
            tone = sum(np.sin(2 * np.pi * f * h * t) / h for h in (1, 2, 3))
            sig = amp * tone * np.exp(-t * 3.0) * np.minimum(1, t * 200)
            out[i0:i0 + length, 0] += sig.astype(np.float32)
        else:
            noise = rng.normal(0, 1, length)
            sig = amp * noise * np.exp(-t * 25.0)
            out[i0:i0 + length, 1] += sig.astype(np.float32)
    return np.clip(out, -1, 1)


def create_demo_session(store, *, duration: float = 90.0, sr: int = 48000) -> dict:
    """Write the demo duet into ``store`` through the session writer.

    Returns the new session's manifest.
    """
    from datetime import datetime, timezone

    notes = demo_notes(duration=duration)
    w = store.create_session(
        client=DEMO_CLIENT, therapist="DEMO-T", players=["client", "therapist"],
        title="Demo: synthetic duet", source="generated", demo=True,
        started=datetime.now(timezone.utc),
    )
    with _folder_gone_in_one_line(store, w.folder):
        return _write_demo(w, notes, sr=sr, duration=duration)


@contextlib.contextmanager
def _folder_gone_in_one_line(store, folder: Path) -> Iterator[None]:
    """Say in one line that the store (or session) folder was moved or removed while the demo
    was written into it, instead of the writer's error and the audio library's "System error."
    about the files that are no longer there: the writer's error is not logged then, and the
    failure that follows is replaced by :class:`StoreWriteError` naming the folder."""
    import logging

    from sessions.errors import StoreWriteError

    def writer_record(record: logging.LogRecord) -> bool:
        return folder.is_dir() or not record.getMessage().startswith("session writer stopped")

    writer_log = logging.getLogger("sessions.writer")
    writer_log.addFilter(writer_record)
    try:
        yield
    except Exception:
        if folder.is_dir():
            raise
        what = (f"the store folder {store.root}" if not store.root.is_dir()
                else f"the session folder {folder}")
        raise StoreWriteError(
            f"{what} was moved or removed while improv wrote the demo session in it; nothing "
            "more was written (if it was moved, the next improv command on its new place "
            "completes the session)") from None
    finally:
        writer_log.removeFilter(writer_record)


def _write_demo(w, notes: list[DemoNote], *, sr: int, duration: float) -> dict:
    """Write the demo's MIDI, audio and markers through the session writer ``w`` and finish
    the session."""
    w.add_midi_input("Demo Keyboard", player="client")
    w.add_midi_input("Demo Pads", player="therapist")
    audio = w.add_audio_input("room-mics", sr=sr, channels=2,
                              players={"client": [1], "therapist": [2]},
                              device={"name": "synthesised", "hostapi": "none"}, t0=0.0)
    events = []
    for note in notes:
        port = "Demo Keyboard" if note.player == "client" else "Demo Pads"
        events.append((note.start, note.player, port,
                       bytes([0x90 | note.channel, note.pitch, note.velocity])))
        events.append((note.end, note.player, port, bytes([0x80 | note.channel, note.pitch, 0])))
    events.sort(key=lambda e: e[0])
    for t, player, port, data in events:
        w.midi(t, player=player, port=port, data=data)
    # as a 16-bit interface would deliver it (so 'improv sessions compress' can store it as FLAC)
    y = (np.clip(np.round(synthesize(notes, sr=sr, duration=duration) * 2.0**15),
                 -(2**15), 2**15 - 1) / 2.0**15).astype(np.float32)
    block = 4096
    for i in range(0, len(y), block):
        audio.write(y[i:i + block].copy())
        if i % (sr * 5) < block:
            audio.anchor(frame=i, t=i / sr)
    # the markers of the parts that a shorter demo has (each inside the session)
    w.marker(1.0, text="demo: client calls, therapist answers", by="DEMO-T")
    if duration > 31.5:
        w.marker(31.5, text="demo: therapist starts a steady groove", by="DEMO-T")
    if duration > 62.0:
        w.marker(54.0, end=60.5, text="demo: shared silence", by="DEMO-T")
    return w.finalize(duration_s=duration)
