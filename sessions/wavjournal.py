"""A WAV file that is its own crash journal.

While recording, audio frames are appended as raw little-endian float32 after
a fixed 116-byte header.  The header's sizes are only written when the file
is closed, so after a crash or ``kill -9`` the file holds every flushed frame
and :func:`repair` makes it a valid WAV again from the file length alone: no
copying, O(1) at finalize and at recovery.

The header reserves a 28-byte ``JUNK`` chunk in the place of an RF64 ``ds64``
chunk (EBU Tech 3306), so a file that grows past 4 GiB is upgraded to RF64 in
place.  The format is ``WAVE_FORMAT_EXTENSIBLE`` with the IEEE-float
sub-format and a zero channel mask (channels are independent inputs, not
loudspeaker positions); soundfile/libsndfile, Audacity, Sonic Visualiser and
DAWs read it.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from sessions.errors import InvalidArgumentError, SessionFormatError
from sessions.fsutil import open_new, write_errors
from sessions.safeio import open_regular

HEADER_BYTES = 116
_SAMPLE_BYTES = 4
_KSDATAFORMAT_SUBTYPE_IEEE_FLOAT = bytes.fromhex("0300000000001000800000aa00389b71")
_MAX_32 = 0xFFFFFFFF


def _header(*, sr: int, channels: int, frames: int) -> bytes:
    data_bytes = frames * channels * _SAMPLE_BYTES
    block_align = channels * _SAMPLE_BYTES
    fmt = struct.pack(
        "<HHIIHHHHI16s",
        0xFFFE,  # WAVE_FORMAT_EXTENSIBLE
        channels,
        sr,
        sr * block_align,
        block_align,
        32,  # bits per sample (container)
        22,  # cbSize
        32,  # valid bits per sample
        0,  # channel mask: independent inputs
        _KSDATAFORMAT_SUBTYPE_IEEE_FLOAT,
    )
    riff_size = HEADER_BYTES - 8 + data_bytes
    if riff_size <= _MAX_32:
        head = b"RIFF" + struct.pack("<I", riff_size) + b"WAVE"
        ds64 = b"JUNK" + struct.pack("<I", 28) + bytes(28)
        fact = b"fact" + struct.pack("<II", 4, min(frames, _MAX_32))
        data = b"data" + struct.pack("<I", data_bytes)
    else:
        head = b"RF64" + struct.pack("<I", _MAX_32) + b"WAVE"
        ds64 = b"ds64" + struct.pack("<IQQQI", 28, riff_size, data_bytes, frames, 0)
        fact = b"fact" + struct.pack("<II", 4, _MAX_32)
        data = b"data" + struct.pack("<I", _MAX_32)
    out = head + ds64 + b"fmt " + struct.pack("<I", len(fmt)) + fmt + fact + data
    assert len(out) == HEADER_BYTES
    return out


class WavJournal:
    """Append float32 frames to a new WAV file; flush makes them durable.

    Parameters
    ----------
    path : Path
        The file to create (it must not exist).
    sr : int [Hz]
        Sample rate.
    channels : int
        Number of interleaved channels.

    Notes
    -----
    Not thread-safe: the session writer thread is its only user.
    """

    def __init__(self, path: Path, *, sr: int, channels: int) -> None:
        if not isinstance(sr, int) or sr <= 0:
            raise InvalidArgumentError(f"sr must be a positive int, got {sr!r}", parameter="sr")
        if not isinstance(channels, int) or channels <= 0:
            raise InvalidArgumentError(f"channels must be a positive int, got {channels!r}",
                                       parameter="channels")
        self.path = Path(path)
        self.sr = sr
        self.channels = channels
        self.frames = 0
        self._file = open_new(self.path, "xb")
        with write_errors(self.path):
            self._file.write(_header(sr=sr, channels=channels, frames=0))
        # the header on the disk at once: a process killed before its first flush left a
        # 0-byte file that recovery could not read (and the session's MIDI stranded with it)
        self.flush()

    def write(self, block: np.ndarray) -> int:
        """Append a block of shape (frames, channels) or (frames,) for mono.

        Returns the number of frames written.
        """
        a = np.asarray(block)
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2 or a.shape[1] != self.channels:
            raise InvalidArgumentError(
                f"block must have shape (frames, {self.channels}), got {a.shape}",
                parameter="block")
        a = np.ascontiguousarray(a, dtype="<f4")
        with write_errors(self.path):
            self._file.write(memoryview(a).cast("B"))
        self.frames += a.shape[0]
        return a.shape[0]

    def flush(self, *, fsync: bool = True) -> None:
        """Hand buffered frames to the OS (survives a process kill) and,
        with ``fsync``, to the disk (survives a power cut)."""
        with write_errors(self.path):
            self._file.flush()
            if fsync:
                os.fsync(self._file.fileno())

    def close(self) -> int:
        """Write the final header and close; returns the frame count."""
        if self._file.closed:
            return self.frames
        with write_errors(self.path):
            self._file.flush()
            self._file.seek(0)
            self._file.write(_header(sr=self.sr, channels=self.channels, frames=self.frames))
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        return self.frames


def read_journal_format(path: Path) -> tuple[int, int]:
    """Return ``(sr, channels)`` from a journal's header, checking that it is ours."""
    with open_regular(path, "rb") as f:
        head = f.read(HEADER_BYTES)
    if len(head) < HEADER_BYTES or head[8:12] != b"WAVE" or head[48:52] != b"fmt ":
        raise SessionFormatError(f"{path} is not an improv audio journal (bad header)")
    tag, channels, sr = struct.unpack("<HHI", head[56:64])
    if tag != 0xFFFE or channels == 0 or sr == 0:
        raise SessionFormatError(f"{path} is not an improv audio journal (bad fmt chunk)")
    return sr, channels


def repair(path: Path, *, sr: int | None = None, channels: int | None = None) -> dict:
    """Make an interrupted journal a valid WAV from its length alone.

    A trailing partial frame (a write cut by the crash) is truncated. A file cut inside its
    header (0 bytes: killed before the header reached the disk) holds no frame; with ``sr``
    and ``channels`` (the manifest's) it becomes an empty WAV instead of an error.

    Returns
    -------
    dict
        ``frames`` (recovered frames), ``truncated_bytes`` (bytes of a partial
        frame that were cut), ``sr``, ``channels``.
    """
    path = Path(path)
    size = os.lstat(path).st_size
    if size < HEADER_BYTES and sr and channels:  # cut inside its header: no frame to keep
        frames, keep = 0, 0
    else:
        sr, channels = read_journal_format(path)
        frames = max(0, size - HEADER_BYTES) // (channels * _SAMPLE_BYTES)
        keep = HEADER_BYTES + frames * channels * _SAMPLE_BYTES
    with write_errors(path):
        with open_regular(path, "r+b") as f:
            if keep < size:
                f.truncate(keep)
            f.seek(0)
            f.write(_header(sr=sr, channels=channels, frames=frames))
            f.flush()
            os.fsync(f.fileno())
    return {"frames": frames, "truncated_bytes": size - keep, "sr": sr, "channels": channels}
