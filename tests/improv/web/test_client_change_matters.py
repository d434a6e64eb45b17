"""The client page's *Change* agrees with the smallest change that matters (review rev-months,
finding 3): the therapist's silence falling steadily by 0.14 percentage points over eight
sessions reads "too small to matter", with a tooltip saying why, not a bold "yes"; a real
change still reads "yes". Its chart draws the dashed trend line only where *Change* says yes
(8846f99): the API's ``fit`` is null for a trend too small to matter."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.improv.test_compare_change_matters import CLIENT, THERAPIST, build_store
from tests.improv.test_goals import N


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("matters_web"))


def test_the_api_gives_the_verdict_and_keeps_the_test(built, client_for):
    path, _ = built
    c = client_for(path)
    deadline = time.monotonic() + 120
    while (r := c.get("/api/clients/C07/compare?features=silence_share")).status_code == 202:
        assert time.monotonic() < deadline, r.json()
        time.sleep(0.2)
    assert r.status_code == 200, r.text
    f = r.json()["features"]
    assert f[THERAPIST]["change"] == "too small to matter"
    assert f[THERAPIST]["trend"]["distinguishable"] is True
    assert f[CLIENT]["change"] == "yes"
    # no trend line for the one too small to matter; the real change has one
    assert f[THERAPIST]["fit"] is None
    assert f[CLIENT]["fit"] is not None and len(f[CLIENT]["fit"]) == N


@pytest.mark.browser
@pytest.mark.slow
def test_the_page_says_too_small_to_matter(built, live_server, page):
    path, _ = built
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07?features=silence_share")
    page.wait_for_selector("table.trend-table", timeout=120000)
    change = page.locator(f'table.trend-table tbody tr[data-column="{THERAPIST}"] td').nth(5)
    expect(change).to_have_text("too small to matter")
    assert "less than the smallest change that matters" in change.get_attribute("title")
    assert change.locator("strong").count() == 0
    expect(page.locator(f'table.trend-table tbody tr[data-column="{CLIENT}"] td').nth(5)
           ).to_have_text("yes")
    expect(page.locator("#tt-cap")).to_contain_text(
        "Change says yes only where the trend is clear and large enough to matter")
    labels = [page.locator("svg[aria-label]").nth(i).get_attribute("aria-label")
              for i in range(page.locator("svg[aria-label]").count())]
    assert any("a clear trend, too small to matter" in x for x in labels), labels
    assert not page.js_errors, page.js_errors


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
