"""The analysis cache and the catalog's feature rows.

Results are cached as JSON in ``<session>/cache/analysis-<key>.json`` (players) and
``<session>/cache/dialogue-<key>.json`` (pairs); :func:`cache_key` says what a key depends on.
Only analyses with the default window and hop go into the catalog (:func:`default_keys`,
:func:`to_catalog`); :func:`restore_catalog_features` puts cached ones back after a reindex.
"""

from __future__ import annotations

import hashlib
import json
import logging
from itertools import combinations
from typing import Any, Sequence

from analysis.windows import json_default, json_safe

log = logging.getLogger(__name__)

#: Layout version of the cache files (bump when their structure changes).
CACHE_FORMAT = 1


def data_checksums(session) -> dict[str, str]:
    """Checksums of the recorded data (not of session.mid, which changes with annotations; a
    FLAC compressed from a WAV by its WAV's, as the samples are the same), each audio input's
    place on the session clock (``clock:<input>``: its ``t0`` and
    drift), which the results' times depend on as well, and each MIDI input marked as a drum
    kit (``percussion:<player>:<port>``; none for a session without marks, whose keys stay as
    they were) and each renamed player (``name:<former name>``: its current name; none for a
    session never renamed), so no result stored under a former name is taken for a current
    player's (two players that swapped names)."""
    sums = dict(session.manifest.get("checksums") or {})
    smf = (session.manifest.get("smf") or {}).get("file", "session.mid")
    sums.pop(smf, None)
    for entry in session.manifest.get("audio") or ():
        # a WAV compressed to FLAC holds the same samples (sessions.compress checks them): it
        # keys the analysis as the WAV did, so compressing does not make the analysis stale
        done = entry.get("compressed")
        if isinstance(done, dict) and isinstance(done.get("sha256_from"), str) \
                and isinstance(done.get("from"), str) and sums.pop(entry.get("file"), None):
            sums[done["from"]] = done["sha256_from"]
    if not sums:  # no checksums (should not happen for complete sessions): size and mtime
        for p in sorted(session.folder.glob("audio/*")) + [session.folder / "midi.tsv"]:
            if p.exists():
                st = p.stat()
                sums[str(p.relative_to(session.folder))] = f"{st.st_size}:{st.st_mtime_ns}"
    for inp in session.audio_inputs():
        sums[f"clock:{inp.name}"] = f"{inp.t0!r},{inp.drift_ppm!r}"
    from sessions.manifest import percussion_ports

    for player, port in percussion_ports(session.manifest):  # a drum kit: measured as drums
        sums[f"percussion:{player}:{port}"] = "drum kit"
    for before, now in (session.manifest.get("player_names") or {}).items():
        sums[f"name:{before}"] = now  # a renamed player: its results carry the new name
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

    checksums = data_checksums(session)
    params = dict(window=analysis.DEFAULT_WINDOW, hop=analysis.DEFAULT_HOP, checksums=checksums)
    keys = {p: cache_key(kind="player", players=[p], **params) for p in session.players}
    for a, b in combinations(session.players, 2):
        keys[f"{a}|{b}"] = cache_key(kind="dialogue", players=(a, b), **params)
    return keys


def restore_catalog_features(store, session_id: str) -> int:
    """Put a session's cached default analyses (this version) back into the catalog, as
    ``analyze`` would: after ``reindex`` rebuilt the catalog, comparisons need no analysis for
    what the cache holds. Returns the player columns restored (players and pairs).

    The cache files found are checked one by one (each against the key of its own player or
    pair), so the time grows with the files, not with every pair of players (2,000 players
    are 2 million pairs: a reindex took minutes before).
    """
    import analysis

    session = store.session(session_id)
    folder = session.folder / "cache"
    try:
        names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return 0
    params = dict(window=analysis.DEFAULT_WINDOW, hop=analysis.DEFAULT_HOP,
                  checksums=data_checksums(session))
    players = set(session.players)
    restored = 0
    for name in names:
        kind, _, rest = name.partition("-")
        if kind not in ("analysis", "dialogue") or not rest.endswith(".json"):
            continue
        cached = read_cache(session, name)
        col = _column_of(cached, kind=kind, players=players)
        if col is None:
            continue
        key = cache_key(kind="dialogue" if kind == "dialogue" else "player",
                        players=col.split("|"), **params)
        if name != f"{kind}-{key}.json":  # another window, version or recording: not default
            continue
        entry = cached["entry"]
        summary = entry["summary"] if kind == "dialogue" else catalog_summary(entry)
        store.catalog.put_features(session.id, col, key, summary)
        restored += 1
    return restored


def _column_of(cached: dict | None, *, kind: str, players: set[str]) -> str | None:
    """The catalog column (a player, or ``"a|b"``) a cache file is about, if it is one of
    the session's players or pairs."""
    if cached is None or not isinstance(cached.get("entry"), dict):
        return None
    if kind == "analysis":
        player = cached.get("player")
        return player if player in players else None
    pair = cached["entry"].get("pair")
    if (isinstance(pair, list) and len(pair) == 2 and pair[0] != pair[1]
            and all(p in players for p in pair)):
        return f"{pair[0]}|{pair[1]}"
    return None


def read_cache(session, name: str) -> dict | None:
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


def write_cache(session, name: str, data: dict, *, safe: bool = False) -> None:
    """Write ``cache/<name>`` (``safe``: ``data`` is JSON-safe already, written without a
    copy, but for numpy arrays, which are turned into lists one at a time as they are written:
    ``json_safe(data, keep_arrays=True)``); a read-only store or a full disk is logged, not
    raised."""
    from sessions.errors import StoreError
    from sessions.fsutil import atomic_write_json

    try:
        atomic_write_json(session.cache_dir / name, data if safe else json_safe(data),
                          default=json_default)
    except (OSError, StoreError) as exc:  # read-only store, full disk: results still returned
        log.warning("could not write analysis cache %s: %s", name, exc)



def catalog_summary(entry: dict) -> dict[str, Any]:
    out: dict[str, Any] = {"status": entry["status"]}
    for source, res in entry["sources"].items():
        for name, value in res["summary"].items():
            out[f"{source}.{name}"] = value
    return out


def to_catalog(store, session_id: str, result: dict) -> None:
    import sqlite3

    from sessions.errors import StoreError

    try:
        for p, entry in result["players"].items():
            store.catalog.put_features(session_id, p, entry["analysis_key"],
                                       catalog_summary(entry))
        for d in result.get("dialogue", []):
            store.catalog.put_features(session_id, d["name"], d["analysis_key"], d["summary"])
    except (StoreError, OSError, sqlite3.Error) as exc:  # read-only store: results still returned
        log.warning("could not write feature summaries to the catalog: %s", exc)


def reindex(store) -> dict[str, Any]:
    """Rebuild the store's catalog from the session folders (:meth:`sessions.store.Store.reindex`)
    and put back the default analyses their caches hold (:func:`restore_catalog_features`).

    Returns
    -------
    dict
        The store's reindex result plus ``analyses_restored`` (player columns restored).
    """
    result = store.reindex()
    skipped = {s for s, _ in result["skipped"]}
    indexed = [sid for sid in store.session_ids() if sid not in skipped]
    result["analyses_restored"] = sum(restore_catalog_features(store, sid) for sid in indexed)
    return result
