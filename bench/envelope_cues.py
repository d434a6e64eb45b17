"""Note cues in the MIDI onset envelope, measured on the held-out piano (issue 17, session 19;
results unchanged).

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/envelope_cues.py --asap /tmp/heldout/asap

The shipped MIDI envelope puts one impulse per note, weighted by its velocity / 127. Dixon
(2001) weights each event by its salience instead (duration, pitch, velocity), so that the
long, low chords that carry the beat outweigh the notes of a run between them. The analyser
already has that salience (:func:`analysis.metre.event_salience`: the mean of the ranks of an
event's duration, lowness, chord size and, optionally, loudness, chords merged within 50 ms),
but uses it only to weigh the metrical levels after the tempo is found. Session 5 tried such
weights on the 12 shared piano files and dropped them for want of evidence; this measures
them on the 223 held-out ASAP pieces, with two-fold cross-validation by the SHA-1 of the
piece's name:

* ``event a``: one impulse per event (the notes of a chord merged), weighted ``a + s``;
* ``note a``: every note, weighted by ``velocity / 127 * (a + s)`` with ``s`` its event's.

``s`` with the cue weights (duration, bass, chord size, loudness) of each row. Only players
with pitched notes change (a drum kit has no cues; its envelope stays as it is). Printed per
variant: Acc1 / Acc2, beat F (mir_eval, 70 ms), "clear" and its Acc2, and the objective
Acc2 + 0.1 Acc1 on each half; then the cross-validated choice and its pooled test figures.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import evaluate  # noqa: E402
import evaluate_heldout as eh  # noqa: E402

import analysis  # noqa: E402
import analysis.metre as metre  # noqa: E402
import analysis.summary as summary  # noqa: E402

BASE = ("velocity", 0.0, None)
CUE_SETS = ((1, 1, 1, 0), (1, 1, 1, 1), (1, 2, 1, 0), (2, 1, 1, 0))
VARIANTS = [BASE] + [(kind, a, cues) for cues in CUE_SETS
                     for kind, floors in (("event", (0.0, 0.5, 1.0)), ("note", (0.5, 1.0, 2.0)))
                     for a in floors]


def impulses(notes, variant) -> tuple[np.ndarray, np.ndarray]:
    """Times [s] and weights of the envelope's impulses under ``variant``."""
    kind, a, cues = variant
    vel = notes.velocity / 127.0
    tones = notes.pitched()
    if kind == "velocity" or len(tones) < 3:
        return notes.start, vel
    t, s = metre.event_salience(tones.start, tones.end, tones.pitch, tones.velocity,
                                weights=cues)
    if kind == "event":
        return t, a + s
    idx = np.clip(np.searchsorted(t, notes.start, side="right") - 1, 0, t.size - 1)
    return notes.start, vel * (a + s[idx])


SHIPPED_PULSE = metre.pulse_from_notes
SHIPPED_ENVELOPE = metre.onset_envelope


def _pulse_with(variant):
    """:func:`analysis.metre.pulse_from_notes` as shipped, its envelope made from the
    impulses of ``variant`` instead of one per note at its velocity."""
    def pulse_from_notes(notes, **kwargs):
        def envelope(_onsets, *, duration, **_):
            on, w = impulses(notes, variant)
            order = np.argsort(on, kind="stable")
            return SHIPPED_ENVELOPE(on[order], duration=duration, weights=w[order])
        metre.onset_envelope = envelope
        try:
            return SHIPPED_PULSE(notes, **kwargs)
        finally:
            metre.onset_envelope = SHIPPED_ENVELOPE
    return pulse_from_notes


def _one(job: tuple[dict, tuple]) -> dict:
    it, variant = job
    warnings.simplefilter("ignore")
    summary.pulse_from_notes = _pulse_with(variant)
    nt, dur = evaluate.load_notes(Path(it["path"]))
    res = analysis.analyze_midi(nt, duration=dur)
    a1, a2 = evaluate.acc(eh.reported_tempo(res.summary), it["ref"])
    return {"a1": a1, "a2": a2, "clear": res.summary["pulse"] == "clear",
            "bf": eh.beat_f(it["beats"], np.asarray(res.beats, dtype=float))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asap", type=Path, required=True,
                    help="a checkout of fosfrancesco/asap-dataset")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    pieces, _ = eh.shared_sources(args.shared)
    items = eh.asap_items(args.asap, pieces)
    half = np.array([int(hashlib.sha1(it["name"].encode()).hexdigest(), 16) % 2
                     for it in items])
    res = {}
    with ProcessPoolExecutor(args.jobs) as ex:
        for v in VARIANTS:
            rows = list(ex.map(_one, [(it, v) for it in items], chunksize=4))
            res[v] = {k: np.array([r[k] for r in rows], dtype=float) for k in rows[0]}
            r = res[v]
            obj = r["a2"] + 0.1 * r["a1"]
            clear = r["clear"] > 0
            print(f"{v[0]:8s} {v[1]:.1f} {v[2]}  Acc1 {r['a1'].mean():.3f}  Acc2 "
                  f"{r['a2'].mean():.3f}  beat F {r['bf'].mean():.3f}  clear {clear.sum()} at "
                  f"{r['a2'][clear].mean():.3f}  objective by half "
                  f"{obj[half == 0].mean():.3f} / {obj[half == 1].mean():.3f}", flush=True)
    pooled = {k: np.zeros(len(items)) for k in ("a1", "a2", "bf", "clear")}
    for test in (0, 1):
        train = half != test
        best = max(VARIANTS, key=lambda v: ((res[v]["a2"] + 0.1 * res[v]["a1"])[train].mean(),
                                            v == BASE))
        print(f"trained on half {1 - test}: {best}")
        for k in pooled:
            pooled[k][half == test] = res[best][k][half == test]
    clear = pooled["clear"] > 0
    print(f"cross-validated: Acc1 {pooled['a1'].mean():.3f}  Acc2 {pooled['a2'].mean():.3f}  "
          f"beat F {pooled['bf'].mean():.3f}  clear {clear.sum()} at "
          f"{pooled['a2'][clear].mean():.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
