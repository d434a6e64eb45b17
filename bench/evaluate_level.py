"""Two ideas for the global tempo under ``bench/evaluate.py --cv`` (issue 17, 1.10 round).

1. **Summary over all windows** (``summary``): the global tempo as the weighted median over
   every window of its salience peak near the session's level
   (:func:`analysis.tempo.summary_tempo`, modes ``"all"`` and ``"fill"``), instead of the median
   of the pulsed windows (``"pulsed"``, 1.9.0). Chosen on the training half by its
   Acc2 + 0.1 Acc1, ties to ``"pulsed"``.
2. **A learned level choice** (``level_model``): per file the candidate levels, the reported
   tempo times :data:`RATIOS` inside 20-300 BPM, each with the features of :data:`FEATURES`;
   a conditional-logit model (softmax over one file's candidates, L2 :data:`L2` on
   standardised features) fitted on the training half (label: the candidate within 4 % of the
   reference; files with none are left out of the fit), the argmax reported on the test half.
   Whether it is used at all is chosen on the training half by leave-one-piece-out inside it
   (a piece's MIDI and rendering left out together): a model scored on the files it was
   fitted on would always look better.

Features come from the onset envelope only (never the file name, the reference or a tempo
meta event), so MIDI and audio share one model.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

import analysis.tempo as atempo

#: Candidate levels: the reported tempo times these.
RATIOS = (1 / 3, 0.5, 2 / 3, 1.0, 1.5, 2.0, 3.0)
#: Measurable range of a level [BPM]: two beats in a 6 s window, up to the tempo grid's top.
LO_BPM, HI_BPM = 20.0, atempo.MAX_BPM
FEATURES = ("|log2 distance from 120 BPM|", "salience (share of the best candidate's)",
            "family support (share of the best)", "strength in the pulsed windows",
            "log2 beat period / median inter-event interval", "the current level")
#: L2 weight on the standardised coefficients (fixed a priori, not tuned).
L2 = 1.0
#: Off: 1.9.0's summary, no learned level.
LEVEL_OFF = {"summary": "pulsed", "level_model": None}


def _sal(it: dict) -> dict:
    """Per item, cached: the 6 s windows' salience, the 12 s windows' mean salience and its
    family support, and the median inter-event interval [seconds]."""
    if "lv_sal" not in it:
        env, fr, dur = it["env"], it["frame_rate"], it["duration"]
        _, bpm, sal = atempo.tempo_salience(env, frame_rate=fr, duration=dur)
        win = atempo.GLOBAL_WINDOW if dur >= atempo.GLOBAL_WINDOW else max(dur, 2.0)
        _, gb, gs = atempo.tempo_salience(env, frame_rate=fr, duration=dur, window=win,
                                          hop=min(atempo.GLOBAL_HOP, win),
                                          max_bpm=2 * atempo.MAX_BPM)
        mean = np.clip(gs, 0, None).mean(axis=0) if gs.shape[0] else np.zeros(gb.size)
        ev = atempo._event_frames(env, frame_rate=fr) / fr
        iei = float(np.median(np.diff(ev))) if ev.size > 2 else float("nan")
        it["lv_sal"] = {"bpm": bpm, "sal": sal, "gbpm": gb, "gmean": mean,
                        "gfam": atempo._family(gb, mean), "iei": iei}
    return it["lv_sal"]


def summary_factor(it: dict, tc, mode: str) -> float:
    """The summary tempo of ``mode`` over the reported one (1.0 for ``"pulsed"``)."""
    if mode == "pulsed" or not tc.tempo_bpm > 0 or tc.times.size == 0:
        return 1.0
    s = _sal(it)
    if s["sal"].shape[0] != tc.times.size:
        return 1.0
    new = atempo.summary_tempo(s["sal"], s["bpm"], tc.bpm, tc.clarity, level=tc.tempo_bpm,
                               mode=mode)
    return new / tc.tempo_bpm


def candidates(it: dict, tempo: float, curve) -> tuple[np.ndarray, np.ndarray]:
    """The candidate ratios inside the measurable range and their features [c, 6]."""
    r = np.array([x for x in RATIOS if LO_BPM <= tempo * x <= HI_BPM])
    c = tempo * r
    s = _sal(it)
    lg = np.log2(s["gbpm"])
    sal_c = np.interp(np.log2(c), lg, s["gmean"])
    fam_c = np.interp(np.log2(c), lg, s["gfam"])
    pulsed = np.isfinite(curve.bpm)
    if pulsed.any() and s["sal"].shape[0] == curve.times.size:
        sw = s["sal"][pulsed]
        top = np.maximum(sw.max(axis=1), 1e-6)
        lb = np.log2(s["bpm"])
        cur = np.log2(curve.bpm[pulsed])
        strength = np.array([np.mean([np.interp(cur[w] + np.log2(x), lb, sw[w], left=0, right=0)
                                      / top[w] for w in range(sw.shape[0])]) for x in r])
    else:
        strength = np.zeros(r.size)
    iei = s["iei"] if np.isfinite(s["iei"]) and s["iei"] > 0 else 60.0 / tempo
    x = np.column_stack([
        np.abs(np.log2(c / atempo.PRIOR_BPM)),
        sal_c / max(sal_c.max(), 1e-6),
        fam_c / max(fam_c.max(), 1e-6),
        strength,
        np.log2((60.0 / c) / iei),
        (np.abs(r - 1.0) < 1e-9).astype(float),
    ])
    return r, x


def fit(groups: list[tuple[np.ndarray, np.ndarray]], lam: float = L2) -> dict:
    """Conditional logit over each group's candidates: ``groups`` of (features [c, 6], labels
    [c] bool with at least one True). Returns the standardisation and the coefficients."""
    allx = np.vstack([x for x, _ in groups])
    mu, sd = allx.mean(axis=0), allx.std(axis=0)
    sd[sd < 1e-9] = 1.0
    zs = [((x - mu) / sd, y) for x, y in groups]

    def loss(w):
        f, g = lam * 0.5 * w @ w, lam * w
        for z, y in zs:
            u = z @ w
            p = np.exp(u - u.max())
            p /= p.sum()
            q = p * y / max((p * y).sum(), 1e-300)
            f -= np.log(max((p * y).sum(), 1e-300))
            g -= (q - p) @ z
        return f, g

    w = minimize(loss, np.zeros(allx.shape[1]), jac=True, method="L-BFGS-B").x
    return {"mu": mu, "sd": sd, "w": w}


def choose(model: dict, x: np.ndarray) -> int:
    """Index of the candidate the model ranks first."""
    return int(np.argmax(((x - model["mu"]) / model["sd"]) @ model["w"]))


def level_factor(it: dict, tempo: float, curve, model: dict | None) -> float:
    """The learned level's ratio to ``tempo`` (1.0 without a model or a tempo)."""
    if model is None or not tempo > 0:
        return 1.0
    r, x = candidates(it, tempo, curve)
    return float(r[choose(model, x)]) if r.size else 1.0


def _groups(items, tempos, cands, skip: str | None = None) -> list:
    """(features, labels) of the items (not of the piece ``skip``) whose reference is one of
    their candidates (label: within 4 %)."""
    out = []
    for it, t, (r, x) in zip(items, tempos, cands, strict=True):
        if t > 0 and it["file"] != skip and r.size:
            y = np.abs(t * r / it["ref"] - 1.0) <= 0.04
            if y.any():
                out.append((x, y))
    return out


def describe(model: dict) -> str:
    """The standardised coefficients, one per feature."""
    return ", ".join(f"{n}: {w:+.2f}" for n, w in zip(FEATURES, model["w"], strict=True))


def _acc_value(tempos, items) -> float:
    from evaluate import acc

    a = [acc(t, it["ref"]) for t, it in zip(tempos, items, strict=True)]
    return sum(x[1] for x in a) + 0.1 * sum(x[0] for x in a)


def tune(train: list[dict], best: dict, score) -> dict:
    """The summary mode by the training half's Acc2 + 0.1 Acc1, then the learned level by the
    same figure under leave-one-piece-out inside the training half (ties keep off). ``score``
    is ``evaluate_cv.score_item``; the chosen model is fitted on the whole training half."""
    best = {**best, **LEVEL_OFF}
    best_v = -np.inf
    for mode in ("pulsed", "all", "fill"):
        ss = [score(it, "ours", dict(best, summary=mode)) for it in train]
        v = sum(s["a2"] for s in ss) + 0.1 * sum(s["a1"] for s in ss)
        print(f"  training half: summary {mode}: Acc2 + 0.1 Acc1 {v:.1f}")
        if v > best_v + 1e-9:
            best_v, best = v, dict(best, summary=mode)
    pre = [score(it, "ours", best)["pre"] for it in train]
    base = [t for t, _ in pre]
    cands = [candidates(it, t, c) if t > 0 else (np.zeros(0), None)
             for it, (t, c) in zip(train, pre, strict=True)]
    moved = list(base)
    for piece in sorted({it["file"] for it in train}):
        model = fit(_groups(train, base, cands, skip=piece))
        for i, it in enumerate(train):
            if it["file"] == piece and base[i] > 0 and cands[i][0].size:
                moved[i] = base[i] * cands[i][0][choose(model, cands[i][1])]
    v_off, v_on = _acc_value(base, train), _acc_value(moved, train)
    print(f"  training half: learned level off {v_off:.1f}, on (leave-one-piece-out) "
          f"{v_on:.1f}")
    model = fit(_groups(train, base, cands))
    print(f"  training half: model fitted on it: {describe(model)}")
    best["level_fit"] = model  # reported either way (the coefficients of each fold)
    if v_on > v_off + 1e-9:
        best["level_model"] = model
    return best


def per_file(it: dict, params: dict, score) -> str:
    """The tempo of one test file with both ideas off, with each summary mode, and with the
    training half's model (whether or not the training half chose it): which misses each idea
    fixes and which it breaks."""
    off = {**params, **LEVEL_OFF}
    parts = [f"{m} {score(it, 'ours', dict(off, summary=m))['tempo']:6.1f}"
             for m in ("pulsed", "all", "fill")]
    s = score(it, "ours", dict(params, level_model=params["level_fit"]))
    return " | " + ", ".join(parts) + f", model {s['tempo']:6.1f}"
