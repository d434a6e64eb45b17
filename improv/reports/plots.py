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
           "plot_result"]

PLOT_SUFFIXES = (".png", ".svg", ".pdf")

#: Panels of a player row: title -> curves drawn in it (those present), with the y label.
CURVE_GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "tempo": (("tempo_bpm",), "BPM"),
    "pulse": (("pulse_clarity", "tonal_clarity"), "0..1"),
    "dynamics": (("velocity_mean", "level_dbfs", "loudness_lufs"), "velocity / dBFS / LUFS"),
    "density": (("notes_per_s", "onsets_per_s", "polyphony"), "per s / notes"),
    "silence": (("silence_share", "articulation"), "0..1"),
    "register": (("pitch_mean",), "MIDI note"),
}

#: Panels of a dialogue row (``{a}``/``{b}`` are the pair's names).
DIALOGUE_GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "activity": (("{a}_active", "{b}_active", "joint", "silent"), "share"),
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


def _draw(ax, curves: dict, names: tuple[str, ...], ylabel: str, title: str) -> bool:
    from analysis.features import label

    drawn = False
    for name in names:
        c = curves.get(name)
        if not c or not c["times"]:
            continue
        # a tempo of 0 means "no clear pulse": a gap in the line, not a fall to 0 BPM
        gap_at_zero = name.endswith("tempo_bpm")
        vals = [float("nan") if v is None or (gap_at_zero and v <= 0) else v
                for v in c["values"]]
        ax.plot(c["times"], vals, label=label(name), linewidth=1.0)
        drawn = True
    ax.set_title(title, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    if drawn:
        ax.legend(fontsize=6, loc="upper right")
    else:
        ax.text(0.5, 0.5, "no curve", ha="center", va="center", transform=ax.transAxes,
                fontsize=8, color="grey")
    return drawn


def plot_players(result: dict[str, Any], path: Path) -> Path:
    """Write the per-player curves of an analysis result to ``path``.

    Parameters
    ----------
    result : dict
        From :func:`improv.analyze.analyze_session`.
    path : Path
        ``.png``, ``.svg`` or ``.pdf``.

    Returns
    -------
    Path
    """
    path = check_plot_path(path)
    plt = _plt()
    rows = [(p, s, res) for p, e in result["players"].items() for s, res in e["sources"].items()]
    groups = list(CURVE_GROUPS)
    n = max(1, len(rows))
    fig, axes = plt.subplots(n, len(groups), figsize=(3.2 * len(groups), 2.2 * n + 0.6),
                             squeeze=False, sharex=True)
    for i, (player, source, res) in enumerate(rows):
        for j, g in enumerate(groups):
            names, ylabel = CURVE_GROUPS[g]
            _draw(axes[i][j], res["curves"], names, ylabel, f"{player} ({source}): {g}")
    if not rows:
        axes[0][0].text(0.5, 0.5, "no player has an input", ha="center", va="center")
    for ax in axes[-1]:
        ax.set_xlabel("session time [s]", fontsize=8)
    fig.suptitle(_title(result), fontsize=10)
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    plt.close(fig)
    return path


def plot_dialogue(result: dict[str, Any], path: Path) -> Path:
    """Write the dialogue curves and role suggestions of each pair to ``path``."""
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
                  f"{a} | {b}: {g}")
        _roles(fig.add_subplot(grid[3 * k + 2, :]), d)
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
    ax.set_title("suggested roles (colour: role, opacity: confidence)", fontsize=8)
    ax.set_xlabel("session time [s]", fontsize=7)
    present = sorted({r["role"] for r in d.get("role_runs", [])})
    if present:
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(color=ROLE_COLOURS.get(r, "#777777"), label=r) for r in present],
                  fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def plot_result(result: dict[str, Any], path: Path, *, dialogue: bool = False) -> Path:
    """:func:`plot_dialogue` if ``dialogue``, else :func:`plot_players`."""
    return plot_dialogue(result, path) if dialogue else plot_players(result, path)


def _title(result: dict[str, Any]) -> str:
    return (f"session {result['session_id']}  (window {result['window_s']:g} s, "
            f"hop {result['hop_s']:g} s, analysis {result['analysis_version']})")
