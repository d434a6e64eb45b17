"""Plots: markers and annotations on every curve, m:ss time axes, "no curve" for an empty
panel and y labels by the units drawn (bug 2), bands that stop at zero and session ticks that
line up with their points (bug 3). The figures are the real matplotlib figures, caught as they
are saved."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import matplotlib.dates as mdates
import pytest

from improv.analyze import analyze_session
from improv.reports import plots, trend_plots
from tests.sessions.helpers import import_half_duet

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
        bottom = [ax for ax in fig.axes if ax.get_xlabel()][-1]
        labels = [t.get_text() for t in bottom.get_xticklabels() if t.get_text()]
        assert labels and all(":" in t for t in labels), labels
        assert "m:ss" in bottom.get_xlabel()
    texts = {t.get_text() for ax in players.axes for t in ax.texts}
    assert "marker" in texts and "leader" in texts  # autonomy:leader, as a word


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
    result = _course([0.0, 0.1, 0.05, 0.02], band, same_day=False)
    trend_plots.plot_client(result, to=tmp_path / "c.png")
    (fig,) = figures
    ax = fig.axes[0]
    (span,) = [p for p in ax.patches]
    assert _bottom(span) == pytest.approx(0.0)
    # the axis gives the session at 0 % room below it (not on the frame, review 35), but
    # no tick below zero
    low, high = ax.get_ylim()
    assert -2.0 < low < 0.0
    assert min(t for t in ax.get_yticks() if low <= t <= high) >= 0.0
    dates = [datetime.fromisoformat(s["started_utc"]) for s in result["sessions"]]
    assert list(ax.get_xticks()) == pytest.approx([mdates.date2num(d) for d in dates])
    labels = [t.get_text() for t in ax.get_xticklabels()]
    # the days as the report writes them ("Nov 2")
    assert labels[:3] == ["Jan 5", "Jan 12", "Jan 19"]
    assert ax.get_title(loc="left") == "Silence (%)\nclient (MIDI)"
    # a signed measure keeps its band below zero
    figures.clear()
    trend_plots.plot_client(_course([-1.0, 1.0, 0.0, 0.5], dict(band, low=-2.0, high=2.0),
                                    column="a|b.lead_lag_s"), to=tmp_path / "d.png")
    (span,) = figures[0].axes[0].patches
    assert _bottom(span) == pytest.approx(-2.0)


def test_report_plots_are_readable_in_print(tmp_path, figures):
    """The report's figures (a therapist's review: four columns a page, ticks running
    together, legends over the curves, 4 pt text, empty panels): at most two columns, at the
    page's width so nothing is shrunk, every text at 8 pt or more, a tick every 30 s or more,
    legends outside the panels, groups without a curve left out."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from improv.demo import create_demo_session
    from sessions.store import Store

    with Store(tmp_path / "store") as store:
        sid = create_demo_session(store, duration=90.0)["id"]
        res = analyze_session(store, sid, dialogue=True)
    anns = [{"t": 1.0, "tags": ["marker"]}, {"t": 2.0, "tags": ["marker"]},
            {"t": 40.0, "end": 50.0, "tags": ["autonomy:leader"]}]
    plots.plot_players(res, tmp_path / "p.png", annotations=anns, portrait=True,
                       title="Session 1 · 2026-11-02")
    plots.plot_dialogue(res, tmp_path / "d.png", annotations=anns, title="Session 1")
    players, dialogue = figures
    assert players.get_figwidth() == pytest.approx(plots.PAGE_WIDTH)
    assert dialogue.get_figwidth() == pytest.approx(plots.PAGE_WIDTH)
    assert players._suptitle.get_text() == "Session 1 · 2026-11-02"  # not the ID and settings
    columns = {ax.get_position().x0 for ax in players.axes}
    assert len(columns) == 2  # four inputs: the first two drawn, the others on their own page
    for fig in (players, dialogue):
        renderer = FigureCanvasAgg(fig).get_renderer()
        texts = [t for t in fig.findobj(lambda o: hasattr(o, "get_fontsize")
                                         and hasattr(o, "get_text"))
                 if t.get_visible() and t.get_text().strip()]
        small = [(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < 8]
        assert not small, small
        for ax in fig.axes:
            ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
            if len(ticks) > 1 and ax.get_position().width < 0.6:  # a panel of two a row
                assert min(b - a for a, b in zip(ticks, ticks[1:], strict=False)) >= 30, ticks
            legend = ax.get_legend()
            if legend is not None:  # outside the axes: it covers no curve
                box, area = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
                assert box.x0 >= area.x1 - 1 or box.y0 >= area.y1 - 1 or box.y1 <= area.y0 + 1
    # the labels of the annotations stand above the panel, level, and never overlap
    labels = [t for ax in players.axes for t in ax.texts if t.get_text() in ("marker",
                                                                           "leader")]
    assert labels and all(t.get_rotation() == 0 for t in labels)
    renderer = FigureCanvasAgg(players).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in labels]
    for k, a in enumerate(boxes):
        for b in boxes[k + 1:]:
            assert not a.overlaps(b)


def test_report_labels_are_laid_out_at_the_panels_final_width(tmp_path, figures):
    """Review 29: "markermarker" above the report's dynamics panels. The labels' rows were laid
    out before the legends right of each row narrowed the panels; two markers 23 s apart in a
    90 s session then ran into each other. Each figure's labels, as drawn, must not touch."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from improv.demo import create_demo_session
    from sessions.store import Store

    with Store(tmp_path / "store") as store:
        sid = create_demo_session(store, duration=90.0)["id"]
        res = analyze_session(store, sid)
    anns = [{"t": 0.5, "tags": ["marker"]}, {"t": 32.0, "tags": ["marker"]},
            {"t": 55.0, "end": 60.0, "tags": ["marker"]}]
    for k, groups in enumerate((["tempo", "pulse"], ["dynamics", "density", "silence"])):
        plots.plot_players(res, tmp_path / f"p{k}.png", annotations=anns, portrait=True,
                           groups=groups)
    assert len(figures) == 2
    for fig in figures:
        renderer = FigureCanvasAgg(fig).get_renderer()
        labels = [t for ax in fig.axes for t in ax.texts if t.get_text() == "marker"]
        assert len(labels) >= 4, [t.get_text() for ax in fig.axes for t in ax.texts]
        boxes = [t.get_window_extent(renderer) for t in labels]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b), (a, b)


def test_report_plots_leave_out_empty_groups_and_say_no_imitation(store, tmp_path, rng,
                                                                  figures):
    sid = import_half_duet(store, tmp_path, rng=rng)
    res = analyze_session(store, sid, dialogue=True)
    for entry in res["players"].values():  # no register curve for anyone
        for src in entry["sources"].values():
            src["curves"].pop("pitch_mean", None)
    for name, c in res["dialogue"][0]["curves"].items():
        if "imitates" in name:
            c["values"] = [0.0] * len(c["values"])
    plots.plot_players(res, tmp_path / "p.png", portrait=True)
    plots.plot_dialogue(res, tmp_path / "d.png")
    players, dialogue = figures
    ylabels = [ax.get_ylabel() for ax in players.axes]
    assert not any(y.startswith("register") for y in ylabels), ylabels
    assert any(y.startswith("tempo") for y in ylabels)
    (imitation,) = [ax for ax in dialogue.axes if "imitation" in ax.get_title(loc="left")]
    assert [t.get_text() for t in imitation.texts] == ["no imitation found"]
    assert list(imitation.get_yticks()) == []


def test_report_plot_pitch_axis_says_note_names(store, tmp_path, rng, figures):
    sid = import_half_duet(store, tmp_path, rng=rng)
    res = analyze_session(store, sid)
    plots.plot_players(res, tmp_path / "p.png", portrait=True)
    (fig,) = figures
    fig.canvas.draw()
    register = [ax for ax in fig.axes if ax.get_ylabel().startswith("register")]
    assert register and "MIDI note" not in register[0].get_ylabel()
    ticks = [t.get_text() for t in register[0].get_yticklabels() if t.get_text()]
    assert ticks and all(re.fullmatch(r"[A-G]#?-?\d", t) for t in ticks), ticks


def test_the_role_strip_says_its_roles_are_suggestions_to_confirm(store, tmp_path, rng, figures):
    """A clinical word ("resister") printed in a report reads as the analysis's suggestion for
    the therapist to confirm, not as an assessment (a therapist's review)."""
    sid = import_half_duet(store, tmp_path, rng=rng)
    res = analyze_session(store, sid, dialogue=True)
    plots.plot_dialogue(res, tmp_path / "d.png")
    (fig,) = figures
    (strip,) = [ax for ax in fig.axes if "Roles" in ax.get_title(loc="left")]
    title = " ".join(strip.get_title(loc="left").split())
    assert "suggests" in title and "not an assessment" in title and "confirm" in title
    # confirmed on the session page (its section named as the page names it); the command
    # line's way for researchers
    assert "session page" in title and "“Roles the analysis suggests”" in title
    assert f"improv analyze {sid} --dialogue --accept-roles" in title


def test_client_plot_draws_shares_in_per_cent_under_a_percent_title(tmp_path, figures):
    """A "(%)" panel drew the stored fractions (an axis from 0.0760 to 0.0785 under "Silence
    (%)") while the Trends table said 7.79 %: its points, band and axis are in per cent."""
    values = [0.0779, 0.0781, 0.0777, 0.0760]
    band = {"mean": 0.0779, "sd": 0.0002, "low": 0.0575, "high": 0.0983, "k": 2.0}
    trend_plots.plot_client(_course(values, band), to=tmp_path / "c.png")
    (fig,) = figures
    ax = fig.axes[0]
    assert ax.get_title(loc="left").split("\n")[0].endswith("(%)")
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
    # the axis stops just past the measure's ends (room for a value at an end, review 35),
    # never at a value it cannot take: no tick past them
    low, high = ax.get_ylim()
    room = 0.1 * (ends[1] - ends[0])
    assert ends[0] - room <= low and high <= ends[1] + room
    assert all(ends[0] <= t <= ends[1] for t in ax.get_yticks() if low <= t <= high)


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


def test_client_plot_places_sessions_of_one_day_apart(tmp_path, figures):
    """Review 28: two sessions on one day stood on one point of the date axis, their labels
    ("Jan 5 10:00", "Jan 5 12:00") over each other. Where a day repeats, every session stands
    on its place in the order, one step apart, labelled with its number and day."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    band = {"mean": 0.05, "sd": 0.05, "low": 0.0, "high": 0.15, "k": 2.0}
    result = _course([0.0, 0.1, 0.05, 0.02, 0.04, 0.06, 0.03], band)  # sessions 1, 2: Jan 5
    result["sessions"][3]["number"] = 9  # named as the catalog numbers it
    trend_plots.plot_client(result, to=tmp_path / "c.png")
    (fig,) = figures
    ax = fig.axes[0]
    (line,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 7]
    assert list(line.get_xdata()) == [1, 2, 3, 4, 5, 6, 7]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[:4] == ["1 · Jan 5", "2 · Jan 5", "3 · Jan 19", "9 · Jan 26"]
    assert ax.get_xlabel() == "session number · day"
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels()]
    lefts = [b.x0 for b in boxes]
    assert lefts == sorted(lefts) and min(b - a for a, b in zip(lefts, lefts[1:], strict=False)) > 8
    # different days: the date axis, as before
    figures.clear()
    x, _ticks, names, name = trend_plots.session_axis(_course([1.0] * 3, band,
                                                              same_day=False)["sessions"])
    assert isinstance(x[0], datetime) and names == ["Jan 5", "Jan 12", "Jan 19"] and not name


def _texts(fig):
    return [t for t in fig.findobj(lambda o: hasattr(o, "get_fontsize") and hasattr(o, "get_text"))
            if t.get_visible() and t.get_text().strip()]


def test_client_plot_is_drawn_at_the_page_width_with_its_titles_in_two_lines(tmp_path, figures,
                                                                            monkeypatch):
    """Review 28: the course charts were drawn 12 in wide and printed at 54 % (their 8 pt text
    4 pt on paper), and "therapist (MIDI): Notes per second (notes/s)" was too long for half
    the page. Now: drawn at the page's width, every text at 8 pt, the measure over its player
    and input, a title too long for half the page in a row of its own, the legend inside the
    figure's width."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    band = {"mean": 1.0, "sd": 0.1, "low": 0.8, "high": 1.2, "k": 2.0}
    result = _course([1.0, 1.1, 0.9, 1.3], band, column="client.midi.notes_per_s",
                     same_day=False)
    cols = ["client.midi.notes_per_s", "therapist.midi.notes_per_s",
            "client|therapist.floor_transfers_per_min", "client.midi.velocity_mean"]
    f = result["features"]["client.midi.notes_per_s"]
    result["features"] = {c: dict(f, outliers=["s1"], outside_band=["s3"]) for c in cols}
    result["features"][cols[1]] = dict(f, values=[1.0, None, 1.0, 1.1])
    result["columns"] = cols
    assert trend_plots.panel_rows(cols) == [cols[:2], cols[2:]]
    trend_plots.plot_client(result, to=tmp_path / "c.png")
    (fig,) = figures
    assert fig.get_figwidth() == pytest.approx(plots.PAGE_WIDTH)
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < 8]
    assert not small, small
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[1] == "Notes per second (notes/s)\ntherapist (MIDI)"
    renderer = FigureCanvasAgg(fig).get_renderer()
    for ax in fig.axes:  # no title wider than its panel
        box = ax._left_title.get_window_extent(renderer)
        assert box.x1 <= ax.get_window_extent(renderer).x1 + 2, ax.get_title(loc="left")
    legend = fig.legends[0].get_window_extent(renderer)
    assert legend.x0 >= 0 and legend.x1 <= fig.bbox.x1
    assert len(fig.legends[0].get_texts()) == 6  # band, points, triangle, ring, cross
    # a title too long for half the page: a row of its own, the whole width
    figures.clear()
    real = trend_plots.panel_title
    long = "client (MIDI): Notes per second (notes/s)"  # the review's title, in one line
    title = {cols[0]: long + " " + long}
    rows = [[cols[0]], cols[1:3], cols[3:]]
    monkeypatch.setattr(trend_plots, "panel_title", lambda c: title.get(c) or real(c))
    assert trend_plots.panel_rows(cols) == rows
    # two rows a chart of the client report, a page breaking between charts
    assert trend_plots.charts(cols, rows=2) == [rows[0] + rows[1], rows[2]]
    trend_plots.plot_client(result, to=tmp_path / "d.png")
    (fig,) = figures
    wide, half = fig.axes[0].get_position().width, fig.axes[1].get_position().width
    assert wide > 1.8 * half


def test_the_report_draws_the_dialogue_as_two_figures(store, tmp_path, rng, figures):
    """Review 28: the appendix's dialogue figure was one piece up to 7.8 in tall and left the
    page before it under half full. The report draws it as two figures (the activity, leading
    and timing; then the tempo, the imitation and the roles), each as high as its rows."""
    from improv.reports.report import DIALOGUE_FIGURES, session_report_html

    sid = import_half_duet(store, tmp_path, rng=rng)
    res = analyze_session(store, sid, dialogue=True)
    for groups, roles in DIALOGUE_FIGURES:
        plots.plot_dialogue(res, tmp_path / f"d{len(figures)}.png", groups=groups, roles=roles)
    first, second = figures
    titles = [[ax.get_title() or ax.get_title(loc="left") for ax in fig.axes] for fig in figures]
    assert [t.split(": ")[-1] for t in titles[0]] == ["activity", "leading", "synchrony",
                                                      "asynchrony"]
    assert [t.split(": ")[-1] for t in titles[1][:2]] == ["tempo", "imitation"]
    assert "Roles the analysis suggests" in titles[1][2] and len(titles[1]) == 3
    assert first.get_figheight() == pytest.approx(2 * 1.75 + 0.4)
    assert second.get_figheight() == pytest.approx(1.75 + 1.3 + 0.4)
    assert plots.dialogue_groups(res, groups=("tempo", "imitation")) == ["tempo", "imitation"]
    # in the report: two images under the heading, each kept whole on a page
    figures.clear()
    html = session_report_html(store, sid)
    part = html.split("<h3>The playing together, over the session</h3>")[1]
    assert part.split("<h3>")[0].count("<img") == 2
    assert len(figures) == 2 + len(DIALOGUE_FIGURES)  # the players' two, the dialogue's two
