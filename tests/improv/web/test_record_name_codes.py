"""The web app's Start refuses a new client or therapist code that reads like a person's name,
as ``improv record`` does (tests/improv/test_record_codes.py): the page asks first ("Use it
anyway"), but a request without the page is checked too, and only ``not_a_name`` lets such a
code through.  A code the store knows is not asked about, and is recorded as it is stored."""

from __future__ import annotations

import pytest

from tests.improv.web.test_api import snapshot

NO_PORT = "client=midi:no-such-port-4711"  # gets past the codes, stops at the inputs


@pytest.fixture
def anna_store(tmp_path):
    """A store with one session of client Anna and therapist Tina (a pseudonym each, in
    the store already) and no other client."""
    from sessions.importer import import_files
    from sessions.store import Store
    from tests.sessions.helpers import write_midi

    path = tmp_path / "store"
    with Store(path) as store:
        import_files(store, [write_midi(tmp_path / "s.mid")], client="Anna", therapist="Tina",
                     players=["client=s.mid:2"])
    return path


def test_a_name_as_a_new_code_is_refused_and_nothing_changes(anna_store, client_for):
    c = client_for(anna_store)
    before = snapshot(anna_store)
    r = c.post("/api/recording", json={"client": "Maria", "players": [NO_PORT]})
    assert r.status_code == 400
    assert r.json()["error"] == (
        "the client code 'Maria' looks like a name: a code must not identify the person; "
        "use a pseudonym such as C07, or start with \"Use it anyway\" if it is one")
    r = c.post("/api/recording", json={"client": "tom_b", "therapist": "Thomas",
                                       "players": [NO_PORT]})
    assert r.status_code == 400
    assert r.json()["error"].startswith("the client code 'tom_b' and the therapist code "
                                        "'Thomas' look like names: ")
    assert r.json()["error"].endswith("if they are")
    # the check comes before the new-client question and the inputs
    r = c.post("/api/recording", json={"client": "AnnaS", "new_client": False,
                                       "players": [NO_PORT]})
    assert r.status_code == 400 and "looks like a name" in r.json()["error"]
    assert snapshot(anna_store) == before
    assert not c.get("/api/recording").json()["active"]


def _fake_start(c) -> list[dict]:
    """The recording's start replaced: what the API asked it to record, no device opened."""
    started = []

    def start(**kw):
        started.append(kw)
        return {"active": True}

    c.app.state.recording.start = start
    return started


@pytest.mark.parametrize("body, recorded", [
    ({"client": "Maria", "therapist": "Thomas", "not_a_name": True},  # "Use it anyway"
     ("Maria", "Thomas")),
    ({"client": "anna", "therapist": "TINA"}, ("Anna", "Tina")),  # known: not asked again
    ({"client": "C07", "therapist": "T01"}, ("C07", "T01")),  # a code, no name
])
def test_past_the_codes_it_records(anna_store, client_for, body, recorded):
    c = client_for(anna_store)
    started = _fake_start(c)
    r = c.post("/api/recording", json={**body, "players": [NO_PORT]})
    assert r.status_code == 201, r.json()
    assert (started[0]["client"], started[0]["therapist"]) == recorded


def test_a_client_with_goals_from_intake_is_known(anna_store, client_for):
    """A client whose goals were agreed before a first session is chosen at Record as an
    existing client, and its code is not asked about again (as improv record knows it)."""
    c = client_for(anna_store)
    started = _fake_start(c)
    r = c.post("/api/clients/Maria/goals", json={"text": "Comes to the sessions",
                                                 "not_a_name": True})
    assert r.status_code == 201, r.text
    assert c.get("/api/recording/clients").json() == {"clients": ["Anna", "Maria"],
                                                      "therapists": ["Tina"]}
    r = c.post("/api/recording", json={"client": "maria", "therapist": "tina",
                                       "new_client": False, "players": [NO_PORT]})
    assert r.status_code == 201, r.text
    assert (started[0]["client"], started[0]["therapist"]) == ("Maria", "Tina")


@pytest.mark.browser
@pytest.mark.jack
@pytest.mark.slow
def test_use_it_anyway_on_the_page_records(jack_rig, tmp_path, live_server, page):
    """Through a JACK server (dummy driver) and Chromium: the page asks about 'Anna' and
    'Thomas', and after "Use it anyway" the server records them (the page sends not_a_name)."""
    from playwright.sync_api import expect

    from sessions.store import Store
    from tests.improv.web.test_e2e_record_safety import AMPLITUDE, _set_up
    from tests.rig.jackrig import tone

    rig = jack_rig
    rig.midi_player(name="kb1", events=[])
    mic = rig.audio_player(name="mic", signals=[tone(sr=48000, freq_hz=440.0, duration_s=60.0,
                                                     amplitude=AMPLITUDE)])
    mic.start(delay_s=0.0)
    store_path = tmp_path / "store"
    server = live_server(store_path, env=rig.server.env)
    page.goto(server.url + "#/record")
    _set_up(page, rig, client="Anna")
    page.get_by_label("Therapist code").fill("Thomas")
    expect(page.locator(".armed .meter-row [role=meter]")).to_have_count(1, timeout=20000)
    expect(page.locator(".armed .meter-row .silent")).to_have_count(1, timeout=10000)  # kb1
    page.get_by_role("button", name="Start recording").click()
    expect(page.get_by_role("alertdialog", name="Before the recording starts")).to_contain_text(
        'The client code "Anna" and the therapist code "Thomas" look like names.')
    page.get_by_role("button", name="Use it anyway").click()
    page.get_by_role("button", name="Start anyway").click()  # the keyboard is played later
    page.get_by_role("button", name="Stop", exact=True).wait_for(timeout=30000)
    expect(page.locator("#live-h")).to_have_text("Recording Anna · therapist Thomas")
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_role("button", name="Yes, stop and save").click()
    page.wait_for_url("**#/session/*", timeout=60000)
    sid = page.url.rsplit("/", 1)[-1]
    with Store(store_path) as store:
        (row,) = store.list()
        assert (row["id"], row["client"], row["therapist"]) == (sid, "Anna", "Thomas")
