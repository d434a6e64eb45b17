"""The client report: the therapist's writing per session, their tags' trend, raw tables in
an appendix, "too few sessions to judge" below five sessions (real store, real analysis)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

import pytest

from improv.reports.client_sections import tag_counts
from improv.reports.report import client_report_html
from sessions.annotation_edits import add_annotation
from sessions.notes import save_notes
from tests.sessions.helpers import import_weekly_session


@pytest.fixture
def course(store, tmp_path, rng):
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    ids = [import_weekly_session(store, tmp_path, week=i, notes=20 + 8 * i, duration=12.0,
                                 rng=rng, start=start) for i in range(4)]
    for i, sid in enumerate(ids):
        for k in range(i):  # the client leads more each week
            add_annotation(store, sid, t=1.0 + k, tags=["autonomy:leader"], player="client",
                           text=f"leads the groove {i}.{k}")
    add_annotation(store, ids[0], t=2.0, tags=["marker"])
    add_annotation(store, ids[1], t=3.0, tags=["autonomy:follower", "suggestion"],
                   source="suggestion")  # an unconfirmed suggestion: not the therapist's tag
    save_notes(store.session(ids[2]).folder, "Client <b>calmer</b> today, see 0:05.")
    return ids


def test_tag_counts_are_the_therapists_own(store, course):
    assert tag_counts(store, course) == {"autonomy:leader": [0, 1, 2, 3]}


def test_client_report_sections(store, course):
    text = client_report_html(store, client="C07")
    assert "The therapist's tags across sessions" in text
    # the tag in words, as the session page shows it, not its code (autonomy:leader)
    row = text.split("<td>IAP · autonomy: leader</td>")[1].split("</tr>")[0]
    assert [c.split(">")[1] for c in row.split("</td>")[:4]] == ["0", "1", "2", "3"]
    assert "too few sessions to judge" in row  # four sessions: no test can say "no"
    # the trend in words, as the goals say it (before: "+1 per session"; "+0 …" for none)
    assert "<td>too few sessions to judge: 1 more per session (between +1 and +1)</td>" in row
    assert "follower" not in text.split("Each session: summary, annotations and notes")[0]
    assert not re.search(r"autonomy:\w", text)  # no code anywhere: the tags are in words
    assert "Each session: summary, annotations and notes" in text
    assert "leads the groove 3.2" in text
    assert text.count("The session lasted 0:1") == 4  # each session's plain summary
    # in labelled parts, as on the session page: the pair's under its own label
    assert text.count("<p class=summary><b>Session:</b> The session lasted 0:1") == 4
    assert text.count("<p class=summary><b>Client &amp; therapist:</b> ") == 4
    assert "Client &lt;b&gt;calmer&lt;/b&gt; today, see 0:05." in text  # escaped
    appendix = text.split("Appendix: the measures of each session")
    assert len(appendix) == 2
    assert "<th>annotations</th>" in appendix[1] and "<th>notes</th>" not in text  # bug 5
    trends = text.split("<h2>Trends</h2>")[1].split("<h2>")[0]
    assert "client (MIDI): Notes per second (notes/s)" in trends
    assert "too few sessions to judge" in trends and ">no clear change<" not in trends
    assert text.index("Trends") < text.index("tags across") < text.index("Appendix")


def test_sessions_show_tells_annotations_and_notes_apart(run_cli, store, course):
    # bug 5: "notes 3 annotation(s)"
    out = run_cli("sessions", "show", course[2]).stdout
    assert "annotations 2" in out and "notes     5 words" in out
    assert "annotation(s)" not in out
    out = run_cli("sessions", "show", course[0]).stdout
    assert "annotations 1" in out and "notes     none" in out


def test_client_report_appendix_in_the_reports_units_without_field_names(store, course):
    """The appendix heads its columns with the measures' titles (the pair as "client &
    therapist"), gives shares in per cent as the Trends table does (it gave 0.0782 under a
    Trends table saying 7.79 %), and leaves the CSV's field names to its data dictionary."""
    import re

    from improv.reports.compare import compare_client

    result = compare_client(store, client="C07")
    text = client_report_html(store, client="C07", result=result)
    appendix = text.split("Appendix: the measures of each session")[1]
    tables, definitions = appendix.split("<h3>Definitions</h3>")
    assert "<th>client (MIDI): Notes per second (notes/s)</th>" in tables
    assert "client.midi.notes_per_s" not in text and "<code class=field>" not in text
    assert "|" not in re.sub(r"<[^>]+>", "", text)  # no "client|therapist" anywhere
    heads = [h.split("</th>")[0] for h in tables.split("<th>")[1:]]
    assert all(not h.startswith(("client.", "therapist.", "client|")) for h in heads), heads
    # a share in per cent, one decimal, in the first session's row
    col = "therapist.midi.silence_share"  # the drum plays at the start and the end only
    first = result["sessions"][0]["values"][col]
    assert 0.5 < first < 1
    table = next(t for t in tables.split("<table") if "therapist (MIDI): Silence (%)" in t)
    cells = re.findall(r"<th>(.*?)</th>", table.split("</tr>")[0])
    row = re.findall(r"<td[^>]*>(.*?)</td>", table.split("</tr>")[1])
    assert row[cells.index("therapist (MIDI): Silence (%)")] == f"{100 * first:.1f}"
    assert "<th>measure</th><th>unit</th><th>meaning</th>" in definitions
    row = definitions.split("<tr><td>client (MIDI): Notes per second (notes/s)</td>")[1]
    assert row.startswith("<td>notes/s</td>") and "how many notes were played per second" in row
    assert "<th>trend</th><th>change</th>" in text


def test_client_report_charts_stand_under_trends_and_no_goals_is_one_line(store, course):
    """The charts came right after "No goals recorded." under "Treatment goals", with the
    goals' method paragraph for goals that do not exist."""
    text = client_report_html(store, client="C07")
    goals = text.split("<h2>Treatment goals</h2>")[1].split("<h2>")[0]
    assert goals == "<p>No goals recorded.</p>"
    trends = text.split("<h2>Trends</h2>")[1].split("<h2>")[0]
    assert "data:image/png;base64" in trends and trends.index("<img") < trends.index("<table>")
    assert "data:image/png" not in text.split("<h2>Trends</h2>")[0]


def test_client_report_trend_table_in_the_measures_precision(store, course):
    """Slopes in two significant digits (not "+0.000946 per session"), the baseline in the
    measure's decimals (not "7.79 ± 0.025"), dates never broken over two lines."""
    import re

    text = client_report_html(store, client="C07")
    trends = text.split("<h2>Trends</h2>")[1].split("<h2>")[0]
    slopes = re.findall(r"([+-]?\d+(?:\.\d+)?) per session", trends)
    assert slopes
    for x in slopes:
        digits = x.lstrip("+-").replace(".", "").lstrip("0")
        assert len(digits) <= 2, x
    row = trends.split("<tr><td>client (MIDI): Velocity (mean, 0-127)</td>")[1]
    band = re.findall(r"<td[^>]*>(.*?)</td>", row.split("</tr>")[0])[2]
    assert re.fullmatch(r"\d+ ± \d+", band), band  # whole velocities
    # the baseline of the review's silence: per cent to one decimal, a tiny SD kept visible
    from improv.reports.labels import shown_band as _band_text

    assert _band_text("client.midi.silence_share", {"mean": 0.0779, "sd": 0.00025}) == \
        "7.8 ± 0.03"
    assert _band_text("client.midi.tempo_bpm", {"mean": 124.6, "sd": 4.83}) == "125 ± 5"
    assert _band_text("client.midi.pitch_mean", {"mean": 49.2, "sd": 2.7}) == \
        "C#3 ± 2.7 semitones"
    # sessions named as on the web page and in `improv compare`, never broken inside a name
    # or a date ("2026-11-" / "23"): only before the day
    assert not re.findall(r"\d{4}-\d{2}-\d{2}", re.sub(r"<img[^>]*>", "", text))
    tags = text.split("The therapist's tags across sessions")[1].split("</tr>")[0]
    named = re.findall(r"<th>Session&nbsp;(\d+) \([A-Z][a-z]{2}&nbsp;\d+\)</th>", tags)
    assert named == ["1", "2", "3", "4"], tags


def test_session_report_names_sources_and_pairs_in_words(store, course):
    from improv.reports.report import session_report_html

    add_annotation(store, course[0], t=1.5, text="everyone")
    text = session_report_html(store, course[0])
    from improv.reports.report import APPENDIX

    measures = text.split(APPENDIX)[1]
    assert "<th>client (MIDI)</th>" in measures  # no "(midi): ok"
    assert "(midi)" not in measures and ": ok</th>" not in measures
    dialogue = measures.split("<h3>Dialogue: client &amp; therapist</h3>")[1]
    assert "|" not in re.sub(r"<img[^>]*>", "", text.split("<h2>Measures</h2>")[1])
    # the dialogue's measures are explained as the players' are
    assert "<th>meaning</th>" in dialogue and "share of time both players play" in dialogue
    annotations = text.split("<h2>Annotations</h2>")[1]
    assert "<td>both players</td><td></td><td>everyone</td>" in annotations


def test_the_course_charts_mark_outside_band_and_gaps_and_explain_them(store, course, tmp_path,
                                                                       monkeypatch):
    """Review 27b, 4 and 5: a session outside the band had a plain dot while an outlier inside
    it was ringed, the legend explained neither, and a session without a tempo vanished from
    the line without a word. Now: an orange triangle outside the band, a grey cross on the axis
    where a value is missing (the line broken there), every mark in the legend in the web's
    words, and the sessions without a value named under the chart."""
    from improv.reports import plots, trend_plots
    from improv.reports.compare import compare_client

    caught = []
    real = plots.save_figure
    monkeypatch.setattr(plots, "save_figure",
                        lambda fig, path, *, dpi: (caught.append(fig), real(fig, path, dpi=dpi)))
    result = compare_client(store, client="C07")
    col = "client.midi.notes_per_s"
    f = result["features"][col]
    assert all(v is not None for v in f["values"])
    f["values"][1] = None  # not measured in the second session
    f["outside_band"], f["outliers"] = [course[3]], [course[2]]
    text = client_report_html(store, client="C07", result=result)
    trends = text.split("<h2>Trends</h2>")[1].split("<h2>")[0]
    # the legend in the web's words (improv/web/static/client.js)
    assert "outlier: far off this client’s own course (the trend line), whether inside " \
        "the band or not" in trends
    assert "a later session outside it is “outside band”" in trends
    assert re.search(r"client \(MIDI\) · Notes per second \(notes/s\): Session 2 \([A-Z][a-z]{2} "
                     r"\d+\): no value, not counted\.", trends), trends
    title = trend_plots.panel_title(col)
    assert title == "Notes per second (notes/s)\nclient (MIDI)"
    fig = next(f for f in caught if any(ax.get_title(loc="left") == title for ax in f.axes))
    ax = next(a for a in fig.axes if a.get_title(loc="left") == title)
    from matplotlib.colors import to_rgba

    orange = [c for c in ax.collections if len(c.get_facecolor())
              and tuple(c.get_facecolor()[0]) == to_rgba(trend_plots.OUTSIDE)]
    assert len(orange) == 1 and len(orange[0].get_offsets()) == 1  # session 4, outside
    rings = [c for c in ax.collections if len(c.get_edgecolor())
             and tuple(c.get_edgecolor()[0]) == to_rgba(trend_plots.OUTLIER)]
    assert len(rings) == 1  # session 3, the outlier
    (cross,) = [ln for ln in ax.get_lines() if ln.get_marker() == "x"]
    assert len(cross.get_xdata()) == 1  # session 2, on the axis
    (line,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 4]
    assert math.isnan(line.get_ydata()[1])  # the line is broken at the missing session
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    for entry in ("outside band", "outlier: far off the client's own course",
                  "no value (named under the chart)", "annotated session"):
        assert entry in legend, legend
    assert trend_plots.missing_values(result, ["therapist.midi.notes_per_s"]) == []
    # a tempo is missing where the pulse was not clear: said so, players with the same
    # sessions missing for the same reason in one line (sessions 1 and 2 have no pulse at all;
    # session 4's, clear part of the time, reads "no single tempo": test_client_pulse_gaps)
    for who in ("client", "therapist"):
        result["features"][f"{who}.midi.tempo_bpm"] = dict(f, values=[None, None, 118.0, 120.0])
    (line,) = trend_plots.missing_values(result, ["client.midi.tempo_bpm",
                                                  "therapist.midi.tempo_bpm"])
    assert re.fullmatch(r"client \(MIDI\) and therapist \(MIDI\) · Tempo \(BPM\): Session 1 "
                        r"\(\w+ \d+\) and Session 2 \(\w+ \d+\): no clear pulse, not counted\.",
                        line), line


def test_the_therapists_part_of_the_client_report_has_no_statistics_jargon(store, course):
    """Review 27b, 13: "Theil–Sen slope with its 95 % interval …; Mann–Kendall test rejects
    “no trend” at 5 % (exact …)" and "band ±2 SD" stood under Trends and the goals."""
    from improv.reports.goal_indicators import parse_indicator
    from sessions.goals import add_goal

    add_goal(store, "C07", text="Plays more softly", since="2026-01-05",
             indicators=[parse_indicator("velocity_mean@client:down")])
    text = re.sub(r"<img[^>]*>", "", client_report_html(store, client="C07"))
    mine, appendix = text.split("Appendix: the measures of each session")
    for jargon in ("Theil", "Mann", "±2 SD", "± 2 SD", "rejects", "z-score"):
        assert jargon not in mine, jargon
    assert "A trend is called a change only when it is clear, from five sessions on, and " \
        "large enough to matter; the method is in the appendix." in mine
    assert "Theil–Sen" in appendix and "Mann–Kendall" in appendix


def test_the_legend_explains_only_the_marks_drawn(store, course):
    """A legend of marks no chart has ("outlier", "outside band", a band of one session) is
    noise; the baseline of one session is "the first session", not "the first 1 session"."""
    from improv.reports.compare import compare_client

    result = compare_client(store, client="C07")
    for f in result["features"].values():
        f["outliers"], f["outside_band"] = [], []
    legend = client_report_html(store, client="C07", result=result).split(
        "<h2>Trends</h2>")[1].split("</table>")[0]
    assert "red ring" not in legend and "orange triangle" not in legend
    assert "baseline band" in legend and "filled point" in legend and "hollow point" not in legend
    one = dict(result, baseline=result["baseline"][:1])  # a client with one session
    text = client_report_html(store, client="C07", result=one)
    assert "baseline: the first session</p>" in text
