"""The live panel's words for the pulse, from real live measures, in Chromium.

A client who changes tempo within the live window (100 BPM, then 150) has a pulse in every
tempo window but no one tempo: the panel says so ("a pulse, but no single tempo"), where it
said the pulse only at times; a therapist who has played only the last seconds of the window
keeps "pulse only at times", and a steady player "clear, steady pulse". A player who stopped a few
seconds ago reads "stopped playing", not the fading pulse of the window.
"""

from __future__ import annotations

import json

import pytest

from analysis.beats import CLEAR_SHARE
from improv.analyze.live import LiveMeasures
from tests.improv.test_live_measures import _notes
from tests.sessions.helpers import wait_written

pytestmark = [pytest.mark.browser]


def test_live_panel_says_a_pulse_without_one_tempo(store, tmp_path, live_server, page):
    w = store.create_session(client="C07",
                             players=["client", "therapist", "cotherapist", "guest"])
    _notes(w, "client", start=0.05, step=0.6, until=4.0)  # 100 BPM, then 150
    _notes(w, "client", start=4.25, step=0.4, until=9.0)
    _notes(w, "therapist", start=5.0, step=0.5, until=9.0)  # the last 3 s of the window
    _notes(w, "cotherapist", start=0.0, step=0.5, until=9.0)  # 120 BPM throughout
    _notes(w, "guest", start=0.0, step=0.5, until=5.5)  # 120 BPM, stopped 3.5 s ago
    wait_written(w)
    live = LiveMeasures(w.folder).update(9.0)
    w.finalize()
    assert live["players"]["client"]["pulsed_share"] == 1.0
    assert live["players"]["guest"]["stopped"] is True
    server = live_server(tmp_path / "other-store")
    page.goto(server.url)
    cells = page.evaluate("""async (live) => {
      const { livePanel } = await import('/static/live.js');
      const panel = livePanel();
      document.body.append(panel);
      panel.update(live);
      const cell = (p) => panel.querySelector(`[data-player=${p}] .tempo`).textContent;
      return [cell('client'), cell('therapist'), cell('cotherapist'), cell('guest')];
    }""", json.loads(json.dumps(live)))
    client, therapist, cotherapist, guest = cells
    bound = page.evaluate("() => import('/static/api.js').then((m) => m.MOSTLY_PULSED)")
    assert bound == CLEAR_SHARE  # the label's own bound (analysis.beats)
    assert client.endswith("(unsure), a pulse, but no single tempo"), client
    assert therapist.endswith("(unsure), pulse only at times"), therapist
    assert cotherapist == "120 BPM, clear, steady pulse", cotherapist
    assert guest == "stopped playing", guest
    # an audio input that heard no onset in the window (the measures of a silent mic)
    silent = {"source": "audio:mic", "notes_per_s": 0.0, "loudness": -70.0,
              "loudness_unit": "dBFS", "tempo_bpm": None, "tempo_clear": False,
              "pulse": "none", "pulsed_share": 0.0, "playing": False, "stopped": True}
    cell = page.evaluate("""async (m) => {
      const { livePanel } = await import('/static/live.js');
      const panel = livePanel();
      panel.update({ window_s: 8, players: { mic: m } });
      return panel.querySelector('[data-player=mic] .tempo').textContent;
    }""", silent)
    assert cell == "not playing", cell
