"""The session report's curve pages (review 27b: 11, 29, 9 and part 1 row 14): a pause in an
audio level is a gap, not a fall to -100 dBFS, and so is the pulse clarity of a player who
stopped; the players' panels of one measure share one y
range; a tempo axis spans at least 20 BPM; a panel with no curve is left out; the analysis's
unconfirmed role suggestions are not drawn; a pitch axis is spelled in its key. Real analysis
of an imported duet, real matplotlib figures caught as they are saved."""

from __future__ import annotations

import math

import pytest

from improv.analyze import analyze_session
from improv.reports import plots
from tests.sessions.helpers import import_half_duet


@pytest.fixture
def res(store, tmp_path, rng):
    sid = import_half_duet(store, tmp_path, rng=rng)
    return analyze_session(store, sid)


def _curves(res, player):
    return res["players"][player]["sources"]["midi"]["curves"]


def _panel(fig, player_col: int, group: str):
    """The visible or hidden panel of ``group`` in column ``player_col`` (report layout)."""
    rows = [ax for ax in fig.axes if ax.get_ylabel().startswith(group)
            or (not ax.get_visible() and ax.get_ylabel().startswith(group))]
    return sorted(rows, key=lambda ax: ax.get_position().x0)[player_col]


def test_a_pause_in_the_level_is_a_gap_not_minus_100_dbfs(res, tmp_path, figures):
    therapist = _curves(res, "therapist")
    times = therapist["velocity_mean"]["times"]
    # an audio level: playing at about -30 dBFS, then digital silence (the analysis' -100)
    therapist["velocity_mean"] = dict(therapist["velocity_mean"], values=[None] * len(times))
    therapist["level_dbfs"] = {"times": times, "values": [
        -30.0 + (k % 3) if t < 20 else -100.0 for k, t in enumerate(times)]}
    plots.plot_players(res, tmp_path / "p.png", portrait=True)
    (fig,) = figures
    ax = _panel(fig, 1, "dynamics")
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "Level"]
    ys = list(line.get_ydata())
    assert any(math.isnan(y) for y in ys) and min(y for y in ys if y == y) > -35
    assert ax.get_ylim()[0] > -40  # the axis holds the playing, not the pause


def test_the_players_share_one_range_per_measure(res, tmp_path, figures):
    """The client plays at velocity 90, the therapist at 40: side by side they must not look
    alike."""
    plots.plot_players(res, tmp_path / "p.png", portrait=True)
    (fig,) = figures
    for group in ("dynamics", "tempo", "density", "register"):
        client, therapist = _panel(fig, 0, group), _panel(fig, 1, group)
        assert client.get_ylim() == pytest.approx(therapist.get_ylim()), group
    low, high = _panel(fig, 0, "dynamics").get_ylim()
    assert low <= 40 and high >= 90


def test_a_tempo_axis_spans_at_least_20_bpm(res, tmp_path, figures):
    """1 BPM of jitter is not drawn over the whole panel (the review: 129.5–130.5 BPM)."""
    for player in ("client", "therapist"):
        c = _curves(res, player)["tempo_bpm"]
        c["values"] = [None if v is None else 130.0 + 0.5 * (k % 2)
                       for k, v in enumerate(c["values"])]
    plots.plot_players(res, tmp_path / "p.png", portrait=True)
    plots.plot_players(res, tmp_path / "q.png")  # the screen's layout too
    for fig in figures:
        for ax in fig.axes:
            if ax.get_ylabel().startswith("tempo") or ax.get_title().endswith(": tempo"):
                low, high = ax.get_ylim()
                assert high - low >= plots.TEMPO_SPAN_BPM - 1e-9
                assert low < 130.0 < high


def test_a_panel_with_no_curve_is_left_out_of_the_report(res, tmp_path, figures):
    """An audio player has no register: its panel was an empty box saying "no curve"."""
    pitch = _curves(res, "therapist")["pitch_mean"]
    pitch["values"] = [None] * len(pitch["values"])
    plots.plot_players(res, tmp_path / "p.png", portrait=True)
    (fig,) = figures
    texts = [t.get_text() for ax in fig.axes if ax.get_visible() for t in ax.texts]
    assert "no curve" not in texts
    hidden = [ax for ax in fig.axes if not ax.get_visible()]
    assert len(hidden) == 1 and hidden[0].get_ylabel().startswith("register")
    # the therapist's column still has its time axis, under its lowest panel
    fig.canvas.draw()
    lowest = _panel(fig, 1, "silence")
    ticks = [t.get_text() for t in lowest.get_xticklabels() if t.get_visible() and t.get_text()]
    assert ticks and all(":" in t for t in ticks), ticks


def test_unconfirmed_suggestions_are_not_drawn(res, tmp_path, figures):
    anns = [{"t": 5.0, "tags": ["marker"]},
            {"t": 0.0, "end": 40.0, "tags": ["suggestion", "autonomy:partner"],
             "source": "suggestion"},
            {"t": 10.0, "end": 12.0, "tags": ["autonomy:leader"], "source": "suggestion"}]
    plots.plot_players(res, tmp_path / "p.png", portrait=True, annotations=anns)
    (fig,) = figures
    for ax in [a for a in fig.axes if a.get_visible()]:
        spans = [p for p in ax.patches if p.get_alpha() is not None]
        assert [round(p.get_x()) for p in spans] == [10], ax.get_ylabel()
    labels = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert labels == {"marker", "leader"}  # autonomy:leader as a word, not its code


def test_a_pitch_axis_is_spelled_in_its_key(res, tmp_path, figures):
    for player in ("client", "therapist"):
        res["players"][player]["sources"]["midi"]["summary"]["key"] = "Bb major"
        c = _curves(res, player)["pitch_mean"]
        c["values"] = [None if v is None else 46.0 + (k % 5) for k, v in enumerate(c["values"])]
    plots.plot_players(res, tmp_path / "p.png", portrait=True)
    (fig,) = figures
    fig.canvas.draw()
    ticks = [t.get_text() for t in _panel(fig, 0, "register").get_yticklabels() if t.get_text()]
    assert "Bb2" in ticks and not any("#" in t for t in ticks), ticks


def test_pulse_clarity_is_a_gap_where_a_player_stopped(res, tmp_path, figures):
    """The therapist stops halfway: the analysis gave a pulse clarity of 0 in the windows
    without a note (null in a pause since analysis 1.18.0; a window with no note but a note
    still sounding keeps its 0), which the session page draws as a gap (a window of no notes
    per second is a pause); the report's curve stayed at 0 there, read as "played without a
    pulse"."""
    therapist = _curves(res, "therapist")
    dens = therapist["notes_per_s"]["values"]
    pulse = therapist["pulse_clarity"]["values"]
    silent = [k for k, v in enumerate(dens) if v == 0]
    assert silent and all(pulse[k] in (0, None) for k in silent)  # the analysis' 0 or gap
    plots.plot_players(res, tmp_path / "p.png", portrait=True, groups=("tempo", "pulse"))
    (fig,) = figures
    (line,) = [ln for ln in _panel(fig, 1, "pulse").get_lines()
               if ln.get_label() == "Pulse clarity"]
    ys = list(line.get_ydata())
    assert [k for k, y in enumerate(ys) if math.isnan(y)] == silent
    assert all(ys[k] == pytest.approx(pulse[k]) for k in range(len(ys)) if k not in silent)
    assert max(ys[k] for k in range(len(ys)) if k not in silent) > 0.5  # while it played
    # the client played throughout: no gap in its curve
    (client,) = [ln for ln in _panel(fig, 0, "pulse").get_lines()
                 if ln.get_label() == "Pulse clarity"]
    assert not any(math.isnan(y) for y in client.get_ydata())


def test_a_report_figure_draws_the_curve_groups_it_is_given(res, tmp_path, figures):
    """The report's curves are figures of a few curve groups each (a page breaks between
    them); a group without a curve is left out of its figure."""
    plots.plot_players(res, tmp_path / "p.png", portrait=True, groups=("tempo", "pulse"))
    for c in (_curves(res, "client"), _curves(res, "therapist")):
        c.pop("pitch_mean")
    plots.plot_players(res, tmp_path / "q.png", portrait=True,
                       groups=("dynamics", "register"))
    first, second = figures
    rows = [sorted({ax.get_ylabel().split("\n")[0] for ax in fig.axes}) for fig in figures]
    assert rows == [["pulse", "tempo"], ["dynamics"]]
    for fig, n in ((first, 2), (second, 1)):  # each as high as its rows need
        assert fig.get_figheight() == pytest.approx(plots.GROUP_HEIGHT * n + plots.FIGURE_MARGIN)
    assert plots.curve_groups(res, groups=("dynamics", "register")) == ["dynamics"]


def test_tonal_clarity_is_a_gap_where_a_player_stopped(res, tmp_path, figures):
    """Review 28: the tonal clarity, drawn with the pulse clarity, kept its values after the
    therapist stopped (a held chord, or the last notes carried into a window without any):
    the same rule as the pulse clarity, a gap in a window without notes."""
    therapist = _curves(res, "therapist")
    dens = therapist["notes_per_s"]["values"]
    silent = [k for k, v in enumerate(dens) if v == 0]
    assert silent
    tonal = therapist["tonal_clarity"]
    tonal["values"] = [0.6 + 0.01 * (k % 3) for k in range(len(tonal["times"]))]
    plots.plot_players(res, tmp_path / "p.png", portrait=True, groups=("pulse",))
    (fig,) = figures
    (line,) = [ln for ln in _panel(fig, 1, "pulse").get_lines()
               if ln.get_label() == "Tonal clarity"]
    ys = list(line.get_ydata())
    assert [k for k, y in enumerate(ys) if math.isnan(y)] == silent
    assert all(ys[k] == pytest.approx(tonal["values"][k]) for k in range(len(ys))
               if k not in silent)


def test_crowded_annotation_labels_become_the_tables_numbers(res, tmp_path, figures):
    """Review 28: with 14 annotations in 5 minutes the tags above the top panels stacked three
    rows deep ("autonomy:partner" over "autonomy:leader" over "marker"). Where the tags would
    need more than two rows, each annotation is labelled with its number in the Annotations
    table (every one, level, none over another); a few annotations keep their tags."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    tags = ["autonomy:partner", "autonomy:leader", "marker", "dynamics:loud"]
    anns = [{"t": 1.0 + 2.6 * k, "tags": [tags[k % 4]]} for k in range(14)]
    anns.insert(3, {"t": 8.0, "tags": ["suggestion", "autonomy:leader"], "source": "suggestion"})
    plots.plot_players(res, tmp_path / "p.png", portrait=True, annotations=anns,
                       groups=("tempo", "dynamics"))
    sparse = [{"t": t, "tags": [tag]} for t, tag in zip((1.0, 15.0, 30.0), tags, strict=False)]
    plots.plot_players(res, tmp_path / "q.png", portrait=True, annotations=sparse,
                       groups=("tempo", "dynamics"))
    crowded, few = figures
    for fig in figures:
        fig.canvas = FigureCanvasAgg(fig)
    top = [ax for ax in crowded.axes if ax.texts]
    assert len(top) == 2  # the top panel of each player
    for ax in top:
        labels = [t.get_text() for t in ax.texts]
        assert labels == [str(k) for k in range(1, 15)]  # the suggestion is not numbered
        renderer = crowded.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in ax.texts]
        assert len({round(b.y0) for b in boxes}) <= 2  # in at most two rows
        for k, a in enumerate(boxes):
            assert not any(a.overlaps(b) for b in boxes[k + 1:])
    assert {t.get_text() for ax in few.axes for t in ax.texts} == {"partner", "leader",
                                                                   "marker"}
