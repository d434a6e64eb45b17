"""The treatment goals section of the client report (before the feature tables).

One part per goal: its text and state, each version with its period, a table of the
indicators (direction, sessions, baseline band, trend, verdict) and the values per session,
and the goal's reading in plain words (:func:`improv.reports.goals.goal_line`).  Everything
the therapist wrote is HTML-escaped. A client without sessions yet has a report of their goals
alone (:func:`goals_only_report_html`).
"""

from __future__ import annotations

import html
from typing import Any


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _indicator_rows(indicators: list[dict[str, Any]]) -> str:
    from improv.reports.goals import indicator_heading, shown_values
    from improv.reports.labels import shown_slope

    rows = []
    for i in indicators:
        # in the units and decimals of the rest of the report: shares in %, notes as names
        s = shown_values(i)
        t, col = i.get("trend"), i.get("column")
        trend = s["trend_text"]  # a tag count's in words: "no clear trend: 0 more per …"
        if t and col:  # as the Trends table writes a slope
            trend = (f"{shown_slope(col, t['slope_per_session'])} per session "
                     f"[{shown_slope(col, t['ci_low'])}, {shown_slope(col, t['ci_high'])}]")
        verdict = i["verdict"] + ("" if i["towards"] is None else
                                  (", towards the goal" if i["towards"] else
                                   ", away from the goal"))
        rows.append(f"<tr><td>{_e(indicator_heading(i))}</td><td>{_e(i['direction'])}</td>"
                    f"<td class=num>{i['n']}</td>"
                    f"<td>{_e(s['band'])}</td>"
                    f"<td>{_e(trend)}</td><td>{_e(verdict)}</td></tr>")
    return ("<table><tr><th>indicator</th><th>progress is</th><th>sessions</th>"
            "<th>baseline mean ± SD</th><th>trend</th><th>verdict</th></tr>"
            + "".join(rows) + "</table>")


def _values_table(version: dict[str, Any], name: dict[str, str]) -> str:
    from improv.reports.goals import indicator_heading, shown_values
    from improv.reports.labels import shown_fixed

    inds = version["indicators"]
    # a measure's values with its decimals, as the Trends table and its appendix write them
    shown = [[shown_fixed(i["column"], v) for v in i["values"]] if i.get("column")
             else shown_values(i)["values"] for i in inds]
    head = "".join(f"<th>{_e(indicator_heading(i))}</th>" for i in inds)
    rows = "".join(f"<tr><td class=nowrap>{_e(name.get(sid, sid))}</td>"
                   + "".join(f"<td class=num>{_e(v[n])}</td>" for v in shown)
                   + "</tr>" for n, sid in enumerate(version["sessions"]))
    return f"<table><tr><th>session</th>{head}</tr>{rows}</table>"


def goals_section_html(result: dict[str, Any]) -> str:
    """The section for :func:`improv.reports.goals.goals_progress`'s ``result``."""
    from improv.reports.goals import goal_line, plan_text, version_words
    from improv.reports.wording import day_text, session_name

    sessions = result["sessions"]
    year = len({day_text(s["started_utc"])[-4:] for s in sessions}) > 1
    name = {s["id"]: session_name(s.get("number"), s["started_utc"], session_id=s["id"],
                                  year=year) for s in sessions}

    def day(text: str | None) -> str:  # a goal's day (YYYY-MM-DD) as the report writes days
        if not text:
            return "now"
        try:
            return day_text(text)
        except ValueError:  # not a day: as it is
            return text

    plan = plan_text(result["plan"], len(result["sessions"]))
    parts = ["<h2>Treatment goals</h2>"]
    if not result["goals"]:  # the method belongs only where there are goals to read by it
        said = f"<p class=meta>{_e(plan[:1].upper() + plan[1:])}.</p>" if result["plan"] else ""
        return "".join(parts) + said + "<p>No goals recorded.</p>"
    if not sessions:  # goals agreed before the first session: what each will follow
        parts.append(f"<p class=meta>{_e(plan[:1].upper() + plan[1:])}.</p>")
    else:
        parts.append(f"<p class=meta>{_e(plan[:1].upper() + plan[1:])}. "
                     "Each indicator over the sessions while the goal (in that version) was "
                     "active: the baseline band of its first three sessions, its trend, and a "
                     "verdict. A measure kept when the goal was changed keeps the band of the "
                     "sessions it was first followed in, and the reading follows it over all "
                     "sessions since. A trend is called a change only when it is clear, from "
                     "five sessions on, and large enough to matter; the method is in the "
                     "appendix.</p>")
    for k, g in enumerate(result["goals"], 1):
        parts.append(f'<div class=goal style="page-break-inside: avoid"><h3>Goal {k}: '
                     f"{_e(g['text'])}</h3><p class=meta>{_e(g['status'])}, agreed "
                     f"{_e(day(g['since']))}{' · ended ' + _e(day(g['end'])) if g['end'] else ''}"
                     f"{' · ' + _e(g['reason']) if g.get('reason') else ''}</p>")
        for n, v in enumerate(g["versions"], 1):
            if len(g["versions"]) > 1 or not v["used"]:
                parts.append(f"<p class=small>{_e(version_words(g['versions'], n, day=day))}: "
                             f"“{_e(v['text'])}”</p>")
            if v["used"] and v["indicators"] and not sessions:
                parts.append("<p>Follows: " + "; ".join(_e(i["follows"])
                                                        for i in v["indicators"]) + ".</p>")
            elif v["used"] and v["indicators"]:
                parts.append(_indicator_rows(v["indicators"]))
                if v["sessions"]:
                    parts.append(_values_table(v, name))
        parts.append(f"<p><b>Reading:</b> {_e(goal_line(g))}</p></div>" if sessions
                     else "</div>")
    return "".join(parts)


def goals_only_report_html(store, client: str) -> str:
    """The report of a client without sessions yet: the goals agreed before the first session
    (what each will follow, the planned length), on one page, for the intake's documentation.

    Raises
    ------
    ParameterError
        When the client has sessions (their report is the client report) or no goals either.
    """
    from improv.errors import ParameterError
    from improv.reports.goals import goals_progress
    from improv.reports.page import html_page
    from sessions import goals as gl

    if store.list(client=client):
        raise ParameterError(f"client {client!r} has sessions: theirs is the client report",
                             parameter="client")
    if not gl.has_goal_log(store, client):
        raise ParameterError(f"client {client!r} has no sessions and no goals (see 'improv "
                             "sessions list')", parameter="client")
    result = goals_progress(store, client, analyse=False)
    body = (f"<h1>Client {_e(client)}</h1><p class=meta>No sessions yet: the goals agreed "
            "before the first session. The course over sessions comes with the first session "
            "recorded or imported with this client code.</p>" + goals_section_html(result))
    return html_page(f"improv client {client}", body)
