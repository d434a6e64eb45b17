"""The session timeline shows each player's tracked beats as ticks (issue 17), in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.store import Store
from tests.improv.web.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DURATION = 20.0


def _session(path) -> tuple[str, list[float]]:
    """A client keyboard at 120 BPM (notes every 0.5 s from 0.5 s) and a therapist who plays
    three notes (no pulse, no beats); analysed. Returns (session ID, the client's beats)."""
    from improv.analyze import analyze_session

    with Store(path) as store:
        w = store.create_session(client="C07", players=["client", "therapist"])
        w.add_midi_input("Keys", player="client")
        w.add_midi_input("Pads", player="therapist")
        for k in range(1, 39):
            w.midi(0.5 * k, player="client", port="Keys", data=bytes([0x90, 60 + k % 5, 90]))
            w.midi(0.5 * k + 0.2, player="client", port="Keys", data=bytes([0x80, 60 + k % 5, 0]))
        for t in (3.1, 9.7, 15.2):
            w.midi(t, player="therapist", port="Pads", data=bytes([0x99, 38, 80]))
            w.midi(t + 0.1, player="therapist", port="Pads", data=bytes([0x89, 38, 0]))
        sid = w.finalize(duration_s=DURATION)["id"]
        res = analyze_session(store, sid, dialogue=True)
    players = res["players"]
    assert not players["therapist"]["sources"]["midi"]["beats"]
    return sid, players["client"]["sources"]["midi"]["beats"]


def _alpha_at(page, times: list[float]) -> list[int]:
    """The opacity of the beat lane's canvas at each time (the view is the whole session)."""
    return page.evaluate("""([times, duration]) => {
      const c = document.querySelector('.lane.beats canvas');
      const dpr = window.devicePixelRatio || 1, w = c.width / dpr;
      const ctx = c.getContext('2d');
      const x = (t) => Math.round((t / duration) * w * dpr);
      return times.map((t) => ctx.getImageData(x(t), 6 * dpr, 1, 1).data[3]);
    }""", [times, DURATION])


def test_beat_ticks_appear_when_the_box_is_ticked(tmp_path, live_server, page):
    path = tmp_path / "store"
    sid, beats = _session(path)
    assert len(beats) > 30
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    lane = page.locator(".lane.beats")
    lane.wait_for(timeout=60000)
    # one row, the client's (the therapist has no beats); nothing drawn until asked
    assert lane.get_attribute("title").splitlines()[0] == f"client: {len(beats)} beats (MIDI)"
    box = lane.get_by_role("checkbox", name="Beats")
    expect(box).not_to_be_checked()
    expect(lane).to_have_attribute("data-ticks", "0")
    box.check()
    expect(lane).to_have_attribute("data-ticks", str(len(beats)))
    page.wait_for_function("document.querySelector('.lane.beats').dataset.ticks !== '0'")
    inner = beats[1:-1]
    between = [(a + b) / 2 for a, b in zip(inner, inner[1:], strict=False)]
    assert all(a > 0 for a in _alpha_at(page, inner))  # a tick at every beat
    assert not any(_alpha_at(page, between))  # and nothing between them
    shot(page, "session-beats")
    # the choice is remembered; unticking hides the ticks again
    page.reload()
    lane.wait_for(timeout=60000)
    expect(lane.get_by_role("checkbox", name="Beats")).to_be_checked()
    expect(lane).to_have_attribute("data-ticks", str(len(beats)))
    lane.get_by_role("checkbox", name="Beats").uncheck()
    expect(lane).to_have_attribute("data-ticks", "0")
