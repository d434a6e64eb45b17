"""The client report: a client's course over their sessions, as HTML (printed by
:mod:`improv.reports.printing`).

The treatment goals first, then the trends (charts, legend, table), the therapist's tags and
writing (:mod:`improv.reports.client_sections`), and an appendix of every session's values
and the method. Pseudonymised: the client by code only.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from improv.reports.client_sections import nobreak
from improv.reports.page import esc, html_page, img_tag
from improv.reports.wording import counted

__all__ = ["COURSE_LEGEND", "TREND_METHOD", "TREND_PLAIN", "client_report_html"]

#: The course charts' marks in the web legend's words (improv/web/static/client.js), for the
#: client report (``{k}``: the band's SDs, ``{n}``: the baseline's sessions).
COURSE_LEGEND = (
    ("baseline band", "the mean of the {n} ± {k} standard deviations (their usual spread), "
                      "never narrower than the smallest change that matters: a later session "
                      "outside it is “outside band”"),
    ("filled point", "annotated session"),
    ("hollow point", "session without annotations"),
    ("orange triangle", "outside band: a later session whose value lies outside the baseline "
                        "band (pointing up above it, down below it)"),
    ("red ring", "outlier: far off this client’s own course (the trend line), whether inside "
                 "the band or not"),
    ("dashed line", "trend, where the change is clear and large enough to matter"),
    ("grey cross on the axis", "a session without a value: the line is broken there, and "
                               "the session is named under the chart"),
)

#: How the client report's trends are judged, for its appendix (the therapist's part says it
#: in one plain sentence, :data:`TREND_PLAIN`).
TREND_METHOD = (
    "Trend: the Theil–Sen slope (the median of the slopes between every two sessions) per "
    "session, with its 95 % interval, in the unit of the measure. A trend “changes” when the "
    "exact Mann–Kendall test rejects “no trend” at 5 % (never with fewer than five sessions "
    "with a value) and the trend changes the measure over the sessions by at least the "
    "smallest change that matters for it (else it is “too small to matter”). Baseline band: "
    "the mean of the baseline sessions ± {k} standard "
    "deviations (SD), never narrower than the smallest change that matters for the measure. "
    "Outliers: a robust z-score over 3.5 from the trend line (the median absolute deviation "
    "× 1.4826; Iglewicz & Hoaglin 1993), and off the line by at least the smallest change "
    "that matters. A session without a value of a measure is left out of its trend.")
#: The therapist's part on how a trend is judged.
TREND_PLAIN = ("Trend: the change from one session to the next, with the range it lies in "
               "(95 %). A trend is called a change only when it is clear, from five sessions "
               "on, and large enough to matter over the sessions; the method is in the "
               "appendix.")




def client_report_html(store, *, client: str, result: dict[str, Any] | None = None,
                       notes: bool = True) -> str:
    """The HTML report of a client's course (see :func:`improv.reports.compare.compare_client`).

    Sessions that could not be read (``left_out`` of the comparison) and sessions whose
    annotations or notes could not be read (their writing is left out; listed in
    ``result["writing_left_out"]``) are named under the heading.

    The treatment goals come first; then the trends (the charts with their legend and the
    sessions each has no value for, then the table), the therapist's tags, each session's
    writing, and an appendix of each session's values and the method. Sessions are named as
    on the web page and in ``improv compare`` ("Session 3 (Nov 16)"); every value is in the
    unit its heading names (a share in per cent), with the measure's own decimals
    (:func:`improv.reports.labels.shown_fixed`, :func:`~improv.reports.labels.shown_band`);
    the field names of the CSV export are left to its data dictionary.

    Without ``notes`` the therapist's verbal notes are left out (a report for supervision or a
    case review), and the report says so under its heading and in its footer; the annotations
    are printed as written either way.
    """
    from improv.reports.client_sections import session_writing_html, tag_trend_html
    from improv.reports.compare import compare_client, left_out_notes
    from improv.reports.wording import day_text, session_name

    result = result or compare_client(store, client=client)
    sess = result["sessions"]
    year = len({day_text(s["started_utc"])[-4:] for s in sess}) > 1
    name = {s["id"]: session_name(s.get("number"), s["started_utc"], session_id=s["id"],
                                  year=year) for s in sess}
    written, unread = _readable_writing(store, sess, name, notes=notes)
    result["writing_left_out"] = unread  # for the command line's warnings
    problems = [*left_out_notes(result), *unread]
    parts = [f"<h1>Client {esc(client)}</h1>",
             f"<p class=meta>{counted(len(sess), 'session')} from "
             f"{esc(day_text(sess[0]['started_utc']))} to "
             f"{esc(day_text(sess[-1]['started_utc']))} · baseline: the first "
             + (f"{len(result['baseline'])} sessions" if len(result["baseline"]) > 1
                else "session") + "</p>",
             "".join(f"<p class=meta><b>Left out:</b> {esc(p)}</p>" for p in problems),
             _goals_section(store, client),  # before the trends
             _legend_html(result),
             _charts_html(result, client=client),
             _trend_table_html(result, name),
             tag_trend_html(store, written),
             session_writing_html(store, written, notes=notes),
             _appendix_html(result, name)]
    return html_page(f"improv client {client}", "".join(parts), notes=notes)


def _readable_writing(store, sessions: list[dict[str, Any]], name: dict[str, str], *,
                      notes: bool = True) -> tuple[list[dict[str, Any]], list[str]]:
    """The sessions whose annotations and notes can be read, and a sentence for each of the
    others ("Session 4 (Jan 12): its annotations or notes could not be read and are left
    out: ..."): a damaged annotation log or notes file leaves that session's writing out of
    the report, not the report. Without ``notes`` their notes are not read."""
    from improv.reports.compare import session_problem, unreadable_errors
    from sessions.notes import read_notes

    ok, problems = [], []
    for s in sessions:
        try:
            session = store.session(s["id"])
            session.annotations()
            if notes:
                read_notes(session.folder)
        except unreadable_errors() as exc:
            problems.append(f"{name[s['id']]}: its annotations or notes could not be read and "
                            f"are left out: {session_problem(exc, root=store.root)}")
        else:
            ok.append(s)
    return ok, problems


def _goals_section(store, client: str) -> str:
    from improv.reports.goals import goals_progress
    from improv.reports.goals_report import goals_section_html

    return goals_section_html(goals_progress(store, client))


def _legend_html(result: dict[str, Any]) -> str:
    """The Trends heading and the legend of the marks the charts hold (:data:`COURSE_LEGEND`)."""
    from improv.reports.trend_plots import shows_trend

    sess = result["sessions"]
    base = counted(len(result["baseline"]), "baseline session")
    feats = [result["features"][c] for c in result["columns"]]
    drawn = {"baseline band": any(f["band"] for f in feats),  # the marks the charts hold
             "orange triangle": any(f.get("outside_band") for f in feats),
             "red ring": any(f["outliers"] for f in feats),
             "dashed line": any(shows_trend(f) for f in feats),
             "grey cross on the axis": any(None in f["values"] and any(
                 v is not None for v in f["values"]) for f in feats),
             "filled point": any(s["annotations"] for s in sess),
             "hollow point": any(not s["annotations"] for s in sess)}
    k_sd = f"{result['band_sd']:g}"
    return ("<h2>Trends</h2><table class=small><tr><th>mark</th><th>meaning</th></tr>"
            + "".join(f"<tr><td class=nowrap>{esc(a)}</td><td>"
                      f"{esc(b.format(k=k_sd, n=base))}</td></tr>"
                      for a, b in COURSE_LEGEND if drawn.get(a, True)) + "</table>")


def _charts_html(result: dict[str, Any], *, client: str) -> str:
    """The course charts, two rows of panels a chart (:func:`improv.reports.trend_plots.charts`)
    kept whole on a page, so that a page breaks between charts; each drawn at the page's
    width and printed at its own size, with the sessions it has no value for under it."""
    from improv.reports.trend_plots import charts, missing_values, plot_client

    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, chunk in enumerate(charts(result["columns"])):
            who = ", ".join(dict.fromkeys(c.split(".")[0].replace("|", " & ") for c in chunk))
            gone = missing_values(result, chunk)
            parts.append("<div class=curves>" + img_tag(plot_client(
                result, to=Path(tmp) / f"c{k}.png", columns=chunk,
                title=f"Client {client}: {who}"), "page")
                + "".join(f"<p class=small>{esc(x)}</p>" for x in gone) + "</div>")
    return "".join(parts)


def _trend_table_html(result: dict[str, Any], name: dict[str, str]) -> str:
    """Each measure's trend, whether it changes, its baseline band and the sessions outside
    the band or off the course (``name``: the sessions' names by ID)."""
    from improv.reports.labels import column_title, shown_band, shown_slope
    from improv.reports.wording import change_word

    def named(ids) -> str:  # a session's name never broken inside ("2026-11-" / "23")
        return ", ".join(nobreak(name.get(i, i)) for i in ids) or "–"

    trs = []
    for c in result["columns"]:
        f = result["features"][c]
        t = f["trend"]
        trend_txt = "–" if not t else (
            f"{shown_slope(c, t['slope_per_session'])} per session "
            f"<span class=nowrap>[{shown_slope(c, t['ci_low'])}, "
            f"{shown_slope(c, t['ci_high'])}]</span>")
        word = f.get("change") or change_word(t, len([v for v in f["values"] if v is not None]))
        verdict = {"yes": "<span class=up>changes</span>", "no": "no clear change",
                   "–": ""}.get(word, esc(word))
        trs.append(f"<tr><td>{esc(column_title(c))}</td><td>{trend_txt}</td><td>{verdict}</td>"
                   f"<td class=nowrap>{esc(shown_band(c, f['band']))}</td>"
                   f"<td>{named(f['outside_band'])}</td>"
                   f"<td>{named(f['outliers'])}</td></tr>")
    return (f"<p class=small>{esc(TREND_PLAIN)}</p>"
            "<table><tr><th>measure</th>"
            "<th>trend</th><th>change</th><th>baseline mean ± SD</th><th>outside the band</th>"
            "<th>outliers</th></tr>" + "".join(trs) + "</table>")


def _appendix_html(result: dict[str, Any], name: dict[str, str]) -> str:
    """The appendix: each session's values, six measures a table (so it fits the page's
    width), the measures' definitions and the method."""
    from improv.reports.labels import column_title, meaning, shown_fixed, shown_unit

    cols, sess = result["columns"], result["sessions"]
    parts = ['<h2 style="page-break-before: always">Appendix: the measures of each '
             'session</h2><p class=small>Each value in the unit its heading names (a share '
             'in per cent), as in the Trends table. The field names and the values as '
             'stored are in the CSV export and its data dictionary (<code>improv compare '
             '--client CODE --export FOLDER</code>, or “Export CSV” and “Data dictionary '
             'CSV” on the client page).</p>']
    for k in range(0, len(cols), 6):
        chunk = cols[k:k + 6]
        ths = "".join(f"<th>{esc(column_title(c))}</th>" for c in chunk)
        trs = [f"<tr><td>{nobreak(name[s['id']])}</td>"
               f"<td class=num>{s['annotations']}</td>"
               + "".join(f"<td class=num>{esc(shown_fixed(c, s['values'].get(c)))}</td>"
                         for c in chunk) + "</tr>"
               for s in sess]
        parts.append("<table class=appendix><tr><th>session</th><th>annotations</th>"
                     f"{ths}</tr>" + "".join(trs) + "</table>")
    defs = "".join(f"<tr><td>{esc(column_title(c))}</td><td>{esc(shown_unit(c) or '–')}</td>"
                   f"<td>{esc(meaning(c))}</td></tr>" for c in cols)
    parts.append("<h3>Definitions</h3><table class=definitions><tr><th>measure</th><th>unit</th>"
                 "<th>meaning</th></tr>" + defs + "</table>")
    k_sd = f"{result['band_sd']:g}"
    parts.append(f"<h3>Method</h3><p class=small>{esc(TREND_METHOD.format(k=k_sd))}</p>")
    return "".join(parts)
