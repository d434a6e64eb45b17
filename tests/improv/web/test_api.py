"""API tests for every endpoint of the web app, including the security checks.

Each refusal is checked to leave the store exactly as it was (no new
annotation revision, no new session, no changed notes).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.improv.web.conftest import BASE, TOKEN


def snapshot(store_path: Path) -> dict[str, str]:
    """Hash of every file in the session folders (catalog and cache excluded)."""
    out = {}
    for p in sorted((store_path / "sessions").rglob("*")):
        if p.is_file() and "cache" not in p.parts:
            out[str(p.relative_to(store_path))] = hashlib.sha256(p.read_bytes()).hexdigest()
    for name in ("vocabulary.json", "setups.json"):
        p = store_path / name
        if p.exists():
            out[name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


# -- security ------------------------------------------------------------------------------

def test_the_shell_is_public_the_api_needs_the_token_header(demo_store, client_for):
    path, _ = demo_store
    c = client_for(path, signed_in=False)
    assert c.get("/").status_code == 200  # the shell and the scripts hold no data
    assert c.get("/static/app.js").status_code == 200
    assert c.get("/api/sessions").status_code == 401
    # an older version's address: sent on with the token in the fragment (no cookie)
    r = c.get(f"/?token={TOKEN}&x=1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/?x=1#token={TOKEN}"
    assert "set-cookie" not in r.headers
    assert c.get("/api/sessions").status_code == 401
    assert c.get("/api/sessions", headers={"X-Improv-Token": TOKEN}).status_code == 200


def test_the_browser_is_started_without_the_token_on_its_command_line(tmp_path):
    """Every user of the computer can read a browser's command line (``ps``), for as long as
    it runs: ``improv serve`` starts the browser on an owner-only page that forwards to the
    address with the token, and removes the page when it stops."""
    import os
    import re
    import stat
    import subprocess
    import sys
    import time

    from tests.improv.web.conftest import REPO

    args_file = tmp_path / "browser-args.txt"
    browser = tmp_path / "browser.sh"
    # written whole, then renamed: the test polls for the file and once read it empty,
    # between the shell's creating it and its echo (a clean-clone CI run)
    browser.write_text(f'#!/bin/sh\necho "$@" > {args_file}.part && mv {args_file}.part '
                       f'{args_file}\n')
    browser.chmod(0o700)
    proc = subprocess.Popen(
        [sys.executable, "-m", "improv", "--store", str(tmp_path / "store"), "serve",
         "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "BROWSER": f"{browser} %s", "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        token = re.search(r"#token=(\S+)", line).group(1)
        deadline = time.monotonic() + 20
        while not args_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        given = args_file.read_text().strip()
        assert token not in given and given.startswith("file://"), given
        page = Path(given[len("file://"):])
        assert stat.S_IMODE(page.stat().st_mode) == 0o600
        assert stat.S_IMODE(page.parent.stat().st_mode) == 0o700
        assert "url=http://127.0.0.1:" in page.read_text() and token in page.read_text()
    finally:
        proc.terminate()
        proc.wait(20)
    assert not page.parent.exists()  # the token ends with the server, and so does the page


def test_wrong_token_is_refused(demo_store, client_for):
    path, _ = demo_store
    c = client_for(path, signed_in=False)
    r = c.get("/api/sessions", headers={"X-Improv-Token": "not-the-token"})
    assert r.status_code == 403 and r.json()["signed_in"] is False
    assert "earlier start of improv" in r.json()["error"]


@pytest.mark.parametrize("host", ["evil.example:8470", "127.0.0.1:9999", "localhost", "",
                                  "127.0.0.1.evil.example:8470"])
def test_bad_host_is_refused(demo_store, client_for, host):
    path, _ = demo_store
    c = client_for(path)
    r = c.get("/api/sessions", headers={"Host": host})
    assert r.status_code == 400 and "Host" in r.json()["error"]


def test_localhost_host_is_accepted(demo_store, client_for):
    path, _ = demo_store
    c = client_for(path)
    assert c.get("/api/info", headers={"Host": "localhost:8470"}).status_code == 200


def test_cross_origin_and_headerless_writes_are_refused(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    before = snapshot(path)
    url = f"/api/sessions/{sid}/annotations"
    body = {"t": 1.0, "tags": ["marker"]}
    r = c.post(url, json=body, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "cross-origin" in r.json()["error"]
    r = c.post(url, json=body, headers={"Origin": "http://127.0.0.1:9999"})
    assert r.status_code == 403
    # no Origin and no custom header: a plain cross-site form post
    del c.headers["X-Improv-Request"]
    r = c.post(url, json=body)
    assert r.status_code == 403 and "X-Improv-Request" in r.json()["error"]
    assert c.delete(f"/api/sessions/{sid}", headers={"Origin": "null"}).status_code == 403
    assert snapshot(path) == before
    # the app's own origin passes
    r = c.post(url, json=body, headers={"Origin": BASE})
    assert r.status_code == 201


def test_security_headers(demo_store, client_for):
    path, _ = demo_store
    r = client_for(path).get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"


def test_static_assets_are_local_only():
    static = Path(__file__).resolve().parents[3] / "improv" / "web" / "static"
    for f in static.iterdir():
        text = f.read_text()
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", ""), f.name
        assert "https://" not in text, f.name


@pytest.mark.parametrize("url", [
    "/api/sessions/..%2F..%2Fetc/audio/x",
    "/api/sessions/../catalog.sqlite",
    "/api/sessions/20261127-093012-zzzz",
    "/api/sessions/20991127-093012-abcd",
    "/api/sessions/{sid}/audio/..%2Fsession.json",
    "/api/sessions/{sid}/audio/..%2F..%2F..%2Fcatalog.sqlite",
    "/api/sessions/{sid}/audio/session.json",
    "/api/sessions/{sid}/audio/%2Fetc%2Fpasswd",
    "/api/sessions/{sid}/peaks/..%2Fsession.json",
    "/api/sessions/{sid}/annotations/..%2F..%2Fx/history",
    "/static/..%2F..%2Fcli%2Fserve.py",
    "/static/../app.py",
])
def test_path_traversal_gets_404(demo_store, client_for, url):
    path, sid = demo_store
    r = client_for(path).get(url.format(sid=sid))
    assert r.status_code in (400, 404), (url, r.status_code, r.text[:200])
    assert b"improv-session" not in r.content and b"SQLite" not in r.content


@pytest.mark.parametrize("method, url", [
    ("DELETE", "/api/sessions/..%2F..%2Fetc"),
    ("DELETE", "/api/sessions/..%2Fsessions%2F{sid}"),
    ("DELETE", "/api/sessions/{sid}%2F.."),
    ("DELETE", "/api/sessions/{sid}/annotations/..%2F..%2Fsession.json"),
    ("PATCH", "/api/sessions/{sid}/annotations/..%2F..%2Fsession.json"),
    ("PUT", "/api/sessions/..%2F..%2Fx/notes"),
    ("PUT", "/api/sessions/{sid}%2F..%2F..%2Fx/notes"),
    ("POST", "/api/sessions/..%2F{sid}/annotations"),
    ("POST", "/api/sessions/..%2F..%2Fx/analysis"),
    ("PUT", "/api/setups/..%2Fsetups"),
    ("DELETE", "/api/setups/..%2F..%2Fcatalog.sqlite"),
])
def test_path_traversal_in_writes_changes_nothing(demo_store, client_for, method, url):
    """Writes through a path with ../ in it are refused and leave the store as it was."""
    path, sid = demo_store
    c = client_for(path)
    assert c.put("/api/setups/duo", json={"players": ["client=midi:kb1"]}).status_code == 200
    before = snapshot(path)
    sessions = c.get("/api/sessions").json()
    body = {"players": ["client=midi:kb1"]} if "setups" in url else {"t": 1, "text": "x"}
    r = c.request(method, url.format(sid=sid), json=None if method == "DELETE" else body)
    assert r.status_code in (400, 404), (r.status_code, r.text[:200])
    assert r.json()["error"]
    assert snapshot(path) == before and c.get("/api/sessions").json() == sessions
    assert (path / "catalog.sqlite").is_file()


def test_unknown_endpoint_is_404_json(demo_store, client_for):
    path, _ = demo_store
    r = client_for(path).get("/api/nothing-here")
    assert r.status_code == 404 and "no endpoint" in r.json()["error"]


# -- sessions --------------------------------------------------------------------------

def test_info_and_list_filters(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    info = c.get("/api/info").json()
    assert info["empty"] is False and info["recording"] is False
    data = c.get("/api/sessions").json()
    (row,) = data["sessions"]
    assert row["id"] == sid and row["demo"] and row["client"] == "DEMO"
    assert "marker" in row["tags"] and data["clients"] == ["DEMO"]
    assert c.get("/api/sessions?client=C99").json()["sessions"] == []
    assert len(c.get("/api/sessions?client=DEMO&tag=marker").json()["sessions"]) == 1
    assert c.get("/api/sessions?tag=autonomy").json()["sessions"] == []
    day = row["started_utc"][:10]
    assert len(c.get(f"/api/sessions?since={day}&until={day}").json()["sessions"]) == 1
    assert c.get("/api/sessions?since=2999-01-01").json()["sessions"] == []
    r = c.get("/api/sessions?since=yesterday")
    assert r.status_code == 422 and "since" in r.json()["error"]
    r = c.get("/api/sessions?since=2026-02-01&until=2026-01-01")
    assert r.status_code == 400 and "before" in r.json()["error"]
    r = c.get("/api/sessions?client=../x")
    assert r.status_code == 400 and "client" in r.json()["error"]


def test_demo_in_empty_store(tmp_path, client_for):
    c = client_for(tmp_path / "empty")
    assert c.get("/api/info").json()["empty"] is True
    r = c.post("/api/demo")
    assert r.status_code == 201
    s = c.get(f"/api/sessions/{r.json()['id']}").json()
    assert s["demo"] is True and s["source"] == "generated"
    # measured in the background, as an imported session is
    c.app.state.background.wait(r.json()["id"], timeout=300)
    answer = c.get(f"/api/sessions/{r.json()['id']}/analysis").json()
    assert answer["status"] == "ok" and set(answer["players"]) == {"client", "therapist"}
    assert answer["dialogue"] and answer["plain_summary"]


def test_session_detail_roll_and_delete(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    s = c.get(f"/api/sessions/{sid}").json()
    assert s["players"] == ["client", "therapist"] and s["audio"][0]["name"] == "room-mics"
    roll = c.get(f"/api/sessions/{sid}/notes-roll").json()["players"]
    for p in ("client", "therapist"):
        n = roll[p]
        assert len(n["start"]) > 10 and np.all(np.diff(n["start"]) >= 0)
        assert all(e >= st for st, e in zip(n["start"], n["end"], strict=False))
    assert c.delete(f"/api/sessions/{sid}").json() == {"deleted": sid}
    assert c.get(f"/api/sessions/{sid}").status_code == 404
    assert c.get("/api/sessions").json()["sessions"] == []


def test_audio_range_and_peaks(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    full = c.get(f"/api/sessions/{sid}/audio/room-mics")
    assert full.status_code == 200 and full.headers["content-type"] == "audio/wav"
    r = c.get(f"/api/sessions/{sid}/audio/room-mics", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == full.content[100:200]
    assert r.headers["content-range"] == f"bytes 100-199/{len(full.content)}"
    r = c.get(f"/api/sessions/{sid}/audio/nope")
    assert r.status_code == 404 and "room-mics" in r.json()["error"]
    meta = c.get(f"/api/sessions/{sid}/peaks/room-mics").json()
    assert meta["channels"] == 2 and [lv["bucket_frames"] for lv in meta["levels"]][0] == 256
    lvl = meta["levels"][1]
    raw = c.get(f"/api/sessions/{sid}/peaks/room-mics/{lvl['bucket_frames']}")
    arr = np.frombuffer(raw.content, np.int8).reshape(lvl["buckets"], 2, 2)
    assert np.all(arr[..., 0] <= arr[..., 1]) and arr[..., 1].max() > 20
    assert c.get(f"/api/sessions/{sid}/peaks/room-mics/1000").status_code == 400
    bad = c.get(f"/api/sessions/{sid}/peaks/room-mics/%C2%B2")  # "²": a digit, not a number
    assert bad.status_code == 400 and "bucket_frames must be one of" in bad.json()["error"]
    assert c.get(f"/api/sessions/{sid}/peaks/nope").status_code == 404
    # health data: the recording and its derivatives stay out of the browser's disk cache
    assert full.headers["cache-control"] == "no-store"
    # a client that revalidates with the ETag gets 304 without data
    assert raw.headers["cache-control"] == "no-store" and raw.headers["etag"]
    again = c.get(f"/api/sessions/{sid}/peaks/room-mics/{lvl['bucket_frames']}",
                  headers={"If-None-Match": raw.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = c.get(f"/api/sessions/{sid}/peaks/room-mics/{meta['levels'][2]['bucket_frames']}")
    assert other.headers["etag"] != raw.headers["etag"]


def _parse_roll(data: bytes) -> dict[str, dict[str, np.ndarray]]:
    """Read notes-roll.bin as the browser does (static/session.js parseRoll)."""
    import json

    assert data[:4] == b"IRL1"
    hlen = int(np.frombuffer(data[4:8], "<u4")[0])
    players = json.loads(data[8:8 + hlen])["players"]
    off, out = 8 + hlen, {}
    for p, n in players:
        out[p] = {"start": np.frombuffer(data, "<f4", n, off),
                  "end": np.frombuffer(data, "<f4", n, off + 4 * n)}
        off += 8 * n
    for p, n in players:
        out[p]["pitch"] = np.frombuffer(data, np.uint8, n, off)
        out[p]["velocity"] = np.frombuffer(data, np.uint8, n, off + n)
        off += 2 * n
    assert off == len(data)
    return out


def test_page_bundle_and_binary_roll(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    page = c.get(f"/api/sessions/{sid}/page").json()
    assert page["session"] == c.get(f"/api/sessions/{sid}").json()
    assert page["vocabulary"] == c.get("/api/vocabulary").json()
    assert page["annotations"] == c.get(f"/api/sessions/{sid}/annotations").json()["annotations"]
    assert page["peaks"]["room-mics"] == c.get(f"/api/sessions/{sid}/peaks/room-mics").json()
    r = c.get(f"/api/sessions/{sid}/notes-roll.bin")
    assert r.headers["content-type"] == "application/octet-stream"
    binary = _parse_roll(r.content)
    as_json = c.get(f"/api/sessions/{sid}/notes-roll").json()["players"]
    assert set(binary) == set(as_json) == {"client", "therapist"}
    for p, cols in as_json.items():
        np.testing.assert_allclose(binary[p]["start"], cols["start"], atol=1e-3)
        np.testing.assert_allclose(binary[p]["end"], cols["end"], atol=1e-3)
        assert binary[p]["pitch"].tolist() == cols["pitch"]
        assert binary[p]["velocity"].tolist() == cols["velocity"]
    assert len(r.content) < len(c.get(f"/api/sessions/{sid}/notes-roll").content) / 2
    again = c.get(f"/api/sessions/{sid}/notes-roll.bin",
                  headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert c.get("/api/sessions/20990101-000000-abcd/page").status_code == 404
    assert c.get("/api/sessions/20990101-000000-abcd/notes-roll.bin").status_code == 404


def test_peaks_match_the_samples(demo_store):
    from improv.web.peaks import BASE_BUCKET, load_level
    from sessions.store import Store

    path, sid = demo_store
    with Store(path) as store:
        s = store.session(sid)
        y = s.read_audio("room-mics")
        base = load_level(s, "room-mics", BASE_BUCKET)
        coarse = load_level(s, "room-mics", 2048)
    n = len(y) // BASE_BUCKET
    blocks = y[: n * BASE_BUCKET].reshape(n, BASE_BUCKET, 2)
    assert np.all(base[:n, :, 1] >= np.floor(blocks.max(axis=1) * 127) - 0)
    assert np.all(base[:n, :, 1] <= np.ceil(blocks.max(axis=1) * 127))
    assert np.all(base[:n, :, 0] <= blocks.min(axis=1) * 127 + 1e-3)
    assert coarse[0, 0, 1] == base[:8, 0, 1].max() and coarse[0, 0, 0] == base[:8, 0, 0].min()


def test_rendering_of_midi_only_session(tmp_path, client_for):
    import shutil

    from sessions.store import Store

    if shutil.which("fluidsynth") is None:
        pytest.skip("fluidsynth not installed")
    path = tmp_path / "store"
    with Store(path) as store:
        w = store.create_session(client="C01", players=["client"])
        w.add_midi_input("kb", player="client")
        w.midi(0.1, player="client", port="kb", data=b"\x90\x3c\x64")
        w.midi(0.6, player="client", port="kb", data=b"\x80\x3c\x00")
        sid = w.finalize(duration_s=1.0)["id"]
    c = client_for(path)
    r = c.get(f"/api/sessions/{sid}/rendering", headers={"Range": "bytes=0-11"})
    assert r.status_code == 206 and r.content[:4] == b"RIFF"


def _wav_bytes(seconds=1.0, sr=8000):
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        t = np.arange(int(seconds * sr)) / sr
        w.writeframes((np.sin(2 * np.pi * 220 * t) * 8000).astype("<i2").tobytes())
    return buf.getvalue()


def test_upload_and_import(tmp_path, client_for):
    import os
    import stat
    import subprocess
    import sys
    import tempfile

    from improv.web.app import UPLOADS_PREFIX

    # a server killed before its shutdown left its staging folder: the next one removes it
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    left = Path(tempfile.gettempdir()) / f"{UPLOADS_PREFIX}{dead}-abcd"
    left.mkdir(mode=0o700)
    (left / "old.wav").write_bytes(b"RIFF")
    mine = Path(tempfile.gettempdir()) / f"{UPLOADS_PREFIX}{os.getpid()}-live"
    mine.mkdir(mode=0o700)  # a running server's (this process): kept
    path = tmp_path / "store"
    c = client_for(path)
    assert not left.exists() and mine.exists()
    mine.rmdir()
    r = c.post("/api/uploads", content=_wav_bytes(), headers={"X-Filename": "room.wav"})
    assert r.status_code == 201
    up = r.json()["upload"]
    # staged in the store's tmp/ (swept if the server is killed), never the system's
    (staged,) = (path / "tmp").glob(f"uploads-{os.getpid()}-*/{up}/room.wav")
    assert stat.S_IMODE(staged.stat().st_mode) == 0o600  # a client's recording: owner only
    assert stat.S_IMODE(staged.parent.parent.stat().st_mode) == 0o700
    assert not list(Path(tempfile.gettempdir()).glob(f"{UPLOADS_PREFIX}{os.getpid()}-*"))
    r = c.post("/api/import", json={"uploads": [up], "client": "C07",
                                    "players": ["therapist=room.wav:1"], "offset": "0:01.5"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert c.get(f"/api/sessions/{sid}").json()["client"] == "C07"
    assert c.get(f"/api/sessions/{sid}").json()["audio"][0]["t0"] == 1.5  # as the page types it
    # the staged upload is gone after the import
    r = c.post("/api/import", json={"uploads": [up]})
    assert r.status_code == 404 and "upload" in r.json()["error"]


@pytest.mark.parametrize("name,body,message", [
    ("../evil.wav", b"x", "bad file name"),
    ("a/b.wav", b"x", "bad file name"),
    ("notes.txt", b"x", "unsupported"),
    ("empty.wav", b"", "empty.wav is empty (0 bytes): copy it again"),
    ("fake.mid", b"just some text, named .mid\n", "fake.mid cannot be read as a MIDI file"),
    ("random.wav", bytes(range(256)) * 4, "random.wav is not readable audio"),
])
def test_bad_uploads(tmp_path, client_for, name, body, message):
    path = tmp_path / "store"
    c = client_for(path)
    r = c.post("/api/uploads", content=body, headers={"X-Filename": name})
    assert r.status_code == 400 and message in r.json()["error"]


def test_uploads_are_checked_and_can_be_removed(tmp_path, client_for, monkeypatch):
    """Each upload is read as the import would read it (review 28, finding 6): a bad one is
    refused at once with the command line's message (its name once) and leaves nothing
    staged; a good one says its kind and can be removed again; an import that one file spoils
    names the file to remove."""
    import os

    tmp = tmp_path / "store" / "tmp"
    c = client_for(tmp_path / "store")
    r = c.post("/api/uploads", content=b"just some text", headers={"X-Filename": "fake.mid"})
    assert r.status_code == 400
    assert r.json()["error"].count("fake.mid") == 1
    staged = list(tmp.glob(f"uploads-{os.getpid()}-*/*/fake.mid"))
    assert staged == []
    r = c.post("/api/uploads", content=_wav_bytes(), headers={"X-Filename": "room.wav"})
    assert r.status_code == 201 and r.json()["kind"] == "audio"
    up = r.json()["upload"]
    (wav,) = tmp.glob(f"uploads-{os.getpid()}-*/{up}/room.wav")
    assert c.delete(f"/api/uploads/{up}").status_code == 204
    assert not wav.parent.exists()
    assert c.delete(f"/api/uploads/{up}").status_code == 204  # gone already: fine
    assert c.delete("/api/uploads/..%2F..%2Fetc").status_code in (400, 404)
    r = c.post("/api/import", json={"uploads": [up], "client": "C07"})
    assert r.status_code == 404
    # a file spoiled after its check (here: cut to nothing) is named, with what to do
    up = c.post("/api/uploads", content=_wav_bytes(), headers={"X-Filename": "room.wav"})
    up = up.json()["upload"]
    (wav,) = tmp.glob(f"uploads-{os.getpid()}-*/{up}/room.wav")
    wav.write_bytes(b"RIFF")
    r = c.post("/api/import", json={"uploads": [up], "client": "C07"})
    assert r.status_code == 400
    assert r.json()["error"].endswith(". Remove room.wav and import again")
    assert c.get("/api/sessions").json()["sessions"] == []


def test_failed_import_leaves_store_unchanged(demo_store, client_for):
    path, _ = demo_store
    c = client_for(path)
    before = snapshot(path)
    # a file that is no audio is refused when it is uploaded (see test_uploads_are_checked)
    r = c.post("/api/uploads", content=b"not a wav file at all",
               headers={"X-Filename": "broken.wav"})
    assert r.status_code == 400 and r.json()["error"].startswith("broken.wav is not readable")
    # a refused import keeps its uploads for another try (a bad client code here)
    good = c.post("/api/uploads", content=_wav_bytes(), headers={"X-Filename": "room.wav"})
    good = good.json()["upload"]
    r = c.post("/api/import", json={"uploads": [good], "client": "C 07!"})
    assert r.status_code == 400 and "pseudonym" in r.json()["error"]
    r = c.post("/api/import", json={"uploads": [good], "client": "C07", "offset": "abc"})
    assert r.status_code == 400 and "offset: write the time as minutes:seconds (12:30)" in r.text
    for offset in (1e6, 1e308):  # a typo would make a days-long session of silence
        r = c.post("/api/import", json={"uploads": [good], "client": "C07", "offset": offset})
        assert r.status_code == 400 and "offset must be a number of seconds from 0 to" in r.text
        assert "--" not in r.json()["error"]  # the page has fields, not command-line options
    assert snapshot(path) == before
    assert c.post("/api/import", json={"uploads": ["../../etc"]}).status_code == 400
    r = c.post("/api/import", json={"uploads": []})
    assert r.status_code == 422
    r = c.post("/api/import", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "invalid request" in r.json()["error"]
    assert snapshot(path) == before
    assert len(c.get("/api/sessions").json()["sessions"]) == 1
    r = c.post("/api/import", json={"uploads": [good], "client": "C07"})  # corrected
    assert r.status_code == 201
    assert len(c.get("/api/sessions").json()["sessions"]) == 2


# -- annotations, vocabulary, notes ------------------------------------------------------

def test_annotation_lifecycle(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    base = f"/api/sessions/{sid}/annotations"
    r = c.post(base, json={"t": "0:05", "end": 7.5, "player": "client",
                           "tags": ["autonomy:leader"], "text": "leads"})
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["t"] == 5.0 and a["end"] == 7.5 and a["rev"] == 1
    r = c.patch(f"{base}/{a['id']}", json={"text": "leads clearly", "point": True, "group": True})
    assert r.status_code == 200
    e = r.json()
    assert e["text"] == "leads clearly" and e["end"] is None and e["player"] is None
    assert e["rev"] == 2
    hist = c.get(f"{base}/{a['id']}/history").json()["history"]
    assert [h["op"] for h in hist] == ["create", "edit"] and hist[0]["state"]["text"] == "leads"
    r = c.delete(f"{base}/{a['id']}?reason=typo")
    assert r.status_code == 200 and r.json()["deleted"]
    ids = [x["id"] for x in c.get(base).json()["annotations"]]
    assert a["id"] not in ids
    ids = [x["id"] for x in c.get(f"{base}?include_deleted=true").json()["annotations"]]
    assert a["id"] in ids
    # persisted in the store through the library
    from sessions.store import Store

    with Store(path) as store:
        revs = [r for r in store.session(sid).annotation_records() if r["id"] == a["id"]]
    assert [r["op"] for r in revs] == ["create", "edit", "delete"]
    # a deletion is undone by a restore (400 if there is nothing to undo, 404 if unknown)
    r = c.post(f"{base}/{a['id']}/restore", json={"by": "T1"})
    assert r.status_code == 200 and not r.json()["deleted"] and r.json()["rev"] == 4
    assert a["id"] in [x["id"] for x in c.get(base).json()["annotations"]]
    r = c.post(f"{base}/{a['id']}/restore", json={})
    assert r.status_code == 400 and "is not deleted" in r.json()["error"]
    assert c.post(f"{base}/a-0000000000/restore", json={}).status_code == 404
    # new tag added deliberately
    r = c.post(base, json={"t": 1, "tags": ["mood:calm"], "new_tags": ["mood:calm"]})
    assert r.status_code == 201
    assert "mood:calm" in c.get("/api/vocabulary").json()["all"]
    found = c.get("/api/annotations?tag=mood").json()["annotations"]
    assert [x["tags"] for x in found] == [["mood:calm"]]


@pytest.mark.parametrize("body,status,message", [
    ({"t": 1, "tags": ["bogus"]}, 400, "unknown tag"),
    ({"t": 999, "text": "x"}, 400, "outside the session"),
    # neither text nor tag (review 27b: saved silently as an empty row), and a range of no
    # length (stored as a point unasked)
    ({"t": 1}, 400, "An empty annotation: add a word or a tag, or use Marker"),
    ({"t": 1, "text": "  ", "tags": []}, 400, "An empty annotation"),
    ({"t": "0:10", "end": "0:10", "text": "x"}, 400, "the end (0:10.0) is the start"),
    ({"t": 5, "end": 2, "text": "x"}, 400, "is before the start"),
    ({"t": "1:99"}, 400, "t:"),
    ({"t": 1, "player": "nobody", "text": "x"}, 400, "no player"),
    ({"tags": ["marker"]}, 422, "t"),
    ({"t": 1, "color": "red"}, 422, "color"),
    ({"t": [1, 2]}, 422, "t"),
    ({"t": 1, "new_tags": ["two words"]}, 400, "without spaces"),
    # a refused annotation adds no tag to the vocabulary either
    ({"t": 1, "tags": ["bogus"], "new_tags": ["mood:new"]}, 400, "unknown tag"),
    ({"t": 999, "tags": ["mood:new"], "new_tags": ["mood:new"]}, 400, "outside the session"),
    ({"t": 1, "new_tags": ["x" * 200]}, 400, "at most 64 characters"),
    # JSON's NaN and Infinity (Python's json reads them) are no time
    ('{"t": NaN, "text": "x"}', 400, "time must be a number of seconds"),
    ('{"t": 1, "end": Infinity, "text": "x"}', 400, "end must be a number of seconds"),
])
def test_bad_annotations_change_nothing(demo_store, client_for, body, status, message):
    path, sid = demo_store
    c = client_for(path)
    before = snapshot(path)
    url = f"/api/sessions/{sid}/annotations"
    r = (c.post(url, content=body, headers={"content-type": "application/json"})
         if isinstance(body, str) else c.post(url, json=body))
    assert r.status_code == status, r.text
    assert message in r.json()["error"]
    assert snapshot(path) == before


@pytest.mark.parametrize("body,status,message", [
    ({}, 400, "nothing to change"),
    ({"by": "T01"}, 400, "nothing to change"),
    ({"point": True, "end": 10}, 400, "either point (no end) or end"),
    ({"group": True, "player": "client"}, 400, "either group (no player) or player"),
    ({"point": "yes"}, 422, "point"),
    ({"text": "x", "by": "<b>Anna</b>"}, 400, "the author (by) must be a pseudonym code"),
    ({"t": 1, "tags": [], "text": ""}, 400, "An empty annotation"),
    ({"t": 2, "end": 2.0, "text": "x"}, 400, "the end (0:02.0) is the start"),
])
def test_bad_annotation_changes_change_nothing(demo_store, client_for, body, status, message):
    path, sid = demo_store
    c = client_for(path)
    a = c.post(f"/api/sessions/{sid}/annotations", json={"t": 1, "text": "first"}).json()
    before = snapshot(path)
    r = c.patch(f"/api/sessions/{sid}/annotations/{a['id']}", json=body)
    assert r.status_code == status and message in r.json()["error"], r.text
    assert snapshot(path) == before


def test_the_same_values_again_make_no_revision(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    base = f"/api/sessions/{sid}/annotations"
    a = c.post(base, json={"t": 1, "text": "first", "by": ""}).json()
    # an empty author is none given: the session's therapist writes it (api_annotations._author)
    assert a["by"] == c.get(f"/api/sessions/{sid}").json()["therapist"]
    before = snapshot(path)
    for body in ({"text": "first"}, {"tags": None}, {"t": 1.0, "text": "first"}):
        r = c.patch(f"{base}/{a['id']}", json=body)
        assert r.status_code == 200 and r.json()["rev"] == 1, r.text
    assert snapshot(path) == before
    assert c.patch(f"{base}/{a['id']}", json={"text": "second"}).json()["rev"] == 2


def test_a_change_made_to_an_older_revision_is_a_409(demo_store, client_for):
    """Two tabs opened the same annotation (rev 1); the first saves; the second's change would
    silently undo it: refused, nothing written."""
    path, sid = demo_store
    c = client_for(path)
    base = f"/api/sessions/{sid}/annotations"
    a = c.post(base, json={"t": 1, "text": "first"}).json()
    assert c.patch(f"{base}/{a['id']}", json={"text": "tab one", "rev": 1}).json()["rev"] == 2
    before = snapshot(path)
    r = c.patch(f"{base}/{a['id']}", json={"text": "tab two", "rev": 1})
    assert r.status_code == 409 and "was changed since it was opened" in r.json()["error"]
    r = c.delete(f"{base}/{a['id']}?rev=1")
    assert r.status_code == 409 and "reload it and make the change again" in r.json()["error"]
    assert snapshot(path) == before
    assert c.delete(f"{base}/{a['id']}?rev=2").status_code == 200
    # the other tab, still at revision 2, edits or deletes what was deleted meanwhile: a
    # conflict too (it was a 400 "is deleted")
    before = snapshot(path)
    r = c.patch(f"{base}/{a['id']}", json={"text": "tab two again", "rev": 2})
    assert r.status_code == 409 and "was changed since it was opened" in r.json()["error"]
    assert c.delete(f"{base}/{a['id']}?rev=2").status_code == 409
    assert snapshot(path) == before
    # without a revision (the command line), a deleted annotation is still named as such
    r = c.patch(f"{base}/{a['id']}", json={"text": "x"})
    assert r.status_code == 400 and "is deleted" in r.json()["error"]


def test_unknown_annotation_and_session(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    before = snapshot(path)
    assert c.patch(f"/api/sessions/{sid}/annotations/a-0000000000",
                   json={"text": "x"}).status_code == 404
    assert c.delete(f"/api/sessions/{sid}/annotations/a-0000000000").status_code == 404
    assert c.get(f"/api/sessions/{sid}/annotations/a-0000000000/history").status_code == 404
    assert c.post("/api/sessions/20990101-000000-abcd/annotations",
                  json={"t": 1}).status_code == 404
    assert snapshot(path) == before


def test_notes_with_time_links_and_history(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    url = f"/api/sessions/{sid}/notes"
    assert c.get(url).json() == {"text": "", "refs": [], "history": []}
    r = c.put(url, json={"text": "Calm start; at 0:12 she takes the lead. Later 59:00."})
    assert r.status_code == 200 and r.json()["changed"] is True
    n = c.get(url).json()
    assert [(x["text"], x["t"], x["in_session"]) for x in n["refs"]] == [
        ("0:12", 12.0, True), ("59:00", 3540.0, False)]
    assert len(n["history"]) == 1
    assert c.put(url, json={"text": n["text"]}).json()["changed"] is False
    assert c.put(url, json={"txt": "x"}).status_code == 422
    assert len(c.get(url).json()["history"]) == 1


def test_analysis_not_yet_then_run(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    url = f"/api/sessions/{sid}/analysis"
    assert c.get(url).json()["status"] == "not analysed"
    r = c.post(url)
    assert r.status_code == 200
    res = r.json()
    assert res["status"] == "ok" and set(res["players"]) == {"client", "therapist"}
    assert "tempo_bpm" in res["players"]["client"]["sources"]["midi"]["curves"]
    assert res["dialogue"][0]["pair"] == ["client", "therapist"]
    assert c.get(url).json()["status"] == "ok"  # now from the cache
    d = c.get("/api/clients/DEMO").json()
    assert d["sessions"][0]["id"] == sid and "midi.notes_per_s" in d["features"]
    assert c.get("/api/clients/C99").status_code == 404
    assert c.get("/api/clients/..%2Fx").status_code in (400, 404)


# -- setups and recording (without devices) --------------------------------------------

def test_setups(tmp_path, client_for):
    c = client_for(tmp_path / "store")
    assert c.get("/api/setups").json() == {"setups": {}}
    r = c.put("/api/setups/duo", json={"players": ["client=midi:kb1", "therapist=audio:system:2"],
                                      "options": {"jack_server": "x"}})
    assert r.status_code == 200
    s = c.get("/api/setups").json()["setups"]["duo"]
    assert s["players"] == ["client=midi:kb1", "therapist=audio:system:2"]
    assert s["options"] == {"jack_server": "x"}
    r = c.put("/api/setups/bad", json={"players": ["client=guitar:1"]})
    assert r.status_code == 400
    r = c.put("/api/setups/..%2Fx", json={"players": ["client=midi:kb1"]})
    assert r.status_code in (400, 404)
    assert c.delete("/api/setups/duo").status_code == 200
    assert c.delete("/api/setups/duo").status_code == 404  # already gone


def test_recording_errors_without_devices(tmp_path, client_for):
    path = tmp_path / "store"
    c = client_for(path)
    assert c.get("/api/recording").json()["active"] is False
    assert c.post("/api/recording/stop").status_code == 409
    assert c.post("/api/recording/marker", json={}).status_code == 409
    r = c.post("/api/recording", json={"client": "C07"})
    assert r.status_code == 400 and "setup" in r.json()["error"]
    r = c.post("/api/recording", json={"client": "bad code!", "players": ["client=midi:x"]})
    assert r.status_code == 400 and "client" in r.json()["error"]
    r = c.post("/api/recording", json={"client": "C07", "setup": "nope"})
    assert r.status_code == 400 and "no setup" in r.json()["error"]
    r = c.post("/api/recording/marker", json={"kind": "shout"})
    assert r.status_code == 422
    assert not (path / "sessions").exists() or not list((path / "sessions").iterdir())


@pytest.mark.parametrize("player, message", [
    ("client=midi:no-such-port-4711", "no MIDI "),
    ("client=audio:no-such-device-4711:1", "no audio input device "),
])
def test_refused_recording_saves_no_setup(tmp_path, client_for, player, message):
    """Unknown devices: a clear 4xx before anything is written, not even --save-setup's setup."""
    path = tmp_path / "store"
    c = client_for(path)
    assert c.put("/api/setups/duo", json={"players": ["client=midi:kb1"]}).status_code == 200
    before = snapshot(path)
    r = c.post("/api/recording", json={"client": "C07", "players": [player],
                                       "save_setup": "new"})
    assert r.status_code == 409 and r.json()["error"].startswith(message), r.text  # devices
    assert snapshot(path) == before
    assert list(c.get("/api/setups").json()["setups"]) == ["duo"]
    assert c.get("/api/recording").json()["active"] is False


@pytest.mark.jack
def test_started_recording_saves_its_setup(jack_rig, tmp_path, client_for):
    """The other half of the test above: once the devices are found, the setup is saved."""
    jack_rig.midi_player(name="kb1", events=[])
    c = client_for(tmp_path / "store")
    r = c.post("/api/recording", json={
        "client": "C07", "players": ["client=midi:kb1"], "save_setup": "duo",
        "options": {"midi_api": "jack", "jack_server": jack_rig.server.name}})
    assert r.status_code == 201, r.text
    try:
        setups = c.get("/api/setups").json()["setups"]
        assert setups["duo"]["players"] == ["client=midi:kb1"]
        assert setups["duo"]["options"]["jack_server"] == jack_rig.server.name
    finally:
        assert c.post("/api/recording/stop").status_code == 200


def test_devices_endpoint_answers(tmp_path, client_for):
    c = client_for(tmp_path / "store")
    r = c.get("/api/devices")
    assert r.status_code == 200 and set(r.json()) == {"audio", "midi", "hidden", "problems",
                                                  "sound_system"}
    # a server name with a typo: said, not an empty list without a reason
    r = c.get("/api/devices?jack_server=no-such-server-4711")
    assert r.status_code == 200
    assert any("no JACK server named 'no-such-server-4711' answers" in p
               for p in r.json()["problems"]), r.json()


# -- a client's course: compare, reports, export ------------------------------------------

def _compared(c, url):
    """GET a compare URL; while the background analysis runs (202), wait for it, then again."""
    r = c.get(url)
    if r.status_code == 202:
        body = r.json()
        assert body["status"] == "analysing" and 0 <= body["done"] <= body["total"]
        c.app.state.jobs.wait("C07", timeout=300)
        r = c.get(url)
    return r


def test_client_compare_runs_analysis_in_background(course_store, client_for):
    path, ids = course_store
    c = client_for(path)
    r = c.get("/api/clients/C07/compare?features=notes_per_s")
    assert r.status_code == 202 and r.json()["total"] == 4
    r = _compared(c, "/api/clients/C07/compare?features=notes_per_s")
    assert r.status_code == 200
    res = r.json()
    assert res["status"] == "ok" and res["players"] == ["client", "therapist"]
    assert [s["id"] for s in res["sessions"]] == ids and res["sessions"][1]["annotations"] == 1
    assert res["baseline"] == ids[:3] and "notes_per_s" in res["available"]
    assert res["labels"]["notes_per_s"] == "Notes per second"  # what the page shows
    assert set(res["labels"]) == set(res["available"]) and "alpha_ci_level" not in res["labels"]
    f = res["features"]["client.midi.notes_per_s"]
    np.testing.assert_allclose(f["values"], [1.0, 1.5, 2.0, 2.5], rtol=0.05)
    assert f["trend"]["slope_per_session"] == pytest.approx(0.5, abs=0.05)
    # four sessions are too few to tell a course from chance (exact Mann-Kendall: p >= 1/12),
    # however steady: no verdict, no line
    assert f["trend"]["mk_p"] == pytest.approx(1 / 12) and not f["trend"]["distinguishable"]
    assert f["fit"] is None
    assert f["band"]["mean"] == pytest.approx(1.5, rel=0.05) and f["band"]["k"] == 2.0
    assert f["band"]["high"] == pytest.approx(2.5, rel=0.05) and ids[0] not in f["outside_band"]
    res = c.get("/api/clients/C07/compare?features=notes_per_s&band_sd=1").json()
    assert res["features"]["client.midi.notes_per_s"]["outside_band"] == [ids[3]]
    # other baselines, band widths, since
    spec = f"sessions:{ids[2]},{ids[3]}"
    res = c.get(f"/api/clients/C07/compare?features=notes_per_s&baseline={spec}&band_sd=1").json()
    assert res["baseline"] == ids[2:] and res["band_sd"] == 1.0
    band = res["features"]["client.midi.notes_per_s"]["band"]
    assert band["mean"] == pytest.approx(2.25, rel=0.05)
    res = c.get("/api/clients/C07/compare?since=2026-01-12&baseline=first:2").json()
    assert [s["id"] for s in res["sessions"]] == ids[1:]
    assert "client.midi.notes_per_s" in res["columns"]  # the default features
    # a fifth session on the same course: now a change, and the line drawn is the library's
    from datetime import datetime, timezone

    from sessions.store import Store
    from tests.sessions.helpers import import_weekly_session

    with Store(path) as store:
        import_weekly_session(store, path.parent, week=4, notes=60, duration=20.0,
                              rng=np.random.default_rng(7),
                              start=datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc))
    f = _compared(c, "/api/clients/C07/compare?features=notes_per_s").json()["features"][
        "client.midi.notes_per_s"]
    assert f["trend"]["distinguishable"] and len(f["fit"]) == 5
    assert f["fit"][-1] == pytest.approx(3.0, rel=0.05)


@pytest.mark.parametrize("query, status, message", [
    ("baseline=first:1", 400, "baseline first:N needs N >= 2"),
    ("baseline=last:3", 400, "baseline must be first:N or sessions:ID,ID"),
    ("baseline=sessions:20990101-000000-abcd", 400, "two or more of this client's sessions"),
    ("features=no_such_feature", 400, "unknown feature 'no_such_feature'"),
    ("since=2030-01-01", 400, "no sessions since 2030-01-01"),
    ("since=yesterday", 422, "since:"),
    ("band_sd=0", 422, "band_sd:"),
    ("band_sd=abc", 422, "band_sd:"),
])
def test_client_compare_bad_params(course_store, client_for, query, status, message):
    path, _ = course_store
    c = client_for(path)
    _compared(c, "/api/clients/C07/compare")
    before = snapshot(path)
    r = c.get(f"/api/clients/C07/compare?{query}")
    assert r.status_code == status and message in r.json()["error"]
    assert snapshot(path) == before


def test_client_endpoints_unknown_client_and_security(course_store, client_for):
    path, ids = course_store
    c = client_for(path)
    for url in ("compare", "report.html", "report.pdf", "export.csv", "data-dictionary.csv"):
        r = c.get(f"/api/clients/C99/{url}")
        assert r.status_code == 404 and "no sessions of client C99" in r.json()["error"]
        assert c.get(f"/api/clients/bad%20code/{url}").status_code == 400
    assert c.get("/api/clients/C07/report.docx").status_code == 404
    assert c.get(f"/api/sessions/{ids[0]}/report.txt").status_code == 404
    assert c.get("/api/sessions/20990101-000000-abcd/report.html").status_code == 404
    # not analysed yet: reports and exports say so (and the analysis starts)
    r = c.get("/api/clients/C07/export.csv")
    assert r.status_code == 409 and "being analysed" in r.json()["error"]
    r = c.get(f"/api/sessions/{ids[0]}/report.html")
    assert r.status_code == 409 and "Analyse now" in r.json()["error"]
    c.app.state.jobs.wait("C07", timeout=300)
    # the same checks as every endpoint: token header, Host
    anon = client_for(path, signed_in=False)
    assert anon.get("/api/clients/C07/compare").status_code == 401
    assert anon.get(f"/api/sessions/{ids[0]}/report.html").status_code == 401
    r = c.get("/api/clients/C07/export.csv", headers={"Host": "evil.example:8470"})
    assert r.status_code == 400


@pytest.mark.slow
def test_client_reports_and_export(course_store, client_for):
    path, ids = course_store
    c = client_for(path)
    _compared(c, "/api/clients/C07/compare")
    r = c.get("/api/clients/C07/export.csv?features=notes_per_s")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="C07-sessions.csv"' in r.headers["content-disposition"]
    lines = r.text.splitlines()
    assert lines[0].startswith("client,session_id,started_utc,days") and len(lines) == 5
    assert "client.midi.notes_per_s" in lines[0]
    r = c.get("/api/clients/C07/data-dictionary.csv?features=notes_per_s")
    assert "client.midi.notes_per_s,notes/s" in r.text
    r = c.get("/api/clients/C07/report.html?features=notes_per_s")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Client C07</h1>" in r.text and "data:image/png;base64" in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "attachment" in r.headers["content-disposition"]
    r = c.get(f"/api/sessions/{ids[1]}/report.html")
    assert r.status_code == 200 and f"Session 2 · {ids[1]}" in r.text
    if shutil.which("chromium"):
        r = c.get(f"/api/sessions/{ids[1]}/report.pdf")
        assert r.status_code == 200 and r.content[:5] == b"%PDF-"
        assert r.headers["content-type"] == "application/pdf"


def test_store_closed_on_another_thread(tmp_path):
    """FastAPI may tear ``get_store`` down on another thread than the endpoint's."""
    import threading

    from improv.web.deps import close_store
    from sessions.store import Store

    box = {}

    def endpoint():
        s = Store(tmp_path / "store")
        s.list()  # opens the catalog on this thread
        box["store"] = s

    t = threading.Thread(target=endpoint)
    t.start()
    t.join()
    close_store(box["store"])  # no sqlite3.ProgrammingError
    assert box["store"]._catalog is None


def test_compressed_audio_is_served_and_drawn(tmp_path, client_for):
    """After 'improv sessions compress' the page gets the FLAC (Chromium plays it) and the
    same waveform as from the WAV."""
    from sessions.compress import compress_session
    from sessions.store import Store

    path = tmp_path / "store"
    t = np.arange(4 * 48000) / 48000
    y = (np.round(0.5 * np.sin(2 * np.pi * 220 * t) * 2**15) / 2**15).astype(np.float32)[:, None]
    with Store(path) as store:
        w = store.create_session(client="C07", players=["client"])
        a = w.add_audio_input("mic", sr=48000, channels=1, players={"client": [1]}, t0=0.0)
        a.write(y.copy())
        sid = w.finalize(duration_s=4.0)["id"]
    c = client_for(path)
    wav_peaks = c.get(f"/api/sessions/{sid}/peaks/mic/256").content
    with Store(path) as store:
        (res,) = compress_session(store, sid)
    assert res.status == "compressed" and res.bits == 16
    r = c.get(f"/api/sessions/{sid}/audio/mic")
    assert r.status_code == 200 and r.headers["content-type"] == "audio/flac"
    assert r.content[:4] == b"fLaC"
    assert c.get(f"/api/sessions/{sid}/peaks/mic/256").content == wav_peaks


def test_compress_endpoint(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    assert c.get(f"/api/sessions/{sid}").json()["audio"][0]["format"] == "wav"
    r = c.post(f"/api/sessions/{sid}/compress")
    assert r.status_code == 200, r.text
    (inp,) = r.json()["inputs"]
    assert inp["status"] == "compressed" and inp["bits"] == 16
    assert inp["bytes_after"] < inp["bytes_before"] / 2
    assert r.json()["session"]["audio"][0]["format"] == "flac"
    assert c.post("/api/sessions/20990101-000000-0000/compress").status_code == 404


def test_a_damaged_catalog_is_a_clear_503_not_a_crash(demo_store, client_for):
    """The catalog (an index) damaged on disk while the app runs: the API says so and how to
    rebuild it (``improv serve`` itself refuses to start on it with the same message)."""
    path, sid = demo_store
    c = client_for(path)
    assert c.get("/api/sessions").status_code == 200
    for extra in path.glob("catalog.sqlite-*"):
        extra.unlink()
    (path / "catalog.sqlite").write_bytes(bytes(range(256)) * 64)
    r = c.get("/api/sessions")
    assert r.status_code == 503
    assert "the session catalog is damaged" in r.json()["error"]
    assert "'improv sessions reindex'" in r.json()["error"]


def test_an_unexpected_error_is_a_json_500_that_keeps_the_connection(tmp_path):
    """Through a real uvicorn server: an error no handler expects is answered with a JSON 500
    (with the security headers), logged once, and the keep-alive connection stays usable, so
    the browser's next request on it does not fail with "Failed to fetch"."""
    import http.client
    import socket
    import threading
    import time

    import uvicorn
    from fastapi.routing import APIRoute

    from improv.web import create_app
    from tests.improv.web.conftest import TOKEN

    app = create_app(store_path=tmp_path / "store", token=TOKEN)

    def boom():
        raise RuntimeError("a bug")

    app.router.routes.insert(0, APIRoute("/api/boom", boom, methods=["GET"]))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/api/boom", headers={"X-Improv-Token": TOKEN})
        r = c.getresponse()
        body = r.read()
        assert r.status == 500 and b"internal error (RuntimeError)" in body
        assert r.getheader("x-content-type-options") == "nosniff"
        sock = c.sock
        time.sleep(0.2)
        sock.setblocking(False)
        try:
            closed = sock.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            closed = False  # open, nothing to read
        sock.setblocking(True)
        assert not closed, "the server closed the keep-alive connection after the 500"
        c.request("GET", "/api/sessions", headers={"X-Improv-Token": TOKEN})
        assert c.sock is sock and c.getresponse().status == 200
    finally:
        server.should_exit = True
        thread.join(10)


def test_messages_name_fields_not_command_line_options(course_store, client_for):
    """The library's messages name parameters; the app shows them as they are (the command
    line adds its option in its own error boundary)."""
    path, _ = course_store
    c = client_for(path)
    _compared(c, "/api/clients/C07/compare")
    r = c.get("/api/clients/C07/compare", params={"baseline": "first:1"})
    assert r.status_code == 400
    assert r.json()["error"] == "baseline first:N needs N >= 2, got 'first:1'"


def test_a_recording_interrupted_while_the_app_runs_is_recovered_by_the_list(tmp_path,
                                                                            client_for):
    """The app recovers interrupted sessions when it starts; one killed later was only
    recovered by the next command, and its page told a web user to run one."""
    from tests.sessions.test_recovery import _kill_at_random

    store_path = tmp_path / "store"
    c = client_for(store_path)  # the app runs
    assert c.get("/api/sessions").json()["sessions"] == []
    sid, _, _ = _kill_at_random(store_path, 0.8)  # a recording, killed
    listed = c.get("/api/sessions").json()["sessions"]
    assert [s["id"] for s in listed] == [sid]
    r = c.get(f"/api/sessions/{sid}")
    assert r.status_code == 200 and r.json()["status"] == "recovered"


def test_the_feature_list_is_served(tmp_path, client_for):
    """GET /api/features: the analysis's one feature list, which the session page labels its
    measures and curves with."""
    from analysis.features import FEATURES

    c = client_for(tmp_path / "store")
    r = c.get("/api/features")
    assert r.status_code == 200
    feats = {f["name"]: f for f in r.json()["features"]}
    assert len(feats) == len(FEATURES)
    assert feats["tempo_bpm"]["label"] == "Tempo" and feats["tempo_bpm"]["unit"] == "BPM"
    assert feats["{x}_solo"]["kinds"] == ["curve"]


def test_error_messages_never_show_the_store_folder(demo_store, client_for):
    """A library message that names the store's folder reaches the page as "the store"."""
    path, _ = demo_store
    c = client_for(path)
    r = c.get("/api/sessions/20990101-000000-abcd/annotations")
    assert r.status_code == 404
    message = r.json()["error"]
    assert "no session 20990101-000000-abcd in the store" in message
    assert str(path) not in message and str(Path(path).resolve()) not in message
    # the page's own list, not a command, is where to look
    assert message.endswith("(the Sessions page lists them)") and "improv" not in message
    r = c.get("/api/sessions/not-an-id/annotations")
    assert r.status_code == 404 and "the Sessions page lists them" in r.json()["error"]


def test_the_piano_roll_cache_key_follows_renames(course_store):
    """A roll cached under a player's old name (one asked for while the rename ran) is never
    served for the new name: the renames are part of its key."""
    from improv.web.api_sessions import _roll_key
    from sessions.revisions import rename_player
    from sessions.store import Store

    path, ids = course_store
    with Store(path) as store:
        before = _roll_key(store.session(ids[0]))
        rename_player(store, ids[0], "client", "anna2")
        assert _roll_key(store.session(ids[0])) != before
        rename_player(store, ids[0], "anna2", "client")  # back: the recorded names again
        assert _roll_key(store.session(ids[0])) == before
