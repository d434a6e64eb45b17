"""Every curve of the reports' figures lies inside its panel, clear of the frame (review 35:
in a session report's "dynamics, density, silence and register" the client's loudest moments
ran into the top of the velocity panel and the therapist's softest into its bottom, the
client's register was cut at C5 and the therapist's at the bottom). The players' panels of a
measure share one range, from both players' values and a margin; a scale with ends (a
velocity 0-127, a share 0-100 %) has no tick past them. Real analysis of an imported duet,
real matplotlib figures caught as they are saved; the course charts of the client report
too."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from improv.analyze import analyze_session
from improv.reports import plots, trend_plots
from tests.sessions.helpers import import_half_duet

#: How far a curve's highest and lowest value stand inside the frame, at least [points]: the
#: line's half width (0.5 pt), its projecting cap (0.5 pt) and the frame's half width (0.4 pt),
#: and a gap of 1 pt that shows. Before the fix the review's extremes stood 1.5 to 1.7 pt
#: inside (a share of 100 % in a dialogue panel, 40 pt high, now stands 2.9 pt inside).
CLEAR_PT = 2.5


def _room_pt(ax, values) -> float:
    """How far the highest and lowest of ``values`` stand inside the y limits of ``ax``, the
    nearer of the two [points] (negative: outside)."""
    lo, hi = ax.get_ylim()
    height_pt = ax.get_window_extent().height * 72.0 / ax.get_figure().dpi
    return min(min(values) - lo, hi - max(values)) / (hi - lo) * height_pt


def _curves(ax) -> list:
    """The curves of a panel: its lines over time (not the annotations' vertical lines)."""
    return [ln for ln in ax.get_lines() if len(set(ln.get_xdata())) > 1]


def _check_every_curve_is_clear(fig) -> int:
    """Assert that every curve of ``fig`` lies inside its panel, :data:`CLEAR_PT` clear of the
    frame; returns the number of curves checked."""
    n = 0
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for line in _curves(ax):
            ys = [float(y) for y in line.get_ydata() if math.isfinite(y)]
            if not ys:
                continue
            n += 1
            room = _room_pt(ax, ys)
            assert room >= CLEAR_PT, (ax.get_ylabel() or ax.get_title(), line.get_label(),
                                      min(ys), max(ys), ax.get_ylim(), room)
    return n


@pytest.fixture
def res(store, tmp_path, rng):
    sid = import_half_duet(store, tmp_path, rng=rng, duration=60.0)
    return analyze_session(store, sid, dialogue=True)


def _set(res, player: str, name: str, low: float, high: float) -> None:
    """Curve ``name`` of ``player`` from ``low`` to ``high`` and back, every window."""
    c = res["players"][player]["sources"]["midi"]["curves"][name]
    n = len(c["times"])
    c["values"] = [low + (high - low) * (1 - abs(2 * k / (n - 1) - 1)) for k in range(n)]


def _panel(fig, column: int, group: str):
    row = [ax for ax in fig.axes if ax.get_visible() and ax.get_ylabel().startswith(group)]
    return sorted(row, key=lambda ax: ax.get_position().x0)[column]


@pytest.mark.parametrize("client, therapist", [
    # the review's session (C07, Session 4): velocity 71-98 and 42.5-83, pitch D4-C5 and C#3-A3
    ({"velocity_mean": (71.0, 98.0), "pitch_mean": (62.0, 72.0)},
     {"velocity_mean": (42.5, 83.0), "pitch_mean": (49.0, 57.0)}),
    # the ends of the scale: a velocity of 127 and of 1, the piano's lowest and highest notes
    ({"velocity_mean": (90.0, 127.0), "pitch_mean": (60.0, 108.0)},
     {"velocity_mean": (1.0, 60.0), "pitch_mean": (21.0, 50.0)}),
])
def test_every_curve_of_the_report_lies_inside_its_panel(res, tmp_path, figures, client,
                                                         therapist):
    for player, curves in (("client", client), ("therapist", therapist)):
        for name, (low, high) in curves.items():
            _set(res, player, name, low, high)
    groups = ["dynamics", "density", "silence", "register"]
    plots.plot_players(res, tmp_path / "r.png", portrait=True, groups=groups,
                       annotations=[{"t": 10.0, "tags": ["marker"]}])
    (fig,) = figures
    assert _check_every_curve_is_clear(fig) >= 8
    for group in groups:  # still one range for both players
        assert _panel(fig, 0, group).get_ylim() == pytest.approx(
            _panel(fig, 1, group).get_ylim()), group
    dynamics = _panel(fig, 0, "dynamics")
    assert dynamics.get_ylim()[0] < therapist["velocity_mean"][0]
    assert dynamics.get_ylim()[1] > client["velocity_mean"][1]
    # the room past an end of the scale is no value: no tick past 127 or below 0
    assert all(0 <= t <= 127 for t in dynamics.get_yticks()
               if dynamics.get_ylim()[0] <= t <= dynamics.get_ylim()[1])
    silence = _panel(fig, 0, "silence")
    assert all(0 <= t <= 100 for t in silence.get_yticks()
               if silence.get_ylim()[0] <= t <= silence.get_ylim()[1])
    # the screen's figure and the dialogue's, panel by panel
    figures.clear()
    plots.plot_players(res, tmp_path / "s.png")
    plots.plot_dialogue(res, tmp_path / "d.png")
    assert sum(_check_every_curve_is_clear(f) for f in figures) >= 10


def test_y_range_keeps_room_inside_a_scale_with_ends():
    assert plots.y_range(40.0, 100.0) == pytest.approx((35.2, 104.8))
    # a flat tempo over its smallest span, around its value
    assert plots.y_range(130.0, 130.0, min_span=20.0) == pytest.approx((118.4, 141.6))
    # widened past an end: moved inside it, then the room added
    assert plots.y_range(120.0, 126.0, ends=(0.0, 127.0), min_span=20.0) == pytest.approx(
        (105.4, 128.6))
    assert plots.y_range(0.0, 0.0, ends=(0.0, 100.0)) == pytest.approx((-0.8, 10.8))


def _course(values, *, column: str, band=None):
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    sessions = [{"id": f"s{i}", "started_utc": (start + timedelta(days=7 * i)).isoformat(),
                 "annotations": i % 2} for i in range(len(values))]
    return {"client": "C07", "columns": [column], "sessions": sessions,
            "features": {column: {"values": values, "band": band, "trend": None,
                                  "outliers": [], "unit": ""}}}


@pytest.mark.parametrize("column, values, ends", [
    ("client.midi.velocity_mean", [120.0, 125.0, 127.0, 110.0], (0.0, 127.0)),
    ("client.midi.silence_share", [0.0, 0.4, 1.0, 0.2], (0.0, 100.0)),
    ("client|therapist.client_leads_share", [0.0, 0.0, 0.0, 0.0], (0.0, 100.0)),
    ("client.midi.tempo_stability", [0.2, 1.0, 0.9, 0.95], (0.0, 1.0)),
])
def test_a_course_at_an_end_of_its_scale_is_not_drawn_on_the_frame(tmp_path, figures, column,
                                                                   values, ends):
    """A client report's course that reaches 127, 0 % or 100 % stood on the panel's frame
    (its axis stopped at the measure's end): it lies inside, with no tick past the end."""
    trend_plots.plot_client(_course(values, column=column), to=tmp_path / "c.png")
    (fig,) = figures
    ax = fig.axes[0]
    assert _check_every_curve_is_clear(fig) == 1
    lo, hi = ax.get_ylim()
    assert all(ends[0] - 1e-9 <= t <= ends[1] + 1e-9 for t in ax.get_yticks() if lo <= t <= hi)


def test_a_pitch_course_within_a_semitone_names_each_note_once(tmp_path, figures):
    """The review's store: a therapist's mean pitch between 54.2 and 54.8 had ticks on
    fractions of a semitone, all named "F#3": the axis spans a few semitones, ticks on notes."""
    trend_plots.plot_client(_course([54.8, 54.2, 54.25, 54.7],
                                    column="therapist.midi.pitch_mean"), to=tmp_path / "c.png")
    (fig,) = figures
    ax = fig.axes[0]
    fig.canvas.draw()
    lo, hi = ax.get_ylim()
    shown = [(t, label.get_text()) for t, label in zip(ax.get_yticks(), ax.get_yticklabels(),
                                                        strict=True) if lo <= t <= hi]
    assert len(shown) >= 2 and all(float(t).is_integer() for t, _ in shown)
    assert len({name for _, name in shown}) == len(shown)
    assert _check_every_curve_is_clear(fig) == 1
