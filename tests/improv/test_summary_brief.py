"""The plain summary made shorter and clearer (review 29): a pair's part opens with its most
telling few sentences (``brief``), its details after them; each player's share of the time is
said once, under Session, also with three players; ``improv summary`` prints the labelled
parts, wrapped to the terminal; the report's appendix gives every input in one table, each
measure's label once."""

from __future__ import annotations

import re

import numpy as np
import pytest

from improv.analyze import analyze_session
from improv.reports.summary_text import summary_groups, summary_sentences
from tests.improv.test_summary_groups import PLAYERS, import_trio


@pytest.fixture
def demo(store):
    from improv.demo import create_demo_session

    return create_demo_session(store)["id"]


@pytest.fixture
def trio(tmp_path, store):
    return import_trio(store, tmp_path, rng=np.random.default_rng(3))


#: What a duet's part told before the review (the measures its sentences named, less the pair's
#: name): every one is still named by some sentence of the summary.
DUET_FACTS = {
    "client_active_share", "therapist_active_share", "joint_share", "client_solo_share",
    "therapist_solo_share", "silent_share", "floor_transfers", "floor_transfers_per_min",
    "client_turns", "therapist_turns", "client_turn_mean_s", "therapist_turn_mean_s", "leader",
    "leader_basis", "leader_confidence", "client_leads_share", "therapist_leads_share",
    "together_share", "asynchrony_mean_ms", "n_pairs", "therapist_imitates_client_count",
    "therapist_imitates_client_lag_median_s"}


def test_a_duets_part_opens_with_a_few_telling_sentences_and_keeps_every_fact(store, demo):
    result = analyze_session(store, demo, dialogue=True)
    groups = summary_groups(result)
    assert all(1 <= g["brief"] <= len(g["sentences"]) for g in groups)
    (pair,) = [g for g in groups if g["label"] == "client & therapist"]
    brief = [s["text"] for s in pair["sentences"][:pair["brief"]]]
    details = [s["text"] for s in pair["sentences"][pair["brief"]:]]
    assert 2 <= len(brief) <= 4 and details, pair
    # together, turns, who led, who took up whose patterns: in that order, the pair named first
    assert brief[0].startswith("Client and therapist played together for ")
    assert brief[1].startswith("They took turns: the playing passed between them ")
    assert "led" in brief[2] and brief[3].startswith("Therapist took up client's rhythms")
    # the first sentences are short: under 400 characters in all (about 3 lines at 1024 px)
    assert len(" ".join(brief)) < 400, brief
    # alone, turn lengths, the timing of notes at once and how soon: the details
    assert details[0].startswith("Client played alone for ")
    assert any("turns lasted" in t for t in details)
    assert any("at the same moment" in t for t in details)
    # each player's own share of the time is under Session, not in the pair's part
    session = [s["text"] for s in groups[0]["sentences"]]
    assert re.fullmatch(r"Client played for \d+ % of the time and therapist for \d+ %\.",
                        session[1]), session
    assert not any(re.search(r"played for \d+ % of the time and", t) for t in brief + details)
    # no fact is left out of the sentences (--json): every measure the part named is named
    named = {k.split(".", 1)[1] for s in summary_sentences(result) for k in s["measures"]
             if k.startswith("client|therapist.")}
    assert DUET_FACTS <= named, DUET_FACTS - named


def test_three_players_shares_are_said_once_and_pair_parts_are_about_the_pair(store, trio):
    result = analyze_session(store, trio, dialogue=True)
    groups = summary_groups(result)
    texts = [s["text"] for g in groups for s in g["sentences"]]
    # each player's share once, in one sentence under Session
    (shares,) = [s for s in groups[0]["sentences"] if "of the time" in s["text"]]
    m = re.fullmatch(r"Client played for (\d+) % of the time, therapist for (\d+) % and room "
                     r"for (\d+) %\.", shares["text"])
    assert m, shares["text"]
    for player, pct in zip(PLAYERS, m.groups(), strict=True):
        # the sentence names every pair's measure of the player's share, each the same value
        keys = [k for k in shares["measures"] if k.endswith(f".{player}_active_share")]
        assert len(keys) == 2, shares["measures"]
        assert {round(100 * shares["measures"][k]) for k in keys} == {int(pct)}
        own = re.compile(rf"(?<!without ){player} (played )?for {pct} %")
        assert sum(bool(own.search(t.lower())) for t in texts) == 1, texts
    for g in groups[1:4]:
        a, b = g["label"].split(" & ")
        said = " ".join(s["text"] for s in g["sentences"])
        # about the pair: played without the other (a third may have played), never "alone"
        assert " alone" not in said and "both were silent" not in said, said
        # each share said is "without" the other, and one that shows as "0 %" is left out
        assert re.search(rf"({a} played without {b}|{b} played without {a}|{b} without {a}) "
                         r"for [1-9]\d* %|neither of them played for [1-9]", said, re.I), said
        assert not re.search(r"\b0 %", said), said
        assert not any(k.endswith("_active_share") for s in g["sentences"]
                       for k in s["measures"]), g


@pytest.mark.parametrize(("turns", "n_players", "expected"), [
    ({"A_turns": 0.0, "B_turns": 0.0}, 2,
     "They did not take turns: neither played alone for a second or more."),
    ({"A_turns": 0.0, "B_turns": 0.0}, 3,
     "They did not take turns: neither played without the other for a second or more."),
    ({"A_turns": 0.0, "B_turns": 2.0}, 3, "They did not take turns: only B played without A "
                                          "(twice)."),
])
def test_a_pair_of_a_trio_does_not_say_alone(turns, n_players, expected):
    from improv.reports.summary_text import _turns

    d = {"name": "A|B", "pair": ["A", "B"],
         "summary": {"floor_transfers": 0.0, "A_active_share": 0.5, "B_active_share": 0.5,
                     **turns}}
    assert _turns(d, n_players=n_players)["text"] == expected


def test_imitation_without_a_delay_keeps_how_sure_in_its_first_sentence():
    from improv.reports.summary_text import _imitation, _imitation_lags

    d = {"name": "A|B", "pair": ["A", "B"], "summary": {"B_imitates_A_count": 2}}
    assert [s["text"] for s in _imitation(d)] == [
        "B took up A's rhythms or melodies twice (each a match that chance alone would rarely "
        "give)."]
    assert _imitation_lags(d) == []


# --- improv summary in the terminal ----------------------------------------------------------

def test_cli_summary_prints_the_labelled_parts_wrapped_to_the_terminal(run_cli, store, demo,
                                                                     monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    r = run_cli("summary", demo)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "\x1b[" not in r.stdout  # no terminal styles where the output is no terminal
    assert all(len(x) <= 60 for x in lines), max(lines, key=len)
    labels = [g["label"] for g in summary_groups(analyze_session(store, demo, dialogue=True))]
    assert labels == ["Session", "client & therapist", "Tempo and pulse", "Dynamics",
                      "Your annotations"]
    # shown with a capital as the other labels (review 29 finding 12)
    labels[1] = "Client & therapist"
    # each label on a line of its own after a blank line, its sentences indented below it
    for label in labels:
        k = lines.index(label)
        assert lines[k - 1] == "" and lines[k + 1].startswith("  "), lines[k - 1:k + 2]
    pair = lines[lines.index("Client & therapist") + 1:lines.index("Tempo and pulse") - 1]
    assert pair[0].startswith("  Client and therapist played together for")
    # the details as a paragraph of their own after the first sentences
    (start,) = [k for k, x in enumerate(pair) if x.startswith("  In detail: ")]
    assert 0 < start and "Client played alone for" in " ".join(pair[start:])
    # a number keeps its unit on its line
    assert not any(re.search(r"\d$", x) and lines[k + 1].lstrip().startswith(("%", "BPM"))
                   for k, x in enumerate(lines[:-1]))
    # wider terminal, longer lines (up to 100)
    monkeypatch.setenv("COLUMNS", "200")
    wide = run_cli("summary", demo).stdout.splitlines()
    assert max(map(len, wide)) <= 100 and max(map(len, wide)) > 60
    assert len(wide) < len(lines)


def test_cli_summary_json_is_the_sentences_and_the_parts(run_cli, demo):
    j = run_cli("summary", demo, "--json").json()
    assert set(j) == {"session_id", "analysis_version", "text", "sentences", "groups"}
    assert all(set(s) == {"text", "measures"} for s in j["sentences"])
    assert j["sentences"] == [s for g in j["groups"] for s in g["sentences"]]
    assert all(set(g) == {"label", "sentences", "brief"} for g in j["groups"])


# --- the report's appendix ---------------------------------------------------------------------

def _appendix(html: str) -> str:
    from improv.reports.report import APPENDIX

    return html.split(APPENDIX)[1]


def test_the_appendix_gives_every_input_in_one_table_each_label_once(store, demo):
    from improv.reports.report import session_report_html

    inputs = _appendix(session_report_html(store, demo)).split(
        "<h3>Measures of each input</h3>")[1].split("<h3>")[0]
    assert inputs.count("<table>") == 1
    head = re.findall(r"<th>(.*?)</th>", inputs.split("</tr>")[0])
    assert head == ["measure", "client (MIDI)", "client (audio)", "therapist (MIDI)",
                    "therapist (audio)", "meaning"]
    labels = re.findall(r"<tr><td>(.*?)</td>", inputs)
    assert len(labels) == len(set(labels)) > 30  # each measure once
    # a measure of one kind of input only: a dash in the others' columns
    notes = re.search(r"<tr><td>Notes per second \(notes/s\)</td>(.*?)</tr>", inputs).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", notes)
    assert cells[1] == cells[3] == "–" and cells[0] != "–" and cells[2] != "–"


def test_the_appendix_gives_a_trios_pairs_in_one_table(store, trio):
    from improv.reports.report import session_report_html

    analyze_session(store, trio, dialogue=True)
    appendix = _appendix(session_report_html(store, trio))
    assert appendix.count("<h3>Dialogue") == 1
    dialogue = appendix.split("<h3>Dialogue: each pair</h3>")[1].split("<h3>")[0]
    head = re.findall(r"<th>(.*?)</th>", dialogue.split("</tr>")[0])
    assert head == ["measure", "client &amp; therapist", "client &amp; room",
                    "therapist &amp; room", "meaning"]
    labels = re.findall(r"<tr><td>(.*?)</td>", dialogue)
    assert len(labels) == len(set(labels))
    joint = re.search(r"<tr><td>Both playing \(%\)</td>(.*?)</tr>", dialogue, re.I)
    assert joint and "–" not in re.findall(r"<td[^>]*>(.*?)</td>", joint.group(1))[:3]


def test_more_inputs_than_a_page_holds_are_spread_over_tables():
    from improv.reports.report import MAX_VALUE_COLUMNS, _measures_table

    columns = [(f"p{k} (MIDI)", {"n_notes": k + 1, "status": "ok"})
               for k in range(MAX_VALUE_COLUMNS + 1)]
    html = _measures_table(columns)
    tables = html.split("</table>")[:-1]
    assert len(tables) == 2
    assert [len(re.findall(r"<th>p\d", t)) for t in tables] == [MAX_VALUE_COLUMNS, 1]
    assert all(t.count("<tr><td>Notes</td>") == 1 for t in tables)
