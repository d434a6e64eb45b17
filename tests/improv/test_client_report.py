"""The client report: the therapist's writing per session, their tags' trend, raw tables in
an appendix, "too few sessions to judge" below five sessions (real store, real analysis)."""

from __future__ import annotations

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
    row = text.split("<td>autonomy:leader</td>")[1].split("</tr>")[0]
    assert [c.split(">")[1] for c in row.split("</td>")[:4]] == ["0", "1", "2", "3"]
    assert "too few sessions to judge" in row  # four sessions: no test can say "no"
    assert "autonomy:follower" not in text.split("Each session: summary, annotations and notes")[0]
    assert "Each session: summary, annotations and notes" in text
    assert "leads the groove 3.2" in text
    assert text.count("The session lasted 0:1") == 4  # each session's plain summary
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


def test_client_report_appendix_heads_columns_with_labels_and_field_names_small(store, course):
    text = client_report_html(store, client="C07")
    appendix = text.split("Appendix: the measures of each session")[1]
    tables, definitions = appendix.split("<h3>Definitions</h3>")
    # a therapist reads the label; the field name of the CSV export is under it, in small type
    assert ("<th>client (MIDI) · Notes per second<br>"
            "<code class=field>client.midi.notes_per_s</code></th>") in tables
    assert "<th>client.midi<br>notes_per_s</th>" not in tables
    # every column head leads with its label: no head starts with a field name
    heads = [h.split("</th>")[0] for h in tables.split("<th>")[1:]]
    assert all(not h.startswith(("client.", "therapist.", "client|")) for h in heads), heads
    # the definitions lead with the label too, the field name beside it in small type
    assert "<th>measure</th><th>unit</th><th>meaning</th>" in definitions
    row = definitions.split("<tr><td>client (MIDI) · Notes per second<br>")[1].split("</tr>")[0]
    assert row.startswith("<code class=field>client.midi.notes_per_s</code></td><td>notes/s</td>")
    assert "MIDI note onsets per second" in row
    # the trend table's verdict column has a heading
    assert "<th>trend</th><th>change</th>" in text


def test_session_report_names_sources_and_pairs_in_words(store, course):
    from improv.reports.report import session_report_html

    add_annotation(store, course[0], t=1.5, text="everyone")
    text = session_report_html(store, course[0])
    measures = text.split("<h2>Measures</h2>")[1].split("<h2>")[0]
    assert "<h3>client (MIDI)</h3>" in measures  # no "(midi): ok"
    assert "(midi)" not in measures and ": ok</h3>" not in measures
    dialogue = measures.split("<h3>Dialogue: client &amp; therapist</h3>")[1]
    assert "|" not in text.split("<h2>Measures</h2>")[1].split("<h2>Curves")[0]
    # the dialogue's measures are explained as the players' are
    assert "<th>meaning</th>" in dialogue and "share of time both players play" in dialogue
    annotations = text.split("<h2>Annotations</h2>")[1]
    assert "<td>both players</td><td></td><td>everyone</td>" in annotations
