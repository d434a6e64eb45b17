"""Times as people write them: ``SS``, ``MM:SS``, ``HH:MM:SS``, with fractions."""

from __future__ import annotations

import re

from sessions.errors import InvalidArgumentError

_TIME = re.compile(r"^(?:(\d+):)??(?:(\d+):)?(\d+(?:\.\d*)?|\.\d+)$")
# a time reference inside free text: 12:30, 1:02:03, [12:30.5]; not part of a longer number
TIME_REF = re.compile(r"(?<![\d:.])\[?((?:\d{1,2}:)?\d{1,3}:[0-5]\d(?:\.\d+)?)\]?(?![\d:])")


class TypedTime(float):
    """Seconds that remember how they were typed (``"2:30"``), so that a message about them
    answers in the same form (:func:`as_typed`). Arithmetic gives plain floats."""

    text: str

    def __new__(cls, seconds: float, text: str) -> TypedTime:
        obj = super().__new__(cls, seconds)
        obj.text = text
        return obj


def as_typed(seconds: float, *, like: float | None = None) -> str:
    """``seconds`` in the form ``like`` was typed: ``M:SS.s`` if it was typed with a colon
    (:class:`TypedTime`), else ``S.SS s``; ``like`` defaults to ``seconds`` itself, whose typed
    text is given back as it was typed.

    >>> as_typed(parse_time("2:30")), as_typed(95.9, like=parse_time("2:30")), as_typed(150.0)
    ('2:30', '1:35.9', '150.00 s')
    """
    like = seconds if like is None else like
    typed = getattr(like, "text", "")
    if like is seconds and typed:
        return typed if ":" in typed else f"{typed} s"
    return format_time(seconds) if ":" in typed else f"{seconds:.2f} s"


def parse_time(text: str) -> float:
    """Seconds from ``SS``, ``MM:SS`` or ``HH:MM:SS`` (fractions allowed), as a
    :class:`TypedTime` that keeps the text.

    >>> parse_time("12:30"), parse_time("1:02:03.5"), parse_time("90.25")
    (750.0, 3723.5, 90.25)
    """
    s = str(text).strip()
    m = _TIME.match(s)
    if not m:
        raise InvalidArgumentError(
            "write the time as minutes:seconds (12:30), hours:minutes:seconds (1:02:03) or "
            f"seconds (95.5), got {text!r}",
            parameter="text")
    h, mnt, sec = m.groups()
    if h is not None and mnt is None:  # two fields: MM:SS
        h, mnt = None, h
    if (mnt is not None and h is not None and int(mnt) >= 60) or (
        mnt is not None and float(sec) >= 60
    ):
        raise InvalidArgumentError(f"minutes and seconds must be below 60 in {text!r}",
                                   parameter="text")
    return TypedTime(int(h or 0) * 3600 + int(mnt or 0) * 60 + float(sec), s)


def format_time(seconds: float, *, decimals: int = 1) -> str:
    """``M:SS.s`` or ``H:MM:SS.s``, rounded to ``decimals`` before it is split (59.97 s with one
    decimal is ``1:00.0``, not ``0:60.0``), so that :func:`parse_time` reads it back.

    >>> format_time(59.97), format_time(3599.96), format_time(-75.25, decimals=2)
    ('1:00.0', '1:00:00.0', '-1:15.25')
    """
    sign = "-" if seconds < 0 else ""
    s = round(abs(seconds), decimals)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    width = 3 + decimals if decimals else 2
    body = f"{sec:0{width}.{decimals}f}"
    return f"{sign}{int(h)}:{int(m):02d}:{body}" if h >= 1 else f"{sign}{int(m)}:{body}"


def find_time_refs(text: str) -> list[dict]:
    """Time references in free text, e.g. notes.

    Returns a list of ``{"start", "end"}`` (character offsets of the match),
    ``"text"`` and ``"t"`` [seconds].
    """
    out = []
    for m in TIME_REF.finditer(text):
        try:
            t = parse_time(m.group(1))
        except InvalidArgumentError:
            continue
        out.append({"start": m.start(), "end": m.end(), "text": m.group(0), "t": t})
    return out


def local_datetime(utc: str, *, zone: bool = True) -> str:
    """A stored UTC moment (ISO 8601) in this computer's time zone, as the web app and
    ``improv sessions list`` show it: ``2026-12-05 11:10 CET`` (``zone=False``: without the
    zone's name).

    A moment stored without a zone is read as UTC.
    """
    return local_moment(utc).strftime("%Y-%m-%d %H:%M %Z" if zone else "%Y-%m-%d %H:%M").strip()


def local_moment(utc: str):
    """A stored UTC moment (ISO 8601) as an aware :class:`datetime.datetime` in this
    computer's time zone; a moment stored without a zone is read as UTC."""
    from datetime import datetime, timezone

    t = datetime.fromisoformat(utc)
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone()


def day_words(moment: str, *, year: bool = True) -> str:
    """The day of a stored moment (ISO 8601; UTC without a zone) in this computer's time
    zone, as the web page writes a day: ``Nov 2, 2026`` (``year=False``: ``Nov 2``). A bare
    day (``2026-11-02``, a goal's dates) is that day.

    >>> day_words("2026-11-02"), day_words("2026-11-02", year=False)
    ('Nov 2, 2026', 'Nov 2')
    """
    from datetime import date

    d = date.fromisoformat(moment) if len(moment) == 10 else local_moment(moment)
    return f"{d:%b} {d.day}, {d.year}" if year else f"{d:%b} {d.day}"


def local_day(utc: str) -> str:
    """The day (``YYYY-MM-DD``) of a stored UTC moment in this computer's time zone: the day
    the therapist lived it, which a goal's dates and the reports' columns count in (a session
    at 00:30 in Berlin is on the day it started there, not on the UTC day before).

    >>> local_day("2026-12-05T11:10:00+00:00") in ("2026-12-04", "2026-12-05", "2026-12-06")
    True
    """
    return local_moment(utc).date().isoformat()


def ago_words(when_utc: str, *, now=None) -> str:
    """``today``, ``yesterday``, ``12 days ago``: how long ago ``when_utc`` (ISO 8601 with
    offset) was, in whole days of this computer's calendar (``now``: a datetime with a zone,
    for tests).

    >>> ago_words("2026-12-06T10:00:00+00:00", now=local_moment("2026-12-18T12:00:00+00:00"))
    '12 days ago'
    """
    from datetime import datetime

    then = local_moment(when_utc)
    days = ((now or datetime.now().astimezone()).date() - then.date()).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"
