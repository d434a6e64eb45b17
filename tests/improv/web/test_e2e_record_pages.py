"""Two Record pages (windows or tabs) at once, through a JACK server (dummy driver) and
Chromium: each page has its own input check, an input is checked in one page at a time, and
a page never shows another page's inputs as its own.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.improv.web.conftest import jack_device_options
from tests.rig.jackrig import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.jack, pytest.mark.slow]


def _choose(page, rig, label: str) -> None:
    """Input 1 of ``page``: the MIDI port of the rig's JACK server the page calls ``label``."""
    jack_device_options(page, rig.server.name)
    first = page.get_by_label("Input 1", exact=True)
    expect(first.locator("option", has_text=label)).to_have_count(1, timeout=20000)
    first.select_option(label=label)


def _checked(page, label: str):
    """The input check's line of Input 1 of ``page``, checked and showing ``label``."""
    row = page.locator(".armed .meter-row[data-n='1']")
    expect(row.locator(".src")).to_have_text(label)
    return row


def _check_of(page, check: str | None = None) -> dict:
    """What the server's check ``check`` (by default the page's own) holds, asked from
    ``page``."""
    return page.evaluate("""async (id) => {
      id = id || document.querySelector('.armed').dataset.check;
      const r = await fetch(`/api/recording/arm?check=${id}`,
                            { headers: { 'X-Improv-Request': '1' } });
      return await r.json();
    }""", check)


def test_each_page_checks_its_own_inputs(jack_rig, tmp_path, live_server, page):
    rig = jack_rig
    rig.midi_player(name="kb1", events=[])
    rig.midi_player(name="kb2", events=[])
    server = live_server(tmp_path / "store", env=rig.server.env)
    page.goto(server.url + "#/record")
    _choose(page, rig, "kb1 (MIDI)")
    expect(_checked(page, "kb1 (MIDI)")).to_contain_text("no note yet", timeout=10000)

    # a second page wants the same keyboard: it says another window checks it, and page 1
    # goes on checking it
    other = page.context.new_page()
    other.goto(server.url + "#/record")
    _choose(other, rig, "kb1 (MIDI)")
    busy = other.locator(".armed .check-busy")
    expect(busy).to_have_text("Another window or tab is checking kb1 (MIDI): an input can be "
                              "checked in one window at a time. Check here instead",
                              timeout=10000)
    expect(_checked(other, "kb1 (MIDI)")).to_contain_text("not checked")
    expect(_checked(page, "kb1 (MIDI)")).to_contain_text("no note yet")
    expect(page.locator(".armed .check-taken")).to_have_count(0)

    # "Check here instead": the second page checks it, the first says it was taken over and
    # shows no meter (never the other page's inputs as its own)
    other.get_by_role("button", name="Check here instead").click()
    expect(_checked(other, "kb1 (MIDI)")).to_contain_text("no note yet", timeout=10000)
    expect(busy).to_have_count(0)
    # the therapist goes back to the first window (a tab in the background may have its
    # timers held back by the browser, and a loaded machine waits longer for them)
    page.bring_to_front()
    expect(page.locator(".armed .check-taken")).to_have_text(
        "The input check was taken over by another window or tab. Check again here",
        timeout=20000)
    expect(_checked(page, "kb1 (MIDI)")).to_contain_text("not checked")

    # the second page chooses another keyboard: both pages check their own side by side
    other.bring_to_front()
    other.get_by_label("Input 1", exact=True).select_option(label="kb2 (MIDI)")
    expect(_checked(other, "kb2 (MIDI)")).to_contain_text("no note yet", timeout=10000)
    page.bring_to_front()
    page.get_by_role("button", name="Check again here").click()
    expect(_checked(page, "kb1 (MIDI)")).to_contain_text("no note yet", timeout=10000)
    expect(page.locator(".armed .check-taken")).to_have_count(0)
    assert [i["spec"] for i in _check_of(page)["inputs"]] == ["client=midi:kb1:out"]
    assert [i["spec"] for i in _check_of(other)["inputs"]] == ["client=midi:kb2:out"]

    # a window closed closes its check at once (not after the 10 s of no looking)
    other_id = other.evaluate("document.querySelector('.armed').dataset.check")
    other.close()

    wait_for(lambda: not _check_of(page, other_id)["armed"], timeout=5, interval=0.2,
             what="the closed window's check closed")
    expect(_checked(page, "kb1 (MIDI)")).to_contain_text("no note yet")
