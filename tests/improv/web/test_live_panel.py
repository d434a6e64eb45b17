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


def test_live_panel_collects_before_its_window_is_full(tmp_path, live_server, page):
    """Before the first window of measures is full, a player is not said to be "not playing"
    (their activity light may be on): the panel is collecting; a player whose inputs are all
    unplugged reads "input unplugged", not "stopped playing"; a silent microphone is silent,
    not -100 dBFS."""
    got = _with_panel(live_server(tmp_path / "store"), page, """
      const cell = (p) => panel.querySelector(`[data-player=${p}] td`).textContent;
      const mic = { source: 'audio:mic', notes_per_s: 0.0, loudness: -100.0,
        loudness_unit: 'dBFS', tempo_bpm: null, tempo_clear: false, pulse: 'none',
        pulsed_share: 0.0, playing: false, stopped: true };
      const early = { t: 1.0, window_s: 8, players: { client: null, therapist: mic },
        pair: { state: 'one', who: 'therapist', players: ['client', 'therapist'] } };
      panel.update(early, { elapsed: 2.2 });
      const first = [panel.querySelector('.live-hint').textContent, cell('client'),
        cell('therapist'), panel.querySelector('.pair').textContent];
      panel.update({ ...early, t: 8.5 }, { elapsed: 9.5, unplugged: ['client'] });
      const second = [panel.querySelector('.live-hint').textContent, cell('client'),
        panel.querySelector('[data-player=therapist] .loudness').textContent,
        panel.querySelector('.pair').textContent];
      // the pair as the server says it while the client's keyboard is away (pair.lost)
      const lost = (state, who, gone) => {
        panel.update({ ...early, t: 9.0, pair: { state, who, players: ['client', 'therapist'],
          lost: gone } }, { elapsed: 10.0, unplugged: gone });
        return panel.querySelector('.pair').textContent;
      };
      return [first, second, [lost('one', 'therapist', ['client']),
        lost('silence', null, ['client']), lost('silence', null, ['client', 'therapist'])]];
    """)
    (hint, client, therapist, pair), (hint2, client2, loud2, pair2), away = got
    assert hint == "Collecting… the first figures come once 8 seconds are recorded (now 2 s)."
    assert client == therapist == "collecting…"
    assert pair == ""
    assert hint2 == "Over the last 8 seconds."
    assert client2 == "input unplugged"
    assert loud2 == "silent"
    assert pair2 == "Now: therapist plays alone"  # no pair.lost from the server: as it says
    assert away == ["Now: therapist plays; client: input unplugged, nothing recorded",
                    "Now: silence; client: input unplugged, nothing recorded",
                    "Now: nothing recorded: every input is unplugged"]


def test_a_screen_reader_hears_who_plays_once_it_holds(tmp_path, live_server, page):
    """The line on screen follows who plays at every poll; the polite live region (what a
    screen reader says over the music) only once a state has held for 5 s of recording."""
    got = _with_panel(live_server(tmp_path / "store"), page, """
      const pair = (state, who) => ({ state, who, players: ['client', 'therapist'] });
      const out = [];
      const at = (t, p) => {
        panel.update({ t, window_s: 8, players: { client: null, therapist: null }, pair: p });
        out.push([panel.querySelector('.pair').textContent,
                  panel.querySelector('[aria-live]').textContent]);
      };
      at(10, pair('one', 'client')); at(11, pair('both')); at(12, pair('one', 'client'));
      at(13, pair('both')); at(16, pair('both')); at(18, pair('both')); at(19, pair('both'));
      return [out, panel.querySelectorAll('[aria-live]').length,
              panel.querySelector('.pair').hasAttribute('aria-live')];""")
    steps, regions, visible_live = got
    assert [s[0] for s in steps[:4]] == ["Now: client plays alone",
                                         "Now: client and therapist play together",
                                         "Now: client plays alone",
                                         "Now: client and therapist play together"]
    assert [s[1] for s in steps[:5]] == [""] * 5  # changing every second: not said
    assert steps[5][1] == steps[6][1] == "Now: client and therapist play together"  # held 5 s
    assert regions == 1 and not visible_live


def _with_panel(server, page, body: str):
    """Run ``body`` (JavaScript, with ``panel``: a live panel in the page) on the app's page;
    returns what it returns."""
    page.goto(server.url)
    return page.evaluate("""async () => {
      const { livePanel } = await import('/static/live.js');
      const panel = livePanel();
      document.body.append(panel);
    """ + body + "}")
