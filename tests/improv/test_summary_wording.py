"""The plain summary's wording after review 29 (findings 6, 7, 11, 12, 13): a recording that
ends before the session is said as such, not as the player's silence; the beat-level caveat is
a detail of Tempo and pulse; no "0 %" sentences, in words where it matters; turn lengths of a
minute or more as m:ss; a microphone's level without "dBFS"; the labels with a capital where
shown; the details set apart in the reports."""

from __future__ import annotations

import re

import pytest

from improv.reports.summary_playing import dynamics_sentence
from improv.reports.summary_text import (
    DETAIL_LEAD,
    TEMPO,
    part_label,
    recorded_spans,
    summary_groups,
    summary_html,
)


def _pair(**summary):
    return {"name": "A|B", "pair": ["A", "B"], "summary": summary}


def _curve(values, *, window=2.0):
    return {"times": [window / 2 + k * window for k in range(len(values))], "values": values}


def _duet(*, a_values, b_values, duration):
    """An analysis result of a duet with only the activity curves the silences are read from."""
    return {"duration_s": duration, "window_s": 2.0, "players": {},
            "dialogue": [{"name": "A|B", "pair": ["A", "B"], "summary": {},
                          "curves": {"A_active": _curve(a_values), "B_active": _curve(b_values)}}]}


def _session_texts(result, *, recorded):
    """The Session part's sentences about silences and recordings."""
    from improv.reports.summary_text import _silences

    return [s["text"] for s in _silences(result, recorded=recorded)]


def test_recorded_spans_are_those_of_audio_only_players_shorter_than_the_session():
    manifest = {"duration_s": 210.0, "midi": {"ports": [{"player": "A"}]},
                "audio": [{"t0": 5.0, "frames": 441000, "sr": 44100, "players": {"B": [1]}},
                          {"t0": 0.0, "frames": 44100 * 210, "sr": 44100, "players": {"A": [1]}},
                          {"t0": 0.0, "frames": 44100 * 210, "sr": 44100, "players": {"C": [1]}}]}
    # A has MIDI (recorded throughout), C's microphone runs the whole session
    assert recorded_spans(manifest) == {"B": (5.0, 15.0)}
    # a player with two audio inputs is recorded from the first start to the last end
    manifest["audio"].append({"t0": 100.0, "frames": 441000, "sr": 44100, "players": {"B": [2]}})
    assert recorded_spans(manifest) == {"B": (5.0, 110.0)}


def test_a_recording_that_ends_early_is_not_a_player_who_stopped():
    # B's activity is zero from 20 s on: the session lasts 100 s
    result = _duet(a_values=[1.0] * 50, b_values=[1.0] * 10 + [0.0] * 40, duration=100.0)
    # B's recording ends at 20 s: that is said, and no silence of B
    texts = _session_texts(result, recorded={"B": (0.0, 20.0)})
    assert texts == ["The recording of B ends at 0:20 (the session goes on to 1:40)."], texts
    # without knowing the recording's end (a live microphone): the player stopped
    texts = _session_texts(result, recorded={})
    assert texts == ["B stopped playing at 0:20 and was silent to the end."], texts
    # the recording ends at 60 s: a silence inside it is B's own, and its end is said
    texts = _session_texts(result, recorded={"B": (0.0, 60.0)})
    assert texts == ["The recording of B ends at 1:00 (the session goes on to 1:40).",
                     "B stopped playing at 0:20 and was silent to the end of the recording."]
    # ... a few seconds before the session's end are not worth a sentence
    texts = _session_texts(result, recorded={"B": (0.0, 90.0)})
    assert texts == ["B stopped playing at 0:20 and was silent to the end."]
    # a late start of a long stretch is said too
    late = _duet(a_values=[1.0] * 50, b_values=[0.0] * 30 + [1.0] * 20, duration=100.0)
    assert _session_texts(late, recorded={"B": (60.0, 100.0)}) == [
        "The recording of B starts at 1:00."]
    # an offset of a few seconds is not worth a sentence
    assert _session_texts(late, recorded={"B": (5.0, 100.0)}) == [
        "B did not play until 1:00."]


@pytest.mark.parametrize(("summary", "expected"), [
    ({"A_solo_share": 0.14, "B_solo_share": 0.21, "silent_share": 0.18},
     "A played alone for 14 % of the time, B alone for 21 %, and both were silent for 18 %."),
    # the reviewer's C21 duet: "therapist alone for 0 %" said nothing the turns had not
    ({"A_solo_share": 0.003, "B_solo_share": 0.02, "silent_share": 0.08},
     "B played alone for 2 % of the time and both were silent for 8 %."),
    ({"A_solo_share": 0.0, "B_solo_share": 0.0, "silent_share": 0.08},
     "Both were silent for 8 % of the time."),
    ({"A_solo_share": 0.0, "B_solo_share": 0.0, "silent_share": 0.001}, None),
])
def test_alone_leaves_out_shares_that_show_as_zero(summary, expected):
    from improv.reports.summary_text import _apart

    said = _apart(_pair(**summary), n_players=2)
    assert (said and said["text"]) == expected
    if said:  # every measure is still named, said or not
        assert set(said["measures"]) == {"A|B.A_solo_share", "A|B.B_solo_share",
                                         "A|B.silent_share"}


def test_with_three_players_zero_shares_are_left_out_too():
    from improv.reports.summary_text import _apart

    said = _apart(_pair(A_solo_share=0.001, B_solo_share=0.0, silent_share=0.08), n_players=3)
    assert said["text"] == "Neither of them played for 8 % of the time."


@pytest.mark.parametrize(("shares", "basis", "expected"), [
    # the demo: "38 % of the time against 0 %"
    ((0.0, 0.38, 0.2), "timing",
     "B led for 38 % of the time (A never did), and A adjusted their timing to B's, hardly "
     "the other way round."),
    ((0.004, 0.38, 0.2), "timing",
     "B led for 38 % of the time (A hardly ever did), and A adjusted"),
    # the windows lean the other way
    ((0.38, 0.0, 0.2), "timing",
     "A led for 38 % of the time (B never did), but over the whole session A adjusted"),
])
def test_a_leader_against_zero_is_said_in_words(shares, basis, expected):
    from improv.reports.summary_text import _leader

    a, b, together = shares
    said = _leader(_pair(leader="B", leader_basis=basis, A_leads_share=a, B_leads_share=b,
                         together_share=together))
    assert said["text"].startswith(expected), said["text"]
    assert "0 %" not in said["text"]


def test_neither_led_says_a_zero_share_in_words():
    from improv.reports.summary_text import _leader

    said = _leader(_pair(leader="together", A_leads_share=0.0, B_leads_share=0.01,
                         together_share=0.75))
    assert said["text"] == ("They moved together (75 % of the time); neither player led (B led "
                            "1 % of the time, A never).")


def test_the_beat_level_caveat_is_a_detail_of_tempo_and_pulse():
    entry = {"status": "ok", "sources": {
        "midi": {"summary": {"status": "ok", "pulse": "clear", "tempo_bpm": 96.0}},
        "audio": {"summary": {"status": "ok", "pulse": "intermittent", "tempo_bpm": None,
                              "tempo_bpm_tentative": 49.0}}}}
    result = {"duration_s": 90.0, "players": {"client": entry}}
    (tempo,) = [g for g in summary_groups(result) if g["label"] == TEMPO]
    texts = [s["text"] for s in tempo["sentences"]]
    assert tempo["brief"] == 1 and texts[0].startswith("Client played at about 96 BPM"), tempo
    assert texts[1].startswith("The microphone counts client's beat at half the MIDI tempo")


def test_a_microphones_level_is_said_without_dbfs():
    said = dynamics_sentence("therapist", "audio", {"level_dbfs_mean": -32.2,
                                                    "crescendo_count": 0,
                                                    "decrescendo_count": 1})
    assert said["text"] == ("Therapist's sound was on average 32 dB below the loudest the "
                            "recording can hold, with no crescendo and 1 decrescendo.")
    assert said["measures"]["therapist.audio.level_dbfs_mean"] == -32.2
    assert "dBFS" not in dynamics_sentence("t", "audio", {"level_dbfs_mean": 0.1})["text"]


def test_reports_show_labels_with_a_capital_and_details_in_a_paragraph_of_their_own():
    assert part_label("client & therapist") == "Client & therapist"
    html = summary_html([{"label": "client & therapist", "brief": 1, "sentences": [
        {"text": "Brief one.", "measures": {}}, {"text": "Detail one.", "measures": {}}]},
        {"label": "Dynamics", "brief": 1, "sentences": [{"text": "Loud.", "measures": {}}]}])
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", html)
    assert paragraphs == ["<b>Client &amp; therapist:</b> Brief one.",
                          f"<i>{DETAIL_LEAD}</i> Detail one.", "<b>Dynamics:</b> Loud."]
