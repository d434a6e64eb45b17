"""A learned tempo estimator on the held-out piano renderings, for reference (issue 17,
session 19; not a dependency, nothing of it is shipped).

madmom (Böck, Korzeniowski, Schlüter, Krebs & Widmer 2016) estimates tempo from the beat
activations of a recurrent network trained on annotated audio (Böck, Krebs & Widmer 2015,
"Accurate tempo estimation based on recurrent neural networks and resonating comb filters",
ISMIR). It answers how far the state of the field's learned front end gets on the same
renderings where the analyser reads Acc2 0.605. It runs in a venv of its own: madmom 0.16.1
(its last release, 2018) needs numpy < 1.24, its sdist's C files predate Python 3.11 (they are
deleted so that Cython makes them again), and it imports ``MutableSequence`` from
``collections`` (gone since Python 3.10; one line changed in the unpacked source). Its trained
models are licensed CC BY-NC-SA 4.0, which an open-source tool for clinics cannot ship::

    python3 -m venv /tmp/madmom-venv && cd /tmp/madmom-venv
    bin/pip install "numpy<1.24" "cython<3" "scipy<1.12" mido wheel "setuptools<70"
    bin/pip download --no-deps --no-binary :all: madmom==0.16.1 -d src
    tar xzf src/madmom-0.16.1.tar.gz -C src
    find src/madmom-0.16.1/madmom -name "*.c" -delete
    sed -i 's/^from collections import Mut/from collections.abc import Mut/' \
        src/madmom-0.16.1/madmom/processors.py
    bin/pip install --no-build-isolation ./src/madmom-0.16.1

Then three steps, the first and last in the project's venv::

    PYTHONPATH=$PWD .venv/bin/python bench/madmom_reference.py items \\
        --asap /tmp/heldout/asap > /tmp/heldout/madmom-items.jsonl
    /tmp/madmom-venv/bin/python bench/madmom_reference.py run \\
        --items /tmp/heldout/madmom-items.jsonl --cache /tmp/heldout/madmom [--worker K --of N]
    PYTHONPATH=$PWD .venv/bin/python bench/madmom_reference.py score \\
        --items /tmp/heldout/madmom-items.jsonl --cache /tmp/heldout/madmom

``run`` keeps one JSON file per piece in the cache (RNN beat activations at 100 frames/s, then
``TempoEstimationProcessor``'s strongest tempo, and ``DBNBeatTrackingProcessor``'s beats,
summarised as 60 / their median interval, the reference's own statistic); two workers
(``--worker 0 --of 2`` and ``--worker 1 --of 2``) took 52 minutes for the 223 renderings
(18.4 hours of audio; the network takes 0.11 s per second of audio) on 2 cores. ``score``
prints Acc1 / Acc2 (4 %) of both madmom estimates next to the shipped analyser's on the same
renderings, over all pieces and per half by the SHA-1 of the name.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
def _project() -> None:
    """Put the project and its bench scripts on the path (``items``, ``score``: the project's
    venv; ``run`` works without them, in madmom's)."""
    for path in (str(REPO), str(REPO / "bench")):
        if path not in sys.path:
            sys.path.insert(0, path)


def _cache_file(cache: Path, name: str) -> Path:
    return cache / f"{hashlib.sha1(name.encode()).hexdigest()}.json"


def items(args) -> int:
    """The held-out ASAP renderings (made if missing) and their reference tempi, as JSON lines."""
    _project()
    import evaluate
    import evaluate_heldout as eh

    pieces, _ = eh.shared_sources(args.shared)
    args.render_dir.mkdir(parents=True, exist_ok=True)
    for it in eh.asap_items(args.asap, pieces):
        wav = evaluate.render(it["path"], args.render_dir)
        print(json.dumps({"name": it["name"], "wav": str(wav), "ref": it["ref"]}))
    return 0


def run(args) -> int:
    """madmom's tempo and beats of every item of this worker (madmom's venv)."""
    import warnings

    import numpy as np
    from madmom.features.beats import DBNBeatTrackingProcessor, RNNBeatProcessor
    from madmom.features.tempo import TempoEstimationProcessor

    warnings.simplefilter("ignore")
    todo = sorted((json.loads(line) for line in open(args.items)), key=lambda it: it["name"])
    args.cache.mkdir(parents=True, exist_ok=True)
    rnn, tempo = RNNBeatProcessor(), TempoEstimationProcessor(fps=100)
    for k, it in enumerate(todo):
        out = _cache_file(args.cache, it["name"])
        if k % args.of != args.worker or out.exists():
            continue
        act = rnn(it["wav"])
        tempi = tempo(act)
        beats = DBNBeatTrackingProcessor(fps=100)(act)
        rec = {"name": it["name"], "tempo": float(tempi[0, 0]) if len(tempi) else None,
               "beats_tempo": (float(60.0 / np.median(np.diff(beats)))
                               if len(beats) > 2 else None)}
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(rec))
        os.replace(tmp, out)
        print(k, it["name"], rec["tempo"], rec["beats_tempo"], it["ref"], flush=True)
    return 0


def _shipped(wav: str) -> float:
    import warnings

    _project()
    import evaluate
    import evaluate_heldout as eh

    import analysis

    warnings.simplefilter("ignore")
    y, sr = evaluate.load_audio(Path(wav))
    return eh.reported_tempo(analysis.analyze_audio(y, sr=sr, duration=y.size / sr).summary)


def score(args) -> int:
    """Acc1 / Acc2 of madmom's two estimates and of the shipped analyser, per half."""
    from concurrent.futures import ProcessPoolExecutor

    import numpy as np

    _project()
    import evaluate

    todo = [json.loads(line) for line in open(args.items)]
    done = [(it, json.loads(_cache_file(args.cache, it["name"]).read_text())) for it in todo
            if _cache_file(args.cache, it["name"]).exists()]
    with ProcessPoolExecutor(args.jobs) as ex:
        ours = list(ex.map(_shipped, [it["wav"] for it, _ in done], chunksize=4))
    half = np.array([int(hashlib.sha1(it["name"].encode()).hexdigest(), 16) % 2
                     for it, _ in done])
    print(f"held-out ASAP renderings: {len(done)} of {len(todo)} measured")
    for label, ests in (("madmom tempo (RNN + comb filters)", [r["tempo"] for _, r in done]),
                        ("madmom DBN beats, 60 / median", [r["beats_tempo"] for _, r in done]),
                        ("improv (shipped)", ours)):
        a = np.array([evaluate.acc(e, it["ref"]) for e, (it, _) in zip(ests, done, strict=True)])
        by_half = " / ".join(f"{a[half == h, 1].mean():.3f}" for h in (0, 1))
        print(f"  {label:36s} Acc1 {a[:, 0].mean():.3f}  Acc2 {a[:, 1].mean():.3f}"
              f"  (Acc2 by half {by_half})")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="step", required=True)
    p = sub.add_parser("items", help="list the renderings and their reference tempi")
    p.add_argument("--asap", type=Path, required=True)
    p.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "evaldata")
    p.add_argument("--render-dir", type=Path, default=Path("/tmp/heldout/render"))
    p = sub.add_parser("run", help="madmom on each rendering (in madmom's own venv)")
    p.add_argument("--items", type=Path, required=True)
    p.add_argument("--cache", type=Path, required=True)
    p.add_argument("--worker", type=int, default=0)
    p.add_argument("--of", type=int, default=1)
    p = sub.add_parser("score", help="accuracy of madmom's estimates and of the analyser")
    p.add_argument("--items", type=Path, required=True)
    p.add_argument("--cache", type=Path, required=True)
    p.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    return {"items": items, "run": run, "score": score}[args.step](args)


if __name__ == "__main__":
    sys.exit(main())
