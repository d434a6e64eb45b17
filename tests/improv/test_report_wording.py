"""The session report in a therapist's words, rendered for real from stored sessions.

The demo duet (:func:`improv.demo.create_demo_session`) is a client heard through a keyboard
(MIDI) and a microphone: the MIDI's pulse comes and goes (the analysis says "intermittent"),
and the microphone, which the intermittent MIDI does not vouch for, counts the beat at half
the MIDI's tempo. The report says the pulse in plain words, explains the two tempi, and shows
no version notes of the analysis; ``--json`` and ``--raw`` keep the analysis' terms.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from improv.analyze import analyze_session
from improv.reports.labels import MOSTLY_PULSED, OFTEN_PULSED, WORDS
from improv.reports.report import session_report_html
from sessions.importer import import_files
from tests.sessions.helpers import write_midi


@pytest.fixture
def demo(store):
    from improv.demo import create_demo_session

    return create_demo_session(store)["id"]


def _measures(html: str) -> str:
    """The full measure tables: in the technical appendix, after the therapist's part."""
    from improv.reports.report import APPENDIX

    return html.split(APPENDIX)[1]


def _row(table: str, label: str) -> list[str]:
    """The cells of the row headed ``label`` in a table's HTML."""
    row = table.split(f"<tr><td>{label}</td>")[1].split("</tr>")[0]
    return re.findall(r"<td[^>]*>(.*?)</td>", row)


def test_the_report_says_the_pulse_in_plain_words(store, demo):
    client = analyze_session(store, demo)["players"]["client"]["sources"]
    assert client["midi"]["summary"]["pulse"] == "intermittent"  # the analysis' own term
    html = session_report_html(store, demo)
    measures = _measures(html)
    table = measures.split("<h3>Measures of each input</h3>")[1].split("<h3>")[0]
    columns = re.findall(r"<th>(.*?)</th>", table.split("</tr>")[0])
    cells = _row(table, "Pulse")
    assert len(cells) == len(columns) - 1 == 5  # four inputs and the meaning
    value, meaning = cells[columns.index("client (MIDI)") - 1], cells[-1]
    assert value == "much of the time"  # the MIDI pulse in 59 % of the windows with playing
    # the meaning says the values in the same words, not the analysis' labels
    assert "“only at times”" in meaning and "“clear and steady”" in meaning
    # no analysis label is printed anywhere in the report as a value or in a meaning
    for term in ("intermittent", ">rare<", ">clear<", ">none<"):
        assert term not in html, term
    pulses = cells[:-1]
    assert set(pulses) <= set(WORDS["pulse"].values()) | {MOSTLY_PULSED, OFTEN_PULSED}


def test_the_report_shows_no_version_notes(store, demo):
    html = session_report_html(store, demo)
    assert "Beats on one tempo" in html and "Percussive sound" in html  # their definitions shown
    assert not re.search(r"\(since \d+\.\d+|\bsince \d+\.\d+", html)


def test_the_report_says_the_microphone_counts_the_same_pulse_at_half_the_tempo(store, demo):
    client = analyze_session(store, demo)["players"]["client"]["sources"]
    midi = client["midi"]["summary"]["tempo_bpm_tentative"]
    mic = client["audio"]["summary"]["tempo_bpm_tentative"]
    assert mic / midi == pytest.approx(0.5, rel=0.04)  # the case the sentence is for
    html = session_report_html(store, demo)
    summary = html.split("<h2>Summary</h2>")[1].split("<h2>")[0]
    tempo = re.search(r"<p class=summary><b>Tempo and pulse:</b> (.*?)</p>"
                      r"<p class=\"summary summary-detail\"><i>In detail:</i> (.*?)</p>",
                      summary)
    said = (f"The microphone counts client&#x27;s beat at half the MIDI tempo (about "
            f"{mic:.0f} against {midi:.0f} BPM): the same pulse, counted in longer beats.")
    assert tempo[2].count(said) == 1 and summary.count(said) == 1, summary
    # among the details of Tempo and pulse, not its first sentences (review 29 finding 7),
    # before the dynamics; the therapist's two inputs agree
    assert "around 96 BPM (where it was clear" in tempo[1] and said not in tempo[1]
    assert summary.index(said) < summary.index("<b>Dynamics:</b> Client played ")
    assert "therapist&#x27;s beat" not in summary and summary.count("counts") == 1


def test_cli_tables_say_the_pulse_in_words_and_json_keeps_the_term(run_cli, demo):
    table = run_cli("analyze", demo)
    assert table.exit_code == 0, table.stderr
    assert re.search(r"Pulse +much of the time +much of the time", table.stdout), table.stdout
    assert "intermittent" not in table.stdout
    raw = run_cli("analyze", demo, "--raw")
    assert re.search(r"pulse +intermittent +intermittent", raw.stdout), raw.stdout
    js = run_cli("analyze", demo, "--json").json()
    assert js["players"]["client"]["sources"]["midi"]["summary"]["pulse"] == "intermittent"
    summary = " ".join(run_cli("summary", demo).stdout.split())  # wrapped for the terminal
    assert "at half the MIDI tempo" in summary and "the same pulse, counted in longer" in summary


def test_a_pulse_without_one_tempo_does_not_come_and_go(store, tmp_path):
    """A minute at 80 BPM, then a minute at 130: a pulse throughout, but no tempo fits it
    (intermittent, pulsed in most windows); the report says so, as the summary does."""
    rng = np.random.default_rng(5)
    notes = []
    for bpm, t0, t1 in ((80, 0.5, 60.0), (130, 60.0, 120.0)):
        ts = np.arange(t0, t1, 60.0 / bpm) + rng.uniform(-0.005, 0.005)
        notes += [(float(t), 0, (50, 53)[i % 2], 70) for i, t in enumerate(ts)]
    mid = write_midi(tmp_path / "two.mid", tracks={"client": notes})
    sid = import_files(store, [mid], client="C03", players=["client=two.mid:2"])["id"]
    summ = analyze_session(store, sid)["players"]["client"]["sources"]["midi"]["summary"]
    assert summ["pulse"] == "intermittent" and summ["pulsed_share"] >= 0.8
    value, _ = _row(_measures(session_report_html(store, sid)), "Pulse")
    assert value == MOSTLY_PULSED


def test_the_report_gives_times_in_this_computers_zone(store, demo, monkeypatch):
    """The start and the "made on" stamp read as the web app and `sessions list` show them:
    in the practice computer's time zone, named, not in UTC."""
    import time
    from datetime import datetime

    from improv import __version__

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        html = session_report_html(store, demo)
        started = store.session(demo).manifest["started_utc"]
        local = datetime.fromisoformat(started).astimezone()
        assert local.strftime("%Z") in ("CET", "CEST")
        # one format for every moment and day of the report, the web page's "Nov 2, 2026"
        assert f"started {local:%b} {local.day}, {local.year}, {local:%H:%M} {local:%Z}" in html
        assert " UTC" not in html
        assert f"Made by improv {__version__} on {local:%b} " in html
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_the_measures_tables_are_grouped_with_the_settings_last_and_nothing_cut(store, demo):
    """Each table gives its measures under the web page's group titles (tempo first, the
    analysis' settings, the curves' window and hop, last), and the dialogue's table has every
    measure: it ended after 40 rows, before its asynchrony and imitation."""
    from improv.analyze import analyze_session
    from improv.reports.labels import GROUP_TITLES

    html = session_report_html(store, demo)
    tables = [t for t in _measures(html).split("<h3>")[1:] if "class=group" in t]
    assert tables
    order = list(GROUP_TITLES.values())
    for table in tables:
        titles = re.findall(r"<th colspan=\d+ class=group>(.*?)</th>", table)
        assert titles and titles == sorted(titles, key=order.index), titles
        rows = re.findall(r"<tr><(td|th)[^>]*>(.*?)</t[dh]>", table)
        if "Analysis" in titles:  # the settings are the last rows
            after = [text for _, text in rows[[t for _, t in rows].index("Analysis") + 1:]]
            assert any(t.startswith("Curves measured over") for t in after), after
    dialogue = next(t for t in tables if t.startswith("Dialogue"))
    res = analyze_session(store, demo, dialogue=True)
    nums = [k for k, v in res["dialogue"][0]["summary"].items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)]
    assert len(nums) > 40  # more than the table used to show
    # every number, and the words (who led) beside their certainties
    assert dialogue.count("<tr><td>") >= len(nums)
    assert "<tr><td>Leader</td><td class=num>" in dialogue
    assert "Asynchrony (mean" in dialogue and "imitates client" in dialogue


def test_an_annotation_about_no_one_player_is_for_both_players(store, demo):
    """As on the session page: a duet's annotation without a player is for "both players"."""
    from sessions.annotation_edits import add_annotation

    add_annotation(store, demo, t=3.0, text="both start together")
    html = session_report_html(store, demo)
    row = html.split("both start together")[0].rsplit("<tr>", 1)[1]
    assert "<td>both players</td>" in row and "whole group" not in html
