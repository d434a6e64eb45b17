"""The API is authorised by the page's token header and by signed media addresses, never by
anything a browser sends by itself (privacy review 30, finding 1): a cookie, even one that
holds the launch token, opens nothing."""

from __future__ import annotations

import hashlib
import time
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.improv.web.conftest import BASE, TOKEN

#: What an older version set at sign-in (the launch token itself, under a name made from it),
#: and other guesses.
OLD_COOKIE = {"improv_" + hashlib.sha256(TOKEN.encode()).hexdigest()[:10]: TOKEN,
              "improv": TOKEN, "token": TOKEN}


def _anon(client_for, path):
    return client_for(path, signed_in=False)


def _media_url(c, path):
    r = c.get(f"/api/media-url?path={quote(path, safe='')}")
    assert r.status_code == 200, r.text
    return r.json()


def test_a_cookie_alone_opens_nothing(demo_store, client_for):
    path, sid = demo_store
    c = _anon(client_for, path)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in OLD_COOKIE.items())}
    for url in ("/api/sessions", f"/api/sessions/{sid}", f"/api/sessions/{sid}/notes",
                "/api/annotations", f"/api/sessions/{sid}/mix.wav",
                f"/api/sessions/{sid}/report.html", "/api/backup"):
        r = c.get(url, headers=headers)
        assert r.status_code == 401 and r.json()["signed_in"] is False, url
    # with the header of state changes and a right Origin too: still nothing
    r = c.delete(f"/api/sessions/{sid}", headers={**headers, "Origin": BASE})
    assert r.status_code == 401
    r = c.put(f"/api/sessions/{sid}/notes", json={"text": "x"}, headers=headers)
    assert r.status_code == 401
    # nor the token as a query parameter of the API
    assert c.get(f"/api/sessions?token={TOKEN}").status_code == 401
    assert client_for(path).get(f"/api/sessions/{sid}").status_code == 200  # still there


def test_the_token_header_is_accepted_and_a_wrong_one_refused(demo_store, client_for):
    path, sid = demo_store
    c = _anon(client_for, path)
    assert c.get("/api/sessions", headers={"X-Improv-Token": TOKEN}).status_code == 200
    for wrong in ("", TOKEN[:-1], TOKEN + "x", TOKEN.upper()):
        r = c.get("/api/sessions", headers={"X-Improv-Token": wrong})
        assert r.status_code == 403 and r.json()["signed_in"] is False, wrong
    # state changes still need the Origin or the request header, with the token too
    bare = TestClient(c.app, base_url=BASE)
    r = bare.put(f"/api/sessions/{sid}/notes", json={"text": "x"},
                 headers={"X-Improv-Token": TOKEN})
    assert r.status_code == 403 and "state-changing requests" in r.json()["error"]
    r = bare.put(f"/api/sessions/{sid}/notes", json={"text": "x"},
                 headers={"X-Improv-Token": TOKEN, "Origin": "http://127.0.0.1:9999"})
    assert r.status_code == 403 and "cross-origin" in r.json()["error"]


def test_no_answer_sets_a_cookie(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    for url in ("/", f"/?token={TOKEN}", "/static/app.js", "/help/", "/api/sessions",
                f"/api/sessions/{sid}/page"):
        r = c.get(url, follow_redirects=False)
        assert r.status_code in (200, 303) and "set-cookie" not in r.headers, url


@pytest.mark.parametrize("given", ["//evil.example/", "///evil.example"])
def test_the_sign_in_redirect_stays_on_this_server(given):
    from starlette.requests import Request

    from improv.web.security import check_request

    scope = {"type": "http", "method": "GET", "scheme": "http", "path": given,
             "raw_path": given.encode(), "query_string": b"token=abc", "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8470")], "server": ("127.0.0.1", 8470)}
    r = check_request(Request(scope), token=TOKEN, fixed_port=8470)
    assert r.status_code == 303 and r.headers["location"].startswith("/evil.example")
    assert r.headers["location"].endswith("#token=abc")


def _audio_input(c, sid):
    return c.get(f"/api/sessions/{sid}").json()["audio"][0]["name"]


def test_signed_media_addresses_play_with_ranges_and_nothing_else(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    anon = TestClient(c.app, base_url=BASE)  # the same start (a signature's key is its own)
    mix = f"/api/sessions/{sid}/mix.wav?players=client%2Ctherapist&f=wav"
    signed = _media_url(c, mix)
    url = signed["url"]
    assert url.startswith(mix + "&exp=") and "&sig=" in url and TOKEN not in url
    assert 0 < signed["ttl_s"] <= 30 * 60 and signed["expires"] > time.time()
    # without any header, as an <audio> asks: whole, and by Range (seeking)
    whole = anon.get(url)
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/wav"
    part = anon.get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == whole.content[1000:2000]
    assert part.headers["content-range"].startswith("bytes 1000-1999/")
    # a recording of one input, and its bytes from the middle
    rec = _media_url(c, f"/api/sessions/{sid}/audio/{quote(_audio_input(c, sid))}")["url"]
    r = anon.get(rec, headers={"Range": "bytes=44-99"})
    assert r.status_code == 206 and len(r.content) == 56
    # changed in any part: refused (another player, another session's file, its end, the
    # signature, something added), and never for a change of state
    head, sig = url.rsplit("&sig=", 1)
    tampered = [url.replace("players=client%2Ctherapist", "players=client"),
                url.replace("mix.wav", "rendering"),
                head.replace("&exp=", "&exp=9") + "&sig=" + sig,
                head + "&sig=" + sig[:-2] + ("AA" if not sig.endswith("AA") else "BB"),
                head + "&sig=",
                url + "&x=1",
                url.replace(f"/sessions/{sid}/", "/sessions/20200101-000000-abcd/")]
    for bad in tampered:
        r = anon.get(bad)
        assert r.status_code == 403 and "reload the page" in r.json()["error"], bad
    assert anon.delete(url, headers={"X-Improv-Request": "1"}).status_code == 403
    # a signature for anything but a recording is not given, nor taken
    for other in (f"/api/sessions/{sid}/notes", "/api/sessions", f"/api/sessions/{sid}",
                  "/api/annotations", "http://127.0.0.1:9999/api/sessions/x/mix.wav"):
        r = c.get(f"/api/media-url?path={quote(other, safe='')}")
        assert r.status_code == 400, other
    notes = f"/api/sessions/{sid}/notes"
    assert anon.get(notes + url[url.index("?"):]).status_code == 403
    # the signing itself needs the token
    assert anon.get(f"/api/media-url?path={quote(mix, safe='')}").status_code == 401


def test_a_signed_address_ends(demo_store, client_for):
    from improv.web import create_app

    path, sid = demo_store
    app = create_app(store_path=path, token=TOKEN, port=8470, media_url_ttl_s=1)
    with TestClient(app, base_url=BASE, headers={"X-Improv-Token": TOKEN}) as c:
        url = _media_url(c, f"/api/sessions/{sid}/mix.wav?players=client")["url"]
        anon = TestClient(app, base_url=BASE)
        assert anon.get(url, headers={"Range": "bytes=0-43"}).status_code == 206
        time.sleep(2.1)
        r = anon.get(url, headers={"Range": "bytes=0-43"})
        assert r.status_code == 403 and "reload the page" in r.json()["error"]
        assert c.get(url, headers={"Range": "bytes=0-43"}).status_code == 206  # the page's own


def test_a_signed_address_is_good_for_this_start_only(demo_store, client_for):
    path, sid = demo_store
    url = _media_url(client_for(path), f"/api/sessions/{sid}/mix.wav")["url"]
    again = _anon(client_for, path)  # the same token, another start: a new key
    assert again.get(url).status_code == 403


@pytest.mark.parametrize("given", ["%2Fapi%2Fsessions%2Fx%2Fmix.wav%3Fa%3D1%26sig%3Dx",
                                   "/api/sessions/x/mix.wav?exp=1&sig=abc&players=a"])
def test_the_signer_keeps_its_own_exp_and_sig(demo_store, client_for, given):
    path, _ = demo_store
    c = client_for(path)
    url = c.get(f"/api/media-url?path={given}").json()["url"]
    assert url.count("exp=") == 1 and url.count("sig=") == 1
    assert url.index("exp=") < url.index("sig=") and url.rsplit("&", 1)[1].startswith("sig=")


@pytest.mark.parametrize("name", ["take #2", "room?b", "Ünter Ton", "50%"])
def test_a_signed_address_of_an_input_with_any_name(name):
    from urllib.parse import urlsplit

    from starlette.requests import Request

    from improv.web.security import MediaSigner

    signer = MediaSigner(ttl_s=60)
    url, _ = signer.sign(f"/api/sessions/S1/audio/{quote(name, safe='')}?f=wav")
    parts = urlsplit(url)  # as the browser sends it; the server decodes the path

    def request(path):
        return Request({"type": "http", "method": "GET", "path": path,
                        "query_string": parts.query.encode(), "headers": []})

    decoded = f"/api/sessions/S1/audio/{name}"
    assert signer.verify(request(decoded)) is True
    assert signer.verify(request(decoded + "x")) is False
