"""Plots: markers and annotations on every curve, m:ss time axes, "no curve" for an empty
panel and y labels by the units drawn (bug 2), bands that stop at zero and session ticks that
line up with their points (bug 3). The figures are the real matplotlib figures, caught as they
are saved."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import matplotlib.dates as mdates
import pytest

from improv.analyze import analyze_session
from improv.reports import plots, trend_plots
from tests.sessions.helpers import import_half_duet


@pytest.fixture
def figures(monkeypatch):
    """The figures the plot functions save (still written to their files)."""
    caught = []
    real = plots.save_figure

    def catch(fig, path, *, dpi):
        caught.append(fig)
        real(fig, path, dpi=dpi)

    monkeypatch.setattr(plots, "save_figure", catch)
    return caught


ANNS = [{"t": 5.0, "tags": ["marker"]}, {"t": 12.0, "end": 18.0, "tags": ["autonomy:leader"]},
        {"t": 25.0, "tags": ["note"]}]


def _vertical_marks(ax):
    lines = [ln for ln in ax.get_lines() if len(set(ln.get_xdata())) == 1]
    spans = [p for p in ax.patches if p.get_facecolor()[3] < 0.5]
    return lines, spans


def test_player_and_dialogue_plots_draw_the_annotations(store, tmp_path, rng, figures):
    sid = import_half_duet(store, tmp_path, rng=rng)
    res = analyze_session(store, sid, dialogue=True)
    plots.plot_players(res, tmp_path / "p.png", annotations=ANNS)
    plots.plot_dialogue(res, tmp_path / "d.png", annotations=ANNS)
    players, dialogue = figures
    for fig in (players, dialogue):
        for ax in [a for a in fig.axes if a.get_visible()]:
            lines, spans = _vertical_marks(ax)
            assert sorted(ln.get_xdata()[0] for ln in lines) == [5.0, 25.0], ax.get_title()
            assert len(spans) >= 1
        bottom = fig.axes[-1]
        labels = [t.get_text() for t in bottom.get_xticklabels() if t.get_text()]
        assert labels and all(":" in t for t in labels), labels
        assert "m:ss" in bottom.get_xlabel()
    texts = {t.get_text() for ax in players.axes for t in ax.texts}
    assert "marker" in texts and "autonomy:leader" in texts


def test_empty_panel_says_no_curve_and_labels_name_the_units(store, tmp_path, rng, figures):
    sid = import_half_duet(store, tmp_path, rng=rng)
    res = analyze_session(store, sid)
    # a register curve with nothing in it (as an audio source has): "no curve", no axis
    entry = res["players"]["therapist"]["sources"]["midi"]["curves"]
    entry["pitch_mean"] = dict(entry["pitch_mean"],
                               values=[None] * len(entry["pitch_mean"]["values"]))
    plots.plot_players(res, tmp_path / "p.png")
    (fig,) = figures
    by_title = {ax.get_title(): ax for ax in fig.axes}
    empty = by_title["therapist (MIDI): register"]
    assert [t.get_text() for t in empty.texts] == ["no curve"]
    assert empty.get_ylabel() == "" and list(empty.get_yticks()) == []
    assert by_title["client (MIDI): dynamics"].get_ylabel() == "0-127"
    assert "LUFS" not in by_title["client (MIDI): dynamics"].get_ylabel()


def test_shares_are_drawn_in_per_cent_as_the_tables_give_them(store, tmp_path, rng, figures):
    """Silence and the dialogue's activity shares are 0..1 in the results and "36 %" in the
    tables and the web app; the report's panels said "0..1" and "share" (a therapist's
    review)."""
    sid = import_half_duet(store, tmp_path, rng=rng)
    res = analyze_session(store, sid, dialogue=True)
    plots.plot_players(res, tmp_path / "p.png")
    plots.plot_dialogue(res, tmp_path / "d.png")
    players, dialogue = figures
    by_title = {ax.get_title(): ax for ax in players.axes + dialogue.axes}
    silence = by_title["client (MIDI): silence"]
    assert silence.get_ylabel() == "%"
    share = res["players"]["client"]["sources"]["midi"]["curves"]["silence_share"]["values"]
    (line,) = [ln for ln in silence.get_lines() if ln.get_label() == "Silence"]
    drawn = [y for y in line.get_ydata() if y == y]
    assert drawn == pytest.approx([100 * v for v in share if v is not None])
    assert max(drawn) > 1.0 or max(share) <= 0.01  # per cent, not 0..1
    activity = by_title["client & therapist: activity"]  # the pair in words, as on the page
    assert activity.get_ylabel() == "%" and activity.get_ylim()[1] > 100
    assert by_title["client (MIDI): pulse"].get_ylabel() == "0..1"  # a score, not a share


def test_mmss():
    assert [plots.mmss(t) for t in (0, 59.6, 75, 3600 + 62, -5)] == [
        "0:00", "1:00", "1:15", "1:01:02", "-0:05"]


def _course(values, band, *, column="client.midi.silence_share", same_day=True):
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    times = [start + timedelta(hours=2 * i if same_day and i < 2 else 24 * 7 * i)
             for i in range(len(values))]
    sessions = [{"id": f"s{i}", "started_utc": t.isoformat(), "annotations": i % 2}
                for i, t in enumerate(times)]
    return {"client": "C07", "columns": [column], "sessions": sessions,
            "features": {column: {"values": values, "band": band, "trend": None,
                                  "outliers": [], "unit": "fraction"}}}


def _bottom(patch) -> float:
    """The lower edge of a band (a Rectangle in newer matplotlib, a Polygon in older)."""
    if hasattr(patch, "get_y"):
        return min(patch.get_y(), patch.get_y() + patch.get_height())
    return min(y for _, y in patch.get_xy())


def test_client_plot_band_stops_at_zero_and_ticks_line_up(tmp_path, figures):
    band = {"mean": 0.05, "sd": 0.05, "low": -0.05, "high": 0.15, "k": 2.0}
    result = _course([0.0, 0.1, 0.05, 0.02], band)
    trend_plots.plot_client(result, to=tmp_path / "c.png")
    (fig,) = figures
    ax = fig.axes[0]
    (span,) = [p for p in ax.patches]
    assert _bottom(span) == pytest.approx(0.0)
    assert ax.get_ylim()[0] >= 0.0
    dates = [datetime.fromisoformat(s["started_utc"]) for s in result["sessions"]]
    assert list(ax.get_xticks()) == pytest.approx([mdates.date2num(d) for d in dates])
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "2026-01-05 10:00" and labels[1] == "2026-01-05 12:00"
    assert labels[2] == "2026-01-19" and ax.get_title(loc="left") == "client (MIDI): Silence (%)"
    # a signed measure keeps its band below zero
    figures.clear()
    trend_plots.plot_client(_course([-1.0, 1.0, 0.0, 0.5], dict(band, low=-2.0, high=2.0),
                                    column="a|b.lead_lag_s"), to=tmp_path / "d.png")
    (span,) = figures[0].axes[0].patches
    assert _bottom(span) == pytest.approx(-2.0)


def test_report_plot_titles_do_not_run_into_each_other(tmp_path, figures):
    """The report's A4 figure has a column per player and source (four for the demo): the
    titles ran into each other ("therapist (MIDI): dynamicstherapist (audio): dynamic")."""
    from improv.demo import create_demo_session
    from sessions.store import Store

    with Store(tmp_path / "store") as store:
        sid = create_demo_session(store, duration=20.0)["id"]
        res = analyze_session(store, sid)
    plots.plot_players(res, tmp_path / "p.png", portrait=True)
    (fig,) = figures
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()  # the saved layout, measured again
    titles = [ax.title.get_window_extent(renderer) for ax in fig.axes if ax.get_title()]
    assert len(titles) == 4 * len(plots.CURVE_GROUPS)
    width = fig.bbox.width
    for k, a in enumerate(titles):
        assert 0 <= a.x0 and a.x1 <= width, (a, width)  # not cut off at the page's edge
        for b in titles[k + 1:]:  # and at least 4 px apart
            apart = min(a.x1, b.x1) + 4 <= max(a.x0, b.x0) or min(a.y1, b.y1) <= max(a.y0, b.y0)
            assert apart, (a, b)


def test_the_role_strip_says_its_roles_are_suggestions_to_confirm(store, tmp_path, rng, figures):
    """A clinical word ("resister") printed in a report reads as the analysis's suggestion for
    the therapist to confirm, not as an assessment (a therapist's review)."""
    sid = import_half_duet(store, tmp_path, rng=rng)
    res = analyze_session(store, sid, dialogue=True)
    plots.plot_dialogue(res, tmp_path / "d.png")
    (fig,) = figures
    (strip,) = [ax for ax in fig.axes if "role" in ax.get_title()]
    title = strip.get_title()
    assert "suggests" in title and "not an assessment" in title and "confirm" in title


def test_client_plot_draws_shares_in_per_cent_under_a_percent_title(tmp_path, figures):
    """A "(%)" panel drew the stored fractions (an axis from 0.0760 to 0.0785 under "Silence
    (%)") while the Trends table said 7.79 %: its points, band and axis are in per cent."""
    values = [0.0779, 0.0781, 0.0777, 0.0760]
    band = {"mean": 0.0779, "sd": 0.0002, "low": 0.0575, "high": 0.0983, "k": 2.0}
    trend_plots.plot_client(_course(values, band), to=tmp_path / "c.png")
    (fig,) = figures
    ax = fig.axes[0]
    assert ax.get_title(loc="left").endswith("(%)")
    (line,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == len(values)]
    assert list(line.get_ydata()) == pytest.approx([100 * v for v in values])
    assert ax.get_ylim()[1] > 1.0 and ax.get_ylim()[0] < 7.6 < ax.get_ylim()[1]
    (span,) = ax.patches
    assert _bottom(span) == pytest.approx(5.75)
    (mean,) = [ln for ln in ax.get_lines() if len(set(ln.get_ydata())) == 1]
    assert mean.get_ydata()[0] == pytest.approx(7.79)


@pytest.mark.parametrize("column, values, band, ends", [
    # the review's "Tempo stability (0-1)": its band and axis reached 1.50
    ("client.midi.tempo_stability", [0.98, 0.99, 0.78, 0.2],
     {"mean": 0.92, "sd": 0.29, "low": 0.34, "high": 1.5, "k": 2.0}, (0.0, 1.0)),
    ("client.midi.silence_share", [0.9, 0.95, 1.0, 0.97],
     {"mean": 0.95, "sd": 0.04, "low": 0.87, "high": 1.03, "k": 2.0}, (0.0, 100.0)),
    ("client.midi.velocity_mean", [120, 125, 127, 110],
     {"mean": 124, "sd": 3.6, "low": 116.8, "high": 131.2, "k": 2.0}, (0.0, 127.0)),
])
def test_client_plot_band_and_axis_stay_in_the_measures_range(tmp_path, figures, column,
                                                              values, band, ends):
    trend_plots.plot_client(_course(values, band, column=column), to=tmp_path / "c.png")
    (fig,) = figures
    ax = fig.axes[0]
    (span,) = ax.patches
    top = max(y for _, y in span.get_xy()) if not hasattr(span, "get_y") else \
        max(span.get_y(), span.get_y() + span.get_height())
    assert top <= ends[1] + 1e-9
    assert ends[0] <= ax.get_ylim()[0] and ax.get_ylim()[1] <= ends[1] + 1e-9


def test_client_plot_labels_pitch_by_note_names(tmp_path, figures):
    """A mean pitch's axis read "MIDI note" numbers (49.2) beside tables in note names."""
    band = {"mean": 49.0, "sd": 1.5, "low": 46.0, "high": 52.0, "k": 2.0}
    trend_plots.plot_client(_course([46.1, 50.2, 46.8, 51.3], band,
                                    column="client.midi.pitch_mean"), to=tmp_path / "c.png")
    (fig,) = figures
    ax = fig.axes[0]
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(t[0] in "CDEFGAB" for t in labels), labels
    assert "C#3" in labels or "C3" in labels or "D3" in labels, labels
