"""Sections of the client report that come from the therapist's own writing: the trend of
their tags across sessions, and each session's annotations and notes.

Pseudonymised like the rest of the report (client codes only; improv stores no names); the
text is HTML-escaped by the caller's ``_e``. The verbal notes, the therapist's most private
free text, can be left out (``notes=False``: a report for supervision or a case review); the
annotations are printed as written. Role suggestions of the analysis that were never
confirmed (source ``suggestion``) are not the therapist's tags and are left out of the trend.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

import numpy as np

from sessions.timefmt import local_day

__all__ = ["annotation_time", "nobreak", "tag_counts", "tag_trend_html", "session_writing_html"]


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _own(a: dict[str, Any]) -> bool:
    """An annotation the therapist wrote or confirmed (not an unconfirmed suggestion)."""
    from improv.reports.wording import unconfirmed

    return not unconfirmed(a)


def _names(sessions: list[dict[str, Any]]) -> list[str]:
    """The sessions as the web page and ``improv compare`` name them, ``Session 3 (Nov 16)``
    (with the year where they span more than one)."""
    from improv.reports.wording import session_name

    year = len({local_day(s["started_utc"])[:4] for s in sessions}) > 1
    return [session_name(s.get("number"), s["started_utc"], session_id=s["id"], year=year)
            for s in sessions]


def annotation_time(a: dict[str, Any]) -> str:
    """An annotation's time as every report writes it: its start, and for a range its end too
    (``0:40.0–1:05.0``; a 25 s passage is not a single moment).

    >>> annotation_time({"t": 40.0, "end": 65.0}), annotation_time({"t": 40.0, "end": None})
    ('0:40.0–1:05.0', '0:40.0')
    """
    from sessions.timefmt import format_time

    end = a.get("end")
    return format_time(a["t"]) + ("" if end is None else "–" + format_time(end))


def nobreak(name: str) -> str:
    """A session's name (escaped) that breaks only before its day, never inside a date."""
    head, _, day = name.partition(" (")
    return _e(head).replace(" ", "&nbsp;") + (" (" + _e(day).replace(" ", "&nbsp;")
                                               if day else "")


def tag_counts(store, session_ids: list[str]) -> dict[str, list[int]]:
    """How often each tag of the therapist's own annotations occurs, per session.

    Returns
    -------
    dict
        Tag -> counts in ``session_ids`` order; the bare ``marker`` tag is left out (it marks a
        moment, it does not describe one). Most used tags first.
    """
    per = []
    for sid in session_ids:
        anns = [a for a in store.session(sid).annotations() if _own(a)]
        per.append(Counter(t for a in anns for t in a.get("tags", []) if t != "marker"))
    total = Counter()
    for c in per:
        total.update(c)
    return {t: [c.get(t, 0) for c in per] for t, _ in total.most_common()}


def tag_trend_html(store, sessions: list[dict[str, Any]]) -> str:
    """The trend of the therapist's own tags (e.g. the autonomy roles) across the sessions:
    counts per session, the Theil-Sen slope and whether it changes ("too few sessions to
    judge" below five)."""
    from analysis import trends
    from improv.reports.goals import count_trend_words
    from improv.reports.tag_words import tag_words
    from improv.reports.wording import change_word

    counts = tag_counts(store, [s["id"] for s in sessions])
    head = "<h2>The therapist's tags across sessions</h2>"
    if not counts:
        return head + "<p>No tags in these sessions.</p>"
    days = np.array([s["days"] for s in sessions], dtype=float)
    # a session's name breaks before its day, never inside it ("2026-11-" / "02")
    cols = "".join(f"<th>{nobreak(n)}</th>" for n in _names(sessions))
    rows = []
    for tag, n in counts.items():
        tr = trends.trend(np.array(n, dtype=float), days=days)
        t = tr.to_dict() if tr else None
        slope = count_trend_words(t)  # "no change", not "+0 per session"
        rows.append(f"<tr><td>{_e(tag_words(tag))}</td>"
                    + "".join(f"<td class=num>{k}</td>" for k in n)
                    + f"<td>{slope}</td><td>{_e(change_word(t, len(n)))}</td></tr>")
    return (head + "<p class=small>Annotations the therapist wrote or confirmed (not the "
            "analysis's unconfirmed suggestions), counted per session; “changes” as for the "
            "measures.</p><table><tr><th>tag</th>" + cols + "<th>trend</th><th>changes</th></tr>"
            + "".join(rows) + "</table>")


def session_writing_html(store, sessions: list[dict[str, Any]], *, notes: bool = True) -> str:
    """Each session's plain summary (:mod:`improv.reports.summary_text`, from the cached
    analysis), the therapist's own annotations (time or range, player, tags, text; the
    analysis's unconfirmed role suggestions only counted) and, with ``notes``, their verbal
    notes, oldest first; "No annotations or notes." once for a session with neither. Without
    ``notes`` the heading says once that the notes are left out, and no session's part says
    whether it has any."""
    from improv.reports.summary_text import session_summary, summary_html
    from improv.reports.tag_words import tags_in_words
    from improv.reports.wording import everyone
    from sessions.notes import read_notes

    parts = ["<h2>Each session: summary, annotations and notes</h2>" if notes else
             "<h2>Each session: summary and annotations</h2><p>The therapist's verbal notes "
             "are left out of this report.</p>"]
    for s, name in zip(sessions, _names(sessions), strict=True):
        session = store.session(s["id"])
        every = session.annotations()
        anns = [a for a in every if _own(a)]
        waiting = len(every) - len(anns)
        text = read_notes(session.folder).strip() if notes else ""
        parts.append(f"<h3>{_e(name)} <span class=small>· {_e(s['id'])}</span></h3>"
                     + summary_html(session_summary(store, s["id"])["groups"]))
        if anns:
            trs = "".join(
                f"<tr><td class=nowrap>{annotation_time(a)}</td>"
                f"<td>{_e(a.get('player') or everyone(len(session.players)))}</td>"
                f"<td>{_e(tags_in_words(a['tags']))}</td>"
                f"<td>{_e(a.get('text'))}</td></tr>" for a in anns)
            parts.append("<table><tr><th>time</th><th>player</th><th>tags</th><th>text</th>"
                         f"</tr>{trs}</table>")
        elif text or not notes:
            parts.append("<p>No annotations.</p>")
        else:  # said once, not as "No annotations." and "No notes."
            parts.append("<p>No annotations or notes.</p>")
        if waiting:
            said = "One role suggestion of the analysis is" if waiting == 1 else \
                f"{waiting} role suggestions of the analysis are"
            parts.append(f"<p class=small>{said} waiting for review on the session page "
                         "(not listed here).</p>")
        if text:
            parts.append(f"<p><b>Notes:</b></p><pre>{_e(text)}</pre>")
        elif anns and notes:
            parts.append("<p>No notes.</p>")
    return "".join(parts)
