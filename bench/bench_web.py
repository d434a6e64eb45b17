"""Web app: how fast a 60-minute session page is usable, measured in headless Chromium.

Generates a 60-minute duet into a temporary store (2-channel 48 kHz float
audio through the session writer, about 40,000 MIDI notes from two players),
precomputes the waveform peaks (timed: what happens once after a recording
or import), starts ``improv serve`` on a free port, and measures in Debian's
Chromium the time from navigation to the session page's timeline having
drawn (``data-ready`` on ``.timeline``, the ``timeline-ready`` performance
mark), with and without the browser's cache.

Usage::

    .venv/bin/python bench/bench_web.py [--minutes 60] [--runs 5] [--store DIR]

``--store DIR`` keeps the generated store in DIR and reuses it on the next run
(generating 60 minutes of audio takes a minute or two).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


PROFILE = """() => {
  const m = (n) => { const e = performance.getEntriesByName(n)[0]; return e ? e.startTime : NaN; };
  const out = {
    'DOMContentLoaded': performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
    'session-start': m('session-start'), 'page-bundle': m('page-bundle'),
    'lane-data': m('lane-data'), 'timeline-ready': m('timeline-ready') };
  for (const r of performance.getEntriesByType('resource')) {
    const api = r.name.split('/api/')[1];
    if (!api) continue;
    const key = api.includes('/page') ? 'page' : api.includes('notes-roll') ? 'roll'
      : api.includes('/peaks/') ? 'peaks' : null;
    if (!key) continue;
    const st = (r.serverTiming || []).find((x) => x.name === 'app');
    out[`${key} server`] = st ? st.duration : NaN;
    out[`${key} total`] = r.responseEnd - r.startTime;
  }
  return out;
}"""


def make_session(store, *, minutes: float, sr: int = 48000) -> str:
    rng = np.random.default_rng(7)
    duration = minutes * 60.0
    w = store.create_session(client="B01", players=["client", "therapist"],
                             started=datetime.now(timezone.utc), title="bench: 60-minute duet")
    w.add_midi_input("kb", player="client")
    w.add_midi_input("pads", player="therapist")
    audio = w.add_audio_input("room", sr=sr, channels=2, players={"client": [1], "therapist": [2]},
                              device={"name": "synthesised"}, t0=0.0)
    events = []
    for player, port, rate in (("client", "kb", 6.0), ("therapist", "pads", 5.1)):
        n = int(duration * rate)
        starts = np.sort(rng.uniform(0, duration - 1, n))
        for t, pitch, vel in zip(starts, rng.integers(36, 96, n), rng.integers(30, 127, n),
                                 strict=False):
            events.append((t, player, port, bytes([0x90, int(pitch), int(vel)])))
            events.append((t + 0.15, player, port, bytes([0x80, int(pitch), 0])))
    events.sort(key=lambda e: e[0])
    for t, player, port, data in events:
        w.midi(float(t), player=player, port=port, data=data)
    block = sr * 10
    t = np.arange(block) / sr
    for i in range(int(duration * sr) // block):
        env = 0.3 + 0.25 * np.sin(2 * np.pi * (i * 10 + t) / 37.0)
        y = np.stack([env * np.sin(2 * np.pi * 220 * t), 0.5 * env * rng.standard_normal(block)], 1)
        audio.write(y.astype(np.float32))
        audio.anchor(frame=i * block, t=i * 10.0)
        if i % 30 == 0:
            time.sleep(0.05)  # let the writer thread keep up (bounded queue)
    return w.finalize(duration_s=duration)["id"], len(events) // 2


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--store", type=Path, default=None,
                    help="keep the generated store here and reuse it next time")
    ap.add_argument("--after-stop", action="store_true",
                    help="run what the app runs after a recording stops (waveform overview, "
                         "then the analysis: improv.web.after) before the page is opened")
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from improv.web.api_sessions import piano_roll_bin
    from improv.web.peaks import precompute_all
    from sessions.store import Store
    from tests.improv.web.conftest import LiveServer

    with tempfile.TemporaryDirectory(prefix="improv-bench-web-") as tmp:
        store_path = args.store or Path(tmp) / "store"
        t0 = time.perf_counter()
        with Store(store_path) as store:
            old = [r for r in store.list(client="B01") if r["title"] == "bench: 60-minute duet"
                   and abs(r["duration_s"] - args.minutes * 60) < 1]
            if old:
                sid, notes = old[0]["id"], old[0]["midi_events"] // 2
            else:
                sid, notes = make_session(store, minutes=args.minutes)
            t_gen = time.perf_counter() - t0
            t0 = time.perf_counter()
            precompute_all(store.session(sid))
            t_peaks = time.perf_counter() - t0
            t0 = time.perf_counter()
            piano_roll_bin(store.session(sid))
            t_roll = time.perf_counter() - t0
            t_after = None
            if args.after_stop:
                import threading

                from improv.web.after import AfterNewSession

                t0 = time.perf_counter()
                after = AfterNewSession(store_path, threading.Lock())
                after(sid)
                after.wait(sid)
                t_after = time.perf_counter() - t0
                after.shutdown()
            size = sum(p.stat().st_size for p in store.folder(sid).rglob("*.wav"))
        print(f"session: {args.minutes:g} min, 2 ch 48 kHz float32 ({size / 1e9:.2f} GB), "
              f"{notes} MIDI notes; generated in {t_gen:.1f} s")
        print(f"precomputed once after recording/import: waveform peaks (4 zoom levels) "
              f"{t_peaks:.2f} s, piano roll {t_roll:.2f} s"
              + ("" if t_after is None else f"; background job after stop (overview and "
                 f"analysis) {t_after:.1f} s"))
        server = LiveServer(store_path)
        cold, warm, sizes, steps = [], [], {}, {}
        try:
            with sync_playwright() as p:
                b = p.chromium.launch(executable_path="/usr/bin/chromium",
                                      args=["--no-sandbox", "--disable-gpu",
                                            "--disable-background-networking"])
                for run in range(args.runs):
                    ctx = b.new_context(viewport={"width": 1400, "height": 1000})
                    pg = ctx.new_page()
                    if run == 0:
                        pg.on("response", lambda r: sizes.__setitem__(
                            r.url.split("?")[0].rsplit("/api/", 1)[-1],
                            int(r.headers.get("content-length") or 0)))
                    pg.goto(server.url)  # sign in (the token, kept by the page)
                    pg.wait_for_selector("table.sessions")
                    for bucket in (cold, warm):
                        start = time.perf_counter()
                        pg.goto(f"{server.base}/#/session/{sid}")
                        pg.reload()
                        pg.wait_for_selector(".timeline[data-ready]", timeout=60000)
                        wall = time.perf_counter() - start
                        mark = pg.evaluate(
                            "performance.getEntriesByName('timeline-ready')[0].startTime")
                        # complete: the Measures panel shows results (or offers to analyse)
                        pg.wait_for_selector(".panel.analysis table, .panel.analysis "
                                             "button.primary", timeout=120000)
                        done = pg.evaluate("performance.now()") / 1000.0
                        shown = pg.locator(".panel.analysis table").count() > 0
                        bucket.append((wall, mark / 1000.0, done, shown))
                        steps.setdefault(id(bucket), []).append(pg.evaluate(PROFILE))
                    ctx.close()
                b.close()
        finally:
            server.close()
    for name, rows in (("first load (empty browser cache)", cold),
                       ("reload (browser cache)", warm)):
        walls = [r[0] for r in rows]
        marks = [r[1] for r in rows]
        panel = "with results" if all(r[3] for r in rows) else "says: Not analysed yet"
        print(f"{name}: timeline drawn {statistics.median(marks) * 1000:.0f} ms after navigation "
              f"(median of {len(rows)}, max {max(marks) * 1000:.0f} ms); "
              f"wall incl. Playwright {statistics.median(walls) * 1000:.0f} ms; page complete "
              f"(Measures panel {panel}) "
              f"{statistics.median(r[2] for r in rows) * 1000:.0f} ms (max "
              f"{max(r[2] for r in rows) * 1000:.0f} ms)")
        prof = steps.get(id(rows), [])
        if prof:
            keys = list(prof[0])
            print("  median ms: " + ", ".join(
                f"{k} {statistics.median(p.get(k, float('nan')) for p in prof):.0f}" for k in keys))
    big = sorted(sizes.items(), key=lambda kv: -kv[1])[:4]
    print("largest responses: " + ", ".join(f"{k} {v / 1e3:.0f} kB" for k, v in big))


if __name__ == "__main__":
    main()
