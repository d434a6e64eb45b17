"""The web app's import and Record page follow the one rule for a new code that reads like a
person's name (review 36; the command line's: tests/improv/test_codes_everywhere.py).

``POST /api/import`` refuses a client or therapist code new to the store that reads like a
name, in :func:`improv.codes.name_like_refusal`'s sentence, unless ``not_a_name`` (the import
form's "Use it anyway"); the uploads stay for the next try.  The Record page says a therapist
code looks like a name only when the store does not have it, as Start refuses only a new one
(``GET /api/recording/clients`` gives the store's therapist codes)."""

from __future__ import annotations

import pytest

from tests.improv.web.test_api import snapshot
from tests.improv.web.test_import_api import _keyboard, _up
from tests.sessions.helpers import write_midi


@pytest.fixture
def tina_store(tmp_path):
    """A store with one session of client C07 and therapist Tina (in the store already)."""
    from sessions.importer import import_files
    from sessions.store import Store

    path = tmp_path / "store"
    with Store(path) as store:
        import_files(store, [write_midi(tmp_path / "s.mid")], client="C07", therapist="Tina",
                     players=["client=s.mid:2"])
    return path


def test_an_import_with_a_new_name_is_refused_until_not_a_name(tina_store, tmp_path, client_for):
    c = client_for(tina_store)
    up = _up(c, "keyboard-3.mid", _keyboard(tmp_path))["upload"]
    body = {"uploads": [up], "players": ["client=keyboard-3.mid:2"],
            "started": "2026-10-07T10:00+01:00"}
    before = snapshot(tina_store)
    r = c.post("/api/import", json={**body, "client": "Anna"})
    assert r.status_code == 400
    assert r.json()["error"] == (
        "the client code 'Anna' looks like a name: a code must not identify the person; use a "
        "pseudonym such as C07, or import with \"Use it anyway\" if it is one")
    r = c.post("/api/import", json={**body, "client": "C08", "therapist": "Thomas"})
    assert r.status_code == 400 and "the therapist code 'Thomas' looks like a name" in \
        r.json()["error"]
    assert snapshot(tina_store) == before
    # the upload was kept: the form's "Use it anyway" imports it
    r = c.post("/api/import", json={**body, "client": "Anna", "therapist": "Thomas",
                                    "not_a_name": True})
    assert r.status_code == 201, r.text
    codes = c.get("/api/recording/clients").json()
    assert codes == {"clients": ["Anna", "C07"], "therapists": ["Thomas", "Tina"]}


def test_an_import_with_codes_of_the_store_is_not_asked_about(tina_store, tmp_path, client_for):
    c = client_for(tina_store)
    up = _up(c, "keyboard-3.mid", _keyboard(tmp_path))["upload"]
    r = c.post("/api/import", json={"uploads": [up], "client": "c07", "therapist": "TINA",
                                    "players": ["client=keyboard-3.mid:2"],
                                    "started": "2026-10-07T10:00+01:00"})
    assert r.status_code == 201, r.text


def test_use_it_anyway_on_the_import_form(tmp_path, live_server, page):
    """The form shows the server's sentence with a Use it anyway button, which imports."""
    from playwright.sync_api import expect

    from sessions.store import Store

    mid = write_midi(tmp_path / "duet.mid", tracks={"client": [(0.0, 0, 60, 90)]})
    store_path = tmp_path / "store"
    server = live_server(store_path)
    page.goto(server.url)
    page.locator("#imp-files").set_input_files(str(mid))
    expect(page.get_by_label("Who plays duet.mid track 2 'client'")).to_have_value("client",
                                                                                 timeout=15000)
    page.locator("#imp-client").fill("Anna")
    page.get_by_role("button", name="Import as one session").click()
    err = page.locator("form.import .error")
    expect(err).to_contain_text("The client code 'Anna' looks like a name: a code must not "
                                "identify the person; use a pseudonym such as C07, or import "
                                "with \"Use it anyway\" if it is one")
    with Store(store_path) as store:
        assert store.session_ids() == []
    err.get_by_role("button", name="Use it anyway").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    with Store(store_path) as store:
        (sid,) = store.session_ids()
        assert store.session(sid).manifest["client"] == "Anna"


def test_the_record_page_asks_only_about_a_new_therapist_code(tina_store, live_server, page):
    """A therapist code the store has ('tina' for Tina) is not said to look like a name; a new
    one ('Thomas') is, as Start refuses only a new one."""
    from playwright.sync_api import expect

    server = live_server(tina_store)
    page.goto(server.url + "#/record")
    field = page.get_by_label("Therapist code")
    said = page.locator("#rec-therapist ~ .code-hint .code-check")
    field.fill("tina")
    expect(said).to_have_text("")
    field.fill("Thomas")
    expect(said).to_have_text(
        '"Thomas" looks like a name: a therapist code must not identify the person.')
    field.fill("Tina")
    expect(said).to_have_text("")
