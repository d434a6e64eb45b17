"""The Backups page in headless Chromium: Back up now makes a real backup of the store, the page
says what came of it and the new "last backup"; a refused folder is said in one sentence."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from improv.web.api_backup import SAME_DISK_WORDS
from tests.improv.web.conftest import shot


@pytest.mark.browser
def test_back_up_now_from_the_backups_page(demo_store, live_server, page, tmp_path):
    path, _sid = demo_store
    usb = tmp_path / "usb"
    usb.mkdir()
    server = live_server(path)
    page.goto(server.url)
    expect(page.get_by_role("heading", name="Sessions", exact=True)).to_be_visible()
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Backups").click()
    expect(page.get_by_role("heading", name="Backups", exact=True)).to_be_visible()
    expect(page.locator("#backup-store")).to_have_text(str(path.resolve()))
    expect(page.locator("#backup-last")).to_have_text(
        "No backup has been made from this store yet.")
    folder = page.get_by_label("Folder to back up into")
    # a folder that is not there: one sentence, nothing started
    folder.fill(str(tmp_path / "not-plugged-in"))
    page.get_by_role("button", name="Back up now").click()
    expect(page.locator("#backup-status")).to_have_text(
        f"The folder {tmp_path / 'not-plugged-in'} does not exist: plug in the backup disk, or "
        "create the folder first.")
    expect(page.locator("#backup-status")).to_have_class(re.compile(r"\berror\b"))
    # the real thing
    folder.fill(str(usb))
    page.get_by_role("button", name="Back up now").click()
    # the day's name as the server saw the day (a run across midnight names the next day)
    expect(page.locator("#backup-status")).to_have_text(re.compile(
        rf"^Backed up 1 session \(\d+\.\d MB\) to {re.escape(str(usb))}/improv-\d{{4}}-\d{{2}}-"
        r"\d{2}\.zip; checked: every file in it is whole\. " + re.escape(SAME_DISK_WORDS) + "$"),
        timeout=60_000)
    (target,) = usb.glob("improv-*.zip")
    expect(page.locator("#backup-last")).to_contain_text("Last backup: today")
    expect(page.locator("#backup-last")).to_contain_text(f"to {target}, with 1 session.")
    assert target.is_file()
    expect(page.get_by_role("button", name="Back up now")).to_be_enabled()
    shot(page, "backups-page")
    # and the backup just made can be checked from here
    page.get_by_role("button", name="Check the last backup").click()
    expect(page.locator("#backup-status")).to_have_text(re.compile(
        rf"^The backup {re.escape(str(target))} is whole: 1 session, \d+ files"), timeout=60_000)
    # the page opened again proposes the folder used last
    page.reload()
    expect(page.get_by_label("Folder to back up into")).to_have_value(str(usb))
