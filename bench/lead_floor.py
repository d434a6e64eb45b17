"""Who leads: the floor above which a player's gain counts as adapting, measured.

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/lead_floor.py [--data ../shared/evaldata] \
        [--floors 0 0.02 0.035 0.05 0.08 0.1 0.15]

The constructed pairs of ``bench/constructed_lead.py`` (same construction and seed as
``bench/evaluate_dialogue.py --constructed``), built once per floor with
:data:`analysis.dialogue.coupling.TOGETHER_ALPHA` set to it. A player *adapts* when the lower
bound of its gain's interval exceeds the floor; the leader is the one who does not while the
other does. Prints, per floor and interval level and per recording block: one-way leader
accuracy at alpha >= 0.3, the share of one-way pairs naming the wrong leader, and the share of
independent pairs with no leader.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import constructed_lead  # noqa: E402
import evaluate_dialogue  # noqa: E402

import analysis.dialogue.coupling as coupling  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--floors", type=float, nargs="+",
                    default=[0.0, 0.02, 0.035, 0.05, 0.08, 0.1, 0.15])
    ap.add_argument("--levels", type=float, nargs="+", default=[0.9, 0.95, 0.99])
    args = ap.parse_args(argv)
    rows = list(csv.DictReader(open(args.data / "interplay_manifest.csv", newline="")))
    duets = []
    for r, keys, drums in evaluate_dialogue.jazz_jitter(args, rows):
        fold = re.search(r"block=(\d+)", r["condition"]).group(1)
        duets.append({"id": r["id"], "fold": f"block {fold}", "keys": keys, "drums": drums})
    print("| floor | level | block 1: correct / wrong / independent leaderless | block 2 | all |")
    print("|---|---|---|---|---|")
    shipped = coupling.TOGETHER_ALPHA
    try:
        for floor in args.floors:
            coupling.TOGETHER_ALPHA = floor
            res = constructed_lead.build(duets)
            for lv in args.levels:
                cells = []
                for fold in ("block 1", "block 2", None):
                    m = constructed_lead.metrics(
                        [r for r in res if fold is None or r["fold"] == fold], lv)
                    cells.append(f"{m['leader_acc_alpha_ge_0.3']:.3f} / "
                                 f"{m['wrong_leader_one_way']:.3f} / "
                                 f"{m['independent_no_leader']:.3f}")
                print(f"| {floor:g} | {lv:g} | " + " | ".join(cells) + " |", flush=True)
    finally:
        coupling.TOGETHER_ALPHA = shipped
    return 0


if __name__ == "__main__":
    sys.exit(main())
