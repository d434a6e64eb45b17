"""The web player's mix of every player: mute and solo through the API, seeking by Range."""

from __future__ import annotations

import numpy as np
import pytest

from tests.improv.test_mix import SR, _clicks, _read, make_duet, pytestmark  # noqa: F401


@pytest.fixture
def duet(store):
    return make_duet(store)


def test_web_mix_mute_and_solo(store, duet, client_for):
    c = client_for(store.root)
    url = f"/api/sessions/{duet}/mix.wav"
    both = c.get(url)
    assert both.status_code == 200 and both.headers["content-type"] == "audio/wav"
    assert both.headers["cache-control"] == "no-store"
    y, sr = _read(both.content)
    assert sr == SR and len(y) == 3 * SR  # the session, on the session clock
    therapist, _ = _read(c.get(url, params={"players": "therapist"}).content)
    client, _ = _read(c.get(url, params={"players": "client"}).content)
    clicks = _clicks(3.0, [0.5, 1.5])
    # solo therapist: the recording only (16-bit), nothing of the keyboard
    np.testing.assert_allclose(therapist[:, 0], clicks, atol=1 / 32767)
    assert np.max(np.abs(therapist[int(2.1 * SR):])) == 0
    # solo client: the keyboard only, no click
    assert np.max(np.abs(client[int(2.1 * SR):int(2.9 * SR)])) > 0.01
    assert abs(client[int(0.5 * SR) + 10, 0]) < 0.5
    # together: the sum of the two (each rounded to 16 bits)
    np.testing.assert_allclose(y, np.clip(therapist + client, -1, 1), atol=3 / 32767)


def test_web_mix_ranges_and_errors(store, duet, client_for):
    c = client_for(store.root)
    url = f"/api/sessions/{duet}/mix.wav"
    whole = c.get(url).content
    r = c.get(url, headers={"Range": "bytes=1000-1999"})
    assert r.status_code == 206 and r.content == whole[1000:2000]
    assert r.headers["content-range"] == f"bytes 1000-1999/{len(whole)}"
    assert c.get(url, headers={"Range": "bytes=-10"}).content == whole[-10:]
    assert c.get(url, headers={"Range": f"bytes={len(whole)}-"}).status_code == 416
    assert c.get(url, headers={"Range": "lines=1-2"}).status_code == 416
    bad = c.get(url, params={"players": "nobody"})
    assert bad.status_code == 400 and "unknown player(s) nobody" in bad.json()["error"]
