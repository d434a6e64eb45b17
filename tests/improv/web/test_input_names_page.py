"""The session page names inputs as the reports do, by player and kind, never by an imported
file's name (review 29 finding 5: "Drum kit: ☐ jj_t1_…_drums_quarter_onsets.mid (therapist)" and
the lane "mdb__MusicDelta_Rock_Drum ch1 · therapist"; a file may be named after a person)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from playwright.sync_api import expect

from sessions.importer import import_files
from sessions.store import Store
from tests.sessions.helpers import write_midi

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_imported_files_are_named_by_player_and_kind(tmp_path, live_server, page):
    sr = 22050
    t = np.arange(int(4.0 * sr)) / sr
    wav = tmp_path / "anna_meier_drums.wav"
    sf.write(wav, (0.3 * np.sin(2 * np.pi * 220 * t) * (t % 0.5 < 0.1)).astype(np.float32), sr)
    notes = [(0.5 * k, 0, 60 + k % 5, 80) for k in range(16)]
    mid = write_midi(tmp_path / "bernd_keys.mid", tracks={"client": notes})
    path = tmp_path / "store"
    with Store(path) as store:
        sid = import_files(store, [mid, wav],
                           players=["client=bernd_keys.mid:2", "therapist=anna_meier_drums.wav"]
                           )["id"]
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    kits = page.get_by_role("group", name="Drum kits")
    expect(kits.get_by_label("client's MIDI file")).not_to_be_checked()
    expect(page.locator(".lane.wave .lane-label")).to_have_text(["therapist · audio file"])
    body = page.locator("body").inner_text()
    assert "anna" not in body.lower() and "bernd" not in body.lower(), body
