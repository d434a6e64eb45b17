"""The Help page: the packaged therapist's guide, rendered on the server (API and Chromium)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.sync_api import expect

from improv.web import api_help

REPO = Path(__file__).resolve().parents[3]
#: The task sections a therapist looks for (the brief of review 28, findings 2 and 14).
SECTIONS = [
    "Starting improv and signing in",
    "Connecting a keyboard and a microphone",
    "Recording a session",
    "Importing recordings made elsewhere",
    "After the session: listening, the timeline and annotations",
    "Clients, progress over sessions and treatment goals",
    "Reports",
    "Backups and privacy",
    "When something goes wrong",
]


class _Links(HTMLParser):
    """Every id, href and img src of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.srcs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag == "img":
            self.srcs.append(a.get("src", ""))


def _links(html: str) -> _Links:
    p = _Links()
    p.feed(html)
    return p


def test_guide_links_and_anchors_resolve():
    html = api_help.render_guide(api_help.GUIDE.read_text(encoding="utf-8"))
    found = _links(html)
    assert len(found.ids) == len(set(found.ids)), "two headings with one id"
    anchors = [h for h in found.hrefs if h.startswith("#")]
    assert len(anchors) >= len(SECTIONS)  # the contents list at least
    for href in found.hrefs:
        # no link leaves the app: the page must work without a network
        assert not re.match(r"^[a-z]+:", href), f"external link {href}"
        if href.startswith("#"):
            assert href[1:] in found.ids, f"{href} names no heading of the guide"
        else:
            assert (api_help.HELP_DIR / href).is_file(), f"{href} is not in the help folder"
    for src in found.srcs:
        assert (api_help.HELP_DIR / src).is_file() and src.endswith(".png"), src


def test_guide_has_the_task_sections_as_github_anchors():
    html = api_help.render_guide(api_help.GUIDE.read_text(encoding="utf-8"))
    h2 = re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', html)
    assert [title for _, title in h2] == SECTIONS
    # the ids GitHub gives these headings, so that docs/guide.md's readers get the same links
    assert h2[3][0] == "importing-recordings-made-elsewhere"
    assert h2[4][0] == "after-the-session-listening-the-timeline-and-annotations"
    assert h2[5][0] == "clients-progress-over-sessions-and-treatment-goals"


def test_docs_guide_points_to_the_packaged_guide():
    text = (REPO / "docs" / "guide.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert "../improv/web/help/guide.md" in targets
    for t in targets:
        if not re.match(r"^[a-z]+:", t):
            assert (REPO / "docs" / t).resolve().is_file(), t


def test_raw_html_in_the_guide_is_text():
    html = api_help.render_guide('# Hi <b>x</b>\n\n<script>alert(1)</script>\n\n'
                                 '<img src=x onerror="alert(1)">\n\n[a](javascript:alert(1))\n')
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html  # markdown-it refuses the scheme
    assert '<h1 id="hi-bxb">' in html  # an id of letters, digits and dashes only


def test_repeated_headings_get_numbered_ids_as_on_github():
    html = api_help.render_guide("## Notes\n\n## Notes\n\n## `improv serve` now!\n")
    assert re.findall(r'id="([^"]+)"', html) == ["notes", "notes-1", "improv-serve-now"]


def test_help_page_is_served_signed_in_under_the_csp(tmp_path, client_for):
    store = tmp_path / "store"
    c = client_for(store)
    r = c.get("/help", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/help/"
    r = c.get("/help/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "<script" not in r.text and "style=" not in r.text  # the CSP would refuse them
    assert '<a href="/help/" aria-current="page">Help</a>' in r.text
    # where the data is, for the backups section
    assert f"<code>{store}</code>" in r.text
    assert "no backup made from it yet" in r.text  # and, after one, how long ago
    from sessions.backup import backup_store
    from sessions.store import Store

    with Store(store) as st:
        backup_store(st, to=tmp_path / "backup.zip")
    assert "last backup: today" in c.get("/help/").text
    for title in SECTIONS:
        assert title.replace("'", "&#x27;") in r.text
    css = c.get("/help/help.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_help_page_is_public_and_holds_no_session_data(tmp_path, client_for):
    """The guide opens in a tab of its own, by a link (no token header): it needs no sign-in,
    and says nothing of the sessions (the store's folder and the last backup's age only)."""
    from improv.demo import create_demo_session
    from sessions.store import Store

    with Store(tmp_path / "store") as store:
        sid = create_demo_session(store, duration=5.0)["id"]
    c = client_for(tmp_path / "store", signed_in=False)
    r = c.get("/help/")
    assert r.status_code == 200 and "set-cookie" not in r.headers
    assert sid not in r.text
    assert c.get("/help/help.css").status_code == 200


@pytest.mark.parametrize("name", ["guide.md", "nothing.png", "..%2Fapi_help.py", "%2Fetc%2Fpasswd",
                                  "help.css%00.png"])
def test_help_serves_only_its_images_and_style(tmp_path, client_for, name):
    r = client_for(tmp_path / "store").get(f"/help/{name}")
    assert r.status_code == 404


@pytest.mark.browser
def test_help_opens_from_the_header_with_the_guide(demo_store, live_server, page):
    path, _ = demo_store
    server = live_server(path)
    page.goto(server.url)
    expect(page.get_by_role("heading", name="Sessions", exact=True)).to_be_visible()
    with page.context.expect_page() as opened:
        page.get_by_role("navigation", name="Pages").get_by_role("link", name="Help").click()
    help_page = opened.value
    outside: list[str] = []
    problems: list[str] = []
    help_page.on("request", lambda r: outside.append(r.url)
                 if not r.url.startswith(("http://127.0.0.1", "data:")) else None)
    help_page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    help_page.on("pageerror", lambda e: problems.append(str(e)))
    help_page.wait_for_load_state()
    assert help_page.url == f"{server.base}/help/"
    expect(help_page.get_by_role("heading", level=1)).to_have_text(
        "improv: a guide for therapists")
    headings = help_page.get_by_role("heading", level=2)
    expect(headings).to_have_text(SECTIONS)
    # the style sheet applied (a CSP refusal would leave the text full width)
    width = help_page.evaluate("document.querySelector('main.help').getBoundingClientRect().width")
    assert width < 800
    # the contents list jumps to its section
    help_page.get_by_role("link", name="Backups and privacy").first.click()
    assert help_page.evaluate("location.hash") == "#backups-and-privacy"
    top = help_page.evaluate("document.getElementById('backups-and-privacy')"
                             ".getBoundingClientRect().top")
    assert 0 <= top < 100
    # and the header leads back into the app
    help_page.get_by_role("link", name="Sessions", exact=True).click()
    expect(help_page.get_by_role("heading", name="Sessions", exact=True)).to_be_visible()
    assert not outside, outside
    assert not problems, problems
