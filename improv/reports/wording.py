"""Words shared by the reports and the command line."""

from __future__ import annotations


def percent(share: float) -> str:
    """A share (0-1) as a whole per cent: ``62 %``.

    >>> percent(0.617)
    '62 %'
    """
    return f"{round(100 * share):d} %"


def sentence(text: str, measures: dict) -> dict:
    """A sentence of the plain summary (its first letter a capital: "Client played …" for the
    player ``client``) with the measures it used (``{name: value}``)."""
    return {"text": text[:1].upper() + text[1:], "measures": measures}


def counted(n: int, word: str) -> str:
    """``1 session``, ``3 sessions`` (English plural with -s)."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


#: Fewest sessions with a value for a trend test that can say "no change": the exact
#: Mann-Kendall test at 5 % never rejects "no trend" with fewer than five (analysis.trends).
MIN_SESSIONS_TO_JUDGE = 5


#: The verdict on a clear trend whose change over the sessions compared is less than the
#: smallest change that matters for its measure (:func:`improv.reports.compare.too_small`).
TOO_SMALL = "too small to matter"


def change_word(trend: dict | None, n: int, *, too_small: bool = False) -> str:
    """"yes" for a trend distinguishable from none, "no" for one that is not, "too few
    sessions to judge" below :data:`MIN_SESSIONS_TO_JUDGE` sessions, "–" without a trend;
    :data:`TOO_SMALL` for a distinguishable one that ``too_small`` says changed the measure
    by less than the smallest change that matters over the sessions compared (the therapist's
    silence falling by 0.2 percentage points over ten sessions: a clear test, no change).

    >>> t = {"distinguishable": True}
    >>> change_word(t, 10), change_word(t, 10, too_small=True)
    ('yes', 'too small to matter')
    >>> change_word({"distinguishable": False}, 10, too_small=True), change_word(None, 10)
    ('no', '–')
    """
    if not trend:
        return "–"
    if trend["distinguishable"]:
        return TOO_SMALL if too_small else "yes"
    return "too few sessions to judge" if n < MIN_SESSIONS_TO_JUDGE else "no"


def everyone(n_players: int) -> str:
    """Who an annotation about no one player is about: ``both players`` in a duet, else
    ``all players`` (as the web app says it)."""
    return "both players" if n_players == 2 else "all players"


def unconfirmed(annotation: dict) -> bool:
    """Whether an annotation is a role suggestion of the analysis that the therapist has not
    confirmed (source ``suggestion`` and still tagged ``suggestion``): not the therapist's
    observation, so it is neither drawn on the curves nor listed with the therapist's
    annotations. The rule is :func:`sessions.annotation_log.unconfirmed_suggestion`, which
    the catalog's counts use too.

    >>> unconfirmed({"source": "suggestion", "tags": ["suggestion", "autonomy:leader"]})
    True
    >>> unconfirmed({"source": "suggestion", "tags": ["autonomy:leader"]})  # confirmed
    False
    >>> unconfirmed({"tags": ["suggestion"]})  # the therapist's own tag
    False
    """
    from sessions.annotation_log import unconfirmed_suggestion

    return unconfirmed_suggestion(annotation)


def day_text(utc: str, *, year: bool = True) -> str:
    """The day of a stored UTC moment as the web page writes it: ``Nov 2, 2026``
    (:func:`sessions.timefmt.day_words`).

    >>> day_text("2026-11-02"), day_text("2026-11-02", year=False)
    ('Nov 2, 2026', 'Nov 2')
    """
    from sessions.timefmt import day_words

    return day_words(utc, year=year)


def moment_text(utc: str) -> str:
    """A stored UTC moment in this computer's time zone, the day as :func:`day_text` writes
    it, the time on the 24-hour clock with the zone's name: ``Nov 2, 2026, 09:00 UTC``."""
    from sessions.timefmt import local_moment

    t = local_moment(utc)
    return f"{day_text(utc)}, {t:%H:%M} {t:%Z}".strip()


def session_name(number: int | None, started_utc: str, *, session_id: str = "",
                 year: bool = False) -> str:
    """A session as the web app and ``improv compare`` name it: ``Session 3 (Nov 16)``
    (``year``: ``Session 3 (Nov 16, 2026)``, for sessions over more than one year); one
    without a number by its ID: ``20261116-090000-4d60 (Nov 16)``.

    >>> session_name(3, "2026-11-16T09:00:00+00:00")[:11]
    'Session 3 ('
    """
    day = day_text(started_utc, year=year)
    return f"Session {number} ({day})" if number else f"{session_id} ({day})"


def spans_years(sessions) -> bool:
    """True if ``sessions`` (each with ``started_utc``) started in more than one year (local
    time): then a day needs its year."""
    from sessions.timefmt import local_moment

    return len({local_moment(s["started_utc"]).year for s in sessions}) > 1


def sessions_named(names: list[str]) -> str:
    """Names joined as people list them: ``A``, ``A and B``, ``A, B and C``; ``–`` for none.

    >>> sessions_named(["Session 3 (Nov 16)", "Session 5 (Nov 30)"])
    'Session 3 (Nov 16) and Session 5 (Nov 30)'
    """
    if not names:
        return "–"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def players_differ(sessions) -> str | None:
    """A sentence when a client's sessions do not all name the same players, or None.

    Measures are followed over sessions by player name, so a session whose players were
    named after its files ("Piano-client", "room-1") starts courses of its own, and the
    client's course over months breaks without a word. ``sessions``: rows with ``number``,
    ``started_utc`` and ``players`` (names, or ``{"name": …}`` as
    :meth:`sessions.store.Store.list` gives them), in any order.

    >>> players_differ([
    ...     {"number": 1, "started_utc": "2026-11-02T10:00:00+00:00", "players": ["a", "b"]},
    ...     {"number": 2, "started_utc": "2026-11-09T10:00:00+00:00", "players": ["b", "a"]}])
    """
    groups: dict[tuple[str, ...], list[dict]] = {}
    for s in sorted(sessions, key=lambda s: (s["number"] or 0, s["started_utc"])):
        names = sorted(p["name"] if isinstance(p, dict) else p for p in s["players"])
        groups.setdefault(tuple(names), []).append(s)
    if len(groups) < 2:
        return None
    said = "; ".join(
        f"{sessions_named([session_name(s['number'], s['started_utc']) for s in rows])}: "
        f"{', '.join(players)}" for players, rows in groups.items())
    return (f"The sessions do not all name the same players ({said}). Each measure is "
            "followed by player name, so the same person needs the same name in every "
            "session: rename a player on the session's page (Correct title, client or "
            "players).")


def backup_item_words(rel: str, *, verb: str = "is",
                      file_words: dict[str, str] | None = None) -> str:
    """A file of a backup for people, with its verb: ``the goals of C07 are``, ``setups.json
    is``, ``session ID: audio/x.wav is``; ``file_words`` names store-level files (the command
    line and the Backups page name them their own way).

    >>> (backup_item_words("clients/C07/goals.jsonl"),
    ...  backup_item_words("sessions/S/audio/x.wav", verb="is not"))
    ('the goals of C07 are', 'session S: audio/x.wav is not')
    """
    parts = rel.split("/")
    plural = {"is": "are", "is not": "are not", "was not": "were not"}.get(verb, verb)
    if parts[0] == "clients" and len(parts) == 3:
        return f"the goals of {parts[1]} {plural}"
    if parts[0] == "clients":
        return f"the clients' goals {plural}"
    if parts[0] == "sessions" and len(parts) >= 3:
        return f"session {parts[1]}: {'/'.join(parts[2:])} {verb}"
    return f"{(file_words or {}).get(rel, rel)} {verb}"


def size_words(n_bytes: int) -> str:
    """``830 kB``, ``12.3 MB``, ``1.40 GB``: a size for people (decimal units), as
    ``improv info`` and the Backups page write it.

    >>> size_words(0), size_words(4_200), size_words(12_345_678), size_words(1_400_000_000)
    ('0 kB', '4 kB', '12.3 MB', '1.40 GB')
    """
    if n_bytes < 1e6:
        return f"{round(n_bytes / 1e3):.0f} kB"
    if n_bytes < 1e9:
        return f"{n_bytes / 1e6:.1f} MB"
    return f"{n_bytes / 1e9:.2f} GB"

