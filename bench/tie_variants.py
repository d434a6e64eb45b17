"""Which of the two levels the pulse-train tie-break should take in drum audio (issue 17,
session 24).

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/tie_variants.py --asap /tmp/heldout/asap \\
        --groove /tmp/heldout/gmd/groove [--blocks 3 --block-d]

The level's tie-break (:func:`analysis.level_choice.metrical_level`) compares a level with its
3:2 or 3:1 rival by pulse trains (Percival & Tzanetakis 2014) when the level score leaves them
within :data:`analysis.level_choice.TIE_MARGIN`. For every held-out drum rendering (blocks of
``bench/label_levers.py``: A and B by default, the design blocks of session 24) whose analysis
reaches the tie-break, the two candidates' per-window phase profiles are recomputed as
:func:`analysis.level_choice.pulse_train_score` builds them (at the best tempo within
:data:`analysis.level_choice.TIE_SPREAD`), and each rule's pick is scored against the groove's click
tempo (Acc2, MIREX). Rules: the shipped maximum over phases; the maximum less the mean over
phases (contrast); maximum plus variance (Percival & Tzanetakis's score); the score's own best
(no tie-break); always the faster; always the slower; and the shipped rule kept from moving to
the slower level (``noslowtie``). The groove tempo is read from the file name for the score only.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import evaluate  # noqa: E402
import label_levers as ll  # noqa: E402

from analysis import level_choice as alevel  # noqa: E402
from analysis.periodicity import _segments  # noqa: E402
from analysis.windows import window_starts  # noqa: E402


def phase_profiles(env: np.ndarray, *, frame_rate: float, bpm, window: float, hop: float,
                   duration: float, spread: float) -> tuple[list[list[np.ndarray]], int]:
    """Each candidate's (windows, phases) pulse-train correlations at each of the five tempi
    within ``spread`` of it, as :func:`analysis.level_choice.pulse_train_score` builds them, and the
    number of windows it divides by."""
    if duration < window:
        window = hop = duration
    n = int(round(window * frame_rate))
    starts = np.round(window_starts(duration, window=window, hop=hop) * frame_rate)
    segs = _segments(env, np.minimum(starts.astype(np.int64), env.size), n)
    segs -= segs.mean(axis=1, keepdims=True)
    norm = np.sqrt(np.einsum("ij,ij->i", segs, segs))
    segs = segs[norm > 1e-12] / norm[norm > 1e-12, None]
    out = []
    for b in bpm:
        steps = []
        for step in np.linspace(-spread, spread, 5):
            period = 60.0 * frame_rate / (b * 2.0 ** step)
            phase = np.arange(int(np.ceil(period)))
            acc = np.zeros((segs.shape[0], phase.size))
            for off, w in alevel.PULSE_TRAIN_TAPS:
                idx = np.round(phase + off * period).astype(np.int64)
                ok = idx < n
                acc[:, ok] += w * segs[:, idx[ok]]
            steps.append(acc)
        out.append(steps)
    return out, starts.size


def rule_score(steps: list[np.ndarray], f, n_win: int) -> float:
    """A window score ``f`` (of the (windows, phases) correlations) at each window's best
    nearby tempo, summed over windows and divided by their number, as the library scores."""
    return float(np.max([f(a) for a in steps], axis=0).sum() / n_win)


SCORES = {
    "max (shipped)": lambda a: a.max(1),
    "max - mean (contrast)": lambda a: a.max(1) - a.mean(1),
    "max + variance (P&T)": lambda a: a.max(1) + a.var(1),
}


def _tie(it: dict) -> dict | None:
    warnings.simplefilter("ignore")
    import analysis

    got = []
    orig = alevel.pulse_train_score

    def record(env, **kw):
        out = orig(env, **kw)
        if kw.get("spread", 0) > 0:  # the level's tie-break, not a window's
            got.append((np.array(env), dict(kw), out))
        return out

    alevel.pulse_train_score = record
    try:
        y, sr = evaluate.load_audio(Path(it["wav"]))
        analysis.analyze_audio(y, sr=sr, duration=y.size / sr)
    finally:
        alevel.pulse_train_score = orig
    if not got:
        return None
    env, kw, shipped = got[0]
    prof, n_win = phase_profiles(env, frame_rate=kw["frame_rate"], bpm=kw["bpm"],
                                 window=kw["window"], hop=kw["hop"], duration=kw["duration"],
                                 spread=kw["spread"])
    scores = {k: [rule_score(p, f, n_win) for p in prof] for k, f in SCORES.items()}
    # the recomputed maximum is the library's own tie-break score
    np.testing.assert_allclose(scores["max (shipped)"], shipped, rtol=1e-9)
    return {"set": it["set"], "name": it["name"], "ref": it["ref"],
            "bpm": [float(b) for b in kw["bpm"]], "scores": scores}


def report(ties: list[dict], title: str) -> None:
    """How many of ``ties`` each rule gets right (Acc2)."""
    def right(pick) -> int:
        return sum(evaluate.acc(pick(t), t["ref"])[1] for t in ties)

    def noslowtie(t):
        (b0, b1), (s0, s1) = t["bpm"], t["scores"]["max (shipped)"]
        return b1 if s1 > s0 and b1 > b0 else b0

    rules = {name: (lambda t, name=name: t["bpm"][int(np.argmax(t["scores"][name]))])
             for name in SCORES}
    rules.update({"no tie-break": lambda t: t["bpm"][0],
                  "always the faster": lambda t: max(t["bpm"]),
                  "always the slower": lambda t: min(t["bpm"]),
                  "never to the slower": noslowtie})
    print(title + " (first candidate: the level score's best; second: its rival)")
    print("  " + ", ".join(f"{name} {right(rule)}" for name, rule in rules.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ll.add_set_args(ap)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.set_defaults(blocks=2)
    args = ap.parse_args(argv)
    evaluate.TRIM_TO_NOTES = not args.whole_file_renders
    its = [it for it in ll.items(args) if it["set"].startswith("audio drums")]
    with ProcessPoolExecutor(args.jobs) as ex:
        ties = [t for t in ex.map(_tie, its, chunksize=4) if t]
    for block in sorted({t["set"] for t in ties}):
        report([t for t in ties if t["set"] == block],
               f"{block}: {sum(t['set'] == block for t in ties)} of "
               f"{sum(it['set'] == block for it in its)} renderings reach the tie-break")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
