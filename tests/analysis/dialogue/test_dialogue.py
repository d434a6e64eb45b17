"""Known-answer tests of analysis.dialogue on constructed duets.

Tolerances are stated per assertion; expected values follow from how each duet is built.
"""

import json
from contextlib import nullcontext

import numpy as np
import pytest

from analysis.dialogue import PlayerEvents, analyze_dialogue
from analysis.dialogue.activity import analyze_activity
from analysis.dialogue.imitation import find_imitations
from analysis.dialogue.synchrony import event_onsets, pair_onsets, phase_correction, phase_locking
from analysis.errors import ParameterError

from .conftest import player, random_phrases

NAMES = ("client", "therapist")


# --- a follower that copies the leader 300 ms later -----------------------------------------

@pytest.mark.parametrize("leader_is_client", [True, False])
def test_copy_300ms_later(rng, leader_is_client):
    on, p, v = random_phrases(rng, 90.0)
    lead = player(on, p, v, dur=0.1)
    # the copy: 300 ms later, with 10 ms timing noise (a human copier is not a delay line)
    follow = player(on + 0.3 + rng.normal(0, 0.01, on.size), p, v, dur=0.1)
    a, b = (lead, follow) if leader_is_client else (follow, lead)
    d = analyze_dialogue(a, b, duration=90.0, names=NAMES, tempo=False)
    s = d.summary
    sign = 1 if leader_is_client else -1
    leader, follower = NAMES if leader_is_client else NAMES[::-1]
    # lag of the session-wide cross-correlation: 0.3 s within one 50 ms frame
    assert s["lead_lag_s"] == pytest.approx(sign * 0.3, abs=0.05)
    assert s["leader"] == leader
    assert s[f"{leader}_leads_share"] >= 0.8 and s[f"{follower}_leads_share"] <= 0.05
    # imitation is found in one direction only, at the constructed lag (±30 ms)
    assert s[f"{follower}_imitates_{leader}_count"] >= 5
    assert s[f"{follower}_imitates_{leader}_lag_median_s"] == pytest.approx(0.3, abs=0.03)
    assert s[f"{leader}_imitates_{follower}_count"] == 0
    # roles: the leader leads, the copier is dependent (follows and only copies)
    both = [r for r in d.roles if r["role"] not in ("solo", "silence")]
    lead_roles = [r["role"] for r in both if r["player"] == leader]
    foll_roles = [r["role"] for r in both if r["player"] == follower]
    assert lead_roles.count("leader") / len(lead_roles) >= 0.8
    assert (foll_roles.count("dependent") + foll_roles.count("follower")) / len(foll_roles) >= 0.8
    assert foll_roles.count("dependent") > foll_roles.count("follower")
    assert all(r["status"] == "suggested" for r in d.roles)


# --- a steady pulse: the lag is ambiguous by whole beats -----------------------------------------

def test_a_copy_later_than_the_lag_range_is_no_lag_and_no_leader(rng):
    """b copies a's phrases 2.6 s later, beyond the ±2 s searched: the correlation rises
    towards the end of the range without a peak inside it. Before dialogue 1.4 the range's end
    was reported as the lag (+2.0 s in 60-80 % of the windows and for the session) and one or
    two confident windows of 58 named a leader."""
    on, pitch, vel = random_phrases(rng, 60.0)
    d = analyze_dialogue(player(on, pitch, vel, dur=0.1), player(on + 2.6, pitch, vel, dur=0.1),
                         duration=63.0, names=NAMES, tempo=False)
    lags = np.asarray(d.curves["lead_lag_s"][1], dtype=float)
    assert np.nanmax(np.abs(lags)) < 1.99 and np.isnan(lags).mean() > 0.5
    assert d.summary["lead_lag_s"] is None and d.summary["lead_lag_density_s"] is None
    assert d.summary["leader"] == "none" and on.size > 100


def test_two_metronomes_play_together():
    beats = np.arange(0.25, 60.0, 0.5)  # 120 BPM, both
    d = analyze_dialogue(player(beats, dur=0.1), player(beats, dur=0.1), duration=60.0,
                         names=NAMES, tempo=False)
    s = d.summary
    # equal correlation peaks every 0.5 s: the one at lag 0 is taken, not one at +-2 s
    assert np.nanmax(np.abs(d.curves["lead_lag_s"][1])) < 0.1
    assert s["leader"] == "together" and s["client_leads_share"] == 0
    assert s["therapist_leads_share"] == 0


def test_a_steady_offset_of_a_beat_fraction_names_no_leader():
    """b plays 0.3 s after each of a's beats at 120 BPM, which is also 0.2 s before a's next
    beat: from the onsets alone either could lead, so no window is confidently led (before
    dialogue 1.3: b "led" at -1.7 s with full confidence in 92 % of the windows)."""
    beats = np.arange(0.25, 60.0, 0.5)
    d = analyze_dialogue(player(beats, dur=0.1), player(beats + 0.3, dur=0.1), duration=60.0,
                         names=NAMES, tempo=False)
    lags = d.curves["lead_lag_s"][1]
    assert np.nanmax(np.abs(lags)) <= 0.3 + 0.05  # the nearest of the tied peaks
    # no window in the steady middle is confident either way (the first and the last may be:
    # there one player starts or stops first)
    assert np.nanmax(np.abs(d.curves["lead"][1][1:-1])) < 0.5
    assert d.summary["client_leads_share"] <= 0.05 and d.summary["therapist_leads_share"] <= 0.05


def test_tempo_changes_under_the_estimators_precision_are_no_course_to_couple():
    """Both keep one tempo that wobbles by ±0.3 %, under the tempo curve's own precision (about
    1 %): there is no tempo course to correlate (r was 1.0 before dialogue 1.3)."""
    ioi = 0.5 * (1 + 0.003 * np.sin(np.arange(200) / 10.0))
    beats = 0.25 + np.concatenate(([0.0], np.cumsum(ioi)))[:119]
    d = analyze_dialogue(player(beats, dur=0.1), player(beats + 0.02, dur=0.1), duration=60.0,
                         names=NAMES)
    assert d.summary["tempo_coupling_r"] is None
    assert d.summary["shared_pulse_share"] > 0.9


def test_a_fast_run_is_many_events_not_one_chord(rng):
    """Notes 6 ms apart for a minute: each 50 ms starts a new event (they chained into one)."""
    a = np.sort(rng.uniform(0.0, 60.0, 10000))
    b = np.sort(rng.uniform(0.0, 60.0, 10000))
    d = analyze_dialogue(player(a, dur=0.01), player(b, dur=0.01), duration=60.0, names=NAMES,
                         tempo=False)
    assert d.summary["n_pairs"] > 500
    assert d.summary["client_n_events"] == 10000  # the raw notes, as before


# --- call and response ------------------------------------------------------------------------

# a gap of 0.5 s / an overlap of 0.3 s between turns
@pytest.mark.parametrize("offset", [0.5, -0.3])
def test_call_and_response_turns(offset):
    n_cycles, turn = 6, 4.0
    a_on, b_on = [], []
    t = 0.0
    for _ in range(n_cycles):
        # 16 legato notes of 0.25 s: the turn ends at t + 4
        a_on += list(t + np.arange(0, turn, 0.25))
        t = t + turn + offset
        b_on += list(t + np.arange(0, turn, 0.25))
        t = t + turn + offset
    duration = t + 1.0
    d = analyze_activity(player(a_on, dur=0.25), player(b_on, dur=0.25), duration=duration,
                         names=NAMES)
    s = d.summary
    # every turn change is a floor transfer: 2 per cycle minus the last
    assert s["floor_transfers"] == 2 * n_cycles - 1
    assert s["client_turns"] == n_cycles and s["therapist_turns"] == n_cycles
    if offset > 0:
        assert s["gap_count"] == 2 * n_cycles - 1 and s["overlap_count"] == 0
        assert s["gap_mean_s"] == pytest.approx(0.5, abs=0.02)  # grid step 10 ms
        assert s["joint_share"] == pytest.approx(0.0, abs=1e-9)
    else:
        assert s["overlap_count"] == 2 * n_cycles - 1 and s["gap_count"] == 0
        assert s["overlap_mean_s"] == pytest.approx(0.3, abs=0.02)
        assert s["fto_median_s"] == pytest.approx(-0.3, abs=0.02)
    # solo time: each turn is 4 s minus the overlaps (the tail of the session is silent)
    solo = s["client_solo_share"] + s["therapist_solo_share"]
    expected_solo = (2 * n_cycles * turn - max(-offset, 0) * 2 * (2 * n_cycles - 1)) / duration
    assert solo == pytest.approx(expected_solo, abs=0.01)


def test_playing_together_throughout_is_no_turn_taking():
    """Both play the same beat for 90 s, one starting 10 ms before the other and ringing
    40 ms after: no turns (since dialogue 1.7.0). Before, the 10 ms alone were a "turn", and the
    duet read one turn change through an overlap of 90 s, with turns of 0.01 and 0.05 s."""
    on = np.arange(1.0, 91.0, 0.5)
    d = analyze_activity(player(on, dur=0.3), player(on + 0.01, dur=0.33), duration=95.0,
                         names=NAMES)
    s = d.summary
    assert s["joint_share"] > 0.9
    assert s["floor_transfers"] == 0 and s["client_turns"] == 0 and s["therapist_turns"] == 0
    assert s["overlap_mean_s"] is None and s["fto_median_s"] is None
    assert s["client_turn_mean_s"] is None and d.turns == [] and d.transitions == []
    # the shares are the grid's, as before: the 10 ms alone are still solo time
    assert 0.0 < s["client_solo_share"] < 0.001


def test_a_short_solo_between_turns_is_no_turn():
    """A plays alone 5 s, rests 1.5 s, in which B plays one note of 0.5 s, and goes on 5 s: one
    turn of A through a pause, not three turns and two turn changes (before dialogue 1.7.0)."""
    a_on = list(np.arange(0.0, 5.0, 0.25)) + list(np.arange(6.5, 11.5, 0.25))
    d = analyze_activity(player(a_on, dur=0.25), player([5.3], dur=0.5), duration=12.0,
                         names=NAMES)
    s = d.summary
    assert s["client_turns"] == 1 and s["therapist_turns"] == 0 and s["floor_transfers"] == 0
    assert d.turns[0]["start"] == 0.0 and d.turns[0]["end"] == pytest.approx(11.5, abs=0.02)
    assert s["pause_count"] == 1 and s["gap_count"] == 0
    # a second of B's playing alone is a turn, and the floor passes twice
    d = analyze_activity(player(a_on, dur=0.25), player([5.05, 5.5], dur=0.6), duration=12.0,
                         names=NAMES)
    assert d.summary["therapist_turns"] == 1 and d.summary["floor_transfers"] == 2


def test_call_and_response_roles_alternate():
    # 6 s turns analysed with 3 s windows: windows inside a turn are solo/silence
    a_on, b_on = [], []
    for k in range(5):
        a_on += list(12 * k + np.arange(0, 6, 0.25))
        b_on += list(12 * k + 6 + np.arange(0, 6, 0.25))
    d = analyze_dialogue(player(a_on, dur=0.2), player(b_on, dur=0.2), duration=60.0, window=3.0,
                         hop=1.0, names=NAMES, tempo=False)
    for r in d.roles:
        if r["player"] != "client":
            continue
        c = r["t"] + 1.5
        in_client_turn = (c % 12) < 6
        if abs(c % 6 - 3) < 1.6 and abs(c % 6) > 0.01:  # window wholly inside one turn
            assert r["role"] == ("solo" if in_client_turn else "silence"), r


# --- lock-step ---------------------------------------------------------------------------------

def test_lock_step(rng):
    # a shared timeline at 120 BPM with slow tempo drift; each player adds 15 ms motor noise
    n = 240
    grid = np.cumsum(0.5 * (1 + 0.1 * np.sin(np.arange(n) / 20)))
    vel = rng.integers(40, 110, n)
    pitch = rng.integers(50, 75, n)
    a = player(grid + rng.normal(0, 0.015, n), pitch, vel, dur=0.3)
    b = player(grid + 0.02 + rng.normal(0, 0.015, n), pitch, vel, dur=0.3)
    d = analyze_dialogue(a, b, duration=float(grid[-1]) + 1.0, names=NAMES)
    s = d.summary
    assert s["n_pairs"] >= 0.95 * n
    # constructed +20 ms, sd of mean ~1.4 ms
    assert s["asynchrony_mean_ms"] == pytest.approx(20.0, abs=5.0)
    assert s["asynchrony_sd_ms"] == pytest.approx(15 * np.sqrt(2), abs=5.0)
    assert s["phase_locking"] >= 0.9
    assert abs(s["lead_lag_s"]) < 0.1
    assert s["client_leads_share"] <= 0.1 and s["therapist_leads_share"] <= 0.1
    assert s["joint_share"] >= 0.9
    assert s["shared_pulse_share"] >= 0.8
    assert s["tempo_coupling_r"] >= 0.8  # both follow the same drift
    roles = [r["role"] for r in d.roles]
    assert roles.count("partner") / len(roles) >= 0.8
    assert s["client_imitates_therapist_count"] + s["therapist_imitates_client_count"] == 0


# --- ignoring each other ------------------------------------------------------------------------

def test_players_ignoring_each_other(rng):
    duration = 120.0
    # two steady but unrelated pulses (100 and 137 BPM), 20 ms jitter each, unrelated dynamics
    a_on = np.arange(0.1, duration, 0.6) + rng.normal(0, 0.02, np.arange(0.1, duration, 0.6).size)
    b_on = np.arange(0.37, duration, 60 / 137) + rng.normal(
        0, 0.02, np.arange(0.37, duration, 60 / 137).size)
    a = player(np.sort(a_on), rng.integers(50, 70, a_on.size), rng.integers(30, 120, a_on.size),
               dur=0.2)
    b = player(np.sort(b_on), rng.integers(60, 80, b_on.size), rng.integers(30, 120, b_on.size),
               dur=0.2)
    d = analyze_dialogue(a, b, duration=duration, names=NAMES)
    s = d.summary
    assert s["phase_locking"] < 0.2
    assert s["shared_pulse_share"] <= 0.1
    assert s["client_leads_share"] <= 0.15 and s["therapist_leads_share"] <= 0.15
    assert s["client_phase_correction"] is None  # not estimated without phase locking
    roles = [r["role"] for r in d.roles]
    assert (roles.count("partner") + roles.count("leader") + roles.count("follower")
            + roles.count("dependent")) / len(roles) <= 0.3
    assert roles.count("resister") / len(roles) >= 0.6
    # never accepted at the default threshold (0.5): the measures cannot tell ignoring from
    # opposing
    assert max(r["confidence"] for r in d.roles if r["role"] == "resister") < 0.5


# --- synchrony building blocks ------------------------------------------------------------------

def test_pairing_is_mutual_and_bounded():
    a = np.array([0.0, 1.0, 2.0, 3.0])
    b = np.array([0.04, 1.5, 1.96, 3.3])
    ia, ib = pair_onsets(a, b, tolerance=0.25)
    assert ia.tolist() == [0, 2] and ib.tolist() == [0, 2]
    assert event_onsets(np.array([1.0, 0.0, 1.03, 2.0])).tolist() == [0.0, 1.0, 2.0]


def test_phase_correction_recovers_constructed_gains(rng):
    # b corrects half of its asynchrony to a at every beat; a ignores b (Vorberg & Wing model)
    n, T = 400, 0.5
    a, b = np.zeros(n), np.zeros(n)
    b[0] = 0.02
    for k in range(n - 1):
        a[k + 1] = a[k] + T + rng.normal(0, 0.015)
        b[k + 1] = b[k] + T - 0.5 * (b[k] - a[k]) + rng.normal(0, 0.015)
    ia, ib = pair_onsets(a, b)
    alpha_a, alpha_b = phase_correction(a, b, ia, ib)
    assert alpha_a == pytest.approx(0.0, abs=0.1)
    assert alpha_b == pytest.approx(0.5, abs=0.1)
    assert phase_locking(a, b) > 0.9


def test_imitation_transposed_answer_and_pulse_is_not_a_pattern():
    motif_t = np.array([0.0, 0.25, 0.375, 0.75, 1.25])
    motif_p = np.array([60, 62, 64, 67, 60])
    a = player(np.concatenate([motif_t, 10 + motif_t]), np.concatenate([motif_p, motif_p]))
    b = player(np.concatenate([2 + motif_t, 30 + motif_t]), np.concatenate([motif_p + 5, motif_p]))
    eps = find_imitations(a, b)
    assert len(eps) == 1  # the answer 2 s later; the copy at t=30 is 20 s later (beyond 4 s)
    assert eps[0]["lag_s"] == pytest.approx(2.0) and eps[0]["kind"] == "rhythmic+melodic"
    assert find_imitations(b, a) == []  # a played it first
    pulse = np.arange(0, 8, 0.5)
    assert find_imitations(player(pulse, np.full(16, 60)),
                           player(pulse + 0.5, np.full(16, 60))) == []


# --- edge cases ---------------------------------------------------------------------------------

def test_both_players_empty():
    d = analyze_dialogue(PlayerEvents.empty(), PlayerEvents.empty(), duration=30.0, names=NAMES)
    assert d.summary["status"] == "empty"
    assert d.summary["silent_share"] == 1.0 and d.summary["n_pairs"] == 0
    assert d.summary["asynchrony_mean_ms"] is None and d.summary["lead_lag_s"] is None
    assert {r["role"] for r in d.roles} == {"silence"}
    json.dumps(d.to_dict(), allow_nan=False)


def test_one_player_empty(rng):
    on, p, v = random_phrases(rng, 30.0)
    d = analyze_dialogue(player(on, p, v), PlayerEvents.empty(), duration=30.0, names=NAMES)
    assert d.summary["status"] == "one player"
    assert d.summary["therapist_active_share"] == 0.0
    assert d.summary["floor_transfers"] == 0
    roles = {r["role"] for r in d.roles if r["player"] == "therapist"}
    assert roles == {"silence"}
    assert {r["role"] for r in d.roles if r["player"] == "client"} <= {"solo", "silence"}
    json.dumps(d.to_dict(), allow_nan=False)


def test_three_second_session(rng):
    a = player([0.1, 0.5, 1.0, 2.0])
    b = player([0.12, 0.52, 1.3])
    d = analyze_dialogue(a, b, duration=3.0, names=NAMES)
    assert d.summary["status"] == "too short"
    assert d.roles == []
    assert all(t.size == 0 and v.size == 0 for t, v in d.curves.values())
    assert d.summary["n_pairs"] == 2  # session summaries still exist
    json.dumps(d.to_dict(), allow_nan=False)


def test_events_after_duration_are_dropped():
    d = analyze_dialogue(player([1.0, 50.0]), player([1.0]), duration=10.0, names=NAMES,
                         tempo=False)
    assert d.summary["client_n_events"] == 1


@pytest.mark.parametrize("kwargs, ctx", [
    ({"window": -1.0}, pytest.raises(ParameterError, match="window")),
    ({"window": 6.0, "hop": 7.0}, pytest.raises(ParameterError, match="hop")),
    ({"duration": -5.0}, pytest.raises(ParameterError, match="duration")),
    ({"names": ("x", "x")}, pytest.raises(ParameterError, match="names")),
    ({"names": ("x",)}, pytest.raises(ParameterError, match="names")),
    ({}, nullcontext()),
])
def test_parameter_errors(kwargs, ctx):
    kw = {"duration": 10.0, "tempo": False, **kwargs}
    with ctx:
        analyze_dialogue(player([1.0, 2.0]), player([1.1]), **kw)


@pytest.mark.parametrize("build, match", [
    (lambda: PlayerEvents(np.array([1.0, 2.0]), pitches=np.array([60])), "pitches"),
    (lambda: PlayerEvents(np.array([1.0]), offsets=np.array([0.5])), "offsets"),
    (lambda: PlayerEvents(np.array([[1.0]])), "onsets"),
    (lambda: PlayerEvents(np.array([np.nan])), "onsets"),
])
def test_player_events_validation(build, match):
    with pytest.raises(ParameterError, match=match):
        build()


def test_wrong_player_type():
    with pytest.raises(TypeError, match="PlayerEvents"):
        analyze_dialogue(np.array([1.0]), PlayerEvents.empty(), duration=10.0)


def test_random_players_are_not_suggested_as_partners_by_chance_locking():
    """Two independent random players: phase locking of a few events often exceeds 0.5 by
    chance; the Rayleigh check keeps such windows from being called a partnership."""
    import collections

    roles = collections.Counter()
    locked = 0
    for seed in range(4):
        rng = np.random.default_rng(seed)
        a, b = (np.sort(rng.uniform(0, 120, rng.poisson(1.0 * 120))) for _ in range(2))
        d = analyze_dialogue(PlayerEvents(a, offsets=a + 0.2), PlayerEvents(b, offsets=b + 0.2),
                             duration=120.0, tempo=False)
        roles.update(r["role"] for r in d.roles)
        locked += int(np.sum(d.curves["phase_locking"][1] >= 0.5))
    assert locked > 20  # chance alone gives high locking in some windows...
    assert roles["partner"] / sum(roles.values()) < 0.02  # ...but no partnership


def test_rayleigh_p_is_uniform_under_chance():
    from analysis.dialogue.synchrony import rayleigh_p

    rng = np.random.default_rng(3)
    for n in (5, 20):
        ph = rng.uniform(0, 2 * np.pi, (4000, n))
        r = np.abs(np.exp(1j * ph).mean(axis=1))
        p = np.array([rayleigh_p(x, n) for x in r])
        assert np.mean(p < 0.05) == pytest.approx(0.05, abs=0.015)  # a valid test
    assert rayleigh_p(0.95, 10) < 1e-3 and np.isnan(rayleigh_p(0.5, 0))


def test_a_drum_kit_does_not_imitate_melodies():
    """A drummer on the GM percussion channel repeats snare-tom patterns; a pianist plays a
    scale. Drum note numbers are no pitches, so no melodic imitation is found between them."""
    from analysis.convert import NoteTable
    from analysis.dialogue.imitation import find_imitations

    tp = np.arange(0.0, 30.0, 0.5)
    piano = NoteTable.from_arrays(tp, tp + 0.4, 60 + np.arange(tp.size) % 12,
                                  np.full(tp.size, 80))
    td = tp + 0.3  # a drum hit after every piano note, its note number rising with it
    kit = NoteTable.from_arrays(td, td + 0.05, 38 + np.arange(td.size) % 12,
                                np.full(td.size, 90), np.full(td.size, 9))
    drums = PlayerEvents.from_notes(kit)
    assert drums.pitches is None
    assert not [e for e in find_imitations(PlayerEvents.from_notes(piano), drums)
                if "melodic" in e["kind"]]


def test_independent_players_with_a_shared_vocabulary_rarely_imitate_by_chance(phrases):
    """Two players who never hear each other, both playing phrases built from the same four
    note values: every episode between them is chance. Before the chance test (dialogue 1.2)
    this found about 5 episodes per minute; the chance test keeps CHANCE_P per model pattern,
    which the bench (bench/imitation_chance.py) puts at 0.25 per minute for this playing."""
    rng = np.random.default_rng(11)
    minutes = 5.0
    a_on, a_p, a_v = phrases(rng, minutes * 60)
    b_on, b_p, b_v = phrases(rng, minutes * 60)
    a, b = player(a_on, a_p, a_v, dur=0.1), player(b_on, b_p, b_v, dur=0.1)
    eps = find_imitations(a, b) + find_imitations(b, a)
    assert len(eps) / minutes < 1.0
    from analysis.dialogue.imitation import CHANCE_P

    assert all(0.0 <= e["p_chance"] <= CHANCE_P for e in eps)


def test_a_habitual_rhythm_is_no_imitation_but_a_long_copy_is():
    """b plays one rhythm (two eighths, a quarter, two eighths) every 10 s throughout; when a
    plays that rhythm and b answers with it 3 s later, b did what it always does, not imitation.
    A copy of a's eight-note phrase of a rhythm b never plays is."""
    habit = np.array([0.0, 0.25, 0.5, 1.0, 1.25])
    b_on = np.concatenate([t + habit for t in np.arange(0.0, 300.0, 10.0)])
    a_on = 107.0 + habit  # a plays b's habit; b's next one starts 3 s later, at 110
    pitched = {"pitches": None}
    a, b = player(a_on, **pitched), player(b_on, **pitched)
    assert find_imitations(a, b) == []
    # a's own eight-note phrase at 203 s, copied by b 1.5 s later (b's habit moved out of the way)
    phrase = np.array([0.0, 0.1, 0.4, 0.55, 1.15, 1.3, 1.45, 2.05])
    a2 = player(np.concatenate([a_on, 203.0 + phrase]))
    b2_on = np.sort(np.concatenate([b_on[(b_on < 199.0) | (b_on > 210.0)], 204.5 + phrase]))
    eps = find_imitations(a2, player(b2_on))
    assert len(eps) == 1
    assert eps[0]["lag_s"] == pytest.approx(1.5) and eps[0]["kind"] == "rhythmic"
    assert eps[0]["n_patterns"] == phrase.size - 3


def test_windows_without_a_pulse_are_no_tempo_not_zero(rng):
    """Analysis 1.8: a window without a clear pulse has no tempo (NaN in the curve, None in
    JSON), not 0.0; shared pulse and tempo ratio only count windows where both have one."""
    beats = np.arange(0.25, 40.0, 0.5)  # 120 BPM for 40 s
    n = beats.size
    a = player(beats + rng.normal(0, 0.01, n), np.full(n, 60), np.full(n, 80), dur=0.2)
    # b plays the same beat for 20 s, then three scattered notes: no pulse there
    tb = np.concatenate([beats[beats < 20.0], [24.3, 31.1, 37.9]])
    b = player(tb + 0.02, np.full(tb.size, 64), np.full(tb.size, 80), dur=0.2)
    d = analyze_dialogue(a, b, duration=40.0, names=NAMES)
    times, bpm_b = d.curves["therapist_tempo_bpm"]
    _, shared = d.curves["shared_pulse"]
    late = times > 30.0
    assert late.any() and np.all(np.isnan(bpm_b[late]))  # no value, not 0.0
    assert np.all(shared[late] == 0.0)
    assert np.nanmedian(bpm_b[times < 15.0]) == pytest.approx(120.0, rel=0.04)
    assert d.summary["tempo_ratio_median"] == pytest.approx(1.0, abs=0.04)
    assert 0.2 < d.summary["shared_pulse_share"] < 0.8
