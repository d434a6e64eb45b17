"""The session timeline of an input that heard nothing (noticed in session 36): a dead
microphone drew a flat line at 0 onsets/s in the Density lane, which reads as "the therapist
did not play". Its curves are left out, and the Dynamics and Density lanes say in words what
the input heard, as the summary does (:mod:`improv.reports.summary_text`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from improv.analyze import analyze_session
from sessions.store import Store
from tests.improv.test_input_faults_summary import SR, _mic_session

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STATIC = Path(__file__).parents[3] / "improv" / "web" / "static"


def _session(path: Path, mic: np.ndarray) -> str:
    """The summary tests' session (a client's MIDI, the therapist's microphone), measured."""
    with Store(path) as store:
        sid = _mic_session(store, mic)
        analyze_session(store, sid, dialogue=True)
    return sid


def _lanes(page, server, sid):
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    dens = page.locator(".lane.curve", has_text="Density")
    expect(dens).to_have_count(1, timeout=60000)
    return page.locator(".lane.curve", has_text="Dynamics"), dens


def test_a_dead_microphone_draws_no_curve_and_says_so(tmp_path, live_server, page):
    path = tmp_path / "store"
    sid = _session(path, np.zeros(int(30 * SR)))
    dyn, dens = _lanes(page, live_server(path), sid)
    said = "No sound reached improv from therapist's microphone: check the input"
    for lane in (dyn, dens):
        expect(lane.locator(".lane-note")).to_have_text(said)
        curves = json.loads(lane.get_attribute("data-curves"))
        assert [c["label"].split(" · ")[0] for c in curves] == ["client (MIDI)"]


def test_a_microphone_that_heard_only_the_room_says_no_playing_was_heard(tmp_path,
                                                                         live_server, page):
    rng = np.random.default_rng(3)
    sid = _session(tmp_path / "store",
                   (10 ** (-70 / 20)) * rng.standard_normal(int(30 * SR)))
    _, dens = _lanes(page, live_server(tmp_path / "store"), sid)
    expect(dens.locator(".lane-note")).to_have_text(
        "No playing was heard from therapist's microphone")
    assert [c["label"] for c in json.loads(dens.get_attribute("data-curves"))] == [
        "client (MIDI) · Notes per second"]


def test_the_page_and_the_summary_draw_the_line_at_the_same_level():
    from improv.reports.summary_text import NO_SOUND_DBFS

    js = (STATIC / "session.js").read_text(encoding="utf-8")
    (value,) = re.findall(r"^const NO_SOUND_DBFS = (-?[\d.]+);", js, flags=re.M)
    assert float(value) == NO_SOUND_DBFS
