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

__all__ = ["TICK"]

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


def _integrated(momentary_ms: np.ndarray) -> float | None:
    """BS.1770-4 gated integrated loudness from 400 ms block mean squares (75 % overlap)."""
    lk = _lufs(momentary_ms)
    g = momentary_ms[lk > -70.0]  # absolute gate -70 LUFS
    if g.size == 0:
        return None
    rel = _lufs(np.array([g.mean()]))[0] - 10.0  # relative gate -10 LU
    g2 = momentary_ms[lk > max(rel, -70.0)]
    return float(_lufs(np.array([g2.mean()]))[0]) if g2.size else None


def _loudness_range(short_ms: np.ndarray) -> float | None:
    """EBU Tech 3342 loudness range [LU]: 10th..95th percentile of gated short-term loudness."""
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


def _loudness_summary(mom: np.ndarray, st: np.ndarray, *, silent: bool
                      ) -> dict[str, float | None]:
    """Integrated loudness [LUFS], the highest momentary and short-term loudness [LUFS] and the
    loudness range [LU] of the 400 ms (``mom``) and 3 s (``st``) block mean squares; None
    where there is no block (and the maxima and the range for silence: a silent recording's
    range read 0.0 LU beside its null levels before 1.19.0)."""
    return {
        "loudness_lufs_integrated": _integrated(mom) if mom.size else None,
        "loudness_lufs_momentary_max": _num(_lufs(mom).max()) if mom.size and not silent else None,
        "loudness_lufs_short_term_max": _num(_lufs(st).max()) if st.size and not silent else None,
        "loudness_range_lu": _loudness_range(st) if st.size and not silent else None,
    }
