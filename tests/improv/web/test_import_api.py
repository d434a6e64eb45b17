"""The import API of the web form (review 28 second, findings 1, 3 and 8): an upload says
what its file holds and takes the file's own time; the players of each part are proposed
from the client's last session; the import takes players, parts left out, a title, a
therapist code and "Recorded on"; every refusal is one line and leaves the store as it was."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.improv.web.test_api import _wav_bytes, snapshot
from tests.sessions.helpers import write_midi


def _keyboard(tmp_path, name="keyboard-3.mid", names=("Piano client", "Piano therapist")):
    return write_midi(tmp_path / name, tracks={names[0]: [(0.5 * k, 0, 60, 90) for k in range(4)],
                                               names[1]: [(0.3, 1, 48, 80)]}).read_bytes()


def _up(c, name, body, **headers):
    r = c.post("/api/uploads", content=body, headers={"X-Filename": name, **headers})
    assert r.status_code == 201, r.text
    return r.json()


def test_an_upload_says_what_it_holds_and_keeps_its_time(tmp_path, client_for):
    c = client_for(tmp_path / "store")
    when = datetime(2026, 10, 7, 9, 30, tzinfo=timezone.utc)
    mid = _up(c, "keyboard-3.mid", _keyboard(tmp_path),
              **{"X-Last-Modified": str(int(when.timestamp() * 1000))})
    assert mid["kind"] == "midi"
    assert [p["text"] for p in mid["parts"]] == ["track 2 'Piano client', 4 notes",
                                                  "track 3 'Piano therapist', 1 note"]
    assert mid["last_modified_utc"] == when.isoformat()
    wav = _up(c, "room.wav", _wav_bytes(seconds=3.0))
    assert wav["text"] == "room.wav, 1 channel, 3 s" and wav["parts"][0]["selector"] == "1"
    # without "Recorded on", the session starts at the oldest file's own time
    r = c.post("/api/import", json={"uploads": [mid["upload"], wav["upload"]], "client": "C07",
                                    "players": ["client=keyboard-3.mid:track2",
                                                "therapist=keyboard-3.mid:track3",
                                                "room=room.wav"]})
    assert r.status_code == 201, r.text
    started = c.get(f"/api/sessions/{r.json()['id']}").json()["started_utc"]
    assert datetime.fromisoformat(started) == when


@pytest.mark.parametrize("value", ["yesterday", "-5", "1e20"])
def test_a_bad_file_time_is_one_line(tmp_path, client_for, value):
    c = client_for(tmp_path / "store")
    r = c.post("/api/uploads", content=_wav_bytes(),
               headers={"X-Filename": "room.wav", "X-Last-Modified": value})
    assert r.status_code == 400
    assert r.json()["error"].startswith("room.wav: X-Last-Modified must be the file's time")


def test_players_are_proposed_from_the_last_session(tmp_path, client_for):
    c = client_for(tmp_path / "store")
    mid = _up(c, "keyboard-1.mid", _keyboard(tmp_path, "keyboard-1.mid"))
    wav = _up(c, "room-1.wav", _wav_bytes())
    ups = [mid["upload"], wav["upload"]]
    # no session of the client yet: client and therapist from the track names; the room asked
    r = c.post("/api/import/players", json={"uploads": ups, "client": "C07"})
    assert r.status_code == 200, r.text
    assert r.json()["previous"] is None
    assert [[(p["selector"], p["player"], p["why"]) for p in f["parts"]]
            for f in r.json()["files"]] == [
        [("track2", "client", "name"), ("track3", "therapist", "name")], [("1", None, None)]]
    r = c.post("/api/import", json={
        "uploads": ups, "client": "C07", "players": [
            "client=keyboard-1.mid:track2", "therapist=keyboard-1.mid:track3",
            "room=room-1.wav"], "title": " Week 1 ", "therapist": "T01",
        "started": "2026-10-07T10:00+02:00"})
    assert r.status_code == 201, r.text
    s = c.get(f"/api/sessions/{r.json()['id']}").json()
    assert (s["title"], s["therapist"], s["started_utc"]) == (
        "Week 1", "T01", "2026-10-07T08:00:00.000000+00:00")
    # the next session's files: plain track names, another room file: as in Session 1
    mid = _up(c, "take.mid", _keyboard(tmp_path, "take.mid", names=("Track 1", "Track 2")))
    wav = _up(c, "room-2.wav", _wav_bytes())
    r = c.post("/api/import/players", json={"uploads": [mid["upload"], wav["upload"]],
                                            "client": "c07"})
    assert r.json()["previous"]["number"] == 1
    assert [[(p["player"], p["why"]) for p in f["parts"]] for f in r.json()["files"]] == [
        [("client", "order"), ("therapist", "order")], [("room", "previous")]]


def test_a_track_left_out_and_a_mapping_with_spaces(tmp_path, client_for):
    c = client_for(tmp_path / "store")
    mid = _up(c, "keyboard-3.mid", _keyboard(tmp_path))
    r = c.post("/api/import", json={"uploads": [mid["upload"]], "client": "C07",
                                    "players": ["Client = keyboard-3.mid:track2"],
                                    "leave_out": ["keyboard-3.mid:track3"]})
    assert r.status_code == 201, r.text
    assert r.json()["players"] == ["Client"]


@pytest.mark.parametrize("body, message", [
    ({"players": ["client=keyboard-3.mid:1"]},
     "keyboard-3.mid has no track 1 with MIDI messages (tracks: 2 'Piano client', "
     "3 'Piano therapist')"),
    ({"leave_out": ["keyboard-3.mid:track2", "keyboard-3.mid:track3"]},
     "every part of keyboard-3.mid that plays is left out"),
    ({"started": "last week"}, "Recorded on must be a date and time like 2026-11-02T10:00+01:00"),
    ({"started": "2026-10-07T10:00"}, "Recorded on needs its time zone"),
    ({"started": "2126-10-07T10:00+00:00"}, "Recorded on (2126-10-07T10:00+00:00) is in the "
     "future"),
    ({"therapist": "Anna Müller"}, "therapist"),
])
def test_bad_import_input_is_one_line_and_the_store_unchanged(tmp_path, client_for, body,
                                                              message):
    path = tmp_path / "store"
    c = client_for(path)
    mid = _up(c, "keyboard-3.mid", _keyboard(tmp_path))
    c.get("/api/sessions")
    before = snapshot(path)
    r = c.post("/api/import", json={"uploads": [mid["upload"]], "client": "C07", **body})
    assert r.status_code == 400, r.text
    assert message in r.json()["error"] and "\n" not in r.json()["error"]
    assert snapshot(path) == before
    assert c.get("/api/sessions").json()["sessions"] == []


def test_proposals_refuse_a_bad_client_code_and_a_gone_upload(tmp_path, client_for):
    c = client_for(tmp_path / "store")
    up = _up(c, "room.wav", _wav_bytes())["upload"]
    r = c.post("/api/import/players", json={"uploads": [up], "client": "C 07!"})
    assert r.status_code == 400 and "pseudonym" in r.json()["error"]
    c.delete(f"/api/uploads/{up}")
    r = c.post("/api/import/players", json={"uploads": [up], "client": "C07"})
    assert r.status_code == 404 and "upload the file again" in r.json()["error"]


def test_an_import_that_looks_like_one_before_says_which(tmp_path, client_for):
    """The same files imported twice for a client (review 35: it counted twice in the course,
    and the sessions after it were renumbered without a word): the answer names the session it
    looks like, which the page says; another recording of the client is no such twin."""
    c = client_for(tmp_path / "store")
    when = str(int(datetime(2026, 10, 7, 9, 30, tzinfo=timezone.utc).timestamp() * 1000))
    body = {"client": "C07", "players": ["client=keyboard-3.mid:track2",
                                         "therapist=keyboard-3.mid:track3"]}
    first = c.post("/api/import", json={"uploads": [_up(c, "keyboard-3.mid", _keyboard(
        tmp_path), **{"X-Last-Modified": when})["upload"]], **body})
    assert first.status_code == 201 and first.json()["looks_like"] == []
    again = c.post("/api/import", json={"uploads": [_up(c, "keyboard-3.mid", _keyboard(
        tmp_path), **{"X-Last-Modified": when})["upload"]], **body})
    assert again.status_code == 201
    (twin,) = again.json()["looks_like"]
    assert twin["id"] == first.json()["id"] and twin["number"] in (1, 2)
    later = str(int(datetime(2026, 10, 14, 9, 30, tzinfo=timezone.utc).timestamp() * 1000))
    other = c.post("/api/import", json={"uploads": [_up(c, "keyboard-3.mid", _keyboard(
        tmp_path), **{"X-Last-Modified": later})["upload"]], **body})
    assert other.json()["looks_like"] == []
