"""Lead and follow from timing (analysis.dialogue.coupling): constructed pairs with known gains."""

import numpy as np
import pytest

from analysis.dialogue import analyze_dialogue
from analysis.dialogue.coupling import (
    ALPHA_RANGE,
    _robust,
    _split,
    analyze_coupling,
    beat_pairs,
    decide,
    fit_alphas,
)
from analysis.dialogue.events import PlayerEvents

NAMES = ("client", "therapist")


def human_like(rng, n=300, period=0.5):
    """A leader: slowly wandering tempo plus 20 ms interval noise (seconds, from 1 s)."""
    tempo = period * (1 + 0.05 * np.sin(np.arange(n) / 40.0))
    return 1.0 + np.cumsum(tempo + rng.normal(0, 0.02, n))


def couple(rng, lead, alpha_f, alpha_l=0.0, noise=0.012):
    """Follower copies the leader's intervals (``noise`` s) and corrects ``alpha_f`` of the last
    asynchrony; the leader corrects ``alpha_l`` of it (0: one-way)."""
    iois = np.diff(lead)
    a, b = np.empty(lead.size), np.empty(lead.size)
    a[0], b[0] = lead[0], lead[0] + rng.normal(0, noise)
    for k in range(lead.size - 1):
        asyn = b[k] - a[k]
        a[k + 1] = a[k] + iois[k] + alpha_l * asyn
        b[k + 1] = b[k] + iois[k] + rng.normal(0, noise) - alpha_f * asyn
    return a, b


@pytest.mark.parametrize("alpha", [0.3, 0.5, 0.8])
@pytest.mark.parametrize("leader_is_client", [True, False])
def test_one_way_coupling_names_the_leader(rng, alpha, leader_is_client):
    a, b = couple(rng, human_like(rng), alpha)
    if not leader_is_client:
        a, b = b, a
    r = analyze_coupling(PlayerEvents(a), PlayerEvents(b), duration=float(max(a[-1], b[-1])) + 1,
                         names=NAMES)
    s = r.summary
    lead, follow = NAMES if leader_is_client else NAMES[::-1]
    assert s["timing_leader"] == lead and s["timing_confidence"] >= 0.9
    assert s[f"{follow}_alpha"] == pytest.approx(alpha, abs=0.15)  # stated tolerance
    assert s[f"{lead}_alpha"] <= 0.15
    assert s[f"{follow}_alpha_lo"] <= s[f"{follow}_alpha"] <= s[f"{follow}_alpha_hi"]


def test_the_session_leader_and_roles_use_timing(rng):
    a, b = couple(rng, human_like(rng), 0.6)
    d = analyze_dialogue(PlayerEvents(a), PlayerEvents(b), duration=float(b[-1]) + 1,
                         names=NAMES, tempo=False)
    assert d.summary["leader"] == "client"
    assert d.summary["leader_basis"].startswith("timing")
    roles = [r for r in d.roles if r["player"] == "therapist"]
    assert sum(r["role"] in ("follower", "dependent") for r in roles) / len(roles) >= 0.3
    assert sum(r["role"] == "leader" for r in roles) / len(roles) <= 0.05


def test_uncoupled_players_name_no_leader(rng):
    for _ in range(4):
        a, b = human_like(rng), human_like(rng) + 0.1  # same tempo, no coupling
        r = analyze_coupling(PlayerEvents(a), PlayerEvents(b), duration=float(b[-1]) + 1,
                             names=NAMES)
        assert r.summary["timing_leader"] in ("unclear", "together", "none")


def test_two_way_coupling_recovers_both_gains(rng):
    a, b = couple(rng, human_like(rng, n=500), alpha_f=0.6, alpha_l=0.2)
    s = analyze_coupling(PlayerEvents(a), PlayerEvents(b), duration=float(b[-1]) + 1,
                         names=NAMES).summary
    assert s["client_alpha"] == pytest.approx(0.2, abs=0.12)  # stated tolerance
    assert s["therapist_alpha"] == pytest.approx(0.6, abs=0.15)
    assert s["timing_leader"] == "client"  # adapts less


def test_noise_keeps_alpha_in_range(rng):
    # outlier intervals (fills: 10 % of the follower's onsets pushed 80-150 ms) and heavy
    # timing noise: gains stay within the range, the follower's is still the larger
    a, b = couple(rng, human_like(rng), 0.5, noise=0.03)
    hit = rng.random(b.size) < 0.1
    b = np.sort(b + hit * rng.choice([-1, 1], b.size) * rng.uniform(0.08, 0.15, b.size))
    s = analyze_coupling(PlayerEvents(a), PlayerEvents(b), duration=float(b[-1]) + 1,
                         names=NAMES).summary
    for name in NAMES:
        assert ALPHA_RANGE[0] <= s[f"{name}_alpha_lo"] <= s[f"{name}_alpha"] \
            <= s[f"{name}_alpha_hi"] <= ALPHA_RANGE[1]
    assert s["therapist_alpha"] > s["client_alpha"]
    assert s["timing_leader"] in ("client", "unclear")


def test_too_few_beats_is_no_estimate(rng):
    a = np.arange(1.0, 8.0, 0.5)
    s = analyze_coupling(PlayerEvents(a), PlayerEvents(a + 0.01), duration=10.0,
                         names=NAMES).summary
    assert s["timing_leader"] == "none" and s["client_alpha"] is None


def test_the_asynchrony_fixes_the_sum_of_the_gains(rng):
    # a leader with 35 ms expressive interval noise (as the Jazz-Jitter performers): the split
    # is noisy, but the AR(1) of the asynchrony gives alpha_a + alpha_b tightly
    lead = 1.0 + np.cumsum(0.5 + rng.normal(0, 0.035, 300))
    for al, af in ((0.0, 0.3), (0.2, 0.5), (0.0, 0.8)):
        a, b = couple(rng, lead, alpha_f=af, alpha_l=al)
        fit = fit_alphas(beat_pairs(a, b), n_boot=50)
        assert fit["alpha_sum"] == pytest.approx(al + af, abs=0.08)
        assert fit["alpha"].sum() == pytest.approx(fit["alpha_sum"], abs=1e-9)


def test_the_sum_is_split_by_the_positive_slopes():
    assert _split(np.array(0.6), np.array([-0.1, 0.3])) == pytest.approx([0.0, 0.6])
    assert _split(np.array(0.6), np.array([0.1, 0.3])) == pytest.approx([0.15, 0.45])
    assert _split(np.array(0.6), np.array([-0.1, -0.2])) == pytest.approx([0.0, 0.0])
    assert _split(np.array(1.9), np.array([0.0, 1.0])) == pytest.approx([0.0, 1.0])  # bounded


def test_decide_names_the_player_who_does_not_adapt(rng):
    near0 = np.clip(rng.normal(0.05, 0.1, 400), 0, 1)  # lower bound 0: does not clearly adapt
    clear = rng.normal(0.5, 0.05, 400)
    assert decide(np.array([0.05, 0.5]), np.column_stack([near0, clear]),
                  names=NAMES)[0] == "client"
    assert decide(np.array([0.5, 0.05]), np.column_stack([clear, near0]),
                  names=NAMES)[0] == "therapist"
    assert decide(np.array([0.05, 0.05]), np.column_stack([near0, near0[::-1]]),
                  names=NAMES)[0] == "unclear"
    assert decide(np.array([0.5, 0.5]), np.column_stack([clear, clear[::-1]]),
                  names=NAMES)[0] == "together"


def test_far_off_intervals_get_no_weight(rng):
    # Huber keeps k/|r| of an interval 20 robust sd off; the bisquare after it gives it 0, and
    # the slope comes from the regular beats
    x = rng.normal(0, 0.015, 200)
    y = 0.4 * x + rng.normal(0, 0.005, 200)
    far = np.arange(0, 200, 20)
    y[far] += 0.1  # fills: 100 ms late
    w = _robust(x, y)
    assert np.all(w[far] == 0.0)
    assert np.median(np.delete(w, far)) > 0.9
    keep = w > 0
    slope = np.polyfit(x[keep], y[keep], 1, w=np.sqrt(w[keep]))[0]
    assert slope == pytest.approx(0.4, abs=0.05)


def test_exact_timing_keeps_the_huber_weights():
    x = np.tile([0.0, 0.01, -0.01], 20)
    w = _robust(x, 0.5 * x)  # no residual at all: nothing to reject
    assert np.all(np.isfinite(w)) and w.sum() >= 3


def test_heavy_tailed_leader_timing_keeps_the_follower_larger():
    # a leader with heavy-tailed expressive timing (Student t, 3 dof, 25 ms scale, as the
    # Jazz-Jitter performers' excess kurtosis ~3): over 12 pairs at alpha 0.3 the follower's
    # gain is the larger in at least 10, and the leader's median gain stays below 0.1
    rng = np.random.default_rng(11)
    lead_alpha, fol_alpha = [], []
    for _ in range(12):
        lead = 1.0 + np.cumsum(0.5 + 0.025 * rng.standard_t(3, 250))
        a, b = couple(rng, lead, 0.3)
        fit = fit_alphas(beat_pairs(a, b), n_boot=10)
        lead_alpha.append(fit["alpha"][0])
        fol_alpha.append(fit["alpha"][1])
    assert np.sum(np.array(fol_alpha) > np.array(lead_alpha)) >= 10
    assert np.median(lead_alpha) < 0.1
    assert np.median(fol_alpha) == pytest.approx(0.3, abs=0.1)


def test_a_window_without_weight_has_no_slope_and_no_warning():
    """A window whose weights sum to 0 (no weighted pair in it) gives NaN, silently: the
    division warned on the therapist's terminal during `analyze --all` (review 33, F11)."""
    import warnings

    from analysis.dialogue.coupling import _wls

    x = np.array([[0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 3.0]])
    y = np.array([[0.0, 2.0, 4.0, 6.0], [1.0, 1.0, 1.0, 1.0]])
    w = np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _wls(x, y, w)
    assert got[0] == pytest.approx(2.0) and np.isnan(got[1])
