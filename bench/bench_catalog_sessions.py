"""How long the catalog takes to list its sessions with their players (``Catalog.sessions``).

Every list of the store reads it: ``improv sessions list``, the Clients page (all sessions), the
record panel's client choices, a client's page and reports (one client's). Builds a catalog of
``--sessions`` synthetic sessions (two players each, spread over ``--clients`` clients) in a
temporary folder and times ``sessions()`` and ``sessions(client=...)``: median of ``--runs``.

Usage::

    .venv/bin/python bench/bench_catalog_sessions.py [--sessions 2500] [--clients 40] [--runs 7]

Prints one JSON object (times in milliseconds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _manifest(i: int, *, clients: int) -> dict:
    return {
        "id": f"2026{1 + i // 28 % 12:02d}{1 + i % 28:02d}-{i // 336:02d}0000-{i:04x}",
        "client": f"C{1 + i % clients:02d}", "therapist": "T01", "title": None,
        "started_utc": f"2026-01-01T00:00:00+00:00#{i:06d}", "duration_s": 1800.0,
        "status": "complete", "source": "recorded", "demo": False,
        "players": [{"name": "client"}, {"name": "therapist"}],
        "midi": {"events": 1000, "ports": [{"player": "client"}]},
        "audio": [{"players": {"therapist": [0]}}],
    }


def main() -> None:
    from sessions.catalog import Catalog

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=2500)
    ap.add_argument("--clients", type=int, default=40)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Path(tmp) / "catalog.sqlite")
        for i in range(args.sessions):
            catalog.put_session(_manifest(i, clients=args.clients))

        def timed(**kw) -> tuple[float, int]:
            times, n = [], 0
            for _ in range(args.runs):
                t0 = time.perf_counter()
                n = len(catalog.sessions(**kw))
                times.append((time.perf_counter() - t0) * 1e3)
            return round(statistics.median(times), 2), n

        every, n_every = timed()
        one, n_one = timed(client="C01")
        catalog.close()
    print(json.dumps({"sessions": args.sessions, "clients": args.clients, "runs": args.runs,
                      "all_ms": every, "all_rows": n_every, "one_client_ms": one,
                      "one_client_rows": n_one}))


if __name__ == "__main__":
    main()
