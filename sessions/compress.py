"""Lossless FLAC for a session's audio (``improv sessions compress``).

The recorder writes 32-bit float WAV (crash-safe journals, no rounding in the callback): two
channels at 48 kHz take 1.4 GB an hour.  Most of it came from an interface's 16- or 24-bit
converter, so every sample is an integer step of that depth, and FLAC keeps it exactly in about
half the space or less.  A file is compressed only when that is so:

1. every sample is checked to be ``k / 2**(bits - 1)`` for an integer ``k`` in the depth's range,
   for ``bits`` 16, else 24 (:func:`exact_depth`); float audio that is not (a JACK client's own
   signal, software gain, resampling) is kept as WAV, with the reason;
2. the FLAC is written next to the WAV under a temporary name, read back and compared with the
   WAV sample by sample (as the float32 every reader of the session gets), and synced;
3. it takes its final name, the manifest (``file``, ``subtype``, the checksums, a ``compressed``
   note with the former file and the time) is replaced atomically, and only then is the WAV
   removed.

A crash at any point leaves a session whose manifest names a complete, checked file: the WAV
until step 3's manifest write, the FLAC after it (a WAV left over then is removed by the next
run, after its FLAC is checked against the manifest's checksum).  Manifest updates take the
session's manifest lock (a ``flock`` on the session folder), so an annotation saved meanwhile
(which updates the SMF checksum) is not lost; a whole run holds a lock on the session's
``audio/`` folder, so a second run waits and then finds the FLACs in place.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from sessions import manifest as mf
from sessions.errors import SessionFormatError, UnknownSessionError
from sessions.fsutil import (
    atomic_write_json,
    fsync_dir,
    open_new,
    read_json,
    sha256_file,
    write_failure,
)
from sessions.locks import folder_lock, manifest_lock
from sessions.safeio import open_regular

__all__ = ["DEPTHS", "InputResult", "exact_depth", "compress_session"]

#: Integer depths [bits] tried, smallest first.
DEPTHS = (16, 24)
#: Frames per block when reading and writing (about 2.7 s at 48 kHz).
BLOCK_FRAMES = 1 << 17


@dataclass(frozen=True)
class InputResult:
    """What :func:`compress_session` did with one audio input.

    Attributes
    ----------
    name : str
    status : str — ``compressed``, ``kept`` (left as it was, see ``reason``) or ``flac``
        (already FLAC)
    reason : str — why it was kept ('' otherwise)
    bits : int or None — the FLAC's depth
    bytes_before, bytes_after : int — file sizes [bytes]
    """

    name: str
    status: str
    reason: str = ""
    bits: int | None = None
    bytes_before: int = 0
    bytes_after: int = 0


def _blocks(path: Path) -> Iterator[np.ndarray]:
    import soundfile as sf

    with sf.SoundFile(str(path)) as f:
        while True:
            block = f.read(BLOCK_FRAMES, dtype="float32", always_2d=True)
            if not len(block):
                return
            yield block


def exact_depth(path: Path) -> int | None:
    """The smallest depth in :data:`DEPTHS` at which every sample of ``path`` is exact.

    Parameters
    ----------
    path : Path — an audio file (read as float32, as the session's readers do)

    Returns
    -------
    int or None
        16 or 24 [bits]; None if some sample is no integer step of 24 bits (or out of range).
    """
    ok = {bits: True for bits in DEPTHS}
    for block in _blocks(path):
        x = block.astype(np.float64)
        for bits in DEPTHS:
            if ok[bits]:
                k = x * 2.0 ** (bits - 1)
                ok[bits] = bool(np.all(k == np.round(k)) and k.min() >= -(2 ** (bits - 1))
                                and k.max() <= 2 ** (bits - 1) - 1)
        if not any(ok.values()):
            return None
    return next((bits for bits in DEPTHS if ok[bits]), None)


def _write_flac(src: Path, dst: Path, *, bits: int, sr: int, channels: int) -> None:
    """Write ``src`` (exact at ``bits``) to ``dst`` as FLAC through integers, then sync it."""
    import soundfile as sf

    shift = 32 - bits  # int32 full scale: libsndfile keeps the top ``bits`` bits
    with open_new(dst, "wb"):  # owner-only, like every file of the store
        pass
    # libsndfile writes the file by its name: a Python file object made it call back into
    # Python, where a full disk became an unraisable OSError printed as a traceback
    try:
        with sf.SoundFile(str(dst), "w", samplerate=sr, channels=channels, format="FLAC",
                          subtype=f"PCM_{bits}") as out:
            for block in _blocks(src):
                k = np.round(block.astype(np.float64) * 2.0 ** (bits - 1)).astype(np.int64)
                out.write((k << shift).astype(np.int32))
    except RuntimeError as exc:  # LibsndfileError
        raise write_failure(dst, exc) from None
    with open_regular(dst, "rb") as f:
        os.fsync(f.fileno())


def _same_samples(a: Path, b: Path) -> bool:
    """Whether two audio files hold the same float32 samples, frame for frame."""
    it_a, it_b = _blocks(a), _blocks(b)
    for x in it_a:
        y = next(it_b, None)
        if y is None or x.shape != y.shape or not np.array_equal(x, y):
            return False
    return next(it_b, None) is None


def _leftovers(folder: Path, manifest: dict[str, Any]) -> None:
    """Remove what an interrupted run left: partial FLACs, FLACs the manifest does not name yet
    (their WAV is still the session's), and WAVs whose FLAC is in place."""
    audio_dir = folder / mf.AUDIO_DIR
    for partial in audio_dir.glob(".*.flac.partial"):
        partial.unlink()
    sums = manifest.get("checksums") or {}
    for a in manifest["audio"]:
        # a FLAC beside the WAV the manifest still names: a run stopped before its manifest
        stray = (folder / a["file"]).with_suffix(".flac")
        if a["file"].endswith(".wav") and stray.is_file():
            stray.unlink()
        done = a.get("compressed") or {}
        wav = folder / done.get("from", "")
        if done and wav.is_file() and wav.suffix == ".wav" and a["file"] != done["from"]:
            flac = folder / a["file"]
            if flac.is_file() and sha256_file(flac) == sums.get(a["file"]):
                wav.unlink()
    fsync_dir(audio_dir)


def remove_partials(folder: Path) -> list[str]:
    """Remove the partial FLACs (``audio/.NAME.flac.partial``) that a killed compression run
    left in a session folder, unless a run holds the ``audio/`` folder now (its partial is
    being written: nothing is removed then).

    Parameters
    ----------
    folder : Path
        A session folder.

    Returns
    -------
    list of str
        The removed files, relative to ``folder`` (``audio/.NAME.flac.partial``).
    """
    from sessions.locks import all_free

    audio_dir = Path(folder) / mf.AUDIO_DIR
    if audio_dir.is_symlink() or not audio_dir.is_dir():
        return []
    removed = []
    with all_free([audio_dir]) as free:
        if not free:  # a compression runs: its partial is not left over
            return []
        for partial in sorted(audio_dir.glob(".*.flac.partial")):
            if partial.is_file() and not partial.is_symlink():
                partial.unlink()
                removed.append(f"{mf.AUDIO_DIR}/{partial.name}")
        if removed:
            fsync_dir(audio_dir)
    return removed


def compress_session(store, session_id: str, *, dry_run: bool = False) -> list[InputResult]:
    """Compress a complete session's WAV audio to FLAC where that is lossless.

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    dry_run : bool
        Only check which inputs would be compressed (``status`` ``compressed`` then means
        "would be"; sizes after are 0).

    Returns
    -------
    list of InputResult
        One per audio input, in manifest order.

    Raises
    ------
    UnknownSessionError, SessionBusyError
        No such session, or it is being recorded.
    SessionFormatError
        A file does not match its checksum (run ``improv sessions verify``): nothing is
        changed then.
    """
    if not dry_run:
        store.require_writable()
    session = store.session(session_id)  # complete sessions only
    folder = session.folder
    if not session.manifest["audio"]:
        return []
    if dry_run:
        return [_kept(entry, size, bits, kind)
                or InputResult(entry["name"], "compressed", bits=bits, bytes_before=size)
                for entry, size, bits, kind in _plan(session)]
    with folder_lock(folder / mf.AUDIO_DIR):  # one run at a time: the next plans from its result
        if not folder.is_dir():  # a deletion held the lock first (sessions.store.Store.delete)
            raise UnknownSessionError(f"session {session_id} was deleted while the compression "
                                      "waited for it; nothing was compressed")
        plan = _plan(store.session(session_id))  # the manifest as it is now
        with manifest_lock(folder):
            _leftovers(folder, read_json(folder / mf.MANIFEST))
        results = [_kept(entry, size, bits, kind)
                   or _compress_input(folder, entry, bits=bits, size=size)
                   for entry, size, bits, kind in plan]
    if any(r.status == "compressed" for r in results):
        store._index(read_json(folder / mf.MANIFEST))
    return results


def _plan(session) -> list[tuple[dict[str, Any], int, int | None, str]]:
    """Per audio input: its manifest entry, its size [bytes], its exact depth and its kind
    (``wav``, ``flac``, ``other``). Every WAV's checksum is checked first (reading only), so
    that a damaged file stops the run before anything changed."""
    folder = session.folder
    sums = session.manifest.get("checksums") or {}
    plan = []
    for entry in session.manifest["audio"]:
        path = folder / entry["file"]
        size = path.stat().st_size if path.is_file() else 0
        suffix = path.suffix.lower()
        if suffix != ".wav":
            plan.append((entry, size, None, "flac" if suffix == ".flac" else "other"))
            continue
        expected = sums.get(entry["file"])
        if expected is not None and sha256_file(path) != expected:
            raise SessionFormatError(
                f"{entry['file']} of session {session.id} does not match its checksum; nothing "
                "was compressed (run 'improv sessions verify')")
        if not int(entry.get("frames") or 0):  # a header only (a recording stopped at once)
            plan.append((entry, size, None, "empty"))
            continue
        plan.append((entry, size, exact_depth(path), "wav"))
    return plan


def _kept(entry: dict[str, Any], size: int, bits: int | None, kind: str) -> InputResult | None:
    """The result for an input that is left as it is; None for a WAV to compress."""
    name = entry["name"]
    if kind == "flac":
        return InputResult(name, "flac", bytes_before=size, bytes_after=size)
    if kind == "other":
        return InputResult(name, "kept", f"{Path(entry['file']).suffix} is not WAV",
                           bytes_before=size, bytes_after=size)
    if kind == "empty":
        return InputResult(name, "kept", "it holds no audio (a header only)",
                           bytes_before=size, bytes_after=size)
    if bits is None:
        return InputResult(name, "kept", "its float samples are not exact in 24 bits (a signal "
                           "made or processed in software); FLAC would round them",
                           bytes_before=size, bytes_after=size)
    return None


def _compress_input(folder: Path, entry: dict[str, Any], *, bits: int,
                    size: int) -> InputResult:
    """Compress one planned WAV (``entry`` from the manifest read under the run's lock)."""
    name = entry["name"]
    wav = folder / entry["file"]
    rel = str(Path(entry["file"]).with_suffix(".flac"))
    flac = folder / rel
    partial = flac.with_name(f".{flac.name}.partial")
    try:
        _write_flac(wav, partial, bits=bits, sr=int(entry["sr"]),
                    channels=int(entry["channels"]))
        if not _same_samples(wav, partial):  # never expected: then keep the WAV
            partial.unlink()
            return InputResult(name, "kept", "the FLAC read back differs from the WAV",
                               bytes_before=size, bytes_after=size)
        os.replace(partial, flac)
        fsync_dir(flac.parent)
    except RuntimeError as exc:  # libsndfile (the file went away, the disk failed)
        partial.unlink(missing_ok=True)
        raise SessionFormatError(
            f"{entry['file']} of session {folder.name} could not be compressed ({exc}); it is "
            "left as it was (see 'improv sessions verify')") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    from sessions.annotation_log import utc_now

    digest = sha256_file(flac)
    with manifest_lock(folder):
        manifest = read_json(folder / mf.MANIFEST)  # as it is now (annotations may have moved)
        entry = next(a for a in manifest["audio"] if a["name"] == name)
        old = entry["file"]
        sums = manifest.setdefault("checksums", {})
        # the WAV's checksum stays with the note: the samples are the same (checked above), so
        # the analysis keyed on them stays current (improv.analyze.cache.data_checksums)
        entry.update(file=rel, subtype=f"PCM_{bits}",
                     compressed={"from": old, "utc": utc_now(), "bits": bits,
                                 **({"sha256_from": sums[old]} if sums.get(old) else {})})
        sums.pop(old, None)
        sums[rel] = digest
        try:
            atomic_write_json(folder / mf.MANIFEST, manifest)
        except BaseException:  # the manifest still names the WAV: the FLAC is not the session's
            flac.unlink(missing_ok=True)
            raise
        wav.unlink()
        fsync_dir(wav.parent)
    return InputResult(name, "compressed", bits=bits, bytes_before=size,
                       bytes_after=flac.stat().st_size)


def to_dict(results: list[InputResult]) -> list[dict[str, Any]]:
    return [asdict(r) for r in results]
