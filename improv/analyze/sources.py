"""What an analysis reads of a session: each player's MIDI notes, the audio of each input in
blocks on the session clock, and times corrected for an input's measured clock drift.

Audio is put on the session clock before it is analysed: ``t0`` seconds of silence are
prepended (or, for a negative ``t0``, the first ``-t0`` seconds are skipped); onsets are then
corrected for the measured drift (``t = t0 + (τ - t0) / (1 + drift_ppm·10⁻⁶)``, see
docs/session-format.md).
"""

from __future__ import annotations

import contextlib
import math
from typing import Iterator

import numpy as np

#: Frames read from an audio file at a time (1.4 s at 48 kHz: about 0.5 MB per stereo block).
BLOCK_FRAMES = 1 << 16


def midi_notes(session, player: str, events=None):
    """The notes of all MIDI ports of ``player`` (each port paired on its own, then merged).

    ``events`` are the session's MIDI events (all players; read here if None). The notes of a
    port the session marks as a drum kit (``percussion`` in ``midi.ports``,
    :func:`sessions.manifest.percussion_ports`) are drums on every channel
    (:attr:`analysis.NoteTable.drum`). A note still sounding when its port was lost for a
    while (``midi_gap``, :func:`port_gaps`) ends there; one still sounding at the end of the
    recording ends there.
    """
    from analysis import NoteTable, notes_from_events
    from sessions.manifest import percussion_ports

    ev = (session.midi_events() if events is None else events).select(players=[player])
    if len(ev) == 0:
        return NoteTable.empty()
    kits = {port for who, port in percussion_ports(session.manifest) if who == player}
    end = max(session.duration_s, float(np.max(ev.t)))
    lost = port_gaps(session.manifest, player)
    cols: list[list[np.ndarray]] = [[], [], [], [], [], []]
    for port in dict.fromkeys(ev.port.tolist()):
        sel = np.flatnonzero(ev.port == port)
        sel = sel[np.argsort(ev.t[sel], kind="stable")]
        nt = notes_from_events(ev.t[sel], ev.status[sel], ev.data1[sel], ev.data2[sel],
                               end_time=end, gaps=lost.get(port, ()))
        for i, c in enumerate((nt.start, nt.end, nt.pitch, nt.velocity, nt.channel,
                               np.full(len(nt), port in kits))):
            cols[i].append(c)
    return NoteTable.from_arrays(*(np.concatenate(c) for c in cols))


def port_gaps(manifest: dict, player: str) -> dict[str, list[tuple[float, float]]]:
    """The stretches [seconds of session time] each MIDI port of ``player`` did not record
    (the session's ``midi_gap`` events: the device was lost for a while, or to the end),
    by port name."""
    out: dict[str, list[tuple[float, float]]] = {}
    for e in manifest.get("events", []):
        if e.get("kind") == "midi_gap" and e.get("player") == player:
            out.setdefault(str(e.get("port")), []).append((float(e["t"]), float(e["end"])))
    return out


def session_blocks(inp, session, *, duration: float) -> Iterator[np.ndarray]:
    """Blocks (all channels) of an input on the session clock: padded or trimmed by ``t0``,
    stopped at ``duration``."""
    shift = int(round(inp.t0 * inp.sr))  # > 0: prepend silence; < 0: skip frames
    limit = int(math.ceil(duration * inp.sr)) + 1  # frames wanted on the session clock
    done = 0
    pad = max(0, shift)
    while pad > 0 and done < limit:
        n = min(pad, BLOCK_FRAMES, limit - done)
        yield np.zeros((n, inp.channels), np.float32)
        pad -= n
        done += n
    skip = max(0, -shift)
    for block in session.audio_blocks(inp.name, blocksize=BLOCK_FRAMES):
        if done >= limit:
            break
        if skip:
            k = min(skip, len(block))
            block = block[k:]
            skip -= k
            if not len(block):
                continue
        block = block[: limit - done]
        done += len(block)
        yield block


def drift_corrected(t: np.ndarray, inp) -> np.ndarray:
    d = inp.drift_ppm or 0.0
    if not d:
        return t
    return inp.t0 + (t - inp.t0) / (1.0 + d * 1e-6)


def on_input_clock(t: np.ndarray, inp) -> np.ndarray:
    """Session-clock times ``t`` [seconds] on the clock an audio input's analysis runs on: the
    inverse of :func:`drift_corrected` (``τ = t0 + (t - t0)·(1 + drift_ppm·10⁻⁶)``)."""
    d = inp.drift_ppm or 0.0
    t = np.asarray(t, dtype=np.float64)
    return t if not d else inp.t0 + (t - inp.t0) * (1.0 + d * 1e-6)


def heard_notes(midi, inp):
    """What a player's MIDI analysis (:class:`analysis.PlayerAnalysis`, or None) tells the
    analysis of the player's audio input ``inp``: its note onsets on the input's clock and its
    tempo where its pulse is clear (:meth:`analysis.HeardNotes.from_midi`; else None)."""
    from analysis import HeardNotes

    return HeardNotes.from_midi(midi, clock=lambda t: on_input_clock(t, inp))


def _rounded(x, digits: int) -> np.ndarray:
    """``[round(float(v), digits) for v in x]`` as a float64 array (Python's correctly rounded
    ``round``, not ``np.round``: the cache holds the same numbers as before)."""
    return np.array([round(v, digits) for v in np.asarray(x, dtype=np.float64).tolist()],
                    dtype=np.float64)


def _shared(times: np.ndarray, seen: list[np.ndarray]) -> np.ndarray:
    """``times``, or an equal array of ``seen`` (one object for the curves on the same
    windows: its list is made once by :func:`improv.analyze.as_lists` and shared)."""
    for t in seen:
        if t.shape == times.shape and np.array_equal(t, times):
            return t
    seen.append(times)
    return times


def result_dict(pa, *, inp=None) -> dict:
    """The JSON form of a source's analysis (:meth:`analysis.PlayerAnalysis.to_dict`), its long
    number series kept as float64 arrays (8 bytes a number, not a Python float's 32; NaN where
    the JSON has null) until they are written (:func:`improv.analyze.cache.write_cache`) or
    returned (:func:`improv.analyze.as_lists`). For an audio input ``inp``, every time (onsets,
    curves, crescendi) on the session clock, corrected for the input's measured drift (the
    analysis ran on the input's own sample clock). Curves on the same windows share one
    ``times`` array (and, once returned, one list: read them, do not change them in place)."""
    seen: list[np.ndarray] = []
    curves = {k: {"times": _shared(_rounded(t, 6), seen), "values": np.array(v, np.float64)}
              for k, (t, v) in pa.curves.items()}
    d = {"kind": pa.kind, "summary": dict(pa.summary), "curves": curves,
         "changes": [c.to_dict() for c in pa.changes],
         "beats": _rounded(pa.beats, 4)}
    if inp is None:
        return d
    onsets = drift_corrected(pa.onsets, inp)
    d["onsets"] = _rounded(onsets, 6)
    d["beats"] = _rounded(drift_corrected(np.asarray(pa.beats, float), inp), 4)
    if pa.onset_levels is not None and len(pa.onset_levels) == len(onsets):
        levels = np.asarray(pa.onset_levels, dtype=np.float64)
        ok = np.isfinite(levels)
        levels[ok] = _rounded(levels[ok], 2)
        d["onset_levels_dbfs"] = levels
    if pa.onset_ends is not None and len(pa.onset_ends) == len(onsets):
        # when each onset's sound ends (analysis 1.24.0), on the session clock as the onsets
        d["onset_ends_s"] = np.maximum(
            _rounded(drift_corrected(np.asarray(pa.onset_ends, float), inp), 6), d["onsets"])
    if inp.drift_ppm:
        seen, done = [], {}
        for c in d["curves"].values():
            t = c["times"]
            if id(t) not in done:
                done[id(t)] = _shared(_rounded(drift_corrected(t, inp), 6), seen)
            c["times"] = done[id(t)]
        for ch in d["changes"]:
            for k in ("start", "end"):
                ch[k] = float(drift_corrected(np.asarray(ch[k], float), inp))
    return d


def recorded_span(session, player: str) -> tuple[float, float] | None:
    """When ``player`` is recorded [seconds of session time]: None (the whole session) for a
    player with a MIDI input, else from the first of their audio inputs starting (``t0``) to
    the last ending (as :func:`improv.reports.summary_text.recorded_spans`)."""
    if player in session.midi_players():
        return None
    spans = [(inp.t0, float(drift_corrected(np.float64(inp.t0 + inp.duration_s), inp)))
             for inp, _ in session.player_audio(player)]
    return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None


def source_gaps(session, player: str, source: str | None) -> tuple[tuple[float, float], ...]:
    """Stretches [seconds of session time] in which ``player``'s ``source`` (``"midi"``,
    ``"audio"`` or ``"audio:NAME"``, as the analysis names them) recorded nothing: a MIDI
    device of the player lost for a while (``midi_gap``), an audio source lost
    (``source_gap``) and the dropouts the recorder filled with silence (the input's
    ``gaps``), as :meth:`sessions.session.Session.not_recorded` lists them."""
    m = session.manifest
    if source == "midi":
        return tuple((float(e["t"]), float(e["end"])) for e in m.get("events", [])
                     if e.get("kind") == "midi_gap" and e.get("player") == player)
    if source is None or not source.startswith("audio"):
        return ()
    inputs = [inp for inp, _ in session.player_audio(player)]
    if source != "audio":
        inputs = [inp for inp in inputs if f"audio:{inp.name}" == source]
    names = {inp.name for inp in inputs}
    out = [(float(e["t"]), float(e["end"])) for e in m.get("events", [])
           if e.get("kind") == "source_gap" and e.get("name") in names]
    for a in m.get("audio", []):
        if a["name"] in names:
            out += [(float(g["t"]), float(g["t"]) + g["frames"] / float(a["sr"]))
                    for g in a.get("gaps", [])]
    return tuple(out)


def player_gaps(session, player: str) -> tuple[tuple[float, float], ...]:
    """The stretches [seconds of session time] in which ``player``'s inputs recorded nothing,
    as the player's analysis and dialogue take them (:func:`source_gaps`): those of their MIDI
    input for a player with one, else those of their audio inputs."""
    source = "midi" if player in session.midi_players() else "audio"
    return tuple(sorted(source_gaps(session, player, source)))


def input_recorded(session, player: str, source: str, inp
                   ) -> tuple[tuple[float, float], tuple[tuple[float, float], ...]]:
    """When the audio input ``inp`` recorded ``player``'s ``source``, on the clock its analysis
    runs on (the input's own, :func:`on_input_clock`): the span of the file as
    :func:`session_blocks` places it (from ``t0`` for ``frames / sr`` seconds) and the stretches
    inside it that it did not record (:func:`source_gaps`), for
    :meth:`analysis.AudioAnalyzer.finish`."""
    gaps = tuple((float(a), float(b)) for a, b in
                 (on_input_clock(np.array(g, dtype=np.float64), inp)
                  for g in source_gaps(session, player, source)))
    return (float(inp.t0), float(inp.t0) + inp.duration_s), gaps


def player_events(session, player: str, entry: dict, events):
    """Dialogue input of a player: MIDI notes if it played any, else audio onsets; with the
    time the player is recorded (:func:`recorded_span`) and the stretches inside it that its
    source did not record (:func:`source_gaps`)."""
    from analysis.dialogue import PlayerEvents

    span = recorded_span(session, player)
    if "midi" in entry["sources"]:
        notes = midi_notes(session, player, events)
        if len(notes):
            return PlayerEvents.from_notes(notes, gaps=source_gaps(session, player, "midi")), \
                "midi"
    for source, res in entry["sources"].items():
        if source.startswith("audio") and res.get("onsets") is not None and len(res["onsets"]):
            onsets = np.asarray(res["onsets"], dtype=np.float64)
            gaps = source_gaps(session, player, source)
            levels = res.get("onset_levels_dbfs")  # the dynamics of an audio player
            levels = (np.asarray(levels, dtype=np.float64)
                      if levels is not None and len(levels) == len(onsets) else None)
            # how long each sound lasts (analysis 1.24.0): a held tone is playing, as in the
            # player's silences; a result without them holds each onset NOTE_HOLD
            ends = res.get("onset_ends_s")
            ends = (np.maximum(np.asarray(ends, dtype=np.float64), onsets)
                    if ends is not None and len(ends) == len(onsets) else None)
            return PlayerEvents(onsets, offsets=ends, levels=levels, recorded=span,
                                gaps=gaps), source
    if "midi" in entry["sources"]:
        return PlayerEvents.empty(gaps=source_gaps(session, player, "midi")), "midi"
    sources = [s for s in entry["sources"] if s.startswith("audio")]
    chosen = sources[0] if sources else None
    return PlayerEvents.empty(recorded=span, gaps=source_gaps(session, player, chosen)), chosen


def refuse_changed(session, files: list[str]) -> None:
    """Refuse to analyse recorded files that no longer match their checksums: the results
    would not be the session's, and the cache and catalog would keep them as if they were."""
    from sessions.errors import SessionFormatError

    changed = session.changed_files(files)
    if changed:
        raise SessionFormatError(
            f"{', '.join(changed)} of session {session.id} does not match its checksum (the "
            f"file changed or is damaged); nothing was analysed: see "
            f"'improv sessions verify {session.id}'")


def damaged_files(session) -> list[str]:
    """The session's recorded files (paths relative to its folder) that are missing or do not
    match their checksums, checked cheaply enough for every session of every run.

    ``midi.tsv`` (a few MB at most) is checked against its checksum every time, as
    ``improv analyze`` does; an audio file (hours of it would take minutes to read) must exist,
    and is checked against its checksum only when it changed after the manifest was last
    written (its modification time is newer: a file damaged or replaced since). Compressing
    (WAV to FLAC) writes the manifest after the new file, so a compressed session is not
    read again. A file this process read before is read again only when its size, times or
    inode changed since (:func:`improv.analyze.checked.file_sha256`: a client's web page
    checks all its sessions on every load). ``improv sessions verify`` checks every file in
    full.
    """
    from improv.analyze.checked import file_sha256
    from sessions.manifest import MANIFEST, MIDI_LOG

    check = [MIDI_LOG]  # a missing one too, where the manifest has its checksum (review 33)
    try:
        written = (session.folder / MANIFEST).stat().st_mtime
    except OSError:
        written = float("inf")
    sums = session.manifest.get("checksums") or {}
    for a in session.manifest.get("audio", []):
        rel = a.get("file")
        if not rel or rel not in sums:
            continue
        try:
            if (session.folder / rel).stat().st_mtime > written:
                check.append(rel)
        except OSError:  # missing: named below
            check.append(rel)
    return [rel for rel in check
            if sums.get(rel) and file_sha256(session.folder / rel) != sums[rel]]


def damaged_reason(session, files: list[str]) -> str:
    """One line: which files of the session are missing or do not match their checksums,
    what to run."""
    gone = [f for f in files if not (session.folder / f).is_file()]
    changed = [f for f in files if f not in gone]
    said = []
    if changed:
        said.append(f"{', '.join(changed)} of session {session.id} does not match its checksum "
                    "(the file changed or is damaged)")
    if gone:
        said.append(f"{', '.join(gone)} of session {session.id} "
                    f"{'is' if len(gone) == 1 else 'are'} missing (moved or deleted)")
    return f"{'; '.join(said)}: see 'improv sessions verify {session.id}'"


@contextlib.contextmanager
def recordings_kept(store, session_id: str) -> Iterator[None]:
    """Hold the session's ``audio/`` folder shared (see :func:`sessions.locks.folder_lock`):
    ``compress`` holds it exclusively while it replaces WAVs by FLACs, so an analysis never
    reads a manifest that names a WAV compress has just removed (it failed with "cannot be
    read" or a checksum mismatch)."""
    from sessions.locks import folder_lock
    from sessions.manifest import AUDIO_DIR

    audio = store.folder(session_id) / AUDIO_DIR
    if not audio.is_dir():
        yield
        return
    with folder_lock(audio, shared=True):
        yield
