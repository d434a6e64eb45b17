"""Plots of analysis results (matplotlib, Agg backend, imported on first use).

:func:`plot_players` draws one figure with a row per player and source and a panel per curve
group (tempo, dynamics, density, register); :func:`plot_dialogue` draws the dialogue curves of
each pair and a strip of the suggested roles. Both take the dict of
:func:`improv.analyze.analyze_session` and write PNG, SVG or PDF (by the file's suffix).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["PLOT_SUFFIXES", "CURVE_GROUPS", "check_plot_path", "plot_players", "plot_dialogue",
           "plot_result", "mmss", "time_axis", "note_axis", "draw_annotations"]

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
    "register": (("pitch_mean",), "MIDI note"),
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
        raise ParameterError(f"plot file: folder {str(path.parent)!r} does not exist",
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


def time_axis(ax, *, label: bool = True) -> None:
    """Session time in m:ss on the x axis."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 1.5, 2, 3, 5, 6, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(mmss))
    if label:
        ax.set_xlabel("session time (m:ss)", fontsize=8)


def note_axis(ax) -> None:
    """Pitch on the y axis by note names (``C4``, ``E4``), not MIDI note numbers: ticks on
    whole semitones, at C, E and G# (every 4 semitones) or on every C for a wide range."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from improv.reports.labels import note_name

    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, steps=[1, 2, 3, 4, 6, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: note_name(v)))


#: Colours of annotations on the curves: markers (a moment), spans, and other moments.
MARKER_COLOUR, SPAN_COLOUR, NOTE_COLOUR = "#b2182b", "#fdae61", "#4d4d4d"


def draw_annotations(ax, annotations, *, text: bool = False) -> None:
    """Markers as red lines, annotated spans as shaded bands, other annotations as grey dashed
    lines; with ``text``, the first tag above each (at most 20 labelled)."""
    for k, a in enumerate(annotations or ()):
        end, tags = a.get("end"), a.get("tags", [])
        if end is not None and end > a["t"]:
            ax.axvspan(a["t"], end, color=SPAN_COLOUR, alpha=0.18, linewidth=0)
        elif "marker" in tags:
            ax.axvline(a["t"], color=MARKER_COLOUR, linewidth=0.9, alpha=0.8)
        else:
            ax.axvline(a["t"], color=NOTE_COLOUR, linewidth=0.7, linestyle="--", alpha=0.7)
        if text and k < 20 and tags:
            ax.text(a["t"], 1.0, tags[0], transform=ax.get_xaxis_transform(), fontsize=5,
                    rotation=90, va="top", ha="right", color="#333333")


def _values(name: str, c: dict) -> list[float]:
    # a tempo of 0 means "no clear pulse": a gap in the line, not a fall to 0 BPM
    gap_at_zero = name.endswith("tempo_bpm")
    return [float("nan") if v is None or (gap_at_zero and v <= 0) else v for v in c["values"]]


def _draw(ax, curves: dict, names: tuple[str, ...], ylabel: str, title: str, *,
          title_size: float = 9) -> bool:
    import math

    from analysis.features import describe, label

    drawn, units = False, []
    for name in names:
        c = curves.get(name)
        if not c or not c["times"]:
            continue
        vals = _values(name, c)
        if all(math.isnan(v) for v in vals):  # all missing: no curve, not an empty axis
            continue
        if ylabel == PERCENT:
            vals = [100.0 * v for v in vals]
        ax.plot(c["times"], vals, label=label(name), linewidth=1.0)
        unit = describe(name)[0]
        if unit and unit not in units:
            units.append(unit)
        drawn = True
    ax.set_title(title, fontsize=title_size)
    # the y label names the units of the curves drawn (not every unit the panel could hold)
    ax.set_ylabel((ylabel or " / ".join(units)) if drawn else "", fontsize=8)
    ax.tick_params(labelsize=7)
    if drawn:
        if ylabel == PERCENT:
            ax.set_ylim(-3, 103)
        ax.legend(fontsize=6, loc="upper right")
        ax.ticklabel_format(axis="y", useOffset=False)  # 120.06 BPM, not +1.199e2 0.06
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no curve", ha="center", va="center", transform=ax.transAxes,
                fontsize=8, color="grey")
    return drawn


def plot_players(result: dict[str, Any], path: Path, *, annotations=(),
                 portrait: bool = False) -> Path:
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
        A panel row per curve group and a column per player and source, sized for an A4 page
        (the reports); else a row per player and source (the screen).

    Returns
    -------
    Path
    """
    from improv.reports.labels import source_name

    path = check_plot_path(path)
    plt = _plt()
    rows = [(p, s, res) for p, e in result["players"].items() for s, res in e["sources"].items()]
    groups = list(CURVE_GROUPS)
    n = max(1, len(rows))
    if portrait:  # 7.2 in: the width of an A4 page inside 15 mm margins, at full size
        fig, grid = plt.subplots(len(groups), n, figsize=(7.2, 1.5 * len(groups) + 0.8),
                                 squeeze=False, sharex=True)
        axes = grid.T  # axes[row][group] as in the landscape layout
    else:
        fig, axes = plt.subplots(n, len(groups), figsize=(3.2 * len(groups), 2.2 * n + 0.6),
                                 squeeze=False, sharex=True)
    for i, (player, source, res) in enumerate(rows):
        for j, g in enumerate(groups):
            names, ylabel = CURVE_GROUPS[g]
            # on the A4 page four columns are narrow: the title on two lines, or neighbouring
            # titles ran into each other ("…: dynamicstherapist (audio): dynamic")
            title = (f"{player} ({source_name(source)})\n{g}" if portrait
                     else f"{player} ({source_name(source)}): {g}")
            _draw(axes[i][j], res["curves"], names, ylabel, title,
                  title_size=8 if portrait else 9)
            draw_annotations(axes[i][j], annotations, text=(j == 0))
    if not rows:
        axes[0][0].text(0.5, 0.5, "no player has an input", ha="center", va="center")
    for ax in (grid[-1] if portrait else axes[-1]):
        time_axis(ax)
    fig.suptitle(_title(result), fontsize=10 if not portrait else 8)
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    plt.close(fig)
    return path


def plot_dialogue(result: dict[str, Any], path: Path, *, annotations=()) -> Path:
    """Write the dialogue curves and role suggestions of each pair to ``path``, with the
    annotations on every panel (see :func:`plot_players`)."""
    path = check_plot_path(path)
    plt = _plt()
    pairs = result.get("dialogue") or []
    groups = list(DIALOGUE_GROUPS)
    n = max(1, len(pairs))
    fig = plt.figure(figsize=(13, 5.6 * n + 0.6))
    grid = fig.add_gridspec(3 * n, 3, height_ratios=[3, 3, 1.2] * n)
    for k, d in enumerate(pairs):
        a, b = d["pair"]
        for i, g in enumerate(groups):
            ax = fig.add_subplot(grid[3 * k + i // 3, i % 3])
            names, ylabel = DIALOGUE_GROUPS[g]
            _draw(ax, d["curves"], tuple(x.format(a=a, b=b) for x in names), ylabel,
                  f"{a} & {b}: {g}")
            draw_annotations(ax, annotations, text=(i == 0))
            time_axis(ax, label=i >= 3)
        roles = fig.add_subplot(grid[3 * k + 2, :])
        _roles(roles, d)
        draw_annotations(roles, annotations)
    if not pairs:
        fig.add_subplot(grid[0, :]).text(0.5, 0.5, "no pair to analyse", ha="center", va="center")
    fig.suptitle(_title(result) + " - dialogue", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    plt.close(fig)
    return path


def _roles(ax, d: dict) -> None:
    a, b = d["pair"]
    for y, who in enumerate((a, b)):
        for r in d.get("role_runs", []):
            if r["player"] == who:
                ax.barh(y, r["end"] - r["t"], left=r["t"], height=0.8,
                        color=ROLE_COLOURS.get(r["role"], "#777777"),
                        alpha=0.35 + 0.65 * float(r["confidence"] or 0.0))
    ax.set_yticks([0, 1], [a, b], fontsize=6)
    ax.tick_params(labelsize=6)
    ax.set_xlim(0, max(1e-9, d["summary"].get("duration_s") or 1.0))
    # a clinical word printed in a report: said as what it is, a suggestion to confirm
    ax.set_title("roles the analysis suggests from the playing (Bruscia's autonomy profile): "
                 "suggestions to confirm on the session page, not an assessment "
                 "(colour: role, opacity: confidence)", fontsize=8)
    time_axis(ax)
    present = sorted({r["role"] for r in d.get("role_runs", [])})
    if present:
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(color=ROLE_COLOURS.get(r, "#777777"), label=r) for r in present],
                  fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def plot_result(result: dict[str, Any], path: Path, *, dialogue: bool = False,
                annotations=()) -> Path:
    """:func:`plot_dialogue` if ``dialogue``, else :func:`plot_players`."""
    if dialogue:
        return plot_dialogue(result, path, annotations=annotations)
    return plot_players(result, path, annotations=annotations)


def _title(result: dict[str, Any]) -> str:
    return (f"session {result['session_id']}  (window {result['window_s']:g} s, "
            f"hop {result['hop_s']:g} s, analysis {result['analysis_version']})")
