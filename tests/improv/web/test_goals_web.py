"""Treatment goals in the web app: the API, and the client page in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.improv.test_goals import build_client_store
from tests.improv.web.conftest import shot
from tests.sessions.helpers import tree_snapshot


@pytest.fixture
def goal_store(tmp_path):
    return build_client_store(tmp_path)


def test_goals_api_adds_changes_ends_and_refuses_bad_input(goal_store, client_for):
    path, ids = goal_store
    c = client_for(path)
    r = c.get("/api/clients/C07/goals")
    assert r.status_code == 200 and r.json()["goals"] == []
    choices = r.json()["choices"]
    assert "client_leads_share" in choices["measures"] and "client|therapist" in choices["players"]
    assert "autonomy:leader" in choices["tags"]
    # the form shows labels (with units), from the feature list; the names stay the values
    assert choices["measure_labels"]["client_leads_share"] == "client leads (%)"
    assert choices["measure_labels"]["tempo_bpm"] == "Tempo (BPM)"
    assert set(choices["measure_labels"]) == set(choices["measures"])
    # only measures with a number per session: not the curve "Who leads", not the word "Key"
    for no in ("lead", "timing_lead", "leader", "key", "pulse", "level_dbfs", "joint"):
        assert no not in choices["measures"], no
    assert {"joint_share", "level_dbfs_mean", "pulse_clarity"} <= set(choices["measures"])
    # nothing a therapist would not agree as a goal: totals that grow with the session's
    # length, how sure an estimate is, second opinions, the analysis's settings
    for no in ("floor_transfers", "n_notes", "within_overlap_count", "alpha_ci_level",
               "lead_xcorr", "leader_confidence", "tempo_alt_bpm", "lead_lag_density_s",
               "duration_s", "window_s"):
        assert no not in choices["measures"], no
    assert "floor_transfers_per_min" in choices["measures"]
    # a player's share under its own name is one of the common measures
    assert {"client_leads_share", "notes_per_s"} <= set(choices["common_measures"])
    assert set(choices["common_measures"]) <= set(choices["measures"])
    before = tree_snapshot(path)
    for body, message in [
        ({"text": "", "indicators": []}, "the goal text must not be empty"),
        ({"text": "X", "indicators": [{"measure": "tempo_bmp", "direction": "up"}]},
         "unknown feature 'tempo_bmp'"),
        ({"text": "X", "tags": [{"tag": "mood:sunny", "direction": "up"}]}, "unknown tag"),
        ({"text": "X", "indicators": [{"measure": "lead", "direction": "up",
                                       "player": "client"}]}, "use leads_share@PLAYER instead"),
        ({"text": "X", "since": "2025-01-01"}, "before the client's first session"),
    ]:
        r = c.post("/api/clients/C07/goals", json=body)
        assert r.status_code == 400 and message in r.json()["error"], r.text
    assert tree_snapshot(path) == before
    r = c.post("/api/clients/C07/goals", json={
        "text": "Dares to lead", "since": "2026-01-05",
        "indicators": [{"measure": "leads_share", "direction": "up", "player": "client"}],
        "tags": [{"tag": "autonomy:leader", "direction": "up"}]})
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    r = c.patch(f"/api/goals/{gid}", json={"text": "Leads and follows", "since": "2026-02-02"})
    assert r.status_code == 200 and len(r.json()["versions"]) == 2
    assert r.json()["versions"][1]["indicators"] == r.json()["versions"][0]["indicators"]
    res = c.get("/api/clients/C07/goals").json()
    (g,) = res["goals"]
    assert [v["sessions"] for v in g["versions"]] == [ids[:4], ids[4:]]
    # a change of the words keeps the measures: each read over all 8 sessions, not the 4
    # since the change ("too few sessions to judge" before)
    assert "client leads rose from 5 % to 19 % over 8 sessions since Jan 5, 2026" in g["line"]
    r = c.post(f"/api/goals/{gid}/reach", json={"on": "2026-02-16"})
    assert r.status_code == 200 and r.json()["status"] == "reached"
    r = c.put("/api/clients/C07/plan", json={"sessions": 20})
    assert r.status_code == 200 and r.json()["sessions"] == 20
    assert c.get("/api/clients/C07/goals").json()["plan_text"].startswith("planned: 20 sessions")
    table = c.get("/api/clients/C07/goals.csv")
    assert table.status_code == 200 and table.text.splitlines()[0].startswith("client,goal_id,")
    assert len(table.text.splitlines()) == 1 + 2 * 2  # two versions, two indicators each
    assert "Dares to lead" not in table.text


@pytest.mark.browser
@pytest.mark.slow
def test_client_page_adds_a_goal_and_draws_its_chart(goal_store, live_server, page):
    from improv.analyze import default_keys
    from sessions.store import Store
    from sessions.vocabulary import extend
    from tests.improv.test_goals import LEADS

    path, ids = goal_store
    extend(path, "mood:calm")  # the practice's own dimension, with a value the IAP has too
    # the last session's pair also has a measure of the longer list and a total (not offered)
    with Store(path) as store:
        store.catalog.put_features(ids[-1], "client|therapist",
                                   default_keys(store.session(ids[-1]))["client|therapist"], {
            "client_leads_share": LEADS[-1], "therapist_leads_share": 1 - LEADS[-1],
            "joint_share": 0.4, "phase_locking": 0.5, "floor_transfers": 4})
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07")
    form = page.get_by_role("form", name="Add a goal")
    form.wait_for(timeout=120000)
    # no goals yet: one plain sentence, not the method (band, trend, verdict) nor the plan
    section = page.locator("section.goals")
    expect(section.locator("p.goals-intro")).to_have_text(
        "Agree a goal with the client, then pick one or two measures that would show progress.")
    expect(section).not_to_contain_text("baseline band")
    expect(section).not_to_contain_text("No planned length")
    # every select of the goal form and of the goals has a <label> of its own
    unlabelled = section.locator("select").evaluate_all(
        "ss => ss.filter((s) => !s.labels.length || !s.labels[0].textContent.trim())"
        ".map((s) => s.className)")
    assert unlabelled == [] and section.locator("select").count() >= 5, unlabelled
    form.get_by_label("Goal").fill("Dares to lead the music")
    form.get_by_label("Agreed on").fill("2026-01-05")
    # the measures are offered by their labels, the pair by its players' names
    measure = form.get_by_label("Measure")
    expect(measure.locator('option[value="client_leads_share"]')).to_have_text("client leads (%)")
    assert not [t for t in measure.locator("option").all_inner_texts() if "_" in t]
    # the usual measures first; the others only after "More measures…" (a short list first)
    groups = measure.locator("optgroup")
    assert [groups.nth(i).get_attribute("label") for i in range(groups.count())] == [
        "Common measures"]
    expect(measure.locator("option").last).to_have_text("More measures…")
    measure.select_option("notes_per_s")
    measure.select_option(label="More measures…")
    assert [groups.nth(i).get_attribute("label") for i in range(groups.count())] == [
        "Common measures", "More measures of this client", "Not measured for this client yet"]
    # choosing "More measures…" chose no measure: the one chosen before stays
    expect(measure).to_have_value("notes_per_s")
    expect(measure.locator("option", has_text="More measures…")).to_have_count(0)
    # a measure of the client's sessions before one they never had (an audio-only measure:
    # these sessions are MIDI), each group in the order of its labels
    choices = page.evaluate("fetch('/api/clients/C07/goals', {headers: {'X-Improv-Request': "
                            "'1'}}).then((r) => r.json()).then((r) => r.choices)")
    more = groups.nth(1).locator("option").evaluate_all("os => os.map((o) => o.value)")
    never = groups.nth(2).locator("option").evaluate_all("os => os.map((o) => o.value)")
    measured, common = set(choices["measured"]), set(choices["common_measures"])
    assert more == [n for n in choices["measured"] if n not in common] == ["phase_locking"]
    assert "floor_transfers" not in measured
    assert never and not set(never) & measured and set(never) <= set(choices["measures"])
    # tags grouped and titled as in the annotation form: a value two dimensions share
    # ("calm" of the IAP's tension and of the practice's mood) is told apart by its group
    tag_select = form.get_by_label("Tag counted per session")
    tag_groups = tag_select.locator("optgroup")
    labels = [tag_groups.nth(i).get_attribute("label") for i in range(tag_groups.count())]
    assert labels[0] == "Common tags" and "IAP · autonomy" in labels, labels
    assert any(x.startswith("Practice · ") for x in labels), labels
    calm = tag_select.locator("option", has_text=re.compile("^calm$"))
    owners = calm.evaluate_all("os => os.map((o) => o.parentElement.label)")
    assert len(owners) == len(set(owners)), owners
    # tags as the annotation form groups them, not as codes
    expect(tag_select.locator('option[value="autonomy:leader"]')).to_have_text("leader")
    common = groups.first.locator("option")
    expect(common.first).to_have_attribute("value", "notes_per_s")
    values = measure.locator("option").evaluate_all("os => os.map((o) => o.value)")
    assert len(values) == len(set(values)) and "silence_share" in values
    # the players of the chosen measure only (Notes per second: client and therapist)
    expect(form.get_by_label("Player").locator("option")).to_have_text(
        ["choose who", "client", "therapist"])
    form.get_by_label("Measure").select_option("client_leads_share")
    # a measure of one pair: that pair, chosen, by its players' names
    expect(form.get_by_label("Player").locator("option")).to_have_text(["client & therapist"])
    expect(form.get_by_label("Player")).to_have_value("client|therapist")
    form.get_by_label("progress when it goes").first.select_option("up")
    form.get_by_role("button", name="Another measure").click()
    form.get_by_label("Measure").nth(1).select_option("silence_share")
    form.get_by_label("progress when it goes").nth(1).select_option("down")
    form.get_by_label("Player").nth(1).select_option("client")
    tag_select.select_option("autonomy:leader")
    form.get_by_role("button", name="Add goal").click()
    goal = page.locator("article.goal", has_text="Dares to lead the music")
    goal.wait_for()
    expect(goal).to_contain_text("active since Jan 5, 2026")  # dates as on the other pages
    # with a goal, the method is said (and the plain first sentence is gone)
    expect(section).to_contain_text("the first three sessions give the baseline band")
    expect(section.locator("p.goals-intro")).to_have_count(0)
    charts = goal.locator("figure.goal-chart")
    expect(charts).to_have_count(3)
    lead = goal.locator('figure.goal-chart[data-indicator="client leads"]')
    # a point per session: a circle inside the band, a triangle outside it (rising past it)
    expect(lead.locator(".pt")).to_have_count(len(ids))
    assert lead.locator("path.pt.outside").count() >= 1
    expect(lead.locator("rect.band")).to_have_count(1)
    # shares and counts are never negative: no axis below 0 (the tag's baseline band, 0, 1
    # and 2 annotations, is 1 ± 2 SD: it reaches below 0)
    tag = goal.locator('figure.goal-chart[data-indicator="annotations tagged autonomy:leader '
                       'per session"]')
    expect(tag.locator("rect.band")).to_have_count(1)
    texts = goal.locator("figure.goal-chart svg text").all_text_contents()
    axis = [float(x) for x in texts if re.fullmatch(r"-?[0-9.]+(e-?[0-9]+)?", x)]
    assert axis and min(axis) >= 0, texts
    expect(lead.locator("figcaption")).to_contain_text(
        "client leads (%) · progress when it rises · rising, towards the goal")
    # a share reads in per cent, in the reading and on its chart's axis (stored 0..1)
    expect(goal.locator("p.reading")).to_contain_text("rose from 5 % to 19 % over 8 sessions")
    lead_axis = [float(x) for x in lead.locator("svg text").all_text_contents()
                 if re.fullmatch(r"[0-9.]+", x)]
    # the sessions' days as the page writes dates ("Jan 5", the year is said above), not ISO
    days = lead.locator("svg text.date").all_text_contents()
    assert days[0] == "Jan 5" and not any("2026-" in d for d in days), days
    assert max(lead_axis) > 1, lead_axis
    expect(goal.locator("p.reading")).to_contain_text("client (MIDI) · Silence: no clear change")
    # every session of the table is marked with the goal active then
    marks = page.locator("td.goal-marks").all_inner_texts()
    assert marks == ["Goal 1"] * len(ids)  # a word with the number, not a bare "1"
    shot(page, "client-goals")
    # change it from a day on: both versions are shown, each over its own sessions
    goal.get_by_role("button", name="Change…").click()
    change = goal.get_by_role("form", name="Change goal")
    change.get_by_label("Goal").fill("Leads and follows")
    change.get_by_label("Applies from").fill("2026-02-02")
    change.get_by_role("button", name="Save change").click()
    changed = page.locator("article.goal", has_text="Leads and follows")
    expect(changed.locator(".goal-version")).to_have_count(2)
    expect(changed).to_contain_text("Version 1, Jan 5, 2026 to Feb 1, 2026: “Dares to lead")
    plan = page.get_by_role("form", name="Planned length")
    plan.get_by_label("sessions").fill("20")
    plan.get_by_role("button", name="Save length").click()
    expect(page.locator("section.goals")).to_contain_text(
        "Planned: 20 sessions (session 8 so far)")


def test_goals_keep_their_numbers_ask_before_ending_and_say_a_refused_day(
        goal_store, live_server, page):
    """A goal entered later with an earlier start keeps its number after the first ("Goal 2"
    stays Goal 2); a day before the first session is refused next to the button; Reached and
    Dropped ask once more, and Cancel writes nothing."""
    from sessions.goals import add_goal, client_goals
    from sessions.store import Store

    path, ids = goal_store
    with Store(path) as store:
        first = add_goal(store, "C07", text="Plays softly at times", since="2026-02-02")
        # measures the form does not offer (a total over the session) or offers only after
        # "More measures…": the change form shows both selected
        add_goal(store, "C07", text="Stays in the room", since="2026-01-05", indicators=[
            {"measure": "floor_transfers", "direction": "up", "player": None},
            {"measure": "velocity_std", "direction": "down", "player": None}])
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07")
    goals = page.locator("article.goal h3")
    goals.first.wait_for(timeout=120000)
    expect(goals).to_have_text(["Goal 1: Plays softly at times", "Goal 2: Stays in the room"])
    # the card reads its course alone: no field names, no ISO dates
    reading = page.locator("article.goal p.reading").first.inner_text()
    assert "2026-" not in reading and "|" not in reading and "_" not in reading, reading
    stays = page.locator("article.goal", has_text="Stays in the room")
    stays.get_by_role("button", name="Change…").click()
    change = stays.get_by_role("form", name="Change goal")
    kept = change.get_by_label("Measure")
    expect(kept).to_have_count(2)
    expect(kept.first).to_have_value("floor_transfers")
    expect(kept.first.locator("option:checked")).to_have_text("Turn changes")
    assert kept.first.locator("option:checked").evaluate("o => o.parentElement.label") == \
        "This goal’s measure"
    expect(kept.nth(1)).to_have_value("velocity_std")
    expect(kept.nth(1).locator("option", has_text="More measures…")).to_have_count(0)
    expect(change.get_by_label("progress when it goes").nth(1)).to_have_value("down")
    # a start before the first session: the reason next to the button, nothing written
    form = page.get_by_role("form", name="Add a goal")
    expect(form).to_contain_text("the earliest day: the first session, Jan 5, 2026")
    form.get_by_label("Goal").fill("Too early")
    form.get_by_label("Agreed on").fill("2025-12-01")
    form.get_by_role("button", name="Add goal").click()
    expect(form.get_by_role("alert")).to_contain_text("before the client's first session")
    # Reached asks first; Cancel leaves the goal active
    card = page.locator("article.goal", has_text="Plays softly at times")
    card.get_by_role("button", name="Reached…").click()
    ask = card.get_by_role("alertdialog", name="Confirm")
    expect(ask).to_contain_text("Mark “Plays softly at times” as reached today? "
                                "This cannot be undone.")
    ask.get_by_role("button", name="Cancel").click()
    expect(ask).to_be_hidden()
    with Store(path) as store:
        state = client_goals(store, "C07")
    assert [g["status"] for g in state["goals"]] == ["active", "active"]
    assert [g["text"] for g in state["goals"]] == ["Plays softly at times", "Stays in the room"]
    card.get_by_label("Ends on (empty: today)").fill("2026-02-16")
    card.get_by_role("button", name="Reached…").click()
    expect(ask).to_contain_text("as reached on Feb 16, 2026?")
    ask.get_by_role("button", name="Yes, mark as reached").click()
    expect(page.locator("article.goal", has_text="Plays softly at times")).to_contain_text(
        "reached: Feb 2, 2026 to Feb 16, 2026")
    with Store(path) as store:
        done = next(g for g in client_goals(store, "C07")["goals"] if g["id"] == first["id"])
    assert done["status"] == "reached" and done["end"] == "2026-02-16"


@pytest.mark.parametrize(("measure", "offered"), [
    ("floor_transfers_per_min", True), ("client_leads_share", True), ("tempo_bpm", True),
    ("client_alpha", True), ("a_measure_analysed_later", True),
    ("floor_transfers", False), ("client_imitates_therapist_count", False),  # totals
    ("hop_s", False), ("status", False),  # the analysis's own
    ("leader_confidence", False), ("client_alpha_lo", False), ("lead_xcorr", False),
    ("tempo_alt_bpm", False), ("client_phase_correction", False),  # second opinions
])
def test_the_goal_form_offers_only_measures_a_therapist_would_agree(measure, offered):
    from improv.web.api_goals import offered_as_goal

    assert offered_as_goal(measure) is offered


# -- a third input (a room microphone): a pair measure for two pairs (review 28, finding 2) --

ROOM_WEEKS = 5


def build_room_store(tmp_path):
    """C07 with five weekly sessions of three players: client and therapist on a keyboard's
    MIDI tracks, and a room microphone ("room"), analysis values in the catalog. The client's
    leading share is measured for two pairs (client & therapist, client & room), "Both playing"
    for two others, "room leads" for one; returns (store path, session IDs oldest first)."""
    from datetime import datetime, timedelta, timezone

    from improv.analyze import default_keys
    from sessions.importer import import_files
    from sessions.store import Store
    from tests.sessions.helpers import write_audio, write_midi

    path = tmp_path / "store"
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    ids = []
    with Store(path) as store:
        for week in range(ROOM_WEEKS):
            folder = tmp_path / f"w{week}"
            folder.mkdir()
            mid = write_midi(folder / "keys.mid", tracks={
                "client": [(0.5, 0, 60, 80), (4.0, 0, 64, 80)],
                "therapist": [(1.0, 9, 38, 90)]})
            write_audio(folder / "room.wav", seconds=2.0, sr=8000)
            ids.append(import_files(
                store, [mid, folder / "room.wav"], client="C07",
                players=["client=keys.mid:2", "therapist=keys.mid:3", "room=room.wav"],
                started=start + timedelta(days=7 * week))["id"])
        for i, sid in enumerate(ids):
            keys = default_keys(store.session(sid))
            lead = 0.1 + 0.05 * i
            for owner, values in {
                    "client": {"status": "ok", "midi.notes_per_s": 2.0 + 0.1 * i},
                    "therapist": {"status": "ok", "midi.notes_per_s": 0.2},
                    "room": {"status": "ok"},
                    "client|therapist": {"client_leads_share": lead,
                                         "therapist_leads_share": 1 - lead,
                                         "joint_share": 0.4},
                    "client|room": {"client_leads_share": lead / 2,
                                    "room_leads_share": 1 - lead / 2},
                    "therapist|room": {"joint_share": 0.3}}.items():
                store.catalog.put_features(sid, owner, keys[owner], values)
    return path, ids


@pytest.fixture
def room_store(tmp_path):
    return build_room_store(tmp_path)


TWO_PAIRS = ("client leads is measured for two pairs: choose one under Player "
             "(client & therapist, or client & room)")


def test_the_library_gives_an_ambiguous_indicator_its_candidates(room_store):
    """The library's error names the candidates as data (the page words them) and keeps the
    command line's wording, in the order of the client's sessions."""
    from improv.reports.goal_indicators import AmbiguousIndicatorError, check_indicators
    from sessions.store import Store

    path, _ = room_store
    with Store(path) as store:
        with pytest.raises(AmbiguousIndicatorError) as caught:
            check_indicators(store, "C07", [{"measure": "client_leads_share",
                                             "direction": "up", "player": None}])
        (ok,) = check_indicators(store, "C07", [{"measure": "client_leads_share",
                                                 "direction": "up", "player": "client|room"}])
    e = caught.value
    assert e.owners == ["client|therapist", "client|room"] and e.parameter == "indicator"
    assert e.columns == ["client|therapist.client_leads_share", "client|room.client_leads_share"]
    assert "e.g. client_leads_share:up@client|therapist" in str(e)
    assert ok["player"] == "client|room"


def test_goals_api_lists_who_has_each_measure_and_words_an_ambiguous_one(room_store,
                                                                         client_for):
    from sessions.goals import add_goal, client_goals
    from sessions.store import Store

    path, _ = room_store
    c = client_for(path)
    choices = c.get("/api/clients/C07/goals").json()["choices"]
    who = choices["measure_players"]
    # per measure, only the players or pairs whose sessions have it, in the sessions' order
    assert who["client_leads_share"] == ["client|therapist", "client|room"]
    assert who["room_leads_share"] == ["client|room"]
    assert who["joint_share"] == ["client|therapist", "therapist|room"]
    assert who["notes_per_s"] == ["client", "therapist"]
    # a measure not measured for this client yet: the players or the pairs that can have it
    # (review 29 finding 1: never one player for a pair's measure, nor a pair for a player's)
    assert set(who) == set(choices["measures"])
    unmeasured = set(choices["measures"]) - set(choices["measured"])
    assert "silent_share" in unmeasured and "velocity_mean" in unmeasured
    assert who["silent_share"] == ["client|therapist", "client|room", "therapist|room"]
    assert who["velocity_mean"] == ["client", "therapist", "room"]
    # every pair of the three players is still a player of the form (for measures not yet
    # measured for this client)
    assert {"client|therapist", "client|room", "therapist|room"} <= set(choices["players"])
    # no player for a measure two pairs have: the page's words, not the command line's
    before = tree_snapshot(path)
    r = c.post("/api/clients/C07/goals", json={
        "text": "Dares to lead", "indicators": [
            {"measure": "client_leads_share", "direction": "up", "player": None}]})
    assert r.status_code == 400 and r.json()["error"] == TWO_PAIRS, r.text
    assert "@" not in r.json()["error"] and "|" not in r.json()["error"]
    assert tree_snapshot(path) == before
    # two players: said as players
    r = c.post("/api/clients/C07/goals", json={
        "text": "Plays more", "indicators": [{"measure": "notes_per_s", "direction": "up"}]})
    assert r.status_code == 400 and r.json()["error"] == (
        "Notes per second is measured for two players: choose one under Player (client, or "
        "therapist)"), r.text
    # an old goal without a player (made before the room microphone, say): its change is
    # answered the same way, and nothing is written
    with Store(path) as store:
        old = add_goal(store, "C07", text="Leads", since="2026-01-05", indicators=[
            {"measure": "client_leads_share", "direction": "up", "player": None}])
    r = c.patch(f"/api/goals/{old['id']}", json={"text": "Leads more", "indicators": [
        {"measure": "client_leads_share", "direction": "up", "player": None}]})
    assert r.status_code == 400 and r.json()["error"] == TWO_PAIRS, r.text
    with Store(path) as store:
        assert [len(g["versions"]) for g in client_goals(store, "C07")["goals"]] == [1]
    # with the pair chosen, it is added
    r = c.post("/api/clients/C07/goals", json={
        "text": "Dares to lead", "indicators": [
            {"measure": "client_leads_share", "direction": "up", "player": "client|room"}]})
    assert r.status_code == 201, r.text


@pytest.mark.browser
@pytest.mark.slow
def test_the_player_list_offers_only_who_has_the_measure(room_store, live_server, page):
    """A session with a room microphone: "client leads" is measured for two pairs. The Player
    list follows the measure; left at "choose who", the page says in its words what to
    choose; with a pair chosen the goal is added."""
    path, ids = room_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07")
    form = page.get_by_role("form", name="Add a goal")
    form.wait_for(timeout=120000)
    measure, player = form.get_by_label("Measure"), form.get_by_label("Player")
    form.get_by_label("Goal").fill("Dares to lead the music")
    form.get_by_label("Agreed on").fill("2026-01-05")
    measure.select_option("client_leads_share")
    # several: "choose who" first, no "any player", pairs by their players' names
    expect(player.locator("option")).to_have_text(
        ["choose who", "client & therapist", "client & room"])
    expect(player).to_have_value("")
    assert player.evaluate("p => p.required")
    # another measure: its own players; one: that one, chosen
    measure.select_option("notes_per_s")
    expect(player.locator("option")).to_have_text(["choose who", "client", "therapist"])
    measure.select_option("room_leads_share")
    expect(player.locator("option")).to_have_text(["client & room"])
    expect(player).to_have_value("client|room")
    assert not player.evaluate("p => p.required")
    # no measure: every player and pair, and "any player"
    measure.select_option("")
    texts = player.locator("option").all_inner_texts()
    assert texts[0] == "any player" and "therapist & room" in texts, texts
    assert not [t for t in texts if "|" in t], texts
    # a player chosen stays chosen where the next measure has it too ("client & room", the
    # one of "room leads", stayed through "no measure")
    expect(player).to_have_value("client|room")
    player.select_option("")
    # the guide's way, Player left as it is: the page's words, next to the button
    measure.select_option("client_leads_share")
    expect(player).to_have_value("")
    form.get_by_label("progress when it goes").first.select_option("up")
    form.get_by_role("button", name="Add goal").click()
    # the page starts the server's sentence as a sentence (api.js)
    expect(form.get_by_role("alert")).to_have_text("C" + TWO_PAIRS[1:])
    expect(player).to_be_focused()
    assert page.locator("article.goal").count() == 0
    shot(page, "goal-player-to-choose")
    player.select_option("client|therapist")
    form.get_by_role("button", name="Add goal").click()
    goal = page.locator("article.goal", has_text="Dares to lead the music")
    goal.wait_for()
    expect(goal.locator('figure.goal-chart[data-indicator="client leads"] .pt')).to_have_count(
        len(ids))
    expect(page.get_by_role("form", name="Add a goal").get_by_role("alert")).to_have_text("")
    # the change form keeps the pair, in its own filtered list
    goal.get_by_role("button", name="Change…").click()
    kept = goal.get_by_role("form", name="Change goal").get_by_label("Player")
    expect(kept).to_have_value("client|therapist")
    expect(kept.locator("option")).to_have_text(
        ["choose who", "client & therapist", "client & room"])
