"""Two ideas for the global tempo under ``bench/evaluate.py --cv`` (issue 17, 1.10 round).

1. **Summary over all windows** (``summary``): the global tempo as the weighted median over
   every window of its salience peak near the session's level
   (:func:`analysis.tempo_path.summary_tempo`, modes ``"all"`` and ``"fill"``), or 60 / median
   inter-beat interval of beats tracked through those peaks (``"beats"``), each with a band of
   ±20 % or ±30 % (:data:`SUMMARIES`), instead of the median of the pulsed windows
   (``"pulsed"``, 1.9.0). Chosen on the training half by its Acc2 + 0.1 Acc1, ties to
   ``"pulsed"``.
2. **A learned level choice** (``level_model``): per file the candidate levels, the reported
   tempo times :data:`RATIOS` inside 20-300 BPM, each with one of the feature sets
   :data:`SUBSETS` (at most six of :data:`FEATURES`);
   a conditional-logit model (softmax over one file's candidates, L2 :data:`L2` on
   standardised features) fitted on the training half (label: the candidate within 4 % of the
   reference; files with none are left out of the fit), the argmax reported on the test half.
   Whether it is used at all is chosen on the training half by leave-one-piece-out inside it
   (a piece's MIDI and rendering left out together): a model scored on the files it was
   fitted on would always look better.

Features come from the onset envelope (and for MIDI the notes' metre cues) only, never the
file name, the reference or a tempo meta event; MIDI and audio share one model. Measured for
1.10 and shipped off (docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.optimize import minimize

import analysis.level_choice as alevel
import analysis.periodicity as aperiodicity
import analysis.tempo as atempo
import analysis.tempo_path as atempo_path

#: Candidate levels: the reported tempo times these.
RATIOS = (1 / 3, 0.5, 2 / 3, 1.0, 1.5, 2.0, 3.0)
#: Measurable range of a level [BPM]: two beats in a 6 s window, up to the tempo grid's top.
LO_BPM, HI_BPM = 20.0, aperiodicity.MAX_BPM
FEATURES = ("|log2 distance from 120 BPM|", "salience (share of the best candidate's)",
            "family support (share of the best)", "strength in the pulsed windows",
            "log2 beat period / median inter-event interval", "the current level",
            "metre cue (MIDI: level salience from note cues over the current level's)")
#: L2 weight on the standardised coefficients (fixed a priori, not tuned).
L2 = 1.0
#: Off: 1.9.0's summary, no learned level.
LEVEL_OFF = {"summary": ("pulsed", 0.0), "level_model": None}


def _sal(it: dict) -> dict:
    """Per item, cached: the 6 s windows' salience, the 12 s windows' mean salience and its
    family support, and the median inter-event interval [seconds]."""
    if "lv_sal" not in it:
        env, fr, dur = it["env"], it["frame_rate"], it["duration"]
        _, bpm, sal = aperiodicity.tempo_salience(env, frame_rate=fr, duration=dur)
        win = alevel.GLOBAL_WINDOW if dur >= alevel.GLOBAL_WINDOW else max(dur, 2.0)
        _, gb, gs = aperiodicity.tempo_salience(env, frame_rate=fr, duration=dur, window=win,
                                          hop=min(alevel.GLOBAL_HOP, win),
                                          max_bpm=2 * aperiodicity.MAX_BPM)
        mean = np.clip(gs, 0, None).mean(axis=0) if gs.shape[0] else np.zeros(gb.size)
        ev = atempo._event_frames(env, frame_rate=fr) / fr
        iei = float(np.median(np.diff(ev))) if ev.size > 2 else float("nan")
        it["lv_sal"] = {"bpm": bpm, "sal": sal, "gbpm": gb, "gmean": mean,
                        "gfam": alevel._family(gb, mean), "iei": iei}
    return it["lv_sal"]


#: The summary modes of the grid (mode, span): 1.9.0's, the weighted median of every window's
#: peak near the level (``all``) or of the pulsed tempo and the others' peaks (``fill``), and
#: 60 / median inter-beat interval of beats tracked on a path that follows those peaks in the
#: pulse-less windows (``beats``), each with the band of ±20 % and ±30 %.
SUMMARIES = (("pulsed", 0.0), ("all", 0.2), ("fill", 0.2), ("beats", 0.2), ("all", 0.3),
             ("fill", 0.3), ("beats", 0.3))


def summary_factor(it: dict, tc, summary: tuple) -> float:
    """The summary tempo of ``summary`` (mode, span) over the reported one (1.0: 1.9.0's)."""
    mode, span = summary
    if mode == "pulsed" or not tc.tempo_bpm > 0 or tc.times.size == 0:
        return 1.0
    s = _sal(it)
    if s["sal"].shape[0] != tc.times.size:
        return 1.0
    if mode == "beats":
        return _beat_summary(it, tc, span) / tc.tempo_bpm
    new = atempo_path.summary_tempo(s["sal"], s["bpm"], tc.bpm, tc.clarity, level=tc.tempo_bpm,
                               mode=mode, span=span)
    return new / tc.tempo_bpm


def _beat_summary(it: dict, tc, span: float) -> float:
    """60 / median inter-beat interval [BPM] of beats tracked (as :mod:`analysis.beats` does)
    on the curve with each pulse-less window's peak near the level filled in, cached."""
    key = ("lv_beats", span, round(tc.tempo_bpm, 6))
    if key not in it:
        import analysis.beats as ab

        s = _sal(it)
        peak, w = atempo_path.level_peaks(s["sal"], s["bpm"], level=tc.tempo_bpm, span=span)
        filled = np.where(np.isfinite(tc.bpm), tc.bpm, np.where(w > 0, peak, np.nan))
        tight = ab.LOOSE_TIGHTNESS if tc.stability < ab.STEADY_STABILITY else ab.TIGHTNESS
        frame_p = ab._frame_values(replace(tc, bpm=filled), it["env"].size, it["frame_rate"],
                                   periods=True)
        beats = ab._track(it["env"], frame_p, frame_rate=it["frame_rate"], tightness=tight)
        beats = ab.refine_beats(beats, it["env"], frame_rate=it["frame_rate"],
                                window=ab.REFINE_WINDOW)
        it[key] = 60.0 / float(np.median(np.diff(beats))) if beats.size > 2 else tc.tempo_bpm
    return it[key]


def metre_cues(scores: dict | None, mp: dict) -> dict | None:
    """MIDI: the metre stage's level salience (:func:`analysis.metre.score_levels`) of each
    ratio to the reported level, minus the reported level's (None without notes)."""
    if not scores:
        return None
    import analysis.metre as ametre

    f0 = ametre.decide(scores, switch_margin=mp["switch_margin"],
                       switch_ratios=mp["switch_ratios"])[0]
    return {f / f0: v - scores[f0][0] for f, (v, _) in scores.items()}


def candidates(it: dict, tempo: float, curve, cues: dict | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """The candidate ratios inside the measurable range and their features [c, 7]
    (:data:`FEATURES`; the metre cue 0 where there is none: audio, or a ratio not scored)."""
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
        np.abs(np.log2(c / aperiodicity.PRIOR_BPM)),
        sal_c / max(sal_c.max(), 1e-6),
        fam_c / max(fam_c.max(), 1e-6),
        strength,
        np.log2((60.0 / c) / iei),
        (np.abs(r - 1.0) < 1e-9).astype(float),
        [next((v for f, v in (cues or {}).items() if abs(f / x - 1) < 1e-6), 0.0) for x in r],
    ])
    return r, x


#: Feature subsets tried (column indices of :data:`FEATURES`, at most six): the first six;
#: all but the inter-event interval (whose coefficient changed sign between the folds' first
#: fits); and the metre cue in its place.
SUBSETS = ((0, 1, 2, 3, 4, 5), (0, 1, 2, 3, 5), (0, 1, 2, 3, 5, 6))


def fit(groups: list[tuple[np.ndarray, np.ndarray]], cols=SUBSETS[0], lam: float = L2) -> dict:
    """Conditional logit over each group's candidates: ``groups`` of (features [c, 6], labels
    [c] bool with at least one True), on the columns ``cols``. Returns the columns, the
    standardisation and the coefficients."""
    cols = list(cols)
    groups = [(x[:, cols], y) for x, y in groups]
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
    return {"cols": cols, "mu": mu, "sd": sd, "w": w}


def choose(model: dict, x: np.ndarray) -> int:
    """Index of the candidate the model ranks first."""
    return int(np.argmax(((x[:, model["cols"]] - model["mu"]) / model["sd"]) @ model["w"]))


def level_factor(it: dict, tempo: float, curve, cues: dict | None, model: dict | None) -> float:
    """The learned level's ratio to ``tempo`` (1.0 without a model or a tempo)."""
    if model is None or not tempo > 0:
        return 1.0
    r, x = candidates(it, tempo, curve, cues)
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
    names = [FEATURES[c] for c in model["cols"]]
    return ", ".join(f"{n}: {w:+.2f}" for n, w in zip(names, model["w"], strict=True))


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
    for mode in SUMMARIES:
        ss = [score(it, "ours", dict(best, summary=mode)) for it in train]
        v = sum(s["a2"] for s in ss) + 0.1 * sum(s["a1"] for s in ss)
        print(f"  training half: summary {mode}: Acc2 + 0.1 Acc1 {v:.1f}")
        if v > best_v + 1e-9:
            best_v, best = v, dict(best, summary=mode)
    pre = [score(it, "ours", best)["pre"] for it in train]
    base = [t for t, _, _ in pre]
    cands = [candidates(it, t, c, m) if t > 0 else (np.zeros(0), None)
             for it, (t, c, m) in zip(train, pre, strict=True)]
    v_off = _acc_value(base, train)
    print(f"  training half: learned level off: Acc2 + 0.1 Acc1 {v_off:.1f}")
    best_v, fits = v_off, []
    for cols in SUBSETS:
        moved = list(base)
        for piece in sorted({it["file"] for it in train}):
            model = fit(_groups(train, base, cands, skip=piece), cols)
            for i, it in enumerate(train):
                if it["file"] == piece and base[i] > 0 and cands[i][0].size:
                    moved[i] = base[i] * cands[i][0][choose(model, cands[i][1])]
        v = _acc_value(moved, train)
        model = fit(_groups(train, base, cands), cols)
        fits.append(model)
        print(f"  training half: learned level on {cols} (leave-one-piece-out): "
              f"{v:.1f}; fitted on the whole half: {describe(model)}")
        if v > best_v + 1e-9:
            best_v, best["level_model"] = v, model
    best["level_fit"] = fits  # reported either way (the coefficients of each fold)
    return best


def per_file(it: dict, params: dict, score) -> str:
    """The tempo of one test file with both ideas off, with each summary mode, and with the
    training half's model (whether or not the training half chose it): which misses each idea
    fixes and which it breaks."""
    off = {**params, **LEVEL_OFF}
    parts = [f"{m[0]}{m[1] or ''} {score(it, 'ours', dict(off, summary=m))['tempo']:6.1f}"
             for m in SUMMARIES]
    for i, m in enumerate(params["level_fit"]):
        s = score(it, "ours", dict(params, level_model=m))
        parts.append(f"model{'abc'[i]} {s['tempo']:6.1f}")
    return " | " + ", ".join(parts)


def forced_report(tests: list[tuple[dict, dict]], score) -> None:
    """Pooled test-fold Acc1 / Acc2 / "clear" precision of each option forced on (every other
    parameter as its training half chose): what each idea would do if shipped, whether or not
    the training halves chose it."""
    opts = [("chosen", None)] + [(f"summary {m[0]} ±{m[1]:.0%}",
                                  {"summary": m, "level_model": None}) for m in SUMMARIES]
    opts += [(f"learned level {'abc'[i]} ({len(c)} features)", i) for i, c in enumerate(SUBSETS)]
    print("\n== each option forced on, pooled test halves")
    for g in ("midi", "rendered", "clip"):
        for name, o in opts:
            ss = []
            for it, params in tests:
                if it["group"] != g:
                    continue
                if isinstance(o, int):
                    o2 = {"level_model": params["level_fit"][o]}
                else:
                    o2 = o or {}
                ss.append(score(it, "ours", dict(params, **o2)))
            clear = [s for s in ss if s["label"] == "clear"]
            prec = f"{np.mean([s['a2'] for s in clear]):.3f}" if clear else "-"
            print(f"{g:9s} {name:30s} Acc1 {np.mean([s['a1'] for s in ss]):.3f} Acc2 "
                  f"{np.mean([s['a2'] for s in ss]):.3f} clear {len(clear):2d} at {prec}")
