"""The session report as a therapist reads it (a therapist's review): what they need first,
the full tables in a technical appendix after it, inputs never named by their files, one
value for each thing (who led named with it), and the roles' caption saying how roles are
confirmed today. Real stores, real analysis."""

from __future__ import annotations

import re

import pytest

from improv.reports.report import APPENDIX, CURVE_FIGURES, session_report_html
from sessions.importer import import_files
from tests.sessions.helpers import import_half_duet, write_audio, write_midi


def _text(html: str) -> str:
    """The report without its embedded images (their base64 could hold any word)."""
    return re.sub(r"<img[^>]*>", "", html)


@pytest.fixture
def duet(store, tmp_path, rng):
    return import_half_duet(store, tmp_path, rng=rng)


def test_the_therapists_part_comes_first_and_the_tables_in_an_appendix(store, duet,
                                                                          figures):
    html = _text(session_report_html(store, duet))
    # no annotations and no notes: said once, not as two sections of "None."
    order = ["<h2>Summary</h2>", "<h2>Measures</h2>",
             "<h2>Annotations and notes</h2><p>No annotations or notes.</p>",
             "<h2>Curves</h2>", f"<h2 class=appendix>{APPENDIX}"]
    at = [html.index(x) for x in order]
    assert at == sorted(at), at
    assert "None." not in html and "<h2>Verbal notes</h2>" not in html
    therapist, appendix = html.split(APPENDIX)
    # the therapist's part: one row per player, the pair's main measures; no research jargon
    assert therapist.count("<tr><th>client (MIDI)</th>") == 1
    assert "Who led" in therapist and "Both playing (%)" in therapist
    for jargon in ("MTTB", "Krumhansl", "bootstrap", "alpha", "Lead-lag", "Paired beats",
                   "mean resultant", "phase correction", "Phase locking", "-1..1"):
        assert jargon not in therapist, jargon
    # the dialogue's figure (lead-lag correlation, phase locking, the role strip) is in the
    # appendix; the therapist's part has the players' curves
    full = session_report_html(store, duet)
    mine, theirs = full.split(APPENDIX)
    assert "The playing together, over the session" in theirs
    # the players' curves as figures of a few curve groups each, each kept whole on its own,
    # the heading with the first: a page breaks between them
    figures = re.findall(r"<div class=curves>(.*?)</div>", re.sub(r"<img[^>]*>", "<img>", mine))
    assert len(figures) == len(CURVE_FIGURES) == mine.count("<img") == 2
    assert figures[0].startswith("<h2>Curves</h2>") and figures[0].endswith("<img>")
    assert figures[1] == "<img>"
    # no page break forced between the therapist's sections: only the appendix starts a page
    css = full.split("<style>")[1].split("</style>")[0]
    assert re.findall(r"([^{}]+)\{[^}]*break-before: page", css) == ["\nh2.appendix "]
    # the appendix: every measure, the abbreviations written out once, the inputs
    assert "<h3>Players and inputs</h3>" in appendix and "Lead-lag" in appendix
    assert html.count("Music Therapy Toolbox (Erkkilä") == 1
    # written out before its first use ("legato; MTTB)"; silence is said in plain words now)
    assert appendix.index("Music Therapy Toolbox") < appendix.index("MTTB)")
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
    # where the names are, in words: a report's reader is no command-line user (review 36)
    assert "improv keeps those names with the session, on the computer that holds the " \
        "recordings" in html
    assert "improv sessions show" not in html and "<code>improv" not in html


def test_one_value_for_each_thing_and_the_leader_named(store, duet):
    """"client adapts (phase correction) 0.25" stood beside "client phase correction 0.28"
    (two estimators), "Leader (certainty) 0.96" said no leader, and two "Tonal clarity" rows
    differed."""
    from improv.analyze import analyze_session
    from improv.reports.labels import heading

    d = analyze_session(store, duet, dialogue=True)["dialogue"][0]["summary"]
    html = _text(session_report_html(store, duet))
    therapist, appendix = html.split(APPENDIX)
    # who led in plain words for the therapist; both estimates of the phase correction in
    # the appendix
    assert "phase correction" not in therapist
    assert "client adapts (phase correction" in appendix
    assert heading("client|therapist.client_phase_correction") == \
        "client phase correction (simple estimate, 0-1)"
    if d["client_phase_correction"] is not None:
        assert "client phase correction (simple estimate, 0-1)" in appendix
    row = therapist.split("<td>Who led</td>")[1].split("</tr>")[0]
    if d["leader"] in ("client", "therapist"):
        assert d["leader"] in row and " sure)" in row and "certainty" not in row
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
    # no nested brackets, no method: who adjusted to whom, and how sure
    assert leader_text({"leader": "therapist", "leader_basis": "timing",
                        "leader_confidence": 1.0}, pair) == \
        "therapist (the client adjusted to the therapist; over 99 % sure)"
    assert leader_text({"leader": "client", "leader_basis": "timing+features",
                        "leader_confidence": 0.8}, pair) == \
        "client (the therapist adjusted to the client and took up the client's changes; 80 % sure)"
    assert leader_text({"leader": "client", "leader_basis": "features"}, pair) == \
        "client (the therapist took up the client's changes in density, loudness and register)"
    assert leader_text({"leader": "together", "leader_basis": "timing"}, pair) == \
        "neither (together)"
    assert leader_text({}, pair) == "no one named"


def _with_roles(store, sid) -> None:
    """The therapist's marker and range, the analysis's suggestions over the whole session
    (as "Add them as annotations to review" writes them), and one of them confirmed."""
    from sessions.annotation_edits import add_annotation, add_annotations, edit_annotation

    add_annotation(store, sid, t=5.0, tags=["marker"])
    add_annotation(store, sid, t=12.0, end=14.0, tags=["silence"], text="calm")
    runs = add_annotations(store, sid, [
        {"t": t, "end": t + 5.0, "player": "client", "tags": ["suggestion", "autonomy:partner"],
         "text": "partner · client (suggested from the playing, 99 % sure)"}
        for t in (0.5, 6.0, 20.0, 30.0)], by="improv analyze", source="suggestion")
    edit_annotation(store, sid, runs[2]["id"], tags=["autonomy:leader"])  # confirmed


def test_unconfirmed_suggestions_are_not_the_therapists_annotations(store, duet, figures):
    """Review 27b, 9: the analysis's unconfirmed suggestions shaded every curve and pushed out
    the labels of the therapist's own markers. Only the therapist's annotations and the roles
    they confirmed are drawn and listed with the annotations; the rest wait in the appendix."""
    _with_roles(store, duet)
    html = _text(session_report_html(store, duet))
    therapist, appendix = html.split(APPENDIX)
    table = therapist.split("<h2>Annotations</h2>")[1].split("</table>")[0]
    assert table.count("<tr><td") == 3  # the marker, the range, the confirmed role
    assert "IAP · autonomy: partner" not in table and "suggestion<" not in table
    # the tags in words, as the session page shows them, not as codes (autonomy:leader)
    assert "<td>IAP · autonomy: leader</td>" in table and "<td>silence</td>" in table
    assert not re.search(r"autonomy:\w", table)
    assert "suggested by the analysis, confirmed " in table  # not "(edited …)"
    assert "3 role suggestions of the analysis are waiting for review" in therapist
    waiting = appendix.split("<h3>Role suggestions waiting for review</h3>")[1]
    assert waiting.split("</table>")[0].count("<tr><td") == 3
    # the players' figure: the therapist's marker and range, the confirmed role; no
    # suggestion shades or labels a panel
    players = figures[0]
    for ax in [a for a in players.axes if a.get_visible()]:
        spans = sorted(round(p.get_x(), 1) for p in ax.patches if p.get_alpha() is not None)
        assert spans == [12.0, 20.0], spans
    labels = [t.get_text() for ax in players.axes for t in ax.texts]
    assert "marker" in labels and "suggestion" not in labels
    assert "partner" not in labels and "leader" in labels  # the role, not its code


def test_the_header_says_what_is_not_given_and_dates_read_as_on_the_page(store, duet):
    """Review 27b, 21: "therapist –" (a bare dash) and ISO dates beside the page's "Nov 2"."""
    from datetime import datetime

    from improv.reports.wording import day_text
    from sessions.annotation_edits import add_annotation, edit_annotation

    a = add_annotation(store, duet, t=3.0, text="first")
    edit_annotation(store, duet, a["id"], text="second")
    html = _text(session_report_html(store, duet))
    head = html.split("<h2>Summary</h2>")[0]
    assert "therapist: not given" in head and "therapist –" not in head
    started = store.session(duet).manifest["started_utc"]
    local = datetime.fromisoformat(started).astimezone()
    assert f"started {day_text(started)}, {local:%H:%M}" in head
    row = html.split("second")[1].split("</tr>")[0]
    assert re.search(r"\(edited [A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d", row), row
    assert not re.search(r"\d{4}-\d\d-\d\dT", html)


def test_a_note_is_spelled_with_flats_in_a_key_with_flats(store, tmp_path):
    """Review 27b, part 1 row 14: "Key Bb major" beside "Pitch (mean) A#2"."""
    from improv.analyze import analyze_session
    from improv.reports.labels import note_name

    # a Bb major scale, low: its key has flats
    scale = [46, 48, 50, 51, 53, 55, 57, 58]
    notes = [(0.25 + 0.5 * k, 0, scale[k % 8] + (12 if k % 16 >= 8 else 0), 80)
             for k in range(64)]
    mid = write_midi(tmp_path / "bb.mid", tracks={"client": notes})
    sid = import_files(store, [mid], client="C05", players=["client=bb.mid:2"])["id"]
    summary = analyze_session(store, sid)["players"]["client"]["sources"]["midi"]["summary"]
    assert summary["key"] == "Bb major"
    appendix = _text(session_report_html(store, sid)).split(APPENDIX)[1]

    def cell(label):
        return appendix.split(f"<tr><td>{label}</td><td class=num>")[1].split("<")[0]

    assert cell("Lowest note") == "Bb2" and cell("Pitch (mean)") == note_name(
        summary["pitch_mean"], key="Bb major")
    assert "#" not in cell("Pitch (mean)") + cell("Lowest note") + cell("Highest note")


def test_corrections_are_said_in_words(store, duet, figures):
    """A corrected client code and a drum-kit mark, as the report's head says them (before:
    "client corrected …" and "percussion corrected …: was not given, now True")."""
    from sessions.revisions import correct_session, mark_percussion, rename_player

    old = store.session(duet).client
    correct_session(store, duet, by="T01", client="C08", reason="typo")
    mark_percussion(store, duet, ["therapist"], by="T01")
    rename_player(store, duet, "client", "anna2", by="T01")
    head = _text(session_report_html(store, duet)).split("<h2>")[0]
    assert re.search(r"Player client renamed anna2 [^<]* by T01</p>", head)
    assert re.search(rf"Client code corrected [^<]* by T01: was {old}, now C08</p>", head)
    assert re.search(r"MIDI input [^<]+ \(therapist\) marked as a drum kit [^<]* by T01</p>",
                     head)
    assert "percussion" not in head and "True" not in head


def test_the_annotations_are_numbered_as_the_crowded_curves_label_them(store, duet, figures):
    """Review 28: many annotations stacked their tags three rows deep above the curves. The
    curves then label each annotation with its number, and the Annotations table numbers its
    rows the same way (the suggestions waiting for review are neither drawn nor numbered)."""
    from sessions.annotation_edits import add_annotation

    _with_roles(store, duet)
    for k in range(12):
        add_annotation(store, duet, t=2.0 + 3.0 * k, tags=["autonomy:partner"],
                       text=f"together {k}")
    html = _text(session_report_html(store, duet))
    therapist, appendix = html.split(APPENDIX)
    table = therapist.split("<h2>Annotations</h2>")[1].split("</table>")[0]
    assert table.startswith("<table><tr><th>no.</th><th>time</th>")
    numbers = re.findall(r"<tr><td class=num>(\d+)</td>", table)
    assert numbers == [str(k) for k in range(1, 16)]  # 3 before, 12 added, in time order
    texts = figures[0].axes[0].texts
    labels = [t.get_text() for t in texts]
    assert labels and set(labels) <= set(numbers) and "partner" not in labels
    # the annotation at 0:35 is drawn at 35 s with its row's number
    at = next(k for k in numbers if table.split("<tr><td class=num>")[int(k)].startswith(
        f"{k}</td><td class=nowrap>0:35"))
    assert [t.xy[0] for t in texts if t.get_text() == at] == [35.0]
    assert "its number in the Annotations table" in therapist
    waiting = appendix.split("<h3>Role suggestions waiting for review</h3>")[1]
    assert "<td class=num>" not in waiting.split("</table>")[0]


def test_the_therapists_part_alone_without_the_appendix(store, duet, figures):
    """A 75 s session's report ran to 20 pages, 15 of them the appendix (review 28): without
    it, the report ends with the therapist's part and says where the rest is."""
    raw_full = session_report_html(store, duet)
    raw_short = session_report_html(store, duet, appendix=False)
    assert 0 < raw_short.count("<img") < raw_full.count("<img")  # no figure of the appendix
    full, short = _text(raw_full), _text(raw_short)
    assert APPENDIX in full and APPENDIX not in short
    assert "tick “with the technical appendix” beside the Report buttons on the session's " \
        "page in improv" in short
    assert "improv report" not in short and "--appendix" not in short  # no command line
    assert short.split("<h2>Curves</h2>")[0] == full.split("<h2>Curves</h2>")[0].replace(
        "are in the technical appendix.",
        "are in the technical appendix (a report with it: tick “with the technical appendix” "
        "beside the Report buttons on the session's page in improv).")

