import struct

import numpy as np
import pytest
import soundfile as sf

from sessions.errors import SessionFormatError
from sessions.wavjournal import HEADER_BYTES, WavJournal, _header, repair


def test_closed_journal_is_a_wav_that_soundfile_reads_exactly(tmp_path, rng):
    data = rng.uniform(-1, 1, size=(5000, 3)).astype(np.float32)
    j = WavJournal(tmp_path / "a.wav", sr=44100, channels=3)
    j.write(data[:1234])
    j.write(data[1234:])
    assert j.close() == 5000
    y, sr = sf.read(tmp_path / "a.wav", dtype="float32")
    assert sr == 44100
    np.testing.assert_array_equal(y, data)


def test_mono_blocks_accepted_and_wrong_shape_rejected(tmp_path):
    j = WavJournal(tmp_path / "m.wav", sr=8000, channels=1)
    j.write(np.zeros(10, np.float32))
    with pytest.raises(ValueError, match=r"shape \(frames, 1\)"):
        j.write(np.zeros((10, 2), np.float32))
    j.close()


def test_repair_after_crash_keeps_every_whole_frame(tmp_path, rng):
    data = rng.uniform(-1, 1, size=(1000, 2)).astype(np.float32)
    path = tmp_path / "c.wav"
    j = WavJournal(path, sr=48000, channels=2)
    j.write(data)
    j.flush()
    # simulate a crash: the header still says 0 frames, and a write was cut mid-frame
    with open(path, "ab") as f:
        f.write(b"\x01\x02\x03")
    j._file.close()
    info = repair(path)
    assert info["frames"] == 1000 and info["truncated_bytes"] == 3
    y, _ = sf.read(path, dtype="float32")
    np.testing.assert_array_equal(y, data)


def test_header_switches_to_rf64_past_4_gib():
    frames = (1 << 32) // 8 + 10  # stereo float32: just over 4 GiB of data
    h = _header(sr=48000, channels=2, frames=frames)
    assert len(h) == HEADER_BYTES
    assert h[:4] == b"RF64" and h[12:16] == b"ds64"
    riff, data, count = struct.unpack("<QQQ", h[20:44])
    assert data == frames * 8 and count == frames and riff == HEADER_BYTES - 8 + data
    small = _header(sr=48000, channels=2, frames=10)
    assert small[:4] == b"RIFF" and small[12:16] == b"JUNK"


def test_repair_rejects_a_foreign_file(tmp_path):
    p = tmp_path / "x.wav"
    p.write_bytes(b"not a wav at all" * 10)
    with pytest.raises(SessionFormatError, match="not an improv audio journal"):
        repair(p)
