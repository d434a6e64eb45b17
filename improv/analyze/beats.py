"""One player's tracked beats of a stored session, for checking them in other tools.

The beats are those of the analysis (:func:`improv.analyze.analyze_session`, from its cache
when there is one): seconds from session start, audio beats corrected for the input's drift.
``improv beats export`` writes them as a Sonic Visualiser time-instants layer
(:func:`sessions.interop.to_sv_instants`).
"""

from __future__ import annotations

from typing import Any

#: The clocks :func:`player_beats` gives times on.
CLOCKS = ("session", "file")


def _audio_input(session, player: str, source: str):
    """The audio input of a player's source ``audio`` or ``audio:<input>``."""
    inputs = [inp for inp, _ in session.player_audio(player)]
    if source == "audio":
        return inputs[0]
    return next(inp for inp in inputs if f"audio:{inp.name}" == source)


def player_beats(store, session_id: str, *, player: str, source: str | None = None,
                 clock: str = "session", use_cache: bool = True) -> dict[str, Any]:
    """The tracked beats of one player of a session.

    Nothing is written unless the beats are found: a bad player or source, or a player
    without beats, leaves the store as it was; otherwise a new analysis is cached and
    catalogued as by :func:`improv.analyze.analyze_session`.

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    player : str
        A player of the session.
    source : str, optional
        ``"midi"``, ``"audio"`` or ``"audio:<input>"`` (a player with several audio inputs);
        default: the first of the player's sources with beats, MIDI before audio.
    clock : {"session", "file"}
        ``"session"``: seconds from session start (the times of every other output).
        ``"file"``: seconds from the start of the source's own file, to lay the beats over it
        in another tool: an audio input's recording starts ``t0`` seconds into the session
        and runs on its own sample clock, so ``(t - t0) · (1 + drift_ppm · 10⁻⁶)``; MIDI's
        file, ``session.mid``, starts with the session (the same times).
    use_cache : bool
        Read a cached analysis.

    Returns
    -------
    dict
        ``session_id``, ``analysis_version``, ``player``, ``source``, ``pulse`` (the pulse
        label), ``beats`` (list of float [seconds on ``clock``], increasing), ``clock``,
        ``file`` (the source's file in the session folder: ``audio/….wav`` or ``session.mid``)
        and ``t0`` (where that file starts on the session clock [seconds]).

    Raises
    ------
    improv.errors.ParameterError
        No such player, source or clock, or none of the player's sources has beats (its pulse
        is "none" or "rare", or it played nothing).
    sessions.errors.UnknownSessionError
        No such session.
    """
    from improv.analyze import as_lists, compute_session, store_analysis
    from improv.errors import ParameterError

    if clock not in CLOCKS:
        raise ParameterError(f"clock must be one of {', '.join(CLOCKS)}, got {clock!r}",
                             parameter="clock")
    session = store.session(session_id)
    known = session.players
    if player not in known:
        raise ParameterError(f"session {session_id} has no player {player!r} "
                             f"(players: {', '.join(known) or 'none'})", parameter="player")
    computed = compute_session(store, session_id, players=[player], use_cache=use_cache)
    result = as_lists(computed["result"])
    sources = result["players"][player]["sources"]
    if source is not None and source not in sources:
        raise ParameterError(
            f"player {player!r} of session {result['session_id']} has no source {source!r} "
            f"(sources: {', '.join(sources) or 'none'})", parameter="source")
    chosen = source or next((s for s, r in sources.items() if r.get("beats")), None)
    beats = (sources[chosen].get("beats") or []) if chosen else []
    if not beats:
        pulses = ", ".join(f"{s}: pulse {r['summary'].get('pulse') or 'none'}"
                           for s, r in sources.items() if s == chosen or source is None)
        raise ParameterError(
            f"player {player!r} of session {result['session_id']} has no tracked beats "
            f"({pulses or 'no MIDI or audio input'}); nothing to export", parameter="player")
    store_analysis(store, computed)
    file, t0 = (session.manifest.get("smf") or {}).get("file", "session.mid"), 0.0
    if chosen.startswith("audio"):
        inp = _audio_input(session, player, chosen)
        file, t0 = inp.path.relative_to(session.folder).as_posix(), float(inp.t0)
        if clock == "file":
            rate = 1.0 + (inp.drift_ppm or 0.0) * 1e-6
            beats = [round((b - t0) * rate, 6) for b in beats]
    return {"session_id": result["session_id"], "analysis_version": result["analysis_version"],
            "player": player, "source": chosen,
            "pulse": sources[chosen]["summary"].get("pulse"), "beats": list(beats),
            "clock": clock, "file": file, "t0": t0}
