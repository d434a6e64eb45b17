"""Plots of a client's course: one small-multiple figure, a panel per feature.

Sessions lie on a date axis (in their order, where a day holds two:
:func:`session_axis`); the baseline band (mean ± k·SD of the baseline
sessions) is shaded; the Theil–Sen trend is drawn when it is a change
(:func:`shows_trend`: distinguishable from no change and large enough to matter);
annotated sessions are drawn as filled markers, others hollow;
sessions outside the band are orange triangles (pointing the way they left it),
outliers are ringed, and a session without a value breaks the line and is marked
with a grey cross on the axis (:func:`missing_values` says why, under the chart).
The legend names every mark drawn in the figure. matplotlib (Agg) is imported
only here.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from improv.reports.wording import counted
from sessions.timefmt import local_moment


def trend_fit(values, trend: dict[str, Any] | None) -> list[float] | None:
    """The Theil–Sen line at each session, as drawn in the plots (None without a trend).

    The slope is per session; the intercept is the median of ``value - slope·index``.
    """
    if not trend:
        return None
    v = np.array([np.nan if x is None else x for x in values], dtype=float)
    if not np.isfinite(v).any():
        return None
    idx = np.arange(len(v))
    slope = trend["slope_per_session"]
    return (np.nanmedian(v - slope * idx) + slope * idx).tolist()


def shows_trend(feature: dict[str, Any]) -> bool:
    """Whether a course chart draws the trend line of ``feature`` (one of ``features`` of
    :func:`improv.reports.compare.compare_client`): only where its verdict is a change
    (``change`` "yes"), the same word as the table beside the chart. A clear trend too small
    to matter (:func:`improv.reports.compare.too_small`: the therapist's silence falling by
    0.14 percentage points over eight sessions, its test clear) has no line: a dashed line
    beside the words "too small to matter" would still show the therapist a change, and a
    nearly flat line says nothing the points do not.

    >>> shows_trend({"trend": {"distinguishable": True}, "change": "yes"})
    True
    >>> shows_trend({"trend": {"distinguishable": True}, "change": "too small to matter"})
    False
    """
    trend = feature.get("trend")
    if not trend or not trend.get("distinguishable"):
        return False
    return feature.get("change", "yes") == "yes"


def session_ticks(dates: list[datetime], *, most: int = 12) -> tuple[list, list[str]]:
    """Ticks at the sessions themselves (so each lines up with its points), labelled with the
    day as the rest of the report writes it (``Nov 2``; with the year where the sessions span
    more than one), and the time too where a day has several sessions; at most ``most``."""
    days = [d.date() for d in dates]
    year = len({d.year for d in dates}) > 1
    step = max(1, int(np.ceil(len(dates) / most)))
    chosen = list(range(0, len(dates), step))
    names = [f"{d:%b} {d.day}" + (f", {d.year}" if year else "")
             + (f" {d:%H:%M}" if days.count(d.date()) > 1 else "") for d in dates]
    return [dates[i] for i in chosen], [names[i] for i in chosen]


def days_repeat(dates: list[datetime]) -> bool:
    """Whether two of the sessions (at ``dates``, local) fell on one day."""
    days = [d.date() for d in dates]
    return len(set(days)) < len(days)


def session_axis(sessions: list[dict[str, Any]], *,
                 most: int = 12) -> tuple[list, list, list[str], str]:
    """Where each session stands on a course chart's x axis, its ticks and their labels, and
    the axis' name: ``(x, ticks, labels, name)``.

    Sessions on different days stand on their dates (:func:`session_ticks`): the distance
    between points is the time between sessions, so a break of a month shows. Where two
    sessions fell on one day, they would stand on one point of a date axis, their labels over
    each other ("Dec 6 19:07" twice), and a few hours apart is too little to see beside weeks.
    Then every session stands on its own place in the order, one step apart, labelled with the
    number and the day the report names it by (``3 · Oct 19`` for "Session 3 (Oct 19)"): the
    therapist finds each session by the name they read everywhere else in the report, and the
    trend, a change *per session*, is a straight line on that axis. Spreading same-day
    sessions a little around their date instead would keep the dates but put two points
    under one label and draw a trend per session on an axis of days.
    """
    dates = [local_moment(s["started_utc"]) for s in sessions]  # the days the therapist lived
    if not days_repeat(dates):
        ticks, names = session_ticks(dates, most=most)
        return dates, ticks, names, ""
    year = len({d.year for d in dates}) > 1
    step = max(1, int(np.ceil(len(dates) / most)))
    x = list(range(1, len(dates) + 1))
    names = [f"{s.get('number') or i + 1} · {d:%b} {d.day}" + (f", {d.year}" if year else "")
             for i, (s, d) in enumerate(zip(sessions, dates, strict=True))]
    chosen = range(0, len(dates), step)
    return x, [x[i] for i in chosen], [names[i] for i in chosen], "session number · day"


#: Colours of the course charts' marks (the web page's, improv/web/static/client.js).
BAND_FILL, BAND_LINE, POINT, OUTSIDE, OUTLIER, TREND, MISSING = (
    "#9ecae1", "#3182bd", "#08306b", "#e6550d", "#d62728", "#d95f0e", "#777777")


#: Why a session has no tempo, as the course charts say it: (the words on the chart's axis,
#: the words under it). A session's tempo is given only for a clear pulse
#: (:data:`analysis.beats.CLEAR_SHARE` of the playing, on one tempo); a pulse that was clear
#: only part of the time has a tempo in the session's summary ("around 69 BPM"), but none to
#: chart: "no clear pulse" there would contradict the summary's "a clear pulse much of the
#: time" (review rev-months, 2).
NO_PULSE = ("no clear pulse", "no clear pulse")
PART_PULSE = ("no single tempo", "no single tempo (a clear pulse only part of the time)")
NO_FIT = ("no single tempo", "no single tempo (no one tempo fits the pulse)")
NO_VALUE = ("no value", "no value")


def gap_words(result: dict[str, Any], column: str, index: int) -> tuple[str, str]:
    """Why session ``index`` has no value of ``column``: (the words on the chart's axis, the
    words under it).

    A tempo is only given with a clear pulse. Where the player's pulse was clear only part of
    the time (intermittent: a tentative tempo from at least
    :data:`analysis.beats.RARE_PULSE_SHARE` of the playing) the session has a pulse but no
    single tempo (:data:`PART_PULSE`; :data:`NO_FIT` where the pulse was there nearly
    throughout, as the plain summary says it: "no single tempo fits it"); else there was no
    clear pulse (:data:`NO_PULSE`). Any other measure was not measured (no such input, or too
    little playing): :data:`NO_VALUE`. The session's values (``sessions[index]["values"]`` of
    :func:`improv.reports.compare.compare_client`) say which.
    """
    from analysis.beats import CLEAR_SHARE, RARE_PULSE_SHARE

    if not column.endswith(".tempo_bpm"):
        return NO_VALUE
    values = result["sessions"][index].get("values") or {}
    stem = column[: -len("tempo_bpm")]
    share, tentative = values.get(stem + "pulsed_share"), values.get(stem + "tempo_bpm_tentative")
    if tentative and share is not None and share >= RARE_PULSE_SHARE:
        return NO_FIT if share >= CLEAR_SHARE else PART_PULSE
    return NO_PULSE


def gaps(result: dict[str, Any], column: str) -> list[dict[str, str] | None]:
    """Each session's gap in ``column`` (:func:`gap_words`) for the client page: None where it
    has a value, else ``{"mark": words on the axis, "why": words under the chart}``."""
    out: list[dict[str, str] | None] = []
    for i, v in enumerate(result["features"][column]["values"]):
        mark, why = gap_words(result, column, i) if v is None else (None, None)
        out.append(None if mark is None else {"mark": mark, "why": why})
    return out


def missing_values(result: dict[str, Any], columns: list[str]) -> list[str]:
    """The sessions a chart has no value for, each measure's in one line, by reason
    (:func:`gap_words`): "client (MIDI) and therapist (MIDI) · Tempo (BPM): Session 3 (Nov 16)
    and Session 5 (Nov 30): no single tempo (a clear pulse only part of the time), not
    counted." (players with the same sessions missing for the same reason share a line)."""
    from improv.reports.labels import heading, source_name
    from improv.reports.wording import session_name, sessions_named

    sessions = result["sessions"]
    year = len({s["started_utc"][:4] for s in sessions}) > 1
    lines: dict[tuple[str, tuple[int, ...], str], list[str]] = {}
    for c in columns:
        values = result["features"][c]["values"]
        gone = [i for i, v in enumerate(values) if v is None]
        if not gone or len(gone) == len(values):
            continue
        parts = c.split(".")
        who = parts[0].replace("|", " & ") + (
            f" ({source_name('.'.join(parts[1:-1]))})" if len(parts) >= 3 else "")
        by_reason: dict[str, list[int]] = {}
        for i in gone:
            by_reason.setdefault(gap_words(result, c, i)[1], []).append(i)
        for reason, idx in by_reason.items():
            lines.setdefault((heading(c), tuple(idx), reason), []).append(who)
    out = []
    for (head, idx, reason), whos in lines.items():
        names = [session_name(sessions[i].get("number"), sessions[i]["started_utc"],
                              session_id=sessions[i]["id"], year=year) for i in idx]
        out.append(f"{sessions_named(whos)} · {head}: {sessions_named(names)}: {reason}, not "
                   "counted.")
    return out


def _legend(seen: set[str]) -> list:
    """Legend entries for the marks drawn (``seen``), in the web legend's words, short."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    def dot(**kw):
        return Line2D([], [], ls="none", **kw)

    every = {
        "band": Patch(color=BAND_FILL, alpha=0.6, label="baseline band"),
        "annotated": dot(marker="o", color=POINT, label="annotated session"),
        "hollow": dot(marker="o", markerfacecolor="white", markeredgecolor=POINT,
                      label="session without annotations"),
        "outside": dot(marker="^", color=OUTSIDE, markeredgecolor=POINT, markersize=8,
                       label="outside band"),
        "outlier": dot(marker="o", markersize=11, markerfacecolor="none",
                       markeredgecolor=OUTLIER, markeredgewidth=1.5,
                       label="outlier: far off the client's own course"),
        "trend": Line2D([], [], color=TREND, ls="--", label="trend (a clear change)"),
        "missing": dot(marker="x", color=MISSING, markeredgewidth=1.2,
                       label="no value (named under the chart)"),
    }
    return [h for name, h in every.items() if name in seen]


#: The course charts' text at print size [points]: a chart is drawn at the report page's width
#: (:data:`improv.reports.plots.PAGE_WIDTH`) and printed at its own size, so 8 pt stays 8 pt
#: (drawn 12 in wide, it was printed at 54 % and its 8 pt read as 4 pt).
CHART_TEXT = 8.0
#: The height of a row of course panels with its two-line title [inches].
ROW_HEIGHT = 1.6
#: The height of a chart's title, legend row and date axis [inches] (each further legend
#: row: :data:`LEGEND_ROW`).
CHART_MARGIN, LEGEND_ROW = 1.2, 0.18
#: Rows of panels in one chart of the client report: a page breaks between charts, never
#: inside one, so a chart of two rows (about 4.4 in) leaves no page much under half full.
CHART_ROWS = 2


def panel_title(column: str) -> str:
    """A course panel's title: the measure with its unit, then its player (or pair) and
    input on a line of their own ("Notes per second (notes/s)" over "therapist (MIDI)"),
    so that it fits half the page's width at :data:`CHART_TEXT`."""
    from improv.reports.labels import column_title, heading

    head = heading(column)
    who = column_title(column)[:-len(head)].rstrip(": ")
    return f"{head}\n{who}" if who else head


def _text_width(text: str, size: float = CHART_TEXT) -> float:
    """The width of ``text`` in DejaVu Sans at ``size`` [points] (its longest line)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font = FontProperties(family="DejaVu Sans", size=size)
    return max(TextToPath().get_text_width_height_descent(line, font, ismath=False)[0]
               for line in text.split("\n"))


def panel_rows(columns: list[str]) -> list[list[str]]:
    """The course panels of ``columns`` in rows, two a row in their order; a panel whose
    title is wider than half the page (less its axis) has a row of its own, at full width."""
    from improv.reports.plots import PAGE_WIDTH

    half = (PAGE_WIDTH / 2 - 0.65) * 72.0  # a half-width panel without its y axis [points]
    rows: list[list[str]] = []
    open_row = False  # whether the last row has room for a second panel
    for c in columns:
        wide = _text_width(panel_title(c)) > half
        if open_row and not wide:
            rows[-1].append(c)
            open_row = False
        else:
            rows.append([c])
            open_row = not wide
    return rows


def charts(columns: list[str], *, rows: int = CHART_ROWS) -> list[list[str]]:
    """The columns of each chart of the client report: :data:`CHART_ROWS` rows of panels
    (:func:`panel_rows`) a chart, so that a page breaks between charts."""
    laid = panel_rows(columns)
    return [[c for r in laid[k:k + rows] for c in r] for k in range(0, len(laid), rows)]


def _legend_columns(labels: list[str], *, width: float) -> int:
    """The most columns a legend of ``labels`` (filled column by column, as matplotlib does)
    can have within ``width`` [points] at :data:`CHART_TEXT`, each entry with its mark."""
    n = len(labels)
    for ncol in range(n, 1, -1):
        # as matplotlib fills them: the first n % ncol columns one entry longer
        sizes = [n // ncol + (k < n % ncol) for k in range(ncol)]
        ends = np.cumsum([0, *sizes])
        cols = [labels[a:b] for a, b in zip(ends[:-1], ends[1:], strict=True)]
        # each column: its widest label, the mark (2 em), the gaps (0.4 em and 1.2 em)
        need = sum(max(_text_width(x) for x in col) + 3.6 * CHART_TEXT for col in cols)
        if need <= 0.92 * width:  # the legend's own border
            return ncol
    return 1


def plot_client(result: dict[str, Any], *, to: Path, title: str | None = None,
                columns: list[str] | None = None) -> Path:
    """Write the client's figure to ``to`` (.png or .svg); returns the path.

    Drawn at the report page's width, text at :data:`CHART_TEXT`: two panels a row, a panel
    with a long title a row of its own (:func:`panel_rows`); the legend of the marks drawn
    under the title, in as many rows as it needs; the sessions on the x axis of
    :func:`session_axis`. ``columns`` selects the panels (default: every compared feature).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from improv.reports.plots import PAGE_WIDTH, save_figure

    cols = list(columns) if columns is not None else result["columns"]
    sessions = result["sessions"]
    x, ticks, names, axis_name = session_axis(sessions)
    annotated = np.array([s["annotations"] > 0 for s in sessions])
    laid = panel_rows(cols) or [[]]
    fig = plt.figure(figsize=(PAGE_WIDTH, ROW_HEIGHT * len(laid) + CHART_MARGIN),
                     layout="constrained")
    grid = fig.add_gridspec(len(laid), 2)
    first = None
    seen: set[str] = set()  # the kinds of mark drawn anywhere in the figure, for its legend
    for r, row in enumerate(laid):
        for k, c in enumerate(row):
            ax = fig.add_subplot(grid[r, k] if len(row) > 1 else grid[r, :], sharex=first)
            first = first or ax
            seen |= _draw_course(ax, result, c, xs=x, annotated=annotated)
            ax.tick_params(labelbottom=r == len(laid) - 1)
    for ax in fig.axes:
        ax.set_xticks(ticks, names)
        for label in ax.get_xticklabels():
            label.set_rotation(35)
            label.set_ha("right")
            label.set_rotation_mode("anchor")
        if axis_name and ax.get_subplotspec().rowspan.stop == len(laid):
            ax.set_xlabel(axis_name, fontsize=CHART_TEXT)
    handles = _legend(seen)
    fig.suptitle(title or f"Client {result['client']}: {counted(len(sessions), 'session')}",
                 fontsize=CHART_TEXT + 1, x=0.01, ha="left")
    if handles:
        ncol = _legend_columns([h.get_label() for h in handles], width=PAGE_WIDTH * 72.0)
        # under the dates, in as many rows as the page's width needs
        fig.legend(handles=handles, loc="outside lower left", fontsize=CHART_TEXT,
                   frameon=False, ncol=ncol, columnspacing=1.2, handletextpad=0.4)
        fig.set_figheight(fig.get_figheight()
                          + LEGEND_ROW * (int(np.ceil(len(handles) / ncol)) - 1))
    to = Path(to)
    save_figure(fig, to, dpi=110)
    plt.close(fig)
    return to


def _draw_course(ax, result: dict[str, Any], c: str, *, xs: list,
                 annotated: np.ndarray) -> set[str]:
    """Draw the course of measure ``c`` over the sessions (at ``xs``; ``annotated``: which
    have annotations) in ``ax``: its band, points, marks and trend. Returns the kinds of mark
    drawn (:func:`_legend`)."""
    from improv.reports.labels import scale

    sessions = result["sessions"]
    f = result["features"][c]
    # in the unit the title names: a share in per cent ("Silence (%)"), as the tables
    k = scale(c)
    v = k * np.array([np.nan if x is None else x for x in f["values"]], dtype=float)
    lo, hi = _ends(c)
    band = f["band"]
    seen = {"band"} if band else set()
    if band:
        ax.axhspan(max(lo, k * band["low"]), min(hi, k * band["high"]), color=BAND_FILL,
                   alpha=0.35, lw=0)
        ax.axhline(k * band["mean"], color=BAND_LINE, lw=0.8)
    ax.plot(xs, v, color="#555555", lw=0.8, zorder=1)  # a missing value breaks it
    ax.scatter([d for d, a in zip(xs, annotated, strict=False) if a], v[annotated],
               color=POINT, s=28, zorder=3, clip_on=False)
    ax.scatter([d for d, a in zip(xs, annotated, strict=False) if not a], v[~annotated],
               facecolors="white", edgecolors=POINT, s=28, zorder=3, clip_on=False)
    seen.update({"annotated"} if annotated.any() else set())
    seen.update({"hollow"} if (~annotated).any() else set())
    for i, s in enumerate(sessions):  # outside the band: the way it left, in orange
        if s["id"] in f.get("outside_band", ()) and np.isfinite(v[i]) and band:
            above = v[i] > k * band["mean"]
            ax.scatter([xs[i]], [v[i]], marker="^" if above else "v", s=60,
                       color=OUTSIDE, edgecolors=POINT, lw=0.6, zorder=5, clip_on=False)
            seen.add("outside")
    out = [i for i, s in enumerate(sessions) if s["id"] in f["outliers"]]
    if out:
        ax.scatter([xs[i] for i in out], v[out], s=140, facecolors="none",
                   edgecolors=OUTLIER, lw=1.5, zorder=4, clip_on=False)
        seen.add("outlier")
    gone = [i for i in range(len(v)) if not np.isfinite(v[i])]
    if gone and len(gone) < len(v):  # on the axis, where its point would be (a line in
        # axes height, so that it takes no part in the y axis' limits)
        ax.plot([xs[i] for i in gone], [0.0] * len(gone), ls="none", marker="x",
                markersize=6, color=MISSING, markeredgewidth=1.2, zorder=5, clip_on=False,
                transform=ax.get_xaxis_transform())
        seen.add("missing")
    tr = f["trend"]
    drawn = [v]  # the values the y axis holds: the points, the band and the trend line
    if band:
        drawn.append([max(lo, k * band["low"]), min(hi, k * band["high"]), k * band["mean"]])
    if shows_trend(f):  # a change, as the table beside it says: never one too small to matter
        fit = k * np.asarray(trend_fit(f["values"], tr))
        ax.plot(xs, fit, color=TREND, lw=1.2, ls="--")
        drawn.append(fit)
        seen.add("trend")
    _course_axes(ax, c, np.concatenate([np.asarray(d, dtype=float) for d in drawn]),
                 lo=lo, hi=hi)
    return seen


def _ends(c: str) -> tuple[float, float]:
    """The ends of measure ``c``'s axis and band, in its drawn unit: a 0-1 score, a share or
    a velocity has ends; a rate never falls below 0."""
    from improv.reports.labels import never_negative, value_range

    ends = value_range(c)
    return ends if ends else ((0.0, np.inf) if never_negative(c) else (-np.inf, np.inf))


def _course_axes(ax, c: str, v: np.ndarray, *, lo: float, hi: float) -> None:
    """The y axis of a course panel (``v``: the values it draws, its points, band and trend):
    plain numbers, a constant course drawn flat, from the lowest to the highest value within
    the measure's ends (``lo``, ``hi``) with room on each side, so that a session at an end
    (a velocity of 127, a share of 0 %) is not drawn on the frame, and no tick past an end
    (:func:`improv.reports.plots.y_range`); a pitch by its note name; the panel's title and
    grid."""
    from analysis.features import describe
    from improv.reports.labels import scale
    from improv.reports.plots import PITCH_SPAN_SEMITONES, ticks_within, y_range

    ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    finite = np.clip(v[np.isfinite(v)], lo, hi)  # a trend past an end is cut, not the axis
    pitch = describe(c)[0] == "MIDI note"
    if len(finite):
        low, high = float(finite.min()), float(finite.max())
        # a constant course: flat, not noise (a tenth of its value, or of its unit's scale);
        # a pitch over a few semitones, so that its ticks name notes ("F#3" thrice, on a
        # course within one semitone)
        flat = 0.1 * max(abs(low), scale(c)) if high - low < 1e-9 * max(1.0, abs(low)) else 0
        ax.set_ylim(*y_range(low, high, ends=(lo, hi),
                             min_span=PITCH_SPAN_SEMITONES if pitch else flat))
    if pitch:  # a pitch by its note name, as the tables say it
        from improv.reports.plots import note_axis

        note_axis(ax)
    ticks_within(ax, (lo, hi))
    ax.set_title(panel_title(c), fontsize=CHART_TEXT, loc="left")
    ax.tick_params(labelsize=CHART_TEXT)
    ax.grid(alpha=0.3)
