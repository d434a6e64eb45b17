"""Every measure a therapist sees, said in a therapist's words: what it means in the playing
(:data:`PLAIN`), and for those a goal can follow what a higher value means (:data:`HIGHER`).

The feature list (:mod:`analysis.features`) defines the measures in the analysis' own terms
("onsets", "windows", "EBU R128", "phase-correction gain"); those definitions stay for the
research export's data dictionary and ``--json``. The client page, the reports and the goal
picker say these sentences instead (:func:`improv.reports.labels.meaning`,
:func:`goal_words`). Templates name a player ``{x}`` (``{y}``: the other one) or a role
``{role}`` as the feature list's names do.
"""

from __future__ import annotations

from analysis.windows import DEFAULT_WINDOW, SILENCE_GAP

__all__ = ["PLAIN", "HIGHER", "goal_words"]

_W = f"{DEFAULT_WINDOW:g}-second"  # a stretch of the analysis' window, in words
_GAP = f"{SILENCE_GAP:g} seconds"
_SECOND = "the second player named (the therapist in “client & therapist”)"

#: What a measure means in the playing, by the feature list's name (a template for a player's
#: or a role's measure). No field names, no analysis terms.
PLAIN: dict[str, str] = {
    # tempo and pulse
    "tempo_bpm": "the session's tempo in beats per minute, given only where the beat is clear "
                 "(a recording too short to tell: the tempo of the whole recording)",
    "tempo_bpm_tentative": "the tempo the playing suggests even where the beat is not clear "
                           "(it may be half or double the beat one would tap)",
    "n_beats": "how many beats were found in the playing",
    "beat_regularity": "how evenly the beats come, from 0 to 1: the share of beats that arrive "
                       "on time for the tempo (a clear beat needs 0.6 or more)",
    "percussive_share": "how much of the sound is struck (drums, claps, sharp attacks) rather "
                        "than held tones, from 0 to 1 (from the microphone)",
    "tempo_alt_bpm": "another tempo a listener could tap to in the same music: half, double or "
                     "another simple ratio of the tempo",
    "tempo_alt_share": "how strongly that other tempo could be felt instead, from 0 to 1 (0.5: "
                       "either could be tapped)",
    "pulse_clarity": "how clear the beat is, from 0 (none) to 1 (clear): the middle value over "
                     "the moments in which the player plays",
    "pulsed_share": "share of the playing (pauses left out) in which a clear beat can be heard",
    "tempo_bpm_min": "the slowest tempo of the session, where the beat was clear",
    "tempo_bpm_max": "the fastest tempo of the session, where the beat was clear",
    "tempo_stability": "how steady the tempo stays over the session, from 0 (it drifts or "
                       "jumps) to 1 (steady)",
    # density
    "notes_per_s": "how many notes were played per second, on average over the session "
                   "(from the instrument's MIDI)",
    "onsets_per_s": "how many notes or strokes were heard per second, on average over the "
                    "session (from the microphone)",
    "silence_share": f"share of the session spent in pauses longer than {_GAP}",
    "polyphony_mean": "how many notes sound at the same time, on average (1: one note at a "
                      "time; more: chords and held notes)",
    "polyphony_max": f"how many notes sound at the same time in the fullest {_W} stretch of "
                     "the session (on average over that stretch, not the largest chord)",
    "n_notes": "how many notes were played (from the instrument's MIDI)",
    "n_onsets": "how many notes or strokes were heard (from the microphone)",
    # register and tonality
    "articulation_mean": "how connected the notes are, from 0 (short and detached) to 1 (each "
                         "held until the next: smooth)",
    "tonal_clarity_mean": f"how clearly the notes point to one key from moment to moment: the "
                          f"average over {_W} stretches, from -1 to 1 (the whole session's is "
                          "“Tonal clarity (whole session)”)",
    "tonal_clarity": "how clearly the notes of the whole session point to one key, from -1 to 1",
    "percussion_share": "share of the notes that are drums (a drum kit or the drum channel) "
                        "rather than pitched notes; pitch and key come from the other notes",
    "pitch_mean": "the average pitch of the notes, as a note name (C4: middle C)",
    "pitch_std": "how widely the notes spread up and down, in semitones (12: an octave)",
    "pitch_min": "the lowest note played",
    "pitch_max": "the highest note played",
    # dynamics
    "velocity_mean": "how hard the keys were struck, on average (from 0, softest, to 127, "
                     "hardest)",
    "velocity_p95_p5": "how far the touch goes from soft to hard, the few softest and hardest "
                       "notes left out (0-127)",
    "velocity_std": "how much the touch changes from note to note (0-127)",
    "velocity_range": "how much harder the hardest note was struck than the softest (0-127)",
    "crescendo_count": "how many times the playing grew louder over 3 seconds or more",
    "decrescendo_count": "how many times the playing grew softer over 3 seconds or more",
    "level_dbfs_mean": "how loud the microphone heard the player, on average while playing "
                       "(pauses left out; 0 dBFS is the loudest a recording can hold)",
    "level_dbfs_min": f"how loud the quietest {_W} stretch of playing was (pauses left out)",
    "level_dbfs_max": f"how loud the loudest {_W} stretch of playing was",
    "dynamic_range_db": "how far the playing moves between soft and loud from moment to "
                        "moment (the quiet of the pauses left out)",
    "loudness_lufs_integrated": "how loud the session sounds as a whole, as loudness meters "
                                "measure it (the quiet of the room left out)",
    "loudness_lufs_momentary_max": "how loud the loudest moment (under half a second) of the "
                                   "session sounds, as loudness meters measure it",
    "loudness_lufs_short_term_max": "how loud the loudest 3 seconds of the session sound, as "
                                    "loudness meters measure them",
    "loudness_range_lu": "how much the loudness changes over the session, from its quiet "
                         "passages to its loud ones (the quiet of the room left out)",
    # playing together and turns
    "{x}_active_share": "share of the session in which {x} plays",
    "{x}_solo_share": "share of the session in which {x} plays alone",
    "joint_share": "share of time both players play together",
    "silent_share": "share of time neither player plays",
    "floor_transfers": "how many times the turn passed from one player to the other (a turn: "
                       "playing alone for 1 second or more)",
    "floor_transfers_per_min": "how often the turn passes from one player to the other, per "
                               "minute (a turn: playing alone for 1 second or more)",
    "gap_count": "how many times the turn passed through a silence of both",
    "overlap_count": "how many times the turn passed while both played",
    "pause_count": "how many times both fell silent and the same player went on",
    "within_overlap_count": "how many times the other player joined in briefly without taking "
                            "the turn",
    "gap_mean_s": "how long both are silent when the turn passes, on average",
    "overlap_mean_s": "how long both play at once when the turn passes, on average",
    "fto_median_s": "how soon a player answers when the turn passes, in the middle case: the "
                    "silence before the answer, or minus the time both play at once when the "
                    "answer starts before the other ends",
    "{x}_turns": "how many turns {x} took (playing alone for 1 second or more)",
    "{x}_turn_mean_s": "how long {x} plays alone in a turn, on average",
    "{x}_n_events": "how many notes or chords {x} played (notes struck together count once)",
    # leading and following
    "lead_lag_s": f"how many seconds the changes of {_SECOND} (how busy, how loud, how high "
                  "they play) come after the first player's; below 0 the first comes after",
    "lead_lag_density_s": "the same delay, from how busy the playing is alone",
    "lead_lag_dynamics_s": "the same delay, from how loud the playing is alone",
    "lead_lag_register_s": "the same delay, from how high the playing is alone",
    "lead_xcorr": "how closely one player's changes mirror the other's at that delay, from -1 "
                  "(opposite) to 1 (the same)",
    "leader_confidence": "how sure the analysis is of the leader it names, from 0 to 1, where "
                         "the players' timing named the leader",
    "timing_confidence": "how sure the analysis is of the leader by the players' timing alone, "
                         "from 0 to 1",
    "timing_n_beats": "how many beats of both players the timing of leading and following was "
                      "read from",
    "{x}_alpha": "how much {x} adjusts to the other's timing at each beat, from 0 ({x} keeps "
                 "to their own time) to 1 ({x} follows the other fully)",
    "{x}_alpha_lo": "the lowest that “{x} adapts” can well be, given how much the beats vary",
    "{x}_alpha_hi": "the highest that “{x} adapts” can well be, given how much the beats vary",
    "{x}_leads_share": "share of the time in which {x} clearly leads: the other follows "
                       "{x}'s timing, loudness, density or register a moment later",
    "together_share": "share of the session in which the players change together, neither "
                      "ahead of the other",
    "lead_confidence_mean": "how clear leading and following were, on average, from 0 to 1",
    # synchrony
    "n_pairs": "how many notes of the two players landed together (within a quarter of a "
               "second)",
    "{x}_paired_share": "share of {x}'s notes that land together with a note of the other "
                        "player",
    "asynchrony_sd_ms": "how much the distance between the two players' notes varies, where "
                        "they play together",
    "asynchrony_mean_ms": f"how long after the first player's notes those of {_SECOND} land, "
                          "on average, where they play together (below 0: before)",
    "asynchrony_median_ms": f"how long after the first player's notes those of {_SECOND} "
                            "land, in the middle case, where they play together (below 0: "
                            "before)",
    "asynchrony_abs_mean_ms": "how far apart the two players' notes land, on average, where "
                              "they play together",
    "phase_locking": "how steadily one player's notes fall at the same place between the "
                     "other's notes, from 0 (anywhere) to 1 (always the same place)",
    "phase_locking_p": "how likely it is that such steady timing came about by chance (small: "
                       "hardly by chance)",
    "{x}_phase_correction": "how much {x} adjusts timing towards the other, a simpler "
                            "estimate than “{x} adapts” (which names the leader); it may fall "
                            "outside 0-1 (over 1: {x} more than made up the difference)",
    "shared_pulse_share": "share of the session in which both play to a clear beat at the same "
                          "tempo (or at half or double it)",
    "tempo_coupling_r": "how closely the two players' tempos speed up and slow down together, "
                        "from -1 (one speeds up as the other slows) to 1 (together)",
    "tempo_ratio_median": f"the tempo of {_SECOND} against the first's, in the middle case (1: "
                          "the same tempo; 2: twice as fast)",
    # imitation
    "{x}_imitates_{y}_count": "how many times {x} imitated what {y} had just played (more "
                              "often than chance would give)",
    "{x}_imitates_{y}_per_min": "how often {x} imitates what {y} has just played, per minute",
    "{x}_imitates_{y}_lag_median_s": "how soon {x} imitates what {y} played, in the middle "
                                     "case, in seconds",
    # roles
    "{x}_role_{role}_share": "share of the session for which the analysis suggested the role "
                             "“{role}” for {x} (Bruscia's autonomy profile)",
}

#: What a higher value means in the playing, for every measure a goal can follow
#: (:func:`improv.reports.goal_indicators.offered_as_goal`); the goal picker says it after
#: the measure's meaning.
HIGHER: dict[str, str] = {
    "tempo_bpm": "a faster beat",
    "beat_regularity": "a more even beat",
    "percussive_share": "more struck, drum-like sound",
    "pulse_clarity": "a clearer beat",
    "pulsed_share": "a clear beat more of the time",
    "tempo_bpm_min": "the slowest stretch is faster",
    "tempo_bpm_max": "the fastest stretch is faster",
    "tempo_stability": "a steadier tempo",
    "notes_per_s": "busier playing, more notes",
    "onsets_per_s": "busier playing, more notes or strokes",
    "silence_share": "more time in long pauses",
    "polyphony_mean": "fuller playing, more notes at once",
    "polyphony_max": "fuller playing at its fullest",
    "articulation_mean": "more connected, smoother playing",
    "tonal_clarity_mean": "playing more clearly in a key",
    "tonal_clarity": "playing more clearly in one key",
    "percussion_share": "more drum notes",
    "pitch_mean": "higher notes, on average",
    "pitch_std": "a wider range of notes",
    "pitch_min": "the lowest note is higher",
    "pitch_max": "the highest note is higher",
    "velocity_mean": "a harder, louder touch",
    "velocity_p95_p5": "more contrast between soft and hard notes",
    "velocity_std": "a more varied touch",
    "velocity_range": "more contrast between the softest and the hardest note",
    "level_dbfs_mean": "louder playing (values nearer 0)",
    "level_dbfs_min": "the quietest playing is louder",
    "level_dbfs_max": "the loudest playing is louder",
    "dynamic_range_db": "more contrast between soft and loud",
    "loudness_lufs_integrated": "louder as a whole (values nearer 0)",
    "loudness_lufs_momentary_max": "a louder loudest moment",
    "loudness_lufs_short_term_max": "louder loudest seconds",
    "loudness_range_lu": "more difference between quiet and loud passages",
    "{x}_active_share": "{x} plays more of the time",
    "{x}_solo_share": "{x} plays alone more of the time",
    "joint_share": "more playing together",
    "silent_share": "more silence shared by both",
    "floor_transfers_per_min": "more taking of turns",
    "gap_mean_s": "longer waits before the answer",
    "overlap_mean_s": "answers that start longer before the other ends",
    "fto_median_s": "later answers (below 0: answers that start before the other ends)",
    "{x}_turn_mean_s": "{x} plays alone longer in a turn",
    "lead_lag_s": "the second player follows later (below 0: the first follows)",
    "{x}_alpha": "{x} follows the other's timing more",
    "{x}_leads_share": "{x} leads more of the time",
    "together_share": "more changing together",
    "{x}_paired_share": "more of {x}'s notes land with the other's",
    "asynchrony_sd_ms": "a less even distance between the players' notes",
    "asynchrony_mean_ms": "the second player's notes land later",
    "asynchrony_median_ms": "the second player's notes land later",
    "asynchrony_abs_mean_ms": "notes further apart, less together",
    "phase_locking": "timing more locked together",
    "shared_pulse_share": "more time on a shared beat",
    "tempo_coupling_r": "tempos that move together more",
    "tempo_ratio_median": "the second player faster against the first",
    "{x}_imitates_{y}_per_min": "{x} imitates {y} more often",
    "{x}_imitates_{y}_lag_median_s": "{x} imitates {y} later",
    "{x}_phase_correction": "{x} adjusts more to the other",
}


def goal_words(column: str) -> str:
    r"""A measure in the goal picker: its meaning (:data:`PLAIN`, as
    :func:`improv.reports.labels.meaning` says it) and what a higher value means, as one plain
    sentence (``Higher: ...``), or its meaning alone for a measure without :data:`HIGHER`.

    >>> print(goal_words("client|therapist.asynchrony_abs_mean_ms").replace(". ", ".\n"))
    How far apart the two players' notes land, on average, where they play together.
    Higher: notes further apart, less together.
    >>> goal_words("client|therapist.client_leads_share")[-38:]
    'Higher: client leads more of the time.'
    """
    from analysis.features import describe, lookup

    found = lookup(column)
    plain = PLAIN.get(found[0].name) if found else None
    said = plain.format(**found[1]) if plain else describe(column)[1]
    higher = HIGHER.get(found[0].name) if found else None
    text = f"{said}. Higher: {higher.format(**found[1])}." if higher else f"{said}."
    return text[:1].upper() + text[1:]
