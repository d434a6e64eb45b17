"""Web app: the Sessions list of a large store, its API and its page in headless Chromium.

Starts the real ``improv serve`` on ``--store`` (a free port) and measures:

- ``GET /api/sessions`` whole, its first page (``limit=50``), one client's sessions
  (``client=C01``), ``/api/info`` and ``/api/clients/C01``: median time of the runs after the
  first, bytes, rows and ``total``;
- the Sessions page (``#/sessions``) and the page filtered to C01: time from navigation (a
  reload) until the table is drawn, its rows, DOM nodes, page height and the count it shows;
- three clicks on *Show 50 more*, where the page has it: time until the next rows are drawn.

Run it on a copy of a store: the server recovers interrupted sessions and brings the catalog
up to date, as every command does. Review 33 measured the stores of
``/tmp/review33/scale`` (1,000 and 2,445 sessions) this way (docs/benchmarks.md, Web app).

Usage::

    .venv/bin/python bench/bench_session_list.py --store COPY [--runs 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

API = [("all", "/api/sessions"), ("first50", "/api/sessions?limit=50"),
       ("c01", "/api/sessions?client=C01"), ("c01_50", "/api/sessions?client=C01&limit=50"),
       ("info", "/api/info"), ("client_C01", "/api/clients/C01")]
PAGE_INFO = """() => ({nodes: document.getElementsByTagName('*').length,
    rows: document.querySelectorAll('table.sessions tbody tr').length,
    height: document.documentElement.scrollHeight,
    count: (document.querySelector('p.list-count') || {}).textContent || null})"""


def main(argv: list[str] | None = None) -> dict:
    """Measure and print one line per measurement; returns the results (times in s)."""
    from playwright.sync_api import sync_playwright

    from tests.improv.web.conftest import CHROMIUM, LiveServer

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, required=True, help="a copy of the store to list")
    ap.add_argument("--runs", type=int, default=3, help="page loads per page (default 3)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    srv = LiveServer(args.store)
    res: dict = {}

    def api(path: str) -> tuple[float, bytes]:
        req = urllib.request.Request(srv.base + path, headers={"X-Improv-Token": srv.token})
        t = time.perf_counter()
        with urllib.request.urlopen(req, timeout=600) as r:
            body = r.read()
        return time.perf_counter() - t, body

    try:
        for name, path in API:
            runs = [api(path) for _ in range(args.runs + 2)]
            d = json.loads(runs[0][1])
            res["api_" + name] = {
                "median_s": round(statistics.median(r[0] for r in runs[1:]), 3),
                "bytes": len(runs[0][1]), "rows": len(d.get("sessions", [])),
                "total": d.get("total")}
            print(name, res["api_" + name], flush=True)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM,
                                  args=["--no-sandbox", "--disable-gpu",
                                        "--disable-background-networking"])
            pg = b.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            pg.goto(srv.url)
            pg.wait_for_selector("table.sessions", timeout=300000)
            for name, frag in [("page_all", "#/sessions"), ("page_c01", "#/sessions?client=C01")]:
                times = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    pg.goto(f"{srv.base}/{frag}")
                    pg.reload()
                    pg.wait_for_selector("table.sessions", timeout=300000)
                    times.append(time.perf_counter() - t)
                res[name] = {"load_s": [round(x, 2) for x in times],
                             "median_s": round(statistics.median(times), 2),
                             **pg.evaluate(PAGE_INFO)}
                print(name, res[name], flush=True)
            pg.goto(f"{srv.base}/#/sessions")
            pg.reload()
            pg.wait_for_selector("table.sessions")
            more = pg.locator("button.show-more")
            if more.count():
                rows = pg.locator("table.sessions tbody tr")
                times = []
                for _ in range(3):
                    n = rows.count()
                    t = time.perf_counter()
                    more.click()
                    rows.nth(n).wait_for()
                    times.append(time.perf_counter() - t)
                res["show_more_s"] = [round(x, 3) for x in times]
                res["after_3_more"] = pg.evaluate(PAGE_INFO)
                print("show more", res["show_more_s"], res["after_3_more"], flush=True)
            b.close()
    finally:
        srv.close()
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
