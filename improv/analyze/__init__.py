"""Analysing stored sessions: the store in, feature summaries and curves out.

This is the library behind ``improv analyze``. It reads a session through
:mod:`sessions`, feeds :mod:`analysis` (which is pure), caches the results in the session's
``cache/`` folder and puts the summaries into the catalog for cross-session queries.

This package holds the public API and runs an analysis; :mod:`improv.analyze.sources` reads
a session's notes and audio, :mod:`improv.analyze.cache` keeps the cache and the catalog rows
and :mod:`improv.analyze.roles` turns role suggestions into annotations.

What is analysed
----------------
Every player gets one result per *source*:

- ``midi``: the notes of all the player's MIDI ports (paired per port, then merged);
- ``audio``: the player's channel(s) of an audio input. Several channels of one player in one
  input (a stereo pair) are **one source**, as :class:`analysis.AudioAnalyzer` measures
  ``(n, channels)`` blocks: they are one instrument heard through several microphones. The
  level is their mean power, the loudness the BS.1770 sum of their power, and the onsets are
  detected in their sample average (since analysis 1.19.0; before, the average was measured
  throughout). A player on several audio inputs gets one source per input, named
  ``audio:<input>``.

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

import logging
import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Callable, Sequence

from improv.analyze.cache import (
    CACHE_FORMAT,
    cache_key,
    data_checksums,
    default_keys,
    json_safe,
    read_cache,
    reindex,
    restore_catalog_features,
    to_catalog,
    write_cache,
)
from improv.analyze.roles import ROLE_TAGS, accept_roles, role_runs
from improv.analyze.sources import (
    BLOCK_FRAMES,
    heard_notes,
    input_recorded,
    midi_notes,
    player_events,
    player_gaps,
    recordings_kept,
    refuse_changed,
    result_dict,
    session_blocks,
    source_gaps,
)
from sessions.manifest import MIDI_LOG
from sessions.names import match_names

log = logging.getLogger(__name__)

__all__ = [
    "BLOCK_FRAMES",
    "CACHE_FORMAT",
    "ROLE_TAGS",
    "analyze_session",
    "accept_roles",
    "as_lists",
    "compute_session",
    "store_analysis",
    "cache_key",
    "check_parameters",
    "default_keys",
    "reindex",
    "restore_catalog_features",
    "role_runs",
]

#: ``progress(done, total, label)``: seconds of audio read so far, of ``total``.
Progress = Callable[[float, float, str], None]


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
        Naming the parameter, the rule and the value.
    """
    from improv.errors import ParameterError

    out = []
    for name, v in (("window", window), ("hop", hop)):
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise ParameterError(f"{name} must be a number of seconds, got {v!r}",
                                 parameter=name) from None
        if not math.isfinite(f) or f <= 0:
            raise ParameterError(f"{name} must be a number of seconds > 0, got {v!r}",
                                 parameter=name)
        out.append(f)
    window, hop = out
    if hop > window:
        raise ParameterError(f"hop must not exceed window ({window:g} s), got {hop:g} s",
                             parameter="hop")
    return window, hop


def _check_players(session, players: Sequence[str] | None) -> list[str]:
    from improv.errors import ParameterError

    known = session.players
    if players is None:
        return list(known)
    chosen = match_names([p.strip() for p in players if p and p.strip()], known)
    if not chosen:
        raise ParameterError(
            f"players must name at least one player (players: {', '.join(known)})",
            parameter="players")
    unknown = [p for p in chosen if p not in known]
    if unknown:
        raise ParameterError(
            f"session {session.id} has no player {', '.join(map(repr, unknown))} "
            f"(players: {', '.join(known) or 'none'})", parameter="players")
    return list(dict.fromkeys(chosen))


def _check_pair(session, pair: Sequence[str] | None, players: list[str]) -> list[tuple[str, str]]:
    from improv.errors import ParameterError

    if pair is None:
        return list(combinations(players, 2))
    pair = match_names([p.strip() for p in pair], session.players)
    if len(pair) != 2 or pair[0] == pair[1] or not all(pair):
        raise ParameterError(
            f"pair must name two different players as A,B, got {','.join(pair)!r}",
            parameter="pair")
    unknown = [p for p in pair if p not in session.players]
    if unknown:
        raise ParameterError(
            f"session {session.id} has no player {', '.join(map(repr, unknown))} "
            f"(players: {', '.join(session.players)})", parameter="pair")
    return [(pair[0], pair[1])]


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


def _player_entry(key: str, sources: dict[str, dict]) -> dict:
    statuses = [s["summary"].get("status") for s in sources.values()]
    if not statuses:
        status = "no input"
    elif "ok" in statuses:
        status = "ok"
    else:
        status = statuses[0]
    return {"analysis_key": key, "status": status, "sources": sources}


def _cache_out(session, writes: list | None, name: str, data: dict) -> None:
    """Write a cache file now (``writes is None``) or keep it for :func:`store_analysis`
    (``(name, data)`` appended to ``writes``: the worker of a batch run only computes).

    ``data`` is JSON-safe already (:func:`json_safe`, its long series still numpy arrays) and
    shares its entry with the result returned: one set of curves, not three copies of them."""
    if writes is None:
        write_cache(session, name, data, safe=True)
    else:
        writes.append((name, data))


def _release_freed_memory() -> None:
    """Give the heap's free pages back to the system (glibc ``malloc_trim``; elsewhere nothing).

    glibc keeps freed arrays of a few MB in the heap instead of unmapping them (its mmap
    threshold rises after the first large free), so each stage's temporaries (an analyser's
    finish, the tempo salience, a dialogue) stayed resident under the next stage's and the
    peak of a 3-hour session grew with every player. Called between stages it costs a few
    milliseconds; values are untouched.
    """
    from improv.heap import glibc

    libc = glibc()
    if libc is not None:
        libc.malloc_trim(0)


def _analyze_players(store, session, works: list[_PlayerWork], events, *, window: float, hop: float,
                     use_cache: bool, progress: Progress | None,
                     writes: list | None = None) -> dict[str, dict]:
    import analysis

    duration = session.duration_s
    results: dict[str, dict] = {}
    todo: list[_PlayerWork] = []
    for w in works:
        cached = read_cache(session, f"analysis-{w.key}.json") if use_cache else None
        if cached is not None:
            log.debug("analysis cache hit %s", w.key)
            results[w.player] = {**cached["entry"], "cached": True}
        else:
            todo.append(w)

    # every analysis first, as numpy arrays; their JSON form (Python lists, four times the
    # size) after, so that no analysis runs on top of the lists of the ones before it. MIDI
    # first: a player's audio that hears its MIDI takes the MIDI's metrical level
    # (analysis.heard)
    midi_out = {}
    for w in todo:
        if w.midi:
            # rates and shares over the time the player's MIDI recorded (since 1.23.0)
            midi_out[w.player] = analysis.analyze_midi(
                midi_notes(session, w.player, events), duration=duration, window=window,
                hop=hop, gaps=source_gaps(session, w.player, "midi"))
            _release_freed_memory()

    # one pass over each audio file, feeding every analyser on it
    by_input: dict[str, tuple[Any, list[_AudioJob]]] = {}
    for w in todo:
        for inp, chans, source in w.audio:
            job = _AudioJob(w.player, source, chans)
            by_input.setdefault(inp.name, (inp, []))[1].append(job)
    refuse_changed(session, [inp.path.relative_to(session.folder).as_posix()
                              for inp, _ in by_input.values()])
    total = sum(duration for _ in by_input)
    done = 0.0
    if progress and total:
        progress(0.0, total, "reading audio")
    audio_out: dict[tuple[str, str], tuple] = {}
    for name, (inp, jobs) in by_input.items():
        for job in jobs:
            job.analyzer = analysis.AudioAnalyzer(sr=inp.sr, window=window, hop=hop)
        seen = 0
        for block in session_blocks(inp, session, duration=duration):
            for job in jobs:
                job.analyzer.push(block[:, job.channels])
            seen += len(block)
            if progress:
                progress(done + min(duration, seen / inp.sr), total, f"audio {name}")
        done += duration
        for job in jobs:
            heard = heard_notes(midi_out.get(job.player), inp)
            # rates and shares over the time the input recorded (since analysis 1.19.0)
            recorded, gaps = input_recorded(session, job.player, job.source, inp)
            audio_out[(job.player, job.source)] = (
                job.analyzer.finish(duration=duration, heard=heard, recorded=recorded,
                                    gaps=gaps), inp)
            job.analyzer = None
            _release_freed_memory()

    for w in todo:
        sources: dict[str, dict] = {}
        if w.midi:
            sources["midi"] = result_dict(midi_out.pop(w.player))
        for _, _, source in w.audio:
            pa, inp = audio_out.pop((w.player, source))
            sources[source] = result_dict(pa, inp=inp)
            del pa
        entry = json_safe(_player_entry(w.key, sources), keep_arrays=True)
        del sources
        _cache_out(session, writes, f"analysis-{w.key}.json",
                   {"cache_format": CACHE_FORMAT, "session_id": session.id, "player": w.player,
                    "window_s": window, "hop_s": hop, "entry": entry})
        results[w.player] = {**entry, "cached": False}
        _release_freed_memory()
    if progress and total:
        progress(total, total, "done")
    return results


def _analyze_pairs(session, pairs: list[tuple[str, str]], players: dict[str, dict], events, *,
                   window: float, hop: float, checksums: dict, use_cache: bool,
                   writes: list | None = None) -> list[dict]:
    from analysis.dialogue import analyze_dialogue

    out = []
    for a, b in pairs:
        key = cache_key(kind="dialogue", window=window, hop=hop, players=(a, b),
                        checksums=checksums)
        name = f"dialogue-{key}.json"
        cached = read_cache(session, name) if use_cache else None
        if cached is not None:
            out.append({**cached["entry"], "cached": True})
            continue
        ea, sa = player_events(session, a, players[a], events)
        eb, sb = player_events(session, b, players[b], events)
        d = analyze_dialogue(ea, eb, duration=session.duration_s, window=window, hop=hop,
                             names=(a, b))
        entry = json_safe({"pair": [a, b], "name": f"{a}|{b}", "analysis_key": key,
                            "sources": {a: sa, b: sb}, **d.to_dict()})
        entry["role_runs"] = role_runs(entry["roles"], window=window, hop=hop,
                                       duration=session.duration_s)
        _cache_out(session, writes, name, {"cache_format": CACHE_FORMAT,
                                           "session_id": session.id, "entry": entry})
        out.append({**entry, "cached": False})
        del d
        _release_freed_memory()
    return out


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
        {kind, summary, curves, changes}}}``), ``not_recorded`` (``{player: [[start, end],
        ...]}`` [s]: the stretches a player's inputs did not record, as their analysis takes
        them, :func:`improv.analyze.sources.player_gaps`; players without any left out),
        ``no_sound_warned`` (``{player: t}``: the recording warned ``t`` seconds after its
        start that the player's audio input had given no sound, the ``input_silent`` event)
        and, with ``dialogue``, ``dialogue`` (a list of
        ``{pair, name, analysis_key, sources, summary, curves, roles, role_runs, turns, ...}``).

    Raises
    ------
    improv.errors.ParameterError
        Bad window, hop, players or pair.
    sessions.errors.UnknownSessionError
        No such session.
    sessions.errors.SessionFormatError
        The MIDI log, or an audio recording whose results are not cached, no longer matches
        its checksum or cannot be read.

    Notes
    -----
    A session that changes while it is analysed (a player renamed on the session page as its
    import is analysed) is analysed once more, so the result names the current players; its
    first result is not stored (:func:`store_analysis`).

    See Also
    --------
    compute_session, store_analysis : the two halves (a batch run computes on Dask workers and
        stores in the coordinating process).
    """
    for attempt in range(2):
        computed = compute_session(store, session_id, players=players, window=window, hop=hop,
                                   dialogue=dialogue, pair=pair, use_cache=use_cache,
                                   progress=progress)
        result = store_analysis(store, computed, catalog=catalog)
        if not computed.get("stale") or attempt:
            return result
        # the session changed while it was analysed (a player renamed): the result names its
        # former players, so it is computed once more under the current ones; a player asked
        # for by a former name is then refused as unknown, as it would be now
    return result


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
        ``result`` (what :func:`analyze_session` returns, but for the players' number series,
        which are float64 numpy arrays, NaN for null, until :func:`store_analysis` or
        :func:`as_lists` makes them lists), ``cache`` (``[(file name, data)]``
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
    with recordings_kept(store, session_id):
        session = store.session(session_id)
        chosen = _check_players(session, players)
        pairs = _check_pair(session, pair, chosen) if dialogue else []
        needed = list(dict.fromkeys(chosen + [p for ab in pairs for p in ab]))
        checksums = data_checksums(session)
        refuse_changed(session, [MIDI_LOG])  # read for every player below (a few MB at most)
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
        # the stretches a player's input did not record, for the plain summary
        "not_recorded": {p: [[round(a, 3), round(b, 3)] for a, b in gaps]
                         for p in needed if (gaps := player_gaps(session, p))},
        # ... and the players whose audio the recording said had given no sound, with when
        "no_sound_warned": _no_sound_warned(session.manifest, needed),
    }
    if dialogue:
        out["dialogue"] = _analyze_pairs(session, pairs, results, events, window=window, hop=hop,
                                         checksums=checksums, use_cache=use_cache, writes=writes)
    return {"result": out, "cache": writes, "checksums": checksums,
            "catalog": (window, hop) == (analysis.DEFAULT_WINDOW, analysis.DEFAULT_HOP)}


def _no_sound_warned(manifest: dict[str, Any], players: Sequence[str]) -> dict[str, float]:
    """``{player: t}``: the players of ``players`` whose audio input the recording warned had
    given no sound since the start (the ``input_silent`` journal event of a web recording),
    with the first such warning's time [seconds from the start]."""
    out: dict[str, float] = {}
    for e in manifest.get("events", []):
        p = e.get("player")
        if e.get("kind") == "input_silent" and e.get("input_kind") == "audio" and p in players:
            out.setdefault(p, round(float(e.get("t", 0.0)), 3))
    return out


def store_analysis(store, computed: dict[str, Any], *, catalog: bool = True) -> dict[str, Any]:
    """The storing half of :func:`analyze_session`: writes the cache files and the catalog rows
    of a :func:`compute_session` result, in this process (the catalog has one writer).

    A session deleted since it was computed gets neither (the cache would bring its folder
    back); nor does a session whose data changed while it was analysed (a player renamed, a
    drum-kit mark, compressed audio: ``data_checksums``, read again from ``session.json`` under
    its lock, is not the one the result was computed under), so no result under a player's
    former name stands beside the current one; it is analysed again when next asked. A
    read-only store or a full disk is logged, as in :func:`analyze_session`.

    Parameters
    ----------
    store : sessions.store.Store
    computed : dict
        What :func:`compute_session` returned; its ``cache`` list is emptied as the files are
        written (or dropped), and ``stale`` is set to True when the session changed since.
    catalog : bool
        Put the summaries into the catalog (if they were computed with the default window and
        hop).

    Returns
    -------
    dict
        ``computed["result"]``, JSON-safe (:func:`as_lists`), stored or not.
    """
    from sessions.errors import StoreError
    from sessions.locks import manifest_lock

    out = computed["result"]
    writes = computed["cache"]
    want_catalog = catalog and computed["catalog"]
    if not writes and not want_catalog:
        return as_lists(out)
    try:
        session = store.session(out["session_id"])
        with manifest_lock(session.folder):  # a rename waits until this is stored, or ...
            now = data_checksums(store.session(out["session_id"]))
            if computed.get("checksums") is not None and now != computed["checksums"]:
                # ... this drops what was computed before it
                log.warning("analysis of session %s not stored: the session changed while it "
                            "was analysed (a player renamed, or its recordings changed); it is "
                            "analysed again when next asked", out["session_id"])
                writes.clear()
                computed["stale"] = True
                return as_lists(out)
            while writes:  # each written file let go of, so that as_lists frees its arrays
                name, data = writes.pop(0)
                write_cache(session, name, data, safe=True)
                del data
            if want_catalog:
                to_catalog(store, out["session_id"], out)
    except (StoreError, OSError) as exc:  # deleted meanwhile, a read-only store
        log.warning("analysis of %s not stored: %s", out["session_id"], exc)
        writes.clear()
    return as_lists(out)


def as_lists(result: dict[str, Any]) -> dict[str, Any]:
    """A :func:`compute_session` result made JSON-safe throughout (what :func:`analyze_session`
    returns): the number series that the computation keeps as numpy arrays (8 bytes a number;
    as Python lists, 32) become lists, one player at a time, in place, and the summaries'
    counts ints (:func:`analysis.features.typed_summary`; the cache keeps them as floats).

    Parameters
    ----------
    result : dict
        ``compute_session(...)["result"]``.

    Returns
    -------
    dict
        ``result``.
    """
    from analysis.features import typed_summary

    for player, entry in result["players"].items():
        if not entry.get("cached"):  # a cached entry was read from JSON: lists already
            entry = result["players"][player] = json_safe(entry)
        for src in entry.get("sources", {}).values():
            typed_summary(src.get("summary") or {})
    for d in result.get("dialogue", []):
        typed_summary(d.get("summary") or {})
    return result
