"""Plots of a client's course: one small-multiple figure, a panel per feature.

Sessions lie on a date axis; the baseline band (mean ± k·SD of the baseline
sessions) is shaded; the Theil–Sen trend is drawn when it is distinguishable
from no change; annotated sessions are drawn as filled markers, others hollow;
outliers are ringed.  matplotlib (Agg) is imported only here.
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


def session_ticks(dates: list[datetime], *, most: int = 12) -> tuple[list, list[str]]:
    """Ticks at the sessions themselves (so each lines up with its points), labelled with the
    date, and the time too where a day has several sessions; at most ``most`` of them."""
    days = [d.date() for d in dates]
    step = max(1, int(np.ceil(len(dates) / most)))
    chosen = list(range(0, len(dates), step))
    names = [d.strftime("%Y-%m-%d %H:%M") if days.count(d.date()) > 1 else d.strftime("%Y-%m-%d")
             for d in dates]
    return [dates[i] for i in chosen], [names[i] for i in chosen]


def plot_client(result: dict[str, Any], *, to: Path, title: str | None = None,
                columns: list[str] | None = None) -> Path:
    """Write the client's figure to ``to`` (.png or .svg); returns the path.

    ``columns`` selects the panels (default: every compared feature).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.features import describe
    from improv.reports.labels import column_title, never_negative, scale, value_range

    cols = list(columns) if columns is not None else result["columns"]
    sessions = result["sessions"]
    dates = [local_moment(s["started_utc"]) for s in sessions]  # the days the therapist lived
    annotated = np.array([s["annotations"] > 0 for s in sessions])
    n = max(len(cols), 1)
    ncols = 2 if n > 1 else 1
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.0 * ncols, 2.4 * nrows), squeeze=False,
                             sharex=True)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax, c in zip(axes.flat, cols, strict=False):
        f = result["features"][c]
        # in the unit the title names: a share in per cent ("Silence (%)"), as the tables
        k = scale(c)
        v = k * np.array([np.nan if x is None else x for x in f["values"]], dtype=float)
        ends = value_range(c)  # a 0-1 score, a share or a velocity has ends: so do its band
        lo, hi = ends if ends else ((0.0, np.inf) if never_negative(c) else (-np.inf, np.inf))
        band = f["band"]
        if band:
            ax.axhspan(max(lo, k * band["low"]), min(hi, k * band["high"]), color="#9ecae1",
                       alpha=0.35, lw=0, label=f"baseline ±{band['k']:g} SD")
            ax.axhline(k * band["mean"], color="#3182bd", lw=0.8)
        ax.plot(dates, v, color="#555555", lw=0.8, zorder=1)
        ax.scatter([d for d, a in zip(dates, annotated, strict=False) if a], v[annotated],
                   color="#08306b", s=28, zorder=3, label="annotated", clip_on=False)
        ax.scatter([d for d, a in zip(dates, annotated, strict=False) if not a], v[~annotated],
                   facecolors="white", edgecolors="#08306b", s=28, zorder=3, clip_on=False)
        out = [i for i, s in enumerate(sessions) if s["id"] in f["outliers"]]
        if out:
            ax.scatter([dates[i] for i in out], v[out], s=140, facecolors="none",
                       edgecolors="#d62728", lw=1.5, zorder=4, label="outlier", clip_on=False)
        tr = f["trend"]
        if tr and tr["distinguishable"]:
            ax.plot(dates, k * np.asarray(trend_fit(f["values"], tr)), color="#d95f0e", lw=1.2,
                    ls="--", label="trend")
        ax.ticklabel_format(axis="y", useOffset=False, style="plain")
        finite = v[np.isfinite(v)]
        if len(finite) and np.ptp(finite) < 1e-9 * max(1.0, abs(finite[0])):
            pad = max(abs(finite[0]) * 0.05, 0.05 * k)  # a constant course: flat, not noise
            ax.set_ylim(finite[0] - pad, finite[0] + pad)
        bottom, top = ax.get_ylim()
        ax.set_ylim(max(lo, bottom), min(hi, top))  # never past the measure's ends
        if describe(c)[0] == "MIDI note":  # a pitch by its note name, as the tables say it
            from improv.reports.plots import note_axis

            note_axis(ax)
        ax.set_title(column_title(c), fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    ticks, names = session_ticks(dates)
    for ax in axes[-1]:
        ax.set_xticks(ticks, names)
        for label in ax.get_xticklabels():
            label.set_rotation(30)
            label.set_ha("right")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="upper right", fontsize=8, frameon=False)
    fig.suptitle(title or f"Client {result['client']}: {counted(len(sessions), 'session')}",
                 fontsize=11,
                 x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    to = Path(to)
    from improv.reports.plots import save_figure

    save_figure(fig, to, dpi=110)
    plt.close(fig)
    return to
