"""The client page's charts draw the dashed trend line only where *Change* says yes: a clear
trend too small to matter (the therapist's silence falling by 0.14 percentage points over
eight sessions) has none, as the table beside it says "too small to matter" (8ab8987); the
API's ``fit`` is null for it."""

from __future__ import annotations

import time

import pytest

from tests.improv.test_compare_change_matters import CLIENT, THERAPIST, build_store
from tests.improv.test_goals import N


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("too_small_web"))


def test_the_api_gives_no_trend_line_for_a_trend_too_small(built, client_for):
    c = client_for(built[0])
    deadline = time.monotonic() + 120
    while (r := c.get("/api/clients/C07/compare?features=silence_share")).status_code == 202:
        assert time.monotonic() < deadline, r.json()
        time.sleep(0.2)
    assert r.status_code == 200, r.text
    f = r.json()["features"]
    assert f[THERAPIST]["change"] == "too small to matter"
    assert f[THERAPIST]["fit"] is None
    assert f[CLIENT]["fit"] is not None and len(f[CLIENT]["fit"]) == N


@pytest.mark.browser
@pytest.mark.slow
def test_the_page_draws_the_line_only_for_a_change(built, live_server, page):
    server = live_server(built[0])
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07?features=silence_share")
    page.wait_for_selector("table.trend-table", timeout=120000)
    page.wait_for_selector(f'figure[data-column="{CLIENT}"] polyline.trend-line')
    assert page.locator(f'figure[data-column="{THERAPIST}"] polyline.trend-line').count() == 0
    assert page.locator(f'figure[data-column="{THERAPIST}"] svg').count() == 1
    assert "large enough to matter" in page.locator("p.legend").inner_text()
    assert not page.js_errors, page.js_errors
