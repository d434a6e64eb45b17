"""The session report as a therapist reads it (a therapist's review): what they need first,
the full tables in a technical appendix after it, inputs never named by their files, one
value for each thing (who led named with it), and the roles' caption saying how roles are
confirmed today. Real stores, real analysis."""

from __future__ import annotations

import re

import pytest

from improv.reports.report import APPENDIX, session_report_html
from sessions.importer import import_files
from tests.sessions.helpers import import_half_duet, write_audio, write_midi


def _text(html: str) -> str:
    """The report without its embedded images (their base64 could hold any word)."""
    return re.sub(r"<img[^>]*>", "", html)


@pytest.fixture
def duet(store, tmp_path, rng):
    return import_half_duet(store, tmp_path, rng=rng)


def test_the_therapists_part_comes_first_and_the_tables_in_an_appendix(store, duet):
    html = _text(session_report_html(store, duet))
    order = ["<h2>Summary</h2>", "<h2>Measures</h2>", "<h2>Curves</h2>",
             "<h2>Annotations</h2>", "<h2>Verbal notes</h2>", f"<h2 class=appendix>{APPENDIX}"]
    at = [html.index(x) for x in order]
    assert at == sorted(at), at
    therapist, appendix = html.split(APPENDIX)
    # the therapist's part: one row per player, the pair's main measures; no research jargon
    assert therapist.count("<tr><th>client (MIDI)</th>") == 1
    assert "Who led" in therapist and "Both playing (%)" in therapist
    for jargon in ("MTTB", "Krumhansl", "bootstrap", "alpha", "Lead-lag", "Paired beats",
                   "mean resultant"):
        assert jargon not in therapist, jargon
    # the appendix: every measure, the abbreviations written out once, the inputs
    assert "<h3>Players and inputs</h3>" in appendix and "Lead-lag" in appendix
    assert html.count("Music Therapy Toolbox (Erkkilä") == 1
    assert appendix.index("Music Therapy Toolbox") < appendix.index("(MTTB)")
    assert "technical appendix" in therapist  # the therapist is told where the rest is


def test_a_pseudonymised_report_names_no_input_file(store, tmp_path):
    """Files are often named after people; the report names inputs by player and kind."""
    mid = write_midi(tmp_path / "anna_piano.mid", tracks={
        "client": [(0.5 + 0.5 * k, 0, 60 + k % 5, 80) for k in range(40)],
        "therapist": [(0.53 + 0.5 * k, 0, 48, 60) for k in range(40)]})
    write_audio(tmp_path / "anna_voice.wav", seconds=3.0, sr=8000, channels=1)
    sid = import_files(store, [mid, tmp_path / "anna_voice.wav"], client="C12",
                       players=["client=anna_piano.mid:2", "therapist=anna_piano.mid:3",
                                "therapist=anna_voice.wav"])["id"]
    html = _text(session_report_html(store, sid))
    assert "Pseudonymised" in html
    assert "anna" not in html.lower()
    inputs = html.split("<h3>Players and inputs</h3>")[1].split("</table>")[0]
    assert "<td>client</td><td>MIDI file 1</td>" in inputs
    assert "<td>therapist</td><td>MIDI file 2; audio file, channel 1</td>" in inputs
    assert f"improv sessions show {sid}" in html  # where the researcher finds the names


def test_one_value_for_each_thing_and_the_leader_named(store, duet):
    """"client adapts (phase correction) 0.25" stood beside "client phase correction 0.28"
    (two estimators), "Leader (certainty) 0.96" said no leader, and two "Tonal clarity" rows
    differed."""
    from improv.analyze import analyze_session
    from improv.reports.labels import heading

    d = analyze_session(store, duet, dialogue=True)["dialogue"][0]["summary"]
    html = _text(session_report_html(store, duet))
    therapist, appendix = html.split(APPENDIX)
    # the model that names the leader for the therapist; the simpler estimate in the appendix
    assert "client adapts (phase correction" in therapist
    assert "phase correction (simple estimate" not in therapist
    assert heading("client|therapist.client_phase_correction") == \
        "client phase correction (simple estimate, 0-1)"
    if d["client_phase_correction"] is not None:
        assert "client phase correction (simple estimate, 0-1)" in appendix
    row = therapist.split("<td>Who led</td>")[1].split("</tr>")[0]
    if d["leader"] in ("client", "therapist"):
        assert d["leader"] in row and "certainty" in row
    else:
        assert "no one named" in row or "neither" in row or "unclear" in row
    assert "<td>Leader</td>" in appendix  # beside its certainty, the leader's name
    labels = re.findall(r"<tr><td>(Tonal clarity[^<]*)</td>", appendix)
    assert "Tonal clarity (-1..1)" not in labels
    assert "Tonal clarity (whole session, -1..1)" in labels
    assert "Tonal clarity (mean of windows, -1..1)" in labels


def test_a_tempo_without_one_pulse_reads_as_the_summary_says_it(store):
    """The demo's client: a pulse much of the time, no single tempo; the table says the rough
    tempo the summary gives, not "no clear tempo"."""
    from improv.demo import create_demo_session

    sid = create_demo_session(store)["id"]
    therapist = _text(session_report_html(store, sid)).split(APPENDIX)[0]
    row = therapist.split("<tr><th>client (MIDI)</th>")[1].split("</tr>")[0]
    assert re.search(r"around \d+ BPM, clear pulse (much of the time|only at times)", row), row


def test_leader_text_words():
    from improv.reports.report import leader_text

    pair = ("client", "therapist")
    assert leader_text({"leader": "therapist", "leader_basis": "timing",
                        "leader_confidence": 1.0}, pair) == \
        "therapist (by timing (who adapts to whom), certainty over 99 %)"
    assert leader_text({"leader": "together", "leader_basis": "timing"}, pair) == \
        "neither (together)"
    assert leader_text({}, pair) == "no one named"
