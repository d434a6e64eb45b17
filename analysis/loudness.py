"""Level ticks and loudness after ITU-R BS.1770-4 and EBU R128 / Tech 3342.

The K-weighting filter's coefficients (pyloudnorm's designs, bit for bit, without importing
it), and loudness from K-weighted mean squares per 100 ms tick (:data:`TICK`): momentary
(400 ms blocks, 75 % overlap, also the integrated-loudness gating blocks), short-term (3 s),
gated integrated loudness and loudness range. :class:`analysis.audio.AudioAnalyzer` filters
and sums the ticks while it streams.
"""

from __future__ import annotations

import numpy as np

from .windows import json_number as _num
from .windows import window_means

__all__ = ["TICK", "playing_blocks"]

#: Level/loudness tick [seconds]: the 75 % overlap hop of the BS.1770 400 ms blocks.
TICK = 0.1


def _rbj_biquad(kind: str, *, gain_db: float, q: float, fc: float, sr: int) -> np.ndarray:
    """One normalised biquad ``[b0, b1, b2, 1, a1, a2]`` from the RBJ Audio EQ Cookbook.

    The float operations of pyloudnorm's ``IIRfilter.generate_coefficients`` (the designs its
    BS.1770 ``Meter`` uses), so the coefficients are bit-identical to pyloudnorm's (checked in
    the tests) without importing it (it imports scipy.signal, ~0.7 s per process).
    """
    a_ = 10 ** (gain_db / 40.0)
    w0 = 2.0 * np.pi * (fc / sr)
    alpha = np.sin(w0) / (2.0 * q)
    if kind == "high_shelf":
        b0 = a_ * ((a_ + 1) + (a_ - 1) * np.cos(w0) + 2 * np.sqrt(a_) * alpha)
        b1 = -2 * a_ * ((a_ - 1) + (a_ + 1) * np.cos(w0))
        b2 = a_ * ((a_ + 1) + (a_ - 1) * np.cos(w0) - 2 * np.sqrt(a_) * alpha)
        a0 = (a_ + 1) - (a_ - 1) * np.cos(w0) + 2 * np.sqrt(a_) * alpha
        a1 = 2 * ((a_ - 1) - (a_ + 1) * np.cos(w0))
        a2 = (a_ + 1) - (a_ - 1) * np.cos(w0) - 2 * np.sqrt(a_) * alpha
    elif kind == "high_pass":
        b0 = (1 + np.cos(w0)) / 2
        b1 = -(1 + np.cos(w0))
        b2 = (1 + np.cos(w0)) / 2
        a0 = 1 + alpha
        a1 = -2 * np.cos(w0)
        a2 = 1 - alpha
    else:  # pragma: no cover - internal
        raise ValueError(f"kind must be 'high_shelf' or 'high_pass', got {kind!r}")
    b = np.array([b0, b1, b2]) / a0
    a = np.array([a0, a1, a2]) / a0
    return np.concatenate([b / a[0], a / a[0]])


def _k_weighting_sos(sr: int) -> np.ndarray:
    """Second-order sections of the BS.1770-4 K-weighting (pre-filter + RLB high-pass) at ``sr``.

    Coefficients follow pyloudnorm's IIR designs (the same ones its Meter uses), so they are
    exact at 48 kHz and follow the analogue prototype at other rates.
    """
    # pyloudnorm Meter: high shelf +4 dB at 1.5 kHz (Q 1/sqrt 2), high-pass at 38 Hz (Q 0.5)
    return np.asarray([_rbj_biquad("high_shelf", gain_db=4.0, q=1 / np.sqrt(2), fc=1500.0, sr=sr),
                       _rbj_biquad("high_pass", gain_db=0.0, q=0.5, fc=38.0, sr=sr)])


def _lufs(ms: np.ndarray) -> np.ndarray:
    """BS.1770 loudness [LUFS] of K-weighted mean squares (mono, channel weight 1)."""
    with np.errstate(divide="ignore"):
        return -0.691 + 10.0 * np.log10(np.maximum(ms, 1e-20))


def _running_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Means of ``n`` consecutive ticks (block ending at each tick index >= n-1)."""
    if x.size < n:
        return np.zeros(0)
    c = np.concatenate(([0.0], np.cumsum(x)))
    return (c[n:] - c[:-n]) / n


def _integrated(momentary_ms: np.ndarray, *, keep: np.ndarray | None = None) -> float | None:
    """BS.1770-4 gated integrated loudness from 400 ms block mean squares (75 % overlap).

    ``keep`` (bool per block, since 1.21.0): the blocks of the playing; the others are left out
    before BS.1770's gates (:func:`playing_blocks`)."""
    if keep is not None:
        momentary_ms = momentary_ms[keep]
    lk = _lufs(momentary_ms)
    g = momentary_ms[lk > -70.0]  # absolute gate -70 LUFS
    if g.size == 0:
        return None
    rel = _lufs(np.array([g.mean()]))[0] - 10.0  # relative gate -10 LU
    g2 = momentary_ms[lk > max(rel, -70.0)]
    return float(_lufs(np.array([g2.mean()]))[0]) if g2.size else None


def _loudness_range(short_ms: np.ndarray, *, keep: np.ndarray | None = None) -> float | None:
    """EBU Tech 3342 loudness range [LU]: 10th..95th percentile of gated short-term loudness.

    ``keep`` (bool per block, since 1.21.0): the blocks of the playing; the others are left out
    before Tech 3342's gates (:func:`playing_blocks`)."""
    if keep is not None:
        short_ms = short_ms[keep]
    lk = _lufs(short_ms)
    g = short_ms[lk > -70.0]
    if g.size == 0:
        return None
    rel = _lufs(np.array([g.mean()]))[0] - 20.0
    v = lk[lk > max(rel, -70.0)]
    if v.size == 0:
        return None
    return float(np.percentile(v, 95) - np.percentile(v, 10))


def _loudness_curves(kms: np.ndarray, times: np.ndarray, *, duration: float, window: float,
                     hop: float, step: float
                     ) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    """The loudness curves of K-weighted mean squares per tick.

    Parameters
    ----------
    kms : np.ndarray [shape=(n,), full scale squared]
        K-weighted mean square of each tick of ``step`` seconds from 0.
    times : np.ndarray [seconds]
        The analysis windows' centres.
    duration, window, hop, step : float [seconds]

    Returns
    -------
    curves : dict
        ``loudness_lufs`` per window, ``loudness_lufs_momentary`` and
        ``loudness_lufs_short_term`` every tick [LUFS, floored at -100].
    momentary, short_term : np.ndarray
        The mean squares of the 400 ms and 3 s blocks (for the summary values).
    """
    _, kms_mean = window_means(kms, duration=duration, window=window, hop=hop, step=step)
    curves = {"loudness_lufs": (times, np.maximum(_lufs(kms_mean), -100.0))}
    mom = _running_mean(kms, 4)  # 400 ms blocks every 100 ms
    st = _running_mean(kms, int(round(3.0 / step)))  # 3 s blocks every 100 ms
    # stamped at the block centres, like every other curve (a loudness meter shows a block at
    # its end; on a timeline that puts a 3 s short-term reading 1.5 s late; since 1.5.1)
    curves["loudness_lufs_momentary"] = ((np.arange(mom.size) + 2) * step,
                                         np.maximum(_lufs(mom), -100.0))
    curves["loudness_lufs_short_term"] = ((np.arange(st.size) + round(1.5 / step)) * step,
                                         np.maximum(_lufs(st), -100.0))
    return curves, mom, st


def playing_blocks(sounding: np.ndarray, n: int) -> np.ndarray:
    """Which loudness blocks of ``n`` ticks hold some of the playing (since 1.21.0).

    Parameters
    ----------
    sounding : np.ndarray [bool, shape=(n_tick,)]
        Ticks that reach the recording's silence gate (their loudest 10 ms; the gate follows
        the room's noise floor, :func:`analysis.audio.noise_gate`; a tick near an onset
        sounds where the gate was raised).
    n : int
        Ticks per block: 4 (the 400 ms momentary blocks), 30 (the 3 s short-term blocks).

    Returns
    -------
    np.ndarray [bool, shape=(max(n_tick - n + 1, 0),)]
        For each block (as :func:`_running_mean` makes them, the first ending at tick
        ``n - 1``), whether any of its ticks is sounding. A block none of whose ticks reaches
        the gate is the room, not the playing (a 3 s one lies in one of the recording's
        silences): BS.1770's absolute gate (-70 LUFS) and relative gate leave out only a
        floor far under the programme (10 LU for the integrated loudness, 20 LU for the
        range), and a quiet player in a room at -55 dBFS had the room's noise measured as
        their softest playing (review 32, F2). Where those gates already left such blocks
        out (a quiet room), the values are the same: both are of the blocks over the
        relative gate.
    """
    s = np.asarray(sounding, bool)
    if s.size < n:
        return np.zeros(0, bool)
    c = np.concatenate(([0], np.cumsum(s, dtype=np.int64)))
    return (c[n:] - c[:-n]) > 0


def _loudness_summary(mom: np.ndarray, st: np.ndarray, *, silent: bool,
                      sounding: np.ndarray | None = None, step: float = TICK
                      ) -> dict[str, float | None]:
    """Integrated loudness [LUFS], the highest momentary and short-term loudness [LUFS] and the
    loudness range [LU] of the 400 ms (``mom``) and 3 s (``st``) block mean squares; None
    where there is no block (and the maxima and the range for silence: a silent recording's
    range read 0.0 LU beside its null levels before 1.19.0).

    ``sounding`` (bool per tick of ``step`` seconds, since 1.21.0): the ticks that reach the
    recording's silence gate; the integrated loudness and the range are then over the blocks
    with a sounding tick (:func:`playing_blocks`), with BS.1770's and Tech 3342's gates as
    before. None, or a ``silent`` recording: every block."""
    keep_m = keep_s = None
    if sounding is not None and not silent:
        keep_m = playing_blocks(sounding, 4)[: mom.size]
        keep_s = playing_blocks(sounding, int(round(3.0 / step)))[: st.size]
    return {
        "loudness_lufs_integrated": _integrated(mom, keep=keep_m) if mom.size else None,
        "loudness_lufs_momentary_max": _num(_lufs(mom).max()) if mom.size and not silent else None,
        "loudness_lufs_short_term_max": _num(_lufs(st).max()) if st.size and not silent else None,
        "loudness_range_lu": _loudness_range(st, keep=keep_s) if st.size and not silent else None,
    }
