"""The report appendix's labels and meanings in the report's words (review 29 finding 19): no
field name ("tempo_source clip") in a meaning, a role suggestion said as one, and a simple
phase-correction slope that may fall outside its 0-1 heading says so."""

from __future__ import annotations

from improv.reports.labels import heading, meaning


def test_meanings_hold_no_field_names():
    said = meaning("client.midi.tempo_bpm")
    assert "tempo_source" not in said and "clip)" not in said
    assert "(a recording too short to tell: the tempo of the whole recording)" in said


def test_the_measures_shown_first_are_said_in_a_therapists_words():
    """The client page showed the feature list's definitions under each label ("share of time
    in gaps longer than 2 s (MTTB)", "share of windows in which client leads", "MIDI note
    onsets per second"); the measures it and the reports show first are said without the
    analysis' terms. The research export's data dictionary keeps the technical definition."""
    from analysis.features import describe
    from improv.reports.compare import DEFAULT_FEATURES, data_dictionary_csv

    columns = [f"client|therapist.{'client_leads_share' if f == 'leads_share' else f}"
               if f in ("joint_share", "floor_transfers_per_min", "asynchrony_abs_mean_ms",
                        "leads_share") else f"client.{src}.{f}"
               for f in DEFAULT_FEATURES for src in ("midi", "audio")]
    for c in columns:
        said = meaning(c)
        assert said, c
        for jargon in ("MTTB", "window", "onset", "_", "tempo_source", "clip", "near-coincident",
                       "ITU-R"):
            assert jargon not in said, (c, said)
    assert meaning("client|therapist.client_leads_share").startswith(
        "share of the time in which client clearly leads")
    assert meaning("client.midi.silence_share") == (
        "share of the session spent in pauses longer than 2 seconds")
    dictionary = data_dictionary_csv({"columns": ["client.midi.silence_share"]})
    assert describe("client.midi.silence_share")[1] in dictionary
    assert "(MTTB)" in dictionary


def test_a_role_share_reads_as_a_suggestion():
    assert heading("client|therapist.client_role_silence_share") == \
        "client in the role “silence” (%)"
    assert meaning("client|therapist.client_role_silence_share") == (
        "share of the windows for which the analysis suggested the role “silence” for client "
        "(Bruscia's autonomy profile)")


def test_the_simple_phase_correction_says_it_may_leave_0_to_1():
    assert "may fall outside 0-1" in meaning("client|therapist.client_phase_correction")
