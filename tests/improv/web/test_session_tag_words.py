"""The session page words an annotation's tags as the tag picker does ("IAP · autonomy:
partner", "Practice · mood: calm"), in its table, its deleted rows, an annotation's history, the
"Timeline as text"; the timeline's labels, short of room, by each tag's value ("partner"): a
therapist's review (35) found the raw codes ("autonomy:partner") there. A free tag of the
practice's own reads as written."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from sessions.annotation_edits import add_annotation, delete_annotation, edit_annotation
from sessions.store import Store
from sessions.vocabulary import extend

pytestmark = [pytest.mark.browser]

#: a tag written as a code: a word, a colon, a word (as stored, "autonomy:partner")
CODE = re.compile(r"[a-z]:[a-z]", re.IGNORECASE)


def test_tags_read_in_words_on_the_session_page(demo_store, live_server, page):
    path, sid = demo_store
    extend(path, "mood:calm")
    extend(path, "laughing")
    with Store(path) as store:
        partner = add_annotation(store, sid, t=3.0, tags=["autonomy:partner"], text="", by="T01")
        add_annotation(store, sid, t=5.0, end=8.0, player="client",
                       tags=["mood:calm", "laughing", "autonomy:leader"], text="settles", by="T01")
        gone = add_annotation(store, sid, t=12.0, tags=["autonomy:resister"], text="gone",
                              by="T01")
        delete_annotation(store, sid, gone["id"], by="T01")
        edit_annotation(store, sid, partner["id"], tags=["autonomy:partner", "solo"], by="T01")
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)

    table = page.locator("table.annotations")
    tags = lambda row: row.locator("td").nth(2)  # noqa: E731 - Time, Player, Tags, Text
    expect(tags(table.locator(f"tr[data-id='{partner['id']}']"))).to_have_text(
        "solo; IAP · autonomy: partner")
    expect(tags(table.locator("tr[data-id]", has_text="settles"))).to_have_text(
        "laughing; Practice · mood: calm; IAP · autonomy: leader")
    cells = table.locator("tbody tr[data-id] td:nth-child(3)").all_inner_texts()
    assert cells and not any(CODE.search(c) for c in cells), cells

    # the deleted one, shown on request
    page.get_by_label("Show deleted annotations").check()
    deleted = table.locator("tr.deleted", has_text="gone")
    expect(tags(deleted)).to_have_text("IAP · autonomy: resister")

    # an annotation's history, each version's tags in words
    table.locator(f"tr[data-id='{partner['id']}']").get_by_role(
        "button", name=re.compile("^History")).click()
    history = page.locator(".history li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("IAP · autonomy: partner")
    expect(history.nth(1)).to_contain_text("solo; IAP · autonomy: partner")
    assert not any(CODE.search(x) for x in history.all_inner_texts())

    # the timeline as text, and the label of the annotation without text
    page.locator("details.timeline-text summary").click()
    rows = page.locator("table.timeline-events tbody tr")
    expect(rows.filter(has_text="settles")).to_contain_text(
        "client: laughing; Practice · mood: calm; IAP · autonomy: leader — settles")
    expect(rows.filter(has_text="solo; IAP · autonomy: partner")).to_have_count(1)
    assert not any(CODE.search(x) for x in rows.all_inner_texts())
    labels = json.loads(page.locator(".lane.ann").get_attribute("data-labels"))
    assert "partner, solo" in labels and "settles" in labels, labels  # each tag's value
    assert not any(CODE.search(x) for x in labels), labels
