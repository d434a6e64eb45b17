"""The hostile-folder campaign (issue 21): tries, refusals, failures and losses; reindex time by
players per session.

Usage::

    .venv/bin/python bench/bench_hostile.py [--cases 1000] [--seed 21] [--players 2000 4000]

Works in a temporary folder (never the repo or a real store).  Each case copies a good session
under a new ID, breaks the copy at random (manifest fields or bytes, journal entries of an
interrupted recording, notes bytes; see ``tests/sessions/hostile.py``), runs list, show,
verify --all, reindex, export and notes --show over the store, and imports random label text
into the good session.  It counts:

* ``refused``: cases where a command answered the hostile session with exit 1 (one line);
* ``failures``: a command that exited other than 0/1, printed a traceback or more than one
  error line, or raised;
* ``losses``: the good session no longer listed, shown or verified, or the canary file outside
  the store changed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import CliResult  # noqa: E402
from tests.sessions import hostile  # noqa: E402

BAD = "20260101-000000-0bad"


def run(*args) -> CliResult:
    from improv.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return CliResult(code, out.getvalue(), err.getvalue())


def campaign(root: Path, *, cases: int, seed: int) -> dict:
    store = root / "store"
    os.environ["IMPROV_STORE"] = str(store)
    good = hostile.import_good(run, root)
    canary = root / "canary.txt"
    canary.write_text("outside the store\n")
    digest = hostile.digest(canary)
    out = root / "out"
    out.mkdir()
    rng = random.Random(seed)
    mutators = [hostile.mutate_manifest, hostile.mutate_journal, hostile.mutate_notes]
    figures = {"tries": 0, "refused": 0, "failures": 0, "losses": 0}
    t0 = time.perf_counter()
    for i in range(cases):
        folder = hostile.copy_session(store, good, BAD)
        what = mutators[i % len(mutators)](folder, rng)
        figures["tries"] += 1
        try:
            failed = hostile.check_store(run, good=good, bad=BAD, canary=canary,
                                         canary_digest=digest, out=out, what=what)
            figures["refused"] += bool(failed)
            labels = out / "labels.txt"
            labels.write_text(hostile.random_labels(rng))
            hostile.sane(run("annotations", "import", good, labels), what="labels")
        except AssertionError as exc:
            lost = "canary" in str(exc) or good not in run("sessions", "list").stdout
            figures["losses" if lost else "failures"] += 1
            print(f"case {i} ({what}): {str(exc)[:200]}", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - a crash is a finding, counted
            figures["failures"] += 1
            print(f"case {i} ({what}): {type(exc).__name__}: {exc}", file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
        for z in out.glob("*.zip"):
            z.unlink()
    figures["seconds"] = round(time.perf_counter() - t0, 1)
    return figures


def reindex_time(root: Path, players: int) -> float:
    """Seconds ``improv sessions reindex`` takes for one session of ``players`` players."""
    from improv.analyze import reindex
    from sessions.store import Store

    with Store(root / f"players-{players}") as s:
        m = s.create_session(client="C01", players=["p0"]).finalize()
        path = s.folder(m["id"]) / "session.json"
        m = json.loads(path.read_text())
        m["players"] = [{"name": f"p{i}"} for i in range(players)]
        m["midi"]["ports"] = [{"name": f"port{i}", "player": f"p{i}", "device": {}}
                              for i in range(players)]
        path.write_text(json.dumps(m))
        t = time.perf_counter()
        reindex(s)
        return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--players", type=int, nargs="*", default=[2000, 4000])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = campaign(Path(tmp), cases=args.cases, seed=args.seed)
        print(f"hostile folders: {figures['tries']} tries, {figures['refused']} refused for "
              f"that session, {figures['failures']} failures, {figures['losses']} losses "
              f"({figures['seconds']} s)")
        for n in args.players:
            print(f"reindex, one session of {n} players: {reindex_time(Path(tmp), n):.2f} s")


if __name__ == "__main__":
    main()
