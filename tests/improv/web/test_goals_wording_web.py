"""The goal picker in a therapist's words, and a goal repeated refused (therapist review 35):
each measure offered says what it means in the playing and what higher means (no field name
as its tooltip), and a second goal that an active one already is gets the command line's
sentence, with where on the page that goal is changed; nothing is written."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from sessions.timefmt import day_words
from tests.improv.test_goals import build_client_store
from tests.sessions.helpers import tree_snapshot

REPEATED = ("this goal exists already: “Comes to the sessions”, active since {day}, follows "
            "the same measures the same way; change that goal instead of adding it again (its "
            "Change… button, under the goal)")


@pytest.fixture
def goal_store(tmp_path):
    return build_client_store(tmp_path)


def test_every_measure_offered_has_its_meaning(goal_store, client_for):
    path, _ = goal_store
    c = client_for(path)
    for code in ("N01", "C07"):  # before the first session (every measure), and with values
        choices = c.get(f"/api/clients/{code}/goals").json()["choices"]
        said = choices["measure_meanings"]
        assert set(choices["measures"]) <= set(said), code
        for name in choices["measures"]:
            assert ". Higher: " in said[name] and "_" not in said[name], (name, said[name])
    assert said["asynchrony_abs_mean_ms"] == (
        "How far apart the two players' notes land, on average, where they play together. "
        "Higher: notes further apart, less together.")
    assert said["client_leads_share"].endswith("Higher: client leads more of the time.")


def test_a_repeated_goal_is_refused_and_the_store_left_as_it_was(goal_store, client_for):
    path, _ = goal_store
    c = client_for(path)
    body = {"text": "Comes to the sessions", "since": "2026-01-05", "indicators": [
        {"measure": "joint_share", "direction": "up", "player": "client|therapist"}]}
    assert c.post("/api/clients/C07/goals", json=body).status_code == 201
    before = tree_snapshot(path)
    r = c.post("/api/clients/C07/goals", json=body)
    assert r.status_code == 400
    assert r.json()["error"] == REPEATED.format(day="Jan 5, 2026")
    assert tree_snapshot(path) == before
    # the other way up is another goal
    down = dict(body, indicators=[dict(body["indicators"][0], direction="down")])
    assert c.post("/api/clients/C07/goals", json=down).status_code == 201


def test_the_picker_says_each_measure_and_the_page_refuses_a_repeat(goal_store, live_server,
                                                                     page):
    path, _ = goal_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/N01")
    form = page.get_by_role("form", name="Add a goal")
    form.wait_for(timeout=120000)
    measure = form.get_by_label("Measure")
    said = form.locator("p.goal-measure-meaning")
    expect(said).to_be_hidden()  # no measure chosen: nothing to explain
    measure.select_option("asynchrony_abs_mean_ms")
    expect(said).to_have_text("How far apart the two players' notes land, on average, where "
                              "they play together. Higher: notes further apart, less together.")
    assert measure.get_attribute("aria-describedby") == said.get_attribute("id")
    # behind "More measures…" too; the choice made stays and keeps its sentence
    measure.select_option(label="More measures…")
    expect(measure).to_have_value("asynchrony_abs_mean_ms")
    expect(said).to_contain_text("Higher: notes further apart")
    measure.select_option("pulsed_share")
    expect(said).to_have_text("Share of the playing (pauses left out) in which a clear beat can "
                              "be heard. Higher: a clear beat more of the time.")
    # every option is said in words: no field name as a label or a tooltip
    options = measure.locator("option").evaluate_all(
        "os => os.filter((o) => o.value && o.value !== '…more')"
        ".map((o) => [o.value, o.textContent, o.title])")
    assert len(options) >= 50
    for value, text, title in options:
        assert "_" not in text and "_" not in title and "Higher: " in title, (value, title)
    # the same goal twice: the second is refused beside the button, nothing added
    def add() -> None:
        form = page.get_by_role("form", name="Add a goal")
        form.get_by_label("Goal").fill("Comes to the sessions")
        form.get_by_label("Measure").select_option("joint_share")
        form.get_by_role("button", name="Add goal").click()

    add()
    expect(page.locator("article.goal")).to_have_count(1)
    add()
    today = day_words(datetime.date.today().isoformat())
    expect(page.get_by_role("form", name="Add a goal").locator("p.error")).to_have_text(
        "T" + REPEATED.format(day=today)[1:])  # a sentence's capital on the page (api.js)
    expect(page.locator("article.goal")).to_have_count(1)


def test_the_measures_behind_show_all_measures_are_in_plain_words(course_store, client_for):
    """The client page's comparison says each measure as the goal picker does, not in the
    feature list's terms ("share of the 6 s windows ...", "key-profile correlation")."""
    import time

    path, _ = course_store
    c = client_for(path)
    deadline = time.monotonic() + 180
    query = "features=pulsed_share,tonal_clarity_mean,polyphony_max"
    while (r := c.get(f"/api/clients/C07/compare?{query}")).status_code == 202:
        assert time.monotonic() < deadline, r.json()
        time.sleep(0.2)
    assert r.status_code == 200, r.text
    features = r.json()["features"]
    assert features["client.midi.pulsed_share"]["meaning"] == (
        "share of the playing (pauses left out) in which a clear beat can be heard")
    for column, f in features.items():
        assert "window" not in f["meaning"] and "correlation" not in f["meaning"], (column, f)
        assert "window" in f["definition"] or "correlation" in f["definition"] or \
            column.endswith("polyphony_max"), f["definition"]  # the research wording stays there
