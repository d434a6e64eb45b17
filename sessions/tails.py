"""Reading what a recording has stored so far: the MIDI log's new lines and an audio journal's
last frames, while the session writer is still appending to them.

Both readers only read (``rb``), never lock, and take only complete units: lines that end in
a newline, frames whose every channel is on the disk. They serve the live measures
(:mod:`improv.analyze.live`); the writer thread and the capture callbacks never wait for them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from sessions.midilog import HEADER, MidiEvents
from sessions.wavjournal import HEADER_BYTES, read_journal_format

_SAMPLE_BYTES = 4


class MidiLogTail:
    """The lines appended to a MIDI log since the last read.

    Parameters
    ----------
    path : Path
        ``midi.tsv`` of a session being recorded (it may not exist yet).

    Notes
    -----
    A line that is cut short (the writer's buffer was flushed mid-line) is kept back until its
    newline arrives. Malformed lines are skipped: a live view must not stop the recording.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.offset = 0

    def read_new(self) -> MidiEvents:
        """The complete lines written since the previous call, as columnar events."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                blob = f.read()
        except FileNotFoundError:
            return MidiEvents.empty()
        cut = blob.rfind(b"\n") + 1
        if cut == 0:
            return MidiEvents.empty()
        start = self.offset
        self.offset += cut
        text = blob[:cut].decode("utf-8", errors="replace")
        if start == 0 and text.startswith(HEADER):
            text = text[len(HEADER):]
        rows = []
        for line in text.split("\n")[:-1]:
            parts = line.split("\t")
            try:
                rows.append((float(parts[0]), parts[1], parts[2], None, bytes.fromhex(parts[4])))
            except (ValueError, IndexError):
                continue
        return MidiEvents.from_rows([r for r in rows if r[4]])


def read_journal_tail(path: Path, *, frames: int) -> tuple[np.ndarray, int, int]:
    """The last ``frames`` complete frames of an audio journal being written.

    Parameters
    ----------
    path : Path
        ``audio/<input>.wav`` of a session being recorded.
    frames : int
        How many frames to return at most.

    Returns
    -------
    y : np.ndarray [shape=(k, channels), float32]
        The frames (fewer at the start of a recording).
    total : int
        Frames in the journal so far (the index after the last one returned).
    sr : int [Hz]

    Raises
    ------
    sessions.errors.SessionFormatError
        If the file is not an improv audio journal.
    """
    path = Path(path)
    sr, channels = read_journal_format(path)
    frame_bytes = channels * _SAMPLE_BYTES
    total = max(0, (os.path.getsize(path) - HEADER_BYTES) // frame_bytes)
    k = min(int(frames), total)
    if k <= 0:
        return np.zeros((0, channels), np.float32), total, sr
    with open(path, "rb") as f:
        f.seek(HEADER_BYTES + (total - k) * frame_bytes)
        data = f.read(k * frame_bytes)
    y = np.frombuffer(data, dtype="<f4", count=len(data) // _SAMPLE_BYTES)
    return y.reshape(-1, channels).astype(np.float32), total, sr
