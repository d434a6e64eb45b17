"""Importing annotations made elsewhere: Audacity labels, ELAN tiers, Sonic Visualiser layers,
and improv's own CSV and JSON exports.

:func:`import_annotations` tells the format from the file's first line and name (unless given,
:func:`sessions.interop.guess_format`), reads the
file through :mod:`sessions.interop`, checks every annotation against the session and the
tag vocabulary before adding any, and leaves out those the session has already (the file was
imported before), so importing a file twice adds nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sessions import interop, vocabulary
from sessions.annotation_edits import add_annotations
from sessions.errors import FormatGuessError, SessionFormatError
from sessions.safeio import read_text

#: Formats :func:`import_annotations` reads.
FORMATS = ("elan", *interop.IMPORT_FORMATS)

#: The clocks an annotation file's times can be on: the session's, or an audio input's own
#: file (a recording imported with an offset starts ``t0`` seconds into the session).
CLOCKS = ("session", "file")


def clock_input(session, name: str | None):
    """The audio input whose file a ``--clock file`` time is on: ``name``, or the session's
    only one.

    Raises
    ------
    sessions.errors.InvalidArgumentError
        No such input, no audio input, or several and no ``name``.
    """
    from sessions.errors import InvalidArgumentError

    if name is not None:
        return session.audio_input(name)
    inputs = session.audio_inputs()
    if len(inputs) == 1:
        return inputs[0]
    if not inputs:
        raise InvalidArgumentError(f"session {session.id} has no audio recording: the file "
                                   "clock is that of an audio input", parameter="clock")
    raise InvalidArgumentError(
        f"session {session.id} has {len(inputs)} audio inputs "
        f"({', '.join(a.name for a in inputs)}): name the one whose file the times are on "
        "with --input", parameter="input")


def _rate(inp) -> float:
    return 1.0 + float(inp.drift_ppm or 0.0) * 1e-6


def to_file_clock(t: float, inp) -> float:
    """A session time [s] on the clock of ``inp``'s file (as :func:`improv.analyze.beats.
    player_beats` with ``clock="file"``): ``(t - t0) · (1 + drift_ppm · 10⁻⁶)``."""
    return (float(t) - float(inp.t0)) * _rate(inp)


def to_session_clock(t: float, inp) -> float:
    """A time [s] on ``inp``'s file's clock on the session clock (the inverse of
    :func:`to_file_clock`)."""
    return float(t) / _rate(inp) + float(inp.t0)



def read_annotation_file(path: Path, *, fmt: str | None, players: list[str]
                         ) -> list[dict[str, Any]]:
    """The annotations in ``path`` (``{t, end, player, tags, text}`` each); ``fmt`` None:
    guessed from the file's first line and name (:func:`sessions.interop.guess_format`).

    Raises
    ------
    sessions.errors.FormatGuessError
        ``fmt`` None, the file cannot be read as the format guessed from its name, and its
        first line looks like another format (:attr:`~FormatGuessError.likely`) or none.
    sessions.errors.SessionFormatError
        The file cannot be read as ``fmt`` (or is not UTF-8 text).
    """
    path = Path(path)
    # a regular file of bounded size only: /dev/zero or a FIFO is refused, not read forever
    text = read_text(path, what="annotation file")
    if fmt is not None:
        return _read_as(fmt, path, text, players=players)
    guessed = interop.guess_format(path.name, text)
    try:
        return _read_as(guessed, path, text, players=players)
    except SessionFormatError as exc:
        likely = interop.likely_format(text)
        if likely == guessed or not _fails_first_line(guessed, text):
            raise  # the guess fits the first line: the fault is the file's, not the guess's
        what = interop.FORMAT_NAMES
        looks = (f", but its first line looks like {what[likely]}" if likely else
                 ", but its first line looks like none of the formats")
        raise FormatGuessError(
            f"{exc}; {path.name} was read as {what[guessed]} (guessed from its name){looks}",
            guessed=guessed, likely=likely) from None


def _read_as(fmt: str, path: Path, text: str, *, players: list[str]
             ) -> list[dict[str, Any]]:
    if fmt == "elan":
        return interop.read_eaf(path, players=players)
    return interop.IMPORT_FORMATS[fmt](text)


def _fails_first_line(fmt: str, text: str) -> bool:
    """Whether the first line of ``text`` alone cannot be read as ``fmt`` (ELAN, read from
    the file: always)."""
    if fmt == "elan":
        return True
    try:
        interop.IMPORT_FORMATS[fmt](interop.first_line(text) + "\n")
    except SessionFormatError:
        return True
    return False


def check_annotations(items: list[dict[str, Any]], session, vocab: dict, *,
                      name: str) -> None:
    """Check every annotation of file ``name`` before any is added: known tags, a player of
    the session (or none) and a time within the session (0.5 s of slack at its end).

    Raises
    ------
    sessions.errors.SessionFormatError
        Naming the file and what is wrong.
    """
    for a in items:
        vocabulary.check_tags(a["tags"], vocab)
        if a["player"] is not None and a["player"] not in session.players:
            raise SessionFormatError(f"{name}: unknown player {a['player']!r}")
        if a["t"] < 0 or a["t"] > session.duration_s + 0.5:
            raise SessionFormatError(f"{name}: time {a['t']:.2f} s is outside the session")


def _identity(a: dict[str, Any]) -> tuple:
    """What makes two annotations the same: time, end, player, tags and text."""
    end = a.get("end")
    return (round(float(a["t"]), 3), None if end is None else round(float(end), 3),
            a.get("player"), tuple(sorted(a.get("tags") or ())), (a.get("text") or "").strip())


def new_annotations(items: list[dict[str, Any]], existing: list[dict[str, Any]]
                    ) -> list[dict[str, Any]]:
    """``items`` without those ``existing`` has already (same time, end, player, tags and
    text)."""
    have = {_identity(a) for a in existing}
    return [a for a in items if _identity(a) not in have]


def import_annotations(store, session_id: str, path: Path, *, fmt: str | None = None,
                       by: str | None = None, clock: str = "session",
                       input_name: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """Import an annotation file into a session.

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    path : Path
        Audacity labels (``.txt``), ELAN (``.eaf``), a Sonic Visualiser layer (``.csv``) or
        improv's own CSV (``.csv``) or JSON (``.json``) export.
    fmt : {"audacity", "elan", "sv", "csv", "json"}, optional
        Default: from the file's first line and name (:func:`sessions.interop.guess_format`).
    by : str, optional
        Author code.
    clock : {"session", "file"}
        The file's times are seconds from the session's start, or from the start of an
        audio input's file (a layer drawn over that recording in Sonic Visualiser or
        Audacity): moved onto the session clock (:func:`to_session_clock`).
    input_name : str, optional
        With ``clock="file"``: the audio input (default: the session's only one,
        :func:`clock_input`).

    Returns
    -------
    (list of dict, int)
        The annotations added, and how many of the file's the session had already.

    Raises
    ------
    sessions.errors.SessionFormatError
        The file cannot be read, or an annotation in it does not fit the session (nothing is
        added then).
    """
    path = Path(path)
    from sessions.errors import InvalidArgumentError

    if clock not in CLOCKS:
        raise InvalidArgumentError(f"clock must be one of {', '.join(CLOCKS)}, got {clock!r}",
                                   parameter="clock")
    session = store.session(session_id)
    items = read_annotation_file(path, fmt=fmt, players=session.players)
    if clock == "file":
        inp = clock_input(session, input_name)
        for a in items:
            a["t"] = round(to_session_clock(a["t"], inp), 6)
            if a.get("end") is not None:
                a["end"] = round(to_session_clock(a["end"], inp), 6)
    check_annotations(items, session, vocabulary.load(store.root), name=path.name)
    new = new_annotations(items, session.annotations())
    # one append and one refresh of the SMF markers and catalog for the whole file
    added = add_annotations(store, session_id, new, by=by, source="import")
    return added, len(items) - len(new)
