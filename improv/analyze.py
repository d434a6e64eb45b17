"""Analysing stored sessions: the store in, feature summaries and curves out.

This is the library behind ``improv analyze``. It reads a session through
:mod:`sessions`, feeds :mod:`analysis` (which is pure), caches the results in the session's
``cache/`` folder and puts the summaries into the catalog for cross-session queries.

What is analysed
----------------
Every player gets one result per *source*:

- ``midi``: the notes of all the player's MIDI ports (paired per port, then merged);
- ``audio``: the player's channel(s) of an audio input. Several channels of one player in one
  input (a stereo pair) are **averaged** into one signal, as :class:`analysis.AudioAnalyzer`
  does for ``(n, channels)`` blocks: they are one instrument heard through several
  microphones, and averaging keeps one curve per player. A player on several audio inputs
  gets one source per input, named ``audio:<input>``.

Each audio file is read **once**, in blocks of :data:`BLOCK_FRAMES` frames, and every block
feeds the analysers of all the players on that file, so memory does not grow with the length
of the session. Audio is put on the session clock before it is analysed: ``t0`` seconds of
silence are prepended (or, for a negative ``t0``, the first ``-t0`` seconds are skipped), so
audio windows lie on the same grid as MIDI windows; onsets are then corrected for the measured
clock drift (``t = t0 + (τ - t0) / (1 + drift_ppm·10⁻⁶)``, see docs/session-format.md).

A player with no input gets no sources and ``status == "no input"``; silence, empty players
and sessions shorter than one window come back with the status that :mod:`analysis` gives
(``silent``, ``empty``, ``too short``), never as an exception.

Cache
-----
Results are cached as JSON in ``<session>/cache/analysis-<key>.json`` (players) and
``<session>/cache/dialogue-<key>.json`` (pairs). The key is the SHA-256 (first 16 hex
digits) of the analysis version, window, hop, the player (or the pair), the checksums of the
session's recorded data (audio files and ``midi.tsv``; ``session.mid`` is left out because it
is rewritten whenever annotations change) and each audio input's ``t0`` and drift. A changed
recording, version or parameter gives a new key; old cache files stay until the folder is
emptied (it is disposable).

Catalog
-------
Per player one ``features`` row set: ``status`` plus each source's summary with the source as
prefix (``midi.tempo_bpm``, ``audio.level_dbfs_mean``). Dialogue summaries go in under the
player name ``"a|b"`` (e.g. ``client|therapist``), unprefixed. Only analyses with the default
window and hop go into the catalog: it is what sessions are compared by, so every row in it has
the same parameters; its ``analysis_key`` tells whether a row is of the current version
(:func:`default_keys`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from sessions.annotate import SUGGESTION_AUTHOR
from sessions.manifest import MIDI_LOG

log = logging.getLogger(__name__)

__all__ = [
    "BLOCK_FRAMES",
    "CACHE_FORMAT",
    "ROLE_TAGS",
    "analyze_session",
    "accept_roles",
    "compute_session",
    "store_analysis",
    "cache_key",
    "check_parameters",
    "role_runs",
]

#: Frames read from an audio file at a time (1.4 s at 48 kHz: about 0.5 MB per stereo block).
BLOCK_FRAMES = 1 << 16
#: Layout version of the cache files (bump when their structure changes).
CACHE_FORMAT = 1
#: The annotation tag of each suggested role (vocabulary: sessions.vocabulary).
ROLE_TAGS = {
    "dependent": "autonomy:dependent",
    "follower": "autonomy:follower",
    "partner": "autonomy:partner",
    "leader": "autonomy:leader",
    "resister": "autonomy:resister",
    "solo": "solo",
    "silence": "silence",
}

#: ``progress(done, total, label)``: seconds of audio read so far, of ``total``.
Progress = Callable[[float, float, str], None]


# ----------------------------------------------------------------------------- parameters
def check_parameters(*, window: Any, hop: Any) -> tuple[float, float]:
    """Validate the analysis window and hop.

    Parameters
    ----------
    window, hop : float [seconds]
        ``0 < hop <= window``, both finite.

    Returns
    -------
    (float, float)

    Raises
    ------
    improv.errors.ParameterError
        Naming the option, the rule and the value.
    """
    from improv.errors import ParameterError

    out = []
    for name, v in (("window", window), ("hop", hop)):
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise ParameterError(f"--{name} must be a number of seconds, got {v!r}") from None
        if not math.isfinite(f) or f <= 0:
            raise ParameterError(f"--{name} must be a number of seconds > 0, got {v!r}")
        out.append(f)
    window, hop = out
    if hop > window:
        raise ParameterError(f"--hop must not exceed --window ({window:g} s), got {hop:g} s")
    return window, hop


def _check_players(session, players: Sequence[str] | None) -> list[str]:
    from improv.errors import ParameterError

    known = session.players
    if players is None:
        return list(known)
    chosen = [p.strip() for p in players if p and p.strip()]
    if not chosen:
        raise ParameterError(
            f"--players must name at least one player (players: {', '.join(known)})")
    unknown = [p for p in chosen if p not in known]
    if unknown:
        raise ParameterError(
            f"session {session.id} has no player {', '.join(map(repr, unknown))} "
            f"(players: {', '.join(known) or 'none'})"
        )
    return list(dict.fromkeys(chosen))


def _check_pair(session, pair: Sequence[str] | None, players: list[str]) -> list[tuple[str, str]]:
    from improv.errors import ParameterError

    if pair is None:
        return list(combinations(players, 2))
    pair = [p.strip() for p in pair]
    if len(pair) != 2 or pair[0] == pair[1] or not all(pair):
        raise ParameterError(
            f"--pair must name two different players as A,B, got {','.join(pair)!r}")
    unknown = [p for p in pair if p not in session.players]
    if unknown:
        raise ParameterError(
            f"session {session.id} has no player {', '.join(map(repr, unknown))} "
            f"(players: {', '.join(session.players)})"
        )
    return [(pair[0], pair[1])]


# ----------------------------------------------------------------------------- cache key
def _data_checksums(session) -> dict[str, str]:
    """Checksums of the recorded data (not of session.mid, which changes with annotations),
    and each audio input's place on the session clock (``clock:<input>``: its ``t0`` and
    drift), which the results' times depend on as well."""
    sums = dict(session.manifest.get("checksums") or {})
    smf = (session.manifest.get("smf") or {}).get("file", "session.mid")
    sums.pop(smf, None)
    if not sums:  # no checksums (should not happen for complete sessions): size and mtime
        for p in sorted(session.folder.glob("audio/*")) + [session.folder / "midi.tsv"]:
            if p.exists():
                st = p.stat()
                sums[str(p.relative_to(session.folder))] = f"{st.st_size}:{st.st_mtime_ns}"
    for inp in session.audio_inputs():
        sums[f"clock:{inp.name}"] = f"{inp.t0!r},{inp.drift_ppm!r}"
    return dict(sorted(sums.items()))


def cache_key(*, kind: str, window: float, hop: float, players: Sequence[str],
              checksums: dict[str, str]) -> str:
    """The cache and catalog key of one analysis.

    Parameters
    ----------
    kind : str
        ``"player"`` or ``"dialogue"``.
    window, hop : float [seconds]
    players : sequence of str
        The player, or the pair (order matters for a pair: names and roles follow it).
    checksums : dict
        File name -> SHA-256 of the session's recorded data.

    Returns
    -------
    str
        16 hex digits of the SHA-256 of all of the above plus :data:`analysis.ANALYSIS_VERSION`
        (and ``DIALOGUE_VERSION`` for dialogue) and :data:`CACHE_FORMAT`.
    """
    from analysis import ANALYSIS_VERSION

    parts: dict[str, Any] = {
        "kind": kind, "analysis_version": ANALYSIS_VERSION, "cache_format": CACHE_FORMAT,
        "window": repr(float(window)), "hop": repr(float(hop)), "players": list(players),
        "checksums": checksums,
    }
    if kind == "dialogue":
        from analysis.dialogue import DIALOGUE_VERSION

        parts["dialogue_version"] = DIALOGUE_VERSION
    blob = json.dumps(parts, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def default_keys(session) -> dict[str, str]:
    """The analysis keys of a session's default analysis (default window and hop, this
    version): catalog player column (a player, or ``"a|b"`` for each pair of two or more
    players, in track order) -> key. A catalog row with another key is out of date."""
    import analysis

    checksums = _data_checksums(session)
    params = dict(window=analysis.DEFAULT_WINDOW, hop=analysis.DEFAULT_HOP, checksums=checksums)
    keys = {p: cache_key(kind="player", players=[p], **params) for p in session.players}
    for a, b in combinations(session.players, 2):
        keys[f"{a}|{b}"] = cache_key(kind="dialogue", players=(a, b), **params)
    return keys


def restore_catalog_features(store, session_id: str) -> int:
    """Put a session's cached default analyses (this version) back into the catalog, as
    ``analyze`` would: after ``reindex`` rebuilt the catalog, comparisons need no analysis for
    what the cache holds. Returns the player columns restored (players and pairs)."""
    session = store.session(session_id)
    restored = 0
    for col, key in default_keys(session).items():
        kind = "dialogue" if "|" in col else "analysis"
        cached = _read_cache(session, f"{kind}-{key}.json")
        if cached is None:
            continue
        entry = cached["entry"]
        summary = entry["summary"] if kind == "dialogue" else _catalog_summary(entry)
        store.catalog.put_features(session.id, col, key, summary)
        restored += 1
    return restored


def _read_cache(session, name: str) -> dict | None:
    from sessions.fsutil import read_json

    path = session.folder / "cache" / name
    if not path.exists():
        return None
    try:
        data = read_json(path)
    except Exception as exc:  # a broken cache file is recomputed, never fatal
        log.warning("ignoring unreadable cache file %s: %s", path.name, exc)
        return None
    return data if isinstance(data, dict) and data.get("cache_format") == CACHE_FORMAT else None


def _write_cache(session, name: str, data: dict) -> None:
    from sessions.errors import StoreError
    from sessions.fsutil import atomic_write_json

    try:
        atomic_write_json(session.cache_dir / name, _json_safe(data))
    except (OSError, StoreError) as exc:  # read-only store, full disk: results still returned
        log.warning("could not write analysis cache %s: %s", name, exc)


def _cache_out(session, writes: list | None, name: str, data: dict) -> None:
    """Write a cache file now (``writes is None``) or keep it for :func:`store_analysis`
    (``(name, data)`` appended to ``writes``: the worker of a batch run only computes)."""
    if writes is None:
        _write_cache(session, name, data)
    else:
        writes.append((name, _json_safe(data)))


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.generic):
        return _json_safe(obj.item())
    if isinstance(obj, np.ndarray):
        return [_json_safe(x) for x in obj.tolist()]
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj


# ----------------------------------------------------------------------------- sources
@dataclass
class _AudioJob:
    """One player's channels in one audio input, and its analyser."""

    player: str
    source: str
    channels: list[int]
    analyzer: Any = None


@dataclass
class _PlayerWork:
    player: str
    key: str
    midi: bool
    audio: list[tuple[Any, list[int], str]] = field(default_factory=list)  # (input, chans, source)


def _midi_notes(session, player: str, events=None):
    """The notes of all MIDI ports of ``player`` (each port paired on its own, then merged).

    ``events`` are the session's MIDI events (all players; read here if None).
    """
    from analysis import NoteTable, notes_from_events

    ev = (session.midi_events() if events is None else events).select(players=[player])
    if len(ev) == 0:
        return NoteTable.empty()
    end = max(session.duration_s, float(np.max(ev.t)))
    cols: list[list[np.ndarray]] = [[], [], [], [], []]
    for port in dict.fromkeys(ev.port.tolist()):
        sel = np.flatnonzero(ev.port == port)
        sel = sel[np.argsort(ev.t[sel], kind="stable")]
        nt = notes_from_events(ev.t[sel], ev.status[sel], ev.data1[sel], ev.data2[sel],
                               end_time=end)
        for i, c in enumerate((nt.start, nt.end, nt.pitch, nt.velocity, nt.channel)):
            cols[i].append(c)
    return NoteTable.from_arrays(*(np.concatenate(c) for c in cols))


def _session_blocks(inp, session, *, duration: float) -> Iterator[np.ndarray]:
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


def _drift_corrected(t: np.ndarray, inp) -> np.ndarray:
    d = inp.drift_ppm or 0.0
    if not d:
        return t
    return inp.t0 + (t - inp.t0) / (1.0 + d * 1e-6)


# ----------------------------------------------------------------------------- players
def _player_entry(key: str, sources: dict[str, dict]) -> dict:
    statuses = [s["summary"].get("status") for s in sources.values()]
    if not statuses:
        status = "no input"
    elif "ok" in statuses:
        status = "ok"
    else:
        status = statuses[0]
    return {"analysis_key": key, "status": status, "sources": sources}


def _result_dict(pa, *, inp=None) -> dict:
    """The JSON form of a source's analysis; for an audio input ``inp``, every time (onsets,
    curves, crescendi) on the session clock, corrected for the input's measured drift (the
    analysis ran on the input's own sample clock)."""
    d = pa.to_dict()
    if inp is None:
        return d
    onsets = _drift_corrected(pa.onsets, inp)
    d["onsets"] = [round(float(x), 6) for x in onsets]
    if pa.onset_levels is not None and len(pa.onset_levels) == len(onsets):
        d["onset_levels_dbfs"] = [round(float(x), 2) if np.isfinite(x) else None
                                  for x in pa.onset_levels]
    if inp.drift_ppm:
        for c in d["curves"].values():
            c["times"] = [round(float(x), 6)
                          for x in _drift_corrected(np.asarray(c["times"], float), inp)]
        for ch in d["changes"]:
            for k in ("start", "end"):
                ch[k] = float(_drift_corrected(np.asarray(ch[k], float), inp))
    return d


def _catalog_summary(entry: dict) -> dict[str, Any]:
    out: dict[str, Any] = {"status": entry["status"]}
    for source, res in entry["sources"].items():
        for name, value in res["summary"].items():
            out[f"{source}.{name}"] = value
    return out


def _refuse_changed(session, files: list[str]) -> None:
    """Refuse to analyse recorded files that no longer match their checksums: the results
    would not be the session's, and the cache and catalog would keep them as if they were."""
    from sessions.errors import SessionFormatError

    changed = session.changed_files(files)
    if changed:
        raise SessionFormatError(
            f"{', '.join(changed)} of session {session.id} does not match its checksum (the "
            f"file changed or is damaged); nothing was analysed: see "
            f"'improv sessions verify {session.id}'")


def _analyze_players(store, session, works: list[_PlayerWork], events, *, window: float, hop: float,
                     use_cache: bool, progress: Progress | None,
                     writes: list | None = None) -> dict[str, dict]:
    import analysis

    duration = session.duration_s
    results: dict[str, dict] = {}
    todo: list[_PlayerWork] = []
    for w in works:
        cached = _read_cache(session, f"analysis-{w.key}.json") if use_cache else None
        if cached is not None:
            log.debug("analysis cache hit %s", w.key)
            results[w.player] = {**cached["entry"], "cached": True}
        else:
            todo.append(w)

    # one pass over each audio file, feeding every analyser on it
    by_input: dict[str, tuple[Any, list[_AudioJob]]] = {}
    for w in todo:
        for inp, chans, source in w.audio:
            job = _AudioJob(w.player, source, chans)
            by_input.setdefault(inp.name, (inp, []))[1].append(job)
    _refuse_changed(session, [inp.path.relative_to(session.folder).as_posix()
                              for inp, _ in by_input.values()])
    total = sum(duration for _ in by_input)
    done = 0.0
    if progress and total:
        progress(0.0, total, "reading audio")
    audio_out: dict[tuple[str, str], dict] = {}
    for name, (inp, jobs) in by_input.items():
        for job in jobs:
            job.analyzer = analysis.AudioAnalyzer(sr=inp.sr, window=window, hop=hop)
        seen = 0
        for block in _session_blocks(inp, session, duration=duration):
            for job in jobs:
                job.analyzer.push(block[:, job.channels])
            seen += len(block)
            if progress:
                progress(done + min(duration, seen / inp.sr), total, f"audio {name}")
        done += duration
        for job in jobs:
            pa = job.analyzer.finish(duration=duration)
            audio_out[(job.player, job.source)] = _result_dict(pa, inp=inp)

    for w in todo:
        sources: dict[str, dict] = {}
        if w.midi:
            pa = analysis.analyze_midi(_midi_notes(session, w.player, events), duration=duration,
                                       window=window, hop=hop)
            sources["midi"] = _result_dict(pa)
        for _, _, source in w.audio:
            sources[source] = audio_out[(w.player, source)]
        entry = _player_entry(w.key, sources)
        _cache_out(session, writes, f"analysis-{w.key}.json",
                   {"cache_format": CACHE_FORMAT, "session_id": session.id, "player": w.player,
                    "window_s": window, "hop_s": hop, "entry": entry})
        results[w.player] = {**_json_safe(entry), "cached": False}
    if progress and total:
        progress(total, total, "done")
    return results


# ----------------------------------------------------------------------------- dialogue
def _player_events(session, player: str, entry: dict, events):
    """Dialogue input of a player: MIDI notes if it played any, else audio onsets."""
    from analysis.dialogue import PlayerEvents

    if "midi" in entry["sources"]:
        notes = _midi_notes(session, player, events)
        if len(notes):
            return PlayerEvents.from_notes(notes), "midi"
    for source, res in entry["sources"].items():
        if source.startswith("audio") and res.get("onsets"):
            onsets = np.asarray(res["onsets"], dtype=np.float64)
            levels = res.get("onset_levels_dbfs")  # the dynamics of an audio player
            if levels is not None and len(levels) == len(onsets):
                return PlayerEvents(onsets, levels=np.asarray(levels, dtype=np.float64)), source
            return PlayerEvents(onsets), source
    if "midi" in entry["sources"]:
        return PlayerEvents.empty(), "midi"
    sources = [s for s in entry["sources"] if s.startswith("audio")]
    return PlayerEvents.empty(), (sources[0] if sources else None)


def _analyze_pairs(session, pairs: list[tuple[str, str]], players: dict[str, dict], events, *,
                   window: float, hop: float, checksums: dict, use_cache: bool,
                   writes: list | None = None) -> list[dict]:
    from analysis.dialogue import analyze_dialogue

    out = []
    for a, b in pairs:
        key = cache_key(kind="dialogue", window=window, hop=hop, players=(a, b),
                        checksums=checksums)
        name = f"dialogue-{key}.json"
        cached = _read_cache(session, name) if use_cache else None
        if cached is not None:
            out.append({**cached["entry"], "cached": True})
            continue
        ea, sa = _player_events(session, a, players[a], events)
        eb, sb = _player_events(session, b, players[b], events)
        d = analyze_dialogue(ea, eb, duration=session.duration_s, window=window, hop=hop,
                             names=(a, b))
        entry = _json_safe({"pair": [a, b], "name": f"{a}|{b}", "analysis_key": key,
                            "sources": {a: sa, b: sb}, **d.to_dict()})
        entry["role_runs"] = role_runs(entry["roles"], window=window, hop=hop,
                                       duration=session.duration_s)
        _cache_out(session, writes, name, {"cache_format": CACHE_FORMAT,
                                           "session_id": session.id, "entry": entry})
        out.append({**entry, "cached": False})
    return out


def role_runs(roles: list[dict], *, window: float, hop: float, duration: float) -> list[dict]:
    """Merge per-window role suggestions into runs of one role per player.

    Windows overlap (a 6 s window every 1 s), so each window stands for the ``hop`` seconds
    around its centre; consecutive windows of one player with the same role become one run
    ``[first centre - hop/2, last centre + hop/2]`` (clipped to the session), and the run's
    confidence is the mean of its windows'.

    Parameters
    ----------
    roles : list of dict
        ``{t, end, player, role, confidence}`` per window and player
        (:attr:`analysis.dialogue.DialogueAnalysis.roles`).
    window, hop, duration : float [seconds]

    Returns
    -------
    list of dict
        ``{t, end, player, role, confidence, windows}`` sorted by time, then player.
    """
    runs: list[dict] = []
    current: dict[str, dict] = {}
    for r in sorted(roles, key=lambda r: (r["player"], r["t"])):
        centre = float(r["t"]) + window / 2.0
        run = current.get(r["player"])
        if run is not None and run["role"] == r["role"] and centre - run["_last"] <= hop * 1.5:
            run["_last"] = centre
            run["_conf"].append(float(r["confidence"] or 0.0))
            continue
        run = {"player": r["player"], "role": r["role"], "_first": centre, "_last": centre,
               "_conf": [float(r["confidence"] or 0.0)]}
        current[r["player"]] = run
        runs.append(run)
    out = []
    for run in runs:
        out.append({
            "t": round(max(0.0, run["_first"] - hop / 2.0), 3),
            "end": round(min(duration, run["_last"] + hop / 2.0), 3),
            "player": run["player"],
            "role": run["role"],
            "confidence": round(float(np.mean(run["_conf"])), 3),
            "windows": len(run["_conf"]),
        })
    out.sort(key=lambda r: (r["t"], r["player"]))
    return out


def accept_roles(store, session_id: str, runs: list[dict], *, min_confidence: float = 0.5,
                 pair: str = "") -> list[dict]:
    """Write role suggestions into the session's annotations, once.

    Each run with ``confidence >= min_confidence`` becomes a range annotation of its player
    with ``source="suggestion"`` and tags ``suggestion`` plus the role's tag (``autonomy:<role>``,
    ``solo`` or ``silence``). It stays marked as a suggestion until the therapist confirms it
    (edits it to drop the ``suggestion`` tag) or deletes it. A run that already has an
    annotation — same player, times (to 1 ms) and role tag, current, confirmed *or deleted* —
    is skipped, so re-running never duplicates a suggestion nor brings back a rejected one.

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    runs : list of dict
        From :func:`role_runs`.
    min_confidence : float [0..1]
    pair : str
        ``"a|b"``, mentioned in the annotation text.

    Returns
    -------
    list of dict
        The annotations written (empty when all were there already).

    Raises
    ------
    improv.errors.ParameterError
        ``min_confidence`` outside 0..1.
    """
    from improv.errors import ParameterError
    from sessions.annotate import add_annotations

    try:
        mc = float(min_confidence)
    except (TypeError, ValueError):
        mc = float("nan")
    if not (0.0 <= mc <= 1.0):
        raise ParameterError(f"--min-confidence must be a number in 0..1, got {min_confidence!r}")
    session = store.session(session_id)

    def ident(player, t, end, tags) -> set:
        role_tags = set(tags) & set(ROLE_TAGS.values())
        return {(player, round(float(t), 3), round(float(end if end is not None else t), 3), tag)
                for tag in role_tags}

    have: set = set()
    for a in session.annotations(include_deleted=True):
        have |= ident(a.get("player"), a["t"], a.get("end"), a.get("tags") or [])
    todo = []
    for run in runs:
        if run["confidence"] < mc or run["end"] <= run["t"]:
            continue
        tag = ROLE_TAGS[run["role"]]
        if ident(run["player"], run["t"], run["end"], [tag]) <= have:
            continue
        text = (f"suggested role: {run['role']} (confidence {run['confidence']:.2f}"
                + (f", dialogue {pair}" if pair else "") + ")")
        todo.append({"t": run["t"], "end": run["end"], "player": run["player"],
                     "tags": ["suggestion", tag], "text": text})
        have |= ident(run["player"], run["t"], run["end"], [tag])
    # one write and one refresh of the SMF markers and catalog for all of them
    return add_annotations(store, session_id, todo, by=SUGGESTION_AUTHOR, source="suggestion")


# ----------------------------------------------------------------------------- entry point
def _ensure_numba_cache() -> None:
    """Cache librosa's numba JIT code in ``<user cache dir>/improv/numba`` (the place
    :mod:`analysis.audio` also uses): the first run compiles for 20-30 s, later runs load it.
    Set here too so it holds whichever module imports librosa first."""
    import os

    if "NUMBA_CACHE_DIR" not in os.environ:
        from platformdirs import user_cache_dir

        os.environ["NUMBA_CACHE_DIR"] = os.path.join(user_cache_dir("improv"), "numba")


def analyze_session(
    store,
    session_id: str,
    *,
    players: Sequence[str] | None = None,
    window: float | None = None,
    hop: float | None = None,
    dialogue: bool = False,
    pair: Sequence[str] | None = None,
    use_cache: bool = True,
    catalog: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Analyse the players (and optionally their dialogue) of a stored session.

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    players : sequence of str, optional
        Players to analyse (default: all, in track order).
    window, hop : float [seconds], optional
        Analysis window and hop (default :data:`analysis.DEFAULT_WINDOW` /
        :data:`analysis.DEFAULT_HOP`, 6 s / 1 s); ``0 < hop <= window``.
    dialogue : bool
        Also analyse the dialogue of every pair of the chosen players (or of ``pair``).
    pair : (str, str), optional
        The one pair to analyse with ``dialogue`` (order: names and keys follow it).
    use_cache : bool
        Read cached results (they are always written).
    catalog : bool
        Put the summaries into the catalog (only with the default window and hop: the
        catalog holds what sessions are compared by).
    progress : callable, optional
        ``progress(done, total, label)`` with seconds of audio read.

    Returns
    -------
    dict
        JSON-safe: ``session_id``, ``duration_s``, ``analysis_version``, ``window_s``,
        ``hop_s``, ``players`` (name -> ``{analysis_key, status, cached, sources: {source ->
        {kind, summary, curves, changes}}}``) and, with ``dialogue``, ``dialogue`` (a list of
        ``{pair, name, analysis_key, sources, summary, curves, roles, role_runs, turns, ...}``).

    See Also
    --------
    compute_session, store_analysis : the two halves (a batch run computes on Dask workers and
        stores in the coordinating process).

    Raises
    ------
    improv.errors.ParameterError
        Bad window, hop, players or pair.
    sessions.errors.UnknownSessionError
        No such session.
    sessions.errors.SessionFormatError
        The MIDI log, or an audio recording whose results are not cached, no longer matches
        its checksum or cannot be read.
    """
    computed = compute_session(store, session_id, players=players, window=window, hop=hop,
                               dialogue=dialogue, pair=pair, use_cache=use_cache,
                               progress=progress)
    return store_analysis(store, computed, catalog=catalog)


def compute_session(
    store,
    session_id: str,
    *,
    players: Sequence[str] | None = None,
    window: float | None = None,
    hop: float | None = None,
    dialogue: bool = False,
    pair: Sequence[str] | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The computing half of :func:`analyze_session`: reads the session folder (and its cache,
    with ``use_cache``), writes nothing.

    Parameters are those of :func:`analyze_session` (without ``catalog``).

    Returns
    -------
    dict
        ``result`` (what :func:`analyze_session` returns), ``cache`` (``[(file name, data)]``
        of the cache files to write: the new results) and ``catalog`` (whether the summaries
        belong in the catalog: default window and hop). Picklable, for a Dask worker to send.
    """
    _ensure_numba_cache()
    import analysis

    window, hop = check_parameters(window=analysis.DEFAULT_WINDOW if window is None else window,
                                   hop=analysis.DEFAULT_HOP if hop is None else hop)
    # the manifest is read, and the recordings it names, while a compression run cannot
    # replace them (it waits, and this waits for a run in progress)
    writes: list[tuple[str, dict]] = []
    with _recordings_kept(store, session_id):
        session = store.session(session_id)
        chosen = _check_players(session, players)
        pairs = _check_pair(session, pair, chosen) if dialogue else []
        needed = list(dict.fromkeys(chosen + [p for ab in pairs for p in ab]))
        checksums = _data_checksums(session)
        _refuse_changed(session, [MIDI_LOG])  # read for every player below (a few MB at most)
        events = session.midi_events()
        # a player "has MIDI" with a declared port or with events (a recovered session may carry
        # events of ports the writer never declared)
        midi_players = set(session.midi_players()) | set(events.player.tolist())
        works = []
        for p in needed:
            inputs = session.player_audio(p)
            audio = [(inp, chans, "audio" if len(inputs) == 1 else f"audio:{inp.name}")
                     for inp, chans in inputs]
            key = cache_key(kind="player", window=window, hop=hop, players=[p], checksums=checksums)
            works.append(_PlayerWork(p, key, p in midi_players, audio))
        results = _analyze_players(store, session, works, events, window=window, hop=hop,
                                   use_cache=use_cache, progress=progress, writes=writes)
    out: dict[str, Any] = {
        "session_id": session.id,
        "duration_s": session.duration_s,
        "analysis_version": analysis.ANALYSIS_VERSION,
        "window_s": window,
        "hop_s": hop,
        "players": {p: results[p] for p in chosen},
    }
    if dialogue:
        out["dialogue"] = _analyze_pairs(session, pairs, results, events, window=window, hop=hop,
                                         checksums=checksums, use_cache=use_cache, writes=writes)
    return {"result": out, "cache": writes,
            "catalog": (window, hop) == (analysis.DEFAULT_WINDOW, analysis.DEFAULT_HOP)}




def store_analysis(store, computed: dict[str, Any], *, catalog: bool = True) -> dict[str, Any]:
    """The storing half of :func:`analyze_session`: writes the cache files and the catalog rows
    of a :func:`compute_session` result, in this process (the catalog has one writer).

    A session deleted since it was computed gets neither (the cache would bring its folder
    back); a read-only store or a full disk is logged, as in :func:`analyze_session`.

    Returns
    -------
    dict
        ``computed["result"]``.
    """
    from sessions.errors import StoreError

    out = computed["result"]
    if computed["cache"]:
        try:
            session = store.session(out["session_id"])
        except StoreError as exc:
            log.warning("analysis of %s not cached: %s", out["session_id"], exc)
        else:
            for name, data in computed["cache"]:
                _write_cache(session, name, data)
    if catalog and computed["catalog"]:
        _to_catalog(store, out["session_id"], out)
    return out


@contextlib.contextmanager
def _recordings_kept(store, session_id: str) -> Iterator[None]:
    """Hold the session's ``audio/`` folder shared (see :func:`sessions.fsutil.folder_lock`):
    ``compress`` holds it exclusively while it replaces WAVs by FLACs, so an analysis never
    reads a manifest that names a WAV compress has just removed (it failed with "cannot be
    read" or a checksum mismatch)."""
    from sessions.fsutil import folder_lock
    from sessions.manifest import AUDIO_DIR

    audio = store.folder(session_id) / AUDIO_DIR
    if not audio.is_dir():
        yield
        return
    with folder_lock(audio, shared=True):
        yield


def _to_catalog(store, session_id: str, result: dict) -> None:
    import sqlite3

    from sessions.errors import StoreError

    try:
        for p, entry in result["players"].items():
            store.catalog.put_features(session_id, p, entry["analysis_key"],
                                       _catalog_summary(entry))
        for d in result.get("dialogue", []):
            store.catalog.put_features(session_id, d["name"], d["analysis_key"], d["summary"])
    except (StoreError, OSError, sqlite3.Error) as exc:  # read-only store: results still returned
        log.warning("could not write feature summaries to the catalog: %s", exc)
