"""The pair's activity counts only the time both players are being recorded (dialogue 1.8;
review 29, finding 6): one player's only input, an audio file, ends at 0:19 of a 3:30
session, and the other player's "turn" ran on for 190 s and counted as playing alone."""

import numpy as np
import pytest

from analysis.dialogue import PlayerEvents, analyze_dialogue
from analysis.dialogue.activity import analyze_activity, recorded_mask
from analysis.errors import ParameterError

DURATION, END = 210.0, 19.0


def _call_and_response(end: float = DURATION) -> tuple[np.ndarray, np.ndarray]:
    """A plays 0-3 s of every 6 s, B 3-6 s, over ``[0, end)``: eighth notes."""
    t = np.arange(0.0, end, 0.25)
    phase = np.mod(t, 6.0) < 3.0
    return t[phase], t[~phase]


def _pair(b_recorded=None, *, a_on_after: bool = True):
    """A plays a call-and-response with B to 0:19 and, if ``a_on_after``, on alone to the
    end; B's input is recorded over ``b_recorded``."""
    a, b = _call_and_response(END)
    if a_on_after:
        a = np.concatenate((a, np.arange(END, DURATION, 0.25)))
    b = b[b < END]
    return (PlayerEvents(a, a + 0.2),
            PlayerEvents(b, b + 0.2, recorded=b_recorded))


def test_no_turn_runs_on_past_the_end_of_the_other_recording():
    a, b = _pair((0.0, END))
    act = analyze_activity(a, b, duration=DURATION, names=("client", "therapist"))
    assert act.turns and max(t["end"] for t in act.turns) <= END + 1e-9
    assert all(tr["end"] <= END + 1e-9 for tr in act.transitions)
    s = act.summary
    # 0-19 s: A and B each alone about half of it (notes of 0.2 s, 0.05 s rests: bridged)
    assert s["client_solo_share"] == pytest.approx(0.5, abs=0.06)
    assert s["therapist_solo_share"] == pytest.approx(0.5, abs=0.06)
    shares = s["client_solo_share"] + s["therapist_solo_share"] + s["joint_share"] + \
        s["silent_share"]
    assert shares == pytest.approx(1.0)
    # A's own share is of A's recording (the session), B's of the 19 s B was recorded
    assert s["client_active_share"] > 0.95
    assert s["therapist_active_share"] == pytest.approx(0.5, abs=0.06)
    # the rate is per minute of the shared time: 5 or 6 changes in 19 s
    assert s["floor_transfers_per_min"] == pytest.approx(s["floor_transfers"] / END * 60,
                                                          rel=0.01)
    # curves: no value in a window wholly past B's end; A's own activity is still there
    times, solo = act.curves["client_solo"]
    after = times - 3.0 >= END
    assert np.isnan(solo[after]).all() and np.isfinite(solo[~after]).all()
    assert np.isnan(act.curves["therapist_active"][1][after]).all()
    assert np.nanmin(act.curves["client_active"][1][after]) > 0.9


def test_without_the_recording_known_the_missing_time_was_a_turn():
    """The same pair with B's recording taken as the whole session: B is silent from 0:19,
    and A's last turn runs to 3:30 (what the analysis said before 1.8)."""
    a, b = _pair(None)
    act = analyze_activity(a, b, duration=DURATION, names=("client", "therapist"))
    assert act.turns[-1] == {"player": "client", "start": pytest.approx(END, abs=1.0),
                             "end": DURATION}
    assert act.summary["client_solo_share"] > 0.9


def test_a_recording_that_starts_late_has_no_turn_before_it():
    a, b = _call_and_response()
    late = PlayerEvents(b[b >= 60.0], recorded=(60.0, DURATION))
    act = analyze_activity(PlayerEvents(a), late, duration=DURATION, names=("x", "y"))
    assert min(t["start"] for t in act.turns) >= 60.0
    assert act.summary["x_solo_share"] < 0.6  # not 60 s of A "alone" on top of its turns


def test_no_role_is_suggested_outside_the_shared_time():
    a, b = _pair((0.0, END))
    d = analyze_dialogue(a, b, duration=DURATION, names=("client", "therapist"), tempo=False)
    assert d.roles and max(r["t"] for r in d.roles) < END
    assert not any(r["role"] == "solo" and r["t"] >= END for r in d.roles)
    assert max(t["end"] for t in d.turns) <= END + 1e-9
    assert d.to_dict()["curves"]["joint"]["values"][-1] is None  # null in JSON


def test_a_pair_without_shared_time_has_no_shares():
    a = PlayerEvents(np.arange(0.0, 10.0, 0.5), recorded=(0.0, 10.0))
    b = PlayerEvents(np.arange(20.0, 30.0, 0.5), recorded=(20.0, 30.0))
    s = analyze_activity(a, b, duration=30.0, names=("x", "y")).summary
    assert s["joint_share"] is None and s["silent_share"] is None and s["x_solo_share"] is None
    # x plays 0-9.75 s of its 10 s
    assert s["floor_transfers"] == 0 and s["x_active_share"] == pytest.approx(0.975)


def test_a_recording_of_the_whole_session_changes_nothing():
    """An input whose first samples arrive 20 ms after the session's start, and that ends
    0.3 s before its end, is the whole session (RECORDED_SLACK): every value as without."""
    a, b = _call_and_response(60.0)
    plain = analyze_dialogue(PlayerEvents(a), PlayerEvents(b), duration=60.0, tempo=False)
    near = analyze_dialogue(PlayerEvents(a), PlayerEvents(b, recorded=(0.02, 59.7)),
                            duration=60.0, tempo=False)
    assert near.to_dict() == plain.to_dict()
    assert recorded_mask(PlayerEvents(b, recorded=(0.02, 59.7)), duration=60.0) is None


@pytest.mark.parametrize("recorded", [(5.0, 1.0), (0.0, float("nan")), (1.0,), "ab", 3.0])
def test_a_bad_recorded_span_is_refused(recorded):
    with pytest.raises(ParameterError, match="recorded must be"):
        PlayerEvents(np.array([1.0]), recorded=recorded)


def test_a_stretch_not_recorded_inside_a_recording_is_outside_the_shared_time():
    """Dialogue 1.9: B's keyboard was lost from 0:20 to 0:50 of a 90 s call-and-response
    (B's ``gaps``): A's playing there is no turn of A's, and the shares are over the 60 s both
    were recorded; before, B's lost half minute read as B's silence and A's solo."""
    a, b = _call_and_response(90.0)
    lost = (20.0, 50.0)
    b = b[(b < lost[0]) | (b >= lost[1])]
    plain = analyze_activity(PlayerEvents(a, a + 0.2), PlayerEvents(b, b + 0.2),
                             duration=90.0, names=("client", "therapist"))
    gapped = analyze_activity(PlayerEvents(a, a + 0.2), PlayerEvents(b, b + 0.2, gaps=(lost,)),
                              duration=90.0, names=("client", "therapist"))
    assert any(t["start"] < 25.0 and t["end"] > 45.0 for t in plain.turns)  # the old reading
    for t in gapped.turns:
        assert t["end"] <= lost[0] + 1e-9 or t["start"] >= lost[1] - 1e-9, t
    s = gapped.summary
    assert s["client_solo_share"] == pytest.approx(0.5, abs=0.06)
    assert s["therapist_solo_share"] == pytest.approx(0.5, abs=0.06)
    assert s["therapist_active_share"] == pytest.approx(0.5, abs=0.06)  # of B's 60 s
    # B's lost time read as silence of the pair (A's rests there)
    assert plain.summary["silent_share"] > 0.1 and s["silent_share"] < 0.05
    times, solo = gapped.curves["client_solo"]
    inside = (times - 3.0 >= lost[0]) & (times + 3.0 <= lost[1])
    assert inside.any() and np.isnan(solo[inside]).all()


def test_no_gaps_change_nothing():
    a, b = _call_and_response(60.0)
    plain = analyze_dialogue(PlayerEvents(a), PlayerEvents(b), duration=60.0, tempo=False)
    empty = analyze_dialogue(PlayerEvents(a), PlayerEvents(b, gaps=()), duration=60.0,
                             tempo=False)
    assert empty.to_dict() == plain.to_dict()


@pytest.mark.parametrize("gaps", [((5.0, 1.0),), ((0.0, float("nan")),), (3.0,), "ab"])
def test_bad_gaps_are_refused(gaps):
    with pytest.raises(ParameterError, match="gaps must be"):
        PlayerEvents(np.array([1.0]), gaps=gaps)


def test_who_leads_shares_are_of_the_windows_both_are_recorded():
    """Dialogue 1.9: the leader shares are of the windows with time both are recorded. B copies
    A's changing melody 0.2 s later, recorded only for the first 40 s of a 120 s session: A
    leads in the windows there, which is A's share of them, not of all 115 windows (B's
    absence after 0:40 is no one's leading)."""
    rng = np.random.default_rng(3)
    a = np.cumsum(rng.choice([0.25, 0.5, 0.75], size=400))
    a = a[a < 118.0]
    vel = rng.integers(30, 120, size=a.size).astype(float)
    pit = rng.integers(48, 84, size=a.size).astype(float)
    keep = a + 0.2 < 40.0
    b_on = a[keep] + 0.2

    def run(recorded):
        return analyze_dialogue(
            PlayerEvents(a, a + 0.2, pit, vel),
            PlayerEvents(b_on, b_on + 0.2, pit[keep], vel[keep], recorded=recorded),
            duration=120.0, tempo=False).summary

    diluted, shared = run(None), run((0.0, 40.0))
    assert diluted["client_leads_share"] > 0  # A leads while both play
    starts = np.arange(0.0, 120.0 - 6.0 + 1e-9, 1.0)
    n_within = int(np.sum(starts < 40.0))
    assert shared["client_leads_share"] == pytest.approx(
        diluted["client_leads_share"] * starts.size / n_within, rel=0.05)
    assert shared["client_leads_share"] > 0.5
