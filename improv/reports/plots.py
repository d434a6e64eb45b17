"""Plots of analysis results (matplotlib, Agg backend, imported on first use).

:func:`plot_players` draws one figure with a row per player and source and a panel per curve
group (tempo, dynamics, density, register); :func:`plot_dialogue` draws the dialogue curves of
each pair and a strip of the suggested roles. Both take the dict of
:func:`improv.analyze.analyze_session` and write PNG, SVG or PDF (by the file's suffix).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

__all__ = ["PLOT_SUFFIXES", "CURVE_GROUPS", "check_plot_path", "curve_groups",
           "dialogue_groups", "plot_players",
           "plot_dialogue", "plot_result", "mmss", "time_axis", "note_axis", "draw_annotations",
           "label_annotations", "y_range", "fit_y", "ticks_within"]

PLOT_SUFFIXES = (".png", ".svg", ".pdf")

#: The y label of a panel of shares: its curves (0..1 in the results) are drawn in per cent, as
#: the tables and the web app give them.
PERCENT = "%"

#: Panels of a player row: title -> curves drawn in it (those present), with the y label.
CURVE_GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "tempo": (("tempo_bpm",), "BPM"),
    "pulse": (("pulse_clarity", "tonal_clarity"), "0..1"),
    "dynamics": (("velocity_mean", "level_dbfs", "loudness_lufs"), ""),
    "density": (("notes_per_s", "onsets_per_s", "polyphony"), "per s / notes"),
    # silence: its share of the window; articulation: the share of each interval a note sounds
    "silence": (("silence_share", "articulation"), PERCENT),
    "register": (("pitch_mean",), "note"),  # ticks by note name (note_axis)
}

#: Panels of a dialogue row (``{a}``/``{b}`` are the pair's names).
DIALOGUE_GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "activity": (("{a}_active", "{b}_active", "joint", "silent"), PERCENT),
    "leading": (("lead", "lead_xcorr"), "-1..1"),
    "synchrony": (("phase_locking", "shared_pulse"), "0..1"),
    "asynchrony": (("asynchrony_ms", "asynchrony_sd_ms"), "ms"),
    "tempo": (("{a}_tempo_bpm", "{b}_tempo_bpm"), "BPM"),
    "imitation": (("{a}_imitates_{b}", "{b}_imitates_{a}"), "per min"),
}

#: The height of a curve group's row in a report's figure, and of the figure's titles and
#: time axis [inches] (:func:`plot_players` with ``portrait``).
GROUP_HEIGHT, FIGURE_MARGIN = 1.2, 1.0

#: The width of a report's figure [inches]: an A4 page inside its 15 mm margins and the
#: body's 2 em (22 pt) on each side, so that the figure is printed at its own size and its
#: 8 pt text is 8 pt on paper.
PAGE_WIDTH = 6.45

ROLE_COLOURS = {
    "leader": "#d62728", "partner": "#2ca02c", "follower": "#1f77b4", "dependent": "#9467bd",
    "resister": "#ff7f0e", "solo": "#8c564b", "silence": "#d9d9d9",
}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def check_plot_path(path: Path) -> Path:
    from improv.errors import ParameterError

    path = Path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise ParameterError(
            f"plot file must end in {', '.join(PLOT_SUFFIXES)}, got {path.name!r}",
            parameter="plot")
    if not path.parent.is_dir():
        raise ParameterError(f"plot file: folder {str(path.parent)!r} does not exist; create "
                             "it first, or choose another",
                             parameter="plot")
    return path


def save_figure(fig, path: Path, *, dpi: int) -> None:
    """Write ``fig`` to the new file ``path`` (format from its suffix), owner-only (0600) like
    every other output: the figure shows a client's data."""
    from sessions.fsutil import open_new

    with open_new(path, "xb") as f:
        fig.savefig(f, format=path.suffix.lower().lstrip("."), dpi=dpi)


def mmss(seconds: float, _pos=None) -> str:
    """A time axis tick: ``m:ss`` (``h:mm:ss`` from an hour), seconds from session start."""
    s = int(round(seconds))
    sign, s = ("-", -s) if s < 0 else ("", s)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{sign}{h}:{m:02d}:{sec:02d}" if h else f"{sign}{m}:{sec:02d}"


#: Steps of a time axis [seconds]: 5 s to an hour, on the times people count in.
TIME_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)


def time_axis(ax, *, label: bool = True, most: int = 8, fontsize: float = 8) -> None:
    """Session time in m:ss on the x axis, a tick every 5, 10, 15 or 30 s, 1, 2, 5, 10, 15 or
    30 min or an hour (:data:`TIME_STEPS`): the smallest step that gives at most ``most``
    ticks over the axis as it is drawn (call it after the curves)."""
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    lo, hi = ax.get_xlim()
    span = max(hi - lo, 1e-9)
    step = next((s for s in TIME_STEPS if span / s <= most), TIME_STEPS[-1])
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(mmss))
    if label:
        ax.set_xlabel("session time (m:ss)", fontsize=fontsize)


def note_axis(ax, *, key: str | None = None) -> None:
    """Pitch on the y axis by note names (``C4``, ``E4``), not MIDI note numbers: ticks on
    whole semitones, at most six of them; spelled with flats in a ``key`` that has flats
    (``Bb2`` in Bb major, as the tables beside it write it)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from improv.reports.labels import note_name

    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, steps=[1, 2, 3, 4, 6, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: note_name(v, key=key)))


#: Colours of annotations on the curves: markers (a moment), spans, and other moments.
MARKER_COLOUR, SPAN_COLOUR, NOTE_COLOUR = "#b2182b", "#fdae61", "#4d4d4d"
#: Rows of annotation labels above a panel (a label that fits in none is left out).
LABEL_ROWS = 3
#: Rows of tags above a report's panel: where the tags would need more, they read as a
#: jumble ("autonomy:partner" over "autonomy:leader" over "marker"), and each annotation is
#: labelled with its number in the report's Annotations table instead (``numbers``).
TAG_ROWS = 2


def _label_rows(labels: list[tuple[float, str]], *, lo: float, hi: float, width_pt: float,
                fontsize: float, rows: int) -> list[tuple[float, str, int | None]]:
    """Each label ``(t, text)`` in ``[lo, hi]`` (by time) with the first of ``rows`` rows in
    which it keeps 3 points from the label before it (None: in none), over a panel
    ``width_pt`` points wide."""
    ends = [-1e9] * rows  # the right end of the last label in each row [points]
    out = []
    for t, label in sorted(labels, key=lambda x: x[0]):
        if not lo <= t <= hi:
            continue
        x = (t - lo) / max(hi - lo, 1e-9) * width_pt
        row = next((r for r in range(rows) if x > ends[r] + 3), None)
        if row is not None:
            ends[row] = x + 0.62 * fontsize * len(label)  # DejaVu Sans: about 0.6 em a letter
        out.append((t, label, row))
    return out


def draw_annotations(ax, annotations, *, text: bool = False, fontsize: float = 8,
                     numbers: bool = False) -> int:
    """Markers as red lines, annotated spans as shaded bands, other annotations as grey dashed
    lines; with ``text``, their labels above the panel too (:func:`label_annotations`).

    A figure whose layout is still to change (legends beside the panels, ``tight_layout``)
    labels its panels after the layout instead: the labels' rows are laid out at the panel's
    width, and a panel narrowed afterwards ran them into each other ("markermarker", review
    29).

    Only the therapist's own annotations and the role suggestions they confirmed are drawn:
    the analysis's unconfirmed suggestions (:func:`improv.reports.wording.unconfirmed`) would
    shade every panel and push the therapist's labels out; they are in the role strip.

    Returns
    -------
    int
        The rows of labels drawn above the panel (0 without ``text``), for the title's room.
    """
    from improv.reports.wording import unconfirmed

    for a in annotations or ():
        if unconfirmed(a):
            continue
        end, tags = a.get("end"), a.get("tags", [])
        if end is not None and end > a["t"]:
            ax.axvspan(a["t"], end, color=SPAN_COLOUR, alpha=0.18, linewidth=0)
        elif "marker" in tags:
            ax.axvline(a["t"], color=MARKER_COLOUR, linewidth=0.9, alpha=0.8)
        else:
            ax.axvline(a["t"], color=NOTE_COLOUR, linewidth=0.7, linestyle="--", alpha=0.7)
    if not text:
        return 0
    return label_annotations(ax, annotations, fontsize=fontsize, numbers=numbers)


def label_annotations(ax, annotations, *, fontsize: float = 8, numbers: bool = False) -> int:
    """The first tag of each annotation above the panel, as a word ("leader" for
    ``autonomy:leader``, :func:`improv.reports.tag_words.tag_short`), level, in up to
    :data:`LABEL_ROWS` rows so that no two labels overlap at the panel's present width (a
    label with no room is left out).

    With ``numbers`` (a report, whose Annotations table numbers them): where the tags would
    need more than :data:`TAG_ROWS` rows, or leave one out, each annotation is labelled with
    its number instead, its place (from 1) in ``annotations`` less the unconfirmed
    suggestions, the order of the table. Short numbers stay readable among many annotations
    (14 in 5 minutes), they name every annotation, tagged or not, and the table says the
    rest; a note "labels: see the table" alone would leave the lines unnamed.

    Returns
    -------
    int
        The rows of labels drawn above the panel.
    """
    from improv.reports.tag_words import tag_short
    from improv.reports.wording import unconfirmed

    annotations = [a for a in annotations or () if not unconfirmed(a)]
    lo, hi = ax.get_xlim()
    fig = ax.get_figure()
    width_pt = ax.get_position().width * fig.get_figwidth() * 72.0
    room = {"lo": lo, "hi": hi, "width_pt": width_pt, "fontsize": fontsize}
    tags = [(a["t"], tag_short(a["tags"][0])) for a in annotations if a.get("tags")]
    laid = _label_rows(tags, rows=LABEL_ROWS, **room)
    if numbers and any(row is None or row >= TAG_ROWS for *_, row in laid):
        laid = _label_rows([(a["t"], str(k)) for k, a in enumerate(annotations, 1)],
                           rows=LABEL_ROWS, **room)
    used = 0
    for t, label, row in laid:
        if row is None:
            continue
        used = max(used, row + 1)
        ax.annotate(label, xy=(t, 1.0), xycoords=ax.get_xaxis_transform(),
                    xytext=(0, 2 + (fontsize + 2) * row), textcoords="offset points",
                    fontsize=fontsize, va="bottom", ha="left", color="#333333",
                    annotation_clip=False)
    return used


#: A level or loudness [dBFS, LUFS] at or below this is a window of digital silence (the
#: analysis writes -100, :mod:`analysis.audio`): a pause, drawn as a gap, as the session page
#: draws it, not as a fall that stretches the axis and flattens the playing.
SILENCE_DB = -99.0
#: Curves whose silent windows are gaps (:data:`SILENCE_DB`).
_LEVELS = ("level_dbfs", "loudness_lufs")
#: The smallest span of a tempo axis [BPM]: 1 BPM of jitter is not drawn over the whole panel.
TEMPO_SPAN_BPM = 20.0


#: Curves that describe the playing itself, drawn only in the windows a player played in
#: (:func:`_played`): the session page draws the pulse clarity so; the tonal clarity, drawn
#: beside it in the reports, follows the same rule.
_WHILE_PLAYING = ("pulse_clarity", "tonal_clarity")


def _played(curves: dict, n: int) -> list[bool]:
    """Whether the player of ``curves`` played in each of its ``n`` windows, by the session
    page's rule (improv/web/static/session.js): a window whose notes or onsets per second are
    0 is a pause; without a density curve on the same windows, every window counts as played."""
    dens = curves.get("notes_per_s") or curves.get("onsets_per_s")
    if not dens or len(dens.get("values") or ()) != n:
        return [True] * n
    return [v is None or v > 0 for v in dens["values"]]


def _values(name: str, c: dict, curves: dict | None = None) -> list[float]:
    """The values of curve ``name`` (``c``) to draw, a gap (NaN) where there is nothing to
    draw: a missing value; a tempo of 0 ("no clear pulse", not a fall to 0 BPM); a level of
    digital silence (a pause); and, as on the session page, a pulse or tonal clarity in a
    window the player did not play in (``curves``: the other curves of its input), which the
    analysis gives as 0 or carries over from the last notes, and which would read as "played
    without a pulse" or as a key heard in the silence (:data:`_WHILE_PLAYING`)."""
    gap_at_zero = name.endswith("tempo_bpm")
    floor = name.endswith(_LEVELS)
    played = (_played(curves, len(c["values"])) if curves is not None
              and name in _WHILE_PLAYING else [True] * len(c["values"]))
    return [float("nan") if v is None or not on or (gap_at_zero and v <= 0)
            or (floor and v <= SILENCE_DB) else v
            for v, on in zip(c["values"], played, strict=True)]


#: The room above a panel's highest and below its lowest value, a share of their span each
#: side: the loudest and softest moments, the highest and lowest notes, stand clear of the
#: panel's frame. (The players' shared range was the union of each panel's own range, whose
#: 5 % of one player's span left the other's extreme 1.5 points from the frame of a report's
#: 1-inch panel: its line ran into the frame and read as cut off, review 35.)
Y_MARGIN = 0.08
#: The smallest span of a pitch axis [semitones]: a held note is drawn flat, between note names.
PITCH_SPAN_SEMITONES = 4.0
#: The ``gid`` of a curve's line (not an annotation's), by which a panel's y range is found.
CURVE_GID = "curve"


def y_range(low: float, high: float, *, ends: tuple[float, float] = (-math.inf, math.inf),
            min_span: float = 0.0, margin: float = Y_MARGIN) -> tuple[float, float]:
    """The y limits of a panel whose marks run from ``low`` to ``high``.

    The span is widened to at least ``min_span`` around its middle (a constant: to a tenth of
    the measure's scale, or of its value), moved inside the measure's ``ends`` where it
    crossed one (a velocity axis does not widen past 127), and then ``margin`` of it is added
    on each side, so that no value lies on the frame, not even one at an end of the scale.

    >>> [round(y, 2) for y in y_range(40.0, 100.0)]
    [35.2, 104.8]
    >>> [round(y, 2) for y in y_range(120.0, 126.0, ends=(0.0, 127.0), min_span=20.0)]
    [105.4, 128.6]
    """
    lo, hi = float(low), float(high)
    width = ends[1] - ends[0]
    span = max(hi - lo, min_span)
    if span <= 0:  # a constant, and no smallest span: flat, in the middle
        span = 0.1 * (width if math.isfinite(width) else max(abs(lo), 1.0))
    if span > hi - lo:
        mid = (lo + hi) / 2
        lo, hi = mid - span / 2, mid + span / 2
        if lo < ends[0]:
            lo, hi = ends[0], min(ends[0] + span, max(ends[1], high))
        elif hi > ends[1]:
            lo, hi = max(ends[1] - span, min(ends[0], low)), ends[1]
    pad = margin * (hi - lo)
    return lo - pad, hi + pad


def ticks_within(ax, ends: tuple[float, float]) -> None:
    """No y tick of ``ax`` past the measure's ``ends`` (no "130" on a velocity axis, no
    "110" on a share): the room beyond an end is room, not a value the measure can take."""
    if not (math.isfinite(ends[0]) or math.isfinite(ends[1])):
        return
    base = ax.yaxis.get_major_locator()
    base = getattr(base, "within_base", base)  # set again: the ends of now, on the same ticks
    ax.yaxis.set_major_locator(_within(base, ends))


def _within(base, ends: tuple[float, float]):
    """The locator ``base`` without the ticks past ``ends`` (:func:`ticks_within`)."""
    from matplotlib.ticker import Locator

    room = 1e-9 * max([1.0, *(abs(e) for e in ends if math.isfinite(e))])

    class Within(Locator):
        within_base = base

        def set_axis(self, axis):
            super().set_axis(axis)
            base.set_axis(axis)

        def tick_values(self, vmin, vmax):
            return self.keep(base.tick_values(vmin, vmax))

        def __call__(self):
            return self.keep(base())

        @staticmethod
        def keep(ticks):
            return [t for t in ticks if ends[0] - room <= t <= ends[1] + room]

    return Within()


def _ends(names, *, ylabel: str) -> tuple[float, float]:
    """The ends of a panel's scale, as its curves ``names`` are drawn: 0 to 100 in a panel of
    shares (:data:`PERCENT`); else from the lowest to the highest end of any of them (a
    velocity 0 to 127, a rate from 0), unbounded where one has none."""
    from improv.reports.labels import never_negative, value_range

    if ylabel == PERCENT:
        return 0.0, 100.0
    lows, highs = [], []
    for n in names:
        r = value_range(n) or ((0.0, math.inf) if never_negative(n) else (-math.inf, math.inf))
        lows.append(r[0])
        highs.append(r[1])
    return (min(lows), max(highs)) if names else (-math.inf, math.inf)


def fit_y(axes, names, *, ylabel: str) -> None:
    """One y range for the panels ``axes`` (one panel, or the players' panels of a measure):
    from the lowest to the highest value their curves (``names``, the group's y label
    ``ylabel``) draw, in every one of them, with :data:`Y_MARGIN` of room (:func:`y_range`);
    a panel of shares from 0 to 100 %, a tempo over at least :data:`TEMPO_SPAN_BPM`, a pitch
    over at least :data:`PITCH_SPAN_SEMITONES`; no tick past the scale's ends."""
    from analysis.features import describe

    ys = [y for ax in axes for line in ax.get_lines() if line.get_gid() == CURVE_GID
          for y in line.get_ydata() if math.isfinite(y)]
    if not ys:
        return
    ends = _ends(names, ylabel=ylabel)
    low, high = min(ys), max(ys)
    if ylabel == PERCENT:  # a share on its whole scale
        low, high = min(low, 0.0), max(high, 100.0)
    units = {describe(n)[0] for n in names}
    min_span = (TEMPO_SPAN_BPM if units == {"BPM"}
                else PITCH_SPAN_SEMITONES if units == {"MIDI note"} else 0.0)
    lo, hi = y_range(low, high, ends=ends, min_span=min_span)
    for ax in axes:
        ax.set_ylim(lo, hi)
        ticks_within(ax, ends)


def _has_curve(curves: dict, names) -> bool:
    """Whether any of ``names`` has a value to draw in ``curves``."""
    return any(c and c["times"] and not all(math.isnan(v) for v in _values(n, c, curves))
               for n, c in ((n, curves.get(n)) for n in names))


def _draw(ax, curves: dict, names: tuple[str, ...], ylabel: str, title: str, *,
          title_size: float = 9, size: float = 7, legend: str | None = "inside",
          title_pad: float = 4.0, key: str | None = None) -> list[str]:
    """Draw the curves ``names`` (those present) in ``ax``; each curve keeps its colour by
    its place in ``names``, so a curve has the same colour in every panel of a group. A tempo
    axis spans at least :data:`TEMPO_SPAN_BPM`; a pitch axis names notes (with flats in a
    ``key`` that has them).

    ``legend``: ``"inside"`` (upper right), ``"right"`` (outside, right of the panel),
    ``"above"`` (outside, between the title and the panel), or None (none: the panel beside
    it has it). Returns the names of the curves drawn."""
    from analysis.features import describe, label

    drawn, units = [], []
    for k, name in enumerate(names):
        c = curves.get(name)
        if not c or not c["times"]:
            continue
        vals = _values(name, c, curves)
        if all(math.isnan(v) for v in vals):  # all missing: no curve, not an empty axis
            continue
        if ylabel == PERCENT:
            vals = [100.0 * v for v in vals]
        ax.plot(c["times"], vals, label=label(name), linewidth=1.0, color=f"C{k}",
                gid=CURVE_GID)
        unit = describe(name)[0]
        if unit and unit not in units:
            units.append(unit)
        drawn.append(name)
    # the y label names the units of the curves drawn (not every unit the panel could hold)
    ax.set_ylabel((ylabel or " / ".join(units)) if drawn else "", fontsize=size)
    ax.tick_params(labelsize=size)
    rows = 0
    if drawn:
        ax.ticklabel_format(axis="y", useOffset=False)  # 120.06 BPM, not +1.199e2 0.06
        if "MIDI note" in units:  # a pitch by its note name, as the tables say it
            note_axis(ax, key=key)
        fit_y([ax], drawn, ylabel=ylabel)
        if legend == "inside":
            ax.legend(fontsize=6, loc="upper right")
        elif legend == "right" and len(names) > 1:
            ax.legend(fontsize=size, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                      frameon=False, borderaxespad=0)
        elif legend == "above" and len(drawn) > 1:
            # two a row where the labels are short; one a row where two would not fit
            ncol = 2 if max(len(label(n)) for n in drawn) <= 18 else 1
            ax.legend(fontsize=size, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=ncol,
                      frameon=False, borderaxespad=0.2, handlelength=1.5, columnspacing=1.0)
            rows = (len(drawn) + ncol - 1) // ncol
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no curve", ha="center", va="center", transform=ax.transAxes,
                fontsize=8, color="grey")
    ax.set_title(title, fontsize=title_size, pad=title_pad + rows * (size + 5))
    return drawn


def curve_groups(result: dict[str, Any], *, columns=None, groups=None) -> list[str]:
    """The curve groups (of ``groups``, default every one of :data:`CURVE_GROUPS`, in that
    order) in which an input of ``columns`` (``(player, source)`` pairs, default all) has a
    curve to draw: those a report's figure holds."""
    rows = _inputs(result, columns)
    return [g for g in (groups or CURVE_GROUPS)
            if any(_has_curve(res["curves"], CURVE_GROUPS[g][0]) for *_, res in rows)]


def _inputs(result: dict[str, Any], columns=None) -> list[tuple[str, str, dict]]:
    """``(player, source, its result)`` of each input, in the order of ``columns`` (default:
    every input, by player)."""
    rows = [(p, s, res) for p, e in result["players"].items() for s, res in e["sources"].items()]
    if columns is not None:
        rows = [r for c in columns for r in rows if (r[0], r[1]) == tuple(c)]
    return rows


def plot_players(result: dict[str, Any], path: Path, *, annotations=(),
                 portrait: bool = False, columns=None, groups=None,
                 title: str | None = None) -> Path:
    """Write the per-player curves of an analysis result to ``path``.

    Parameters
    ----------
    result : dict
        From :func:`improv.analyze.analyze_session`.
    path : Path
        ``.png``, ``.svg`` or ``.pdf``.
    annotations : iterable of dict
        The session's annotations (``t``, ``end`` [seconds], ``tags``), drawn on every panel
        (:func:`draw_annotations`).
    portrait : bool
        For an A4 page (the reports): a row per curve group that has a curve (an empty group
        is left out) and a column per player and source, at most two columns (more are not
        drawn: give ``columns`` two at a time), legends right of the panels, every text at
        8 pt or more at print size; else a row per player and source (the screen).
    columns : list of (str, str), optional
        The ``(player, source)`` to draw, in order (default: all).
    groups : sequence of str, optional
        The curve groups (keys of :data:`CURVE_GROUPS`) to draw, in order (default: all): a
        report draws its curves as figures of a few groups each, so that a page can break
        between them (1.2 in of height a group, 1 in for the titles and the time axis).
    title : str, optional
        The figure's title (default: the session ID and the analysis' settings).

    Returns
    -------
    Path
    """
    path = check_plot_path(path)
    plt = _plt()
    rows = _inputs(result, columns)
    groups = list(groups or CURVE_GROUPS)
    if portrait:
        fig = _portrait(plt, result, rows[:2], annotations=annotations, groups=groups)
    else:
        fig = _landscape(plt, result, rows, annotations=annotations, groups=groups)
    fig.suptitle(title or _title(result), fontsize=10 if not portrait else 9)
    fig.tight_layout()
    save_figure(fig, path, dpi=100 if not portrait else 110)
    plt.close(fig)
    return path


def _source_name(result: dict[str, Any], player: str, source: str) -> str:
    """An input as the report names it ("audio 2"), never by its file or device."""
    from improv.reports.labels import input_name

    return input_name(source, list(result["players"][player]["sources"]))


def _landscape(plt, result: dict[str, Any], rows, *, annotations, groups: list[str]):
    """The screen's figure: a row per player and source, a panel per curve group."""
    n = max(1, len(rows))
    fig, axes = plt.subplots(n, len(groups), figsize=(3.2 * len(groups), 2.2 * n + 0.6),
                             squeeze=False, sharex=True)
    for i, (player, source, res) in enumerate(rows):
        key = (res.get("summary") or {}).get("key")  # the notes spelled as in its key
        for j, g in enumerate(groups):
            names, ylabel = CURVE_GROUPS[g]
            _draw(axes[i][j], res["curves"], names, ylabel,
                  f"{player} ({_source_name(result, player, source)}): {g}", key=key)
            draw_annotations(axes[i][j], annotations)
    if not rows:
        axes[0][0].text(0.5, 0.5, "no player has an input", ha="center", va="center")
    for ax in axes[-1]:
        time_axis(ax, most=8)
    fig.tight_layout()  # the labels at the panels' final widths
    for i in range(len(rows)):
        label_annotations(axes[i][0], annotations, fontsize=6)
    return fig


def _portrait(plt, result: dict[str, Any], rows, *, annotations, groups: list[str]):
    """The report's figure: a row per curve group with a curve (of ``groups``), a column per
    input (``rows``, at most two), at the page's width."""
    groups = curve_groups(result, columns=[r[:2] for r in rows], groups=groups) or groups[:1]
    # drawn at the report page's width and under its 205 mm height: never shrunk
    height = min(7.8, GROUP_HEIGHT * len(groups) + FIGURE_MARGIN)
    fig, grid = plt.subplots(len(groups), max(1, len(rows)), figsize=(PAGE_WIDTH, height),
                             squeeze=False, sharex=True)
    drawn: dict[tuple[int, int], list[str]] = {}  # (column, group) -> the curves drawn
    tops = []  # (the top panel of a column, the column's player and input)
    for i, (player, source, res) in enumerate(rows):
        key = (res.get("summary") or {}).get("key")  # the notes spelled as in its key
        # the top panel with a curve carries the player's name and the annotations' labels
        top = next((j for j, g in enumerate(groups)
                    if _has_curve(res["curves"], CURVE_GROUPS[g][0])), 0)
        for j, g in enumerate(groups):
            names, ylabel = CURVE_GROUPS[g]
            ax = grid[j][i]
            ax.set_xlim(0, max(1e-9, result.get("duration_s") or 1.0))
            drawn[i, j] = _draw(ax, res["curves"], names, ylabel, "", size=8, legend=None,
                                key=key)
            # the group names the row (on the y axis, with its unit); the player heads the
            # column, above the annotations' labels of its top panel
            ax.set_ylabel(f"{g}\n{ax.get_ylabel()}".strip(), fontsize=8)
            draw_annotations(ax, annotations)
            if j == top:
                tops.append((ax, f"{player} ({_source_name(result, player, source)})"))
    if rows:
        _tidy_portrait(grid, groups, drawn)
    else:
        grid[0][0].text(0.5, 0.5, "no player has an input", ha="center", va="center")
    # the labels at the panels' final widths (the legends right of each row narrow them)
    fig.tight_layout()
    for ax, name in tops:
        used = label_annotations(ax, annotations, numbers=True)
        ax.set_title(name, fontsize=9, fontweight="bold", pad=4 + used * 10)
    return fig


def _tidy_portrait(grid, groups: list[str], drawn: dict[tuple[int, int], list[str]]) -> None:
    """The report's figure after its curves are drawn (``grid[group][column]``): a panel with
    no curve is left out (not an empty "no curve" box); the players' panels of one measure
    share one y range, taken from both players' values (:func:`fit_y`), so that a soft and a
    loud player do not look alike and neither's extremes touch the frame; one legend a row,
    right of its last panel; the time axis under the lowest panel of each column."""
    for (i, j), names in drawn.items():
        if not names:
            grid[j][i].set_visible(False)
    common = []  # per group: the curves every column with a curve in it draws
    for j in range(len(groups)):
        sets = [set(names) for (_, jj), names in drawn.items() if jj == j and names]
        common.append(set.intersection(*sets) if sets else set())
    for j, g in enumerate(groups):
        # panels that draw a measure in common (the players' velocities, tempi): one y range
        same = [grid[j][i] for (i, jj), names in sorted(drawn.items())
                if jj == j and names and set(names) & common[j]]
        if len(same) > 1:  # from both players' values, not from each panel's own range
            names = sorted({n for (i, jj), ns in drawn.items() if jj == j for n in ns})
            fit_y(same, names, ylabel=CURVE_GROUPS[g][1])
        # one legend a row, right of it, of the curves in any of its panels (a group of one
        # possible curve, such as the tempo, needs none: the row's name says it)
        row = [ax for ax in grid[j] if ax.get_visible()]
        found = {}
        for ax in row:
            for handle, name in zip(*ax.get_legend_handles_labels(), strict=True):
                found.setdefault(name, handle)
        if found and row and len(CURVE_GROUPS[g][0]) > 1:
            row[-1].legend(found.values(), found.keys(), fontsize=8, loc="upper left",
                           bbox_to_anchor=(1.02, 1.0), frameon=False, borderaxespad=0)
    for i in range(len(grid[0])):
        shown = [grid[j][i] for j in range(len(groups)) if grid[j][i].get_visible()]
        if shown:  # the x axis is shared: its ticks and their m:ss are set once for all
            shown[-1].xaxis.set_tick_params(which="both", labelbottom=True)
            # the axis' name only under the figure's last row (above it, it would widen the
            # space between every row)
            time_axis(shown[-1], most=4, label=shown[-1] is grid[-1][i])


def _all_zero(curves: dict, names) -> bool:
    """Whether every value of ``names`` in ``curves`` is 0 or missing (nothing to draw)."""
    return all(not v for n in names for v in (curves.get(n) or {}).get("values", []))


def plot_dialogue(result: dict[str, Any], path: Path, *, annotations=(),
                  title: str | None = None, session_id: str | None = None, groups=None,
                  roles: bool = True) -> Path:
    """Write the dialogue curves and role suggestions of each pair to ``path``, with the
    annotations on every panel (see :func:`plot_players`): two panels a row, the legends
    above their panels, a group without curves left out, and "no imitation found" for an
    imitation panel with nothing in it; sized for an A4 page (text at 8 pt or more).

    ``title``: the figure's title (default: the session ID and the analysis' settings);
    ``session_id``: the session the role strip's caption tells how to confirm roles in
    (default: the result's); ``groups``: the curve groups (keys of :data:`DIALOGUE_GROUPS`)
    to draw, in order (default: all), and ``roles``: whether to draw the strip of suggested
    roles; a report draws the dialogue as figures of a few groups each, so that a page can
    break between them (1.75 in of height a row of two groups, 1.3 in the role strip)."""
    path = check_plot_path(path)
    plt = _plt()
    pairs = result.get("dialogue") or []
    sid = session_id or result.get("session_id") or "ID"
    layout = []  # per pair: the groups drawn, each with its curve names
    for d in pairs:
        a, b = d["pair"]
        named = {g: tuple(x.format(a=a, b=b) for x in DIALOGUE_GROUPS[g][0])
                 for g in DIALOGUE_GROUPS}
        layout.append([(g, named[g]) for g in (groups or DIALOGUE_GROUPS)
                       if g == "imitation" or _has_curve(d["curves"], named[g])])
    rows = [(len(gs) + 1) // 2 for gs in layout] or [0]
    strip = 1 if roles else 0  # the role strip's row under each pair's panels
    fig = plt.figure(figsize=(PAGE_WIDTH, min(7.8, sum(1.75 * r + 1.3 * strip for r in rows)
                                              + 0.4)))
    ratios = [h for r in rows for h in [3] * r + [1.6] * strip]
    grid = fig.add_gridspec(len(ratios) or 1, 2, height_ratios=ratios or [1])
    top = 0
    for d, groups_drawn, r in zip(pairs, layout, rows, strict=False):
        a, b = d["pair"]
        for i, (g, names) in enumerate(groups_drawn):
            ax = fig.add_subplot(grid[top + i // 2, i % 2])
            ax.set_xlim(0, max(1e-9, d["summary"].get("duration_s") or 1.0))
            ylabel = DIALOGUE_GROUPS[g][1]
            if g == "imitation" and _all_zero(d["curves"], names):
                ax.set_yticks([])
                ax.text(0.5, 0.5, "no imitation found", ha="center", va="center",
                        transform=ax.transAxes, fontsize=8, color="#555555")
                ax.set_title(f"{a} & {b}: imitation", fontsize=9, loc="left")
                ax.tick_params(labelsize=8)
            else:
                _draw(ax, d["curves"], names, ylabel, f"{a} & {b}: {g}", title_size=9, size=8,
                      legend="above")
                ax.title.set_horizontalalignment("left")
                ax.title.set_x(0.0)
            draw_annotations(ax, annotations)
            time_axis(ax, label=i >= len(groups_drawn) - 2, most=4)
        if roles:
            strip_ax = fig.add_subplot(grid[top + r, :])
            _roles(strip_ax, d, session_id=sid)
            draw_annotations(strip_ax, annotations)
        top += r + strip
    if not pairs:
        fig.add_subplot(grid[0, :]).text(0.5, 0.5, "no pair to analyse", ha="center", va="center")
    fig.suptitle(title or (_title(result) + " - dialogue"), fontsize=10)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
    plt.close(fig)
    return path


def dialogue_groups(result: dict[str, Any], *, groups=None) -> list[str]:
    """The dialogue groups (of ``groups``, default every one of :data:`DIALOGUE_GROUPS`) that
    :func:`plot_dialogue` draws for some pair: those with a curve, and the imitation (which
    says "no imitation found" when there is none)."""
    found = []
    for g in groups or DIALOGUE_GROUPS:
        for d in result.get("dialogue") or []:
            a, b = d["pair"]
            names = tuple(x.format(a=a, b=b) for x in DIALOGUE_GROUPS[g][0])
            if g == "imitation" or _has_curve(d["curves"], names):
                found.append(g)
                break
    return found


def _roles(ax, d: dict, *, session_id: str = "ID") -> None:
    a, b = d["pair"]
    for y, who in enumerate((a, b)):
        for r in d.get("role_runs", []):
            if r["player"] == who:
                ax.barh(y, r["end"] - r["t"], left=r["t"], height=0.8,
                        color=ROLE_COLOURS.get(r["role"], "#777777"),
                        alpha=0.35 + 0.65 * float(r["confidence"] or 0.0))
    ax.set_yticks([0, 1], [a, b], fontsize=8)
    ax.tick_params(labelsize=8)
    ax.set_xlim(0, max(1e-9, d["summary"].get("duration_s") or 1.0))
    # a clinical word printed in a report: said as what it is, a suggestion to confirm, and
    # how it is confirmed (the session page's "Roles the analysis suggests" adds them to the
    # annotations, to confirm or discard each; researchers add them with the command line)
    import textwrap

    ax.set_title(textwrap.fill(
        "Roles the analysis suggests from the playing (Bruscia's autonomy profile; colour: "
        "the role, stronger where the playing indicates it more clearly). Suggestions, not an "
        "assessment: the session page adds "
        "them to the annotations (“Roles the analysis suggests”), to confirm or discard each "
        f"there (on the command line: “improv analyze {session_id} --dialogue --accept-roles”).",
        100),
        fontsize=8, loc="left")
    time_axis(ax, most=8, label=False)
    present = sorted({r["role"] for r in d.get("role_runs", [])})
    if present:
        from matplotlib.patches import Patch

        # under the time ticks (1.8 font sizes below the strip), not over them
        ax.legend(handles=[Patch(color=ROLE_COLOURS.get(r, "#777777"), label=r) for r in present],
                  fontsize=8, loc="upper left", bbox_to_anchor=(0.0, 0.0), frameon=False,
                  ncol=len(present), borderaxespad=1.8)


def plot_result(result: dict[str, Any], path: Path, *, dialogue: bool = False,
                annotations=()) -> Path:
    """:func:`plot_dialogue` if ``dialogue``, else :func:`plot_players`."""
    if dialogue:
        return plot_dialogue(result, path, annotations=annotations)
    return plot_players(result, path, annotations=annotations)


def _title(result: dict[str, Any]) -> str:
    return (f"session {result['session_id']}  (window {result['window_s']:g} s, "
            f"hop {result['hop_s']:g} s, analysis {result['analysis_version']})")
