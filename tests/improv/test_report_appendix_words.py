"""The report appendix's labels and meanings in the report's words (review 29 finding 19): no
field name ("tempo_source clip") in a meaning, a role suggestion said as one, and a simple
phase-correction slope that may fall outside its 0-1 heading says so."""

from __future__ import annotations

from improv.reports.labels import heading, meaning


def test_meanings_hold_no_field_names():
    said = meaning("client.midi.tempo_bpm")
    assert "tempo_source" not in said and "clip)" not in said
    assert "(pulse “too short to tell”): the clip's tempo" in said


def test_a_role_share_reads_as_a_suggestion():
    assert heading("client|therapist.client_role_silence_share") == \
        "client in the role “silence” (%)"
    assert meaning("client|therapist.client_role_silence_share") == (
        "share of the windows for which the analysis suggested the role “silence” for client "
        "(Bruscia's autonomy profile)")


def test_the_simple_phase_correction_says_it_may_leave_0_to_1():
    assert "may fall outside 0-1" in meaning("client|therapist.client_phase_correction")
