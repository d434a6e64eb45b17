"""A session whose pulse was clear only part of the time, in its plain summary (review
rev-months, 2): it said "Client had a clear pulse much of the time (78 % of the time they
played), around 69 BPM" while the course chart and the client report said of the same
session "no clear pulse, not counted". Now the summary says the session has no single tempo,
and why, with the range a single number hid (93 -> 48 BPM); the course says "no single
tempo" (tests/improv/web/test_client_pulse_gaps.py)."""

from __future__ import annotations

from improv.reports.summary_text import TEMPO, summary_groups


def _summary(share: float, *, tentative: float = 69.0, lo: float = 48.0,
             hi: float = 93.0) -> dict:
    """A MIDI input's summary with an intermittent pulse in ``share`` of the playing."""
    return {"status": "ok", "pulse": "intermittent", "pulsed_share": share, "tempo_bpm": None,
            "tempo_bpm_tentative": tentative, "tempo_bpm_min": lo, "tempo_bpm_max": hi}


def _tempo_texts(players: dict[str, dict]) -> list[str]:
    result = {"duration_s": 105.0, "players": {
        p: {"status": "ok", "sources": {"midi": {"summary": s}}} for p, s in players.items()}}
    (group,) = [g for g in summary_groups(result) if g["label"] == TEMPO]
    return [s["text"] for s in group["sentences"]]


def test_a_pulse_clear_part_of_the_time_has_no_single_tempo_in_the_summary():
    """The review's session 9: the rough tempo with its range, and no single tempo, said why
    once; the second player's sentence says "either" instead of the rule again."""
    client, therapist = _tempo_texts({"client": _summary(0.78),
                                      "therapist": _summary(0.61, tentative=68.0, lo=47.0)})
    assert client == ("Client had a clear pulse much of the time (78 % of the time they "
                      "played), around 69 BPM (where it was clear, between 48 and 93 BPM), but "
                      "no single tempo for the session: that takes a clear pulse 80 % of the "
                      "time.")
    assert therapist == ("Therapist had a clear pulse much of the time (61 % of the time they "
                         "played), around 68 BPM (where it was clear, between 47 and 93 BPM), "
                         "and no single tempo either.")
    # a narrow range is not told; a pulse only at times reads so
    (alone,) = _tempo_texts({"client": _summary(0.42, tentative=84.0, lo=82.0, hi=86.0)})
    assert alone == ("Client had a clear pulse only at times (42 % of the time they played), "
                     "around 84 BPM, but no single tempo for the session: that takes a clear "
                     "pulse 80 % of the time.")


def test_the_rule_is_said_to_the_first_player_whose_pulse_was_clear_part_of_the_time():
    """A first player with a clear pulse, or a pulse nearly throughout on no one tempo, has
    not said why a pulse clear part of the time has no single tempo: the second says it."""
    clear = {"status": "ok", "pulse": "clear", "pulsed_share": 1.0, "tempo_bpm": 120.0}
    _, second = _tempo_texts({"client": clear, "therapist": _summary(0.6)})
    assert second.endswith("but no single tempo for the session: that takes a clear pulse "
                           "80 % of the time."), second
    most, second = _tempo_texts({"client": _summary(0.9), "therapist": _summary(0.6)})
    assert "no single tempo fits it" in most and "either" not in second, second
