"""The Help page: the therapist's guide (``improv/web/help/guide.md``), rendered on the server.

The guide ships inside the package, so the page works without a network and the same file is
what GitHub shows (``docs/guide.md`` points to it). It is rendered with markdown-it-py with
raw HTML off (an angle bracket in the guide is text, never markup), each heading gets the id
GitHub gives it, so the guide's own ``#links`` work in both places, and the page is served
under the app's Content Security Policy like every other page: no script, no inline style, no
request outside 127.0.0.1. ``GET /help/`` is the page; ``GET /help/NAME`` serves the few
images and the style sheet of the help folder, looked up by name, never joined into a path.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from improv.web.deps import get_store
from improv.web.errors import NotFound
from sessions.store import Store

router = APIRouter()

HELP_DIR = Path(__file__).parent / "help"
GUIDE = HELP_DIR / "guide.md"
#: The kinds of file the help folder may serve besides the guide, with their media types.
ASSETS = {".png": "image/png", ".css": "text/css"}


def slug(text: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as ``-``.

    Parameters
    ----------
    text : str
        The heading's text, without its Markdown markup.

    Returns
    -------
    str
        E.g. ``"after-the-session-listening-the-timeline-and-annotations"`` for "After the
        session: listening, the timeline and annotations".
    """
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _markdown():
    from markdown_it import MarkdownIt

    # commonmark with tables; "html": False turns raw HTML in the file into text
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def render_guide(text: str) -> str:
    """The guide's Markdown as HTML, each heading with GitHub's id for it.

    Parameters
    ----------
    text : str
        Markdown (CommonMark and tables). Raw HTML in it is escaped, not passed through.

    Returns
    -------
    str
        An HTML fragment.
    """
    md = _markdown()
    tokens = md.parse(text)
    seen: dict[str, int] = {}
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        inline = tokens[i + 1]
        words = "".join(c.content for c in inline.children or ()
                        if c.type in ("text", "code_inline"))
        base = slug(words)
        n = seen.get(base, 0)
        seen[base] = n + 1
        tok.attrSet("id", base if n == 0 else f"{base}-{n}")  # GitHub's rule for repeats
    return md.renderer.render(tokens, md.options, {})


def help_page(*, store_path: Path | str | None = None,
              last_backup: dict | None = None) -> str:
    """The whole Help page: the app's header, a line about this installation, the guide.

    Parameters
    ----------
    store_path : Path or str, optional
        The store this server works on, named at the top (where the data is, for backups).
    last_backup : dict, optional
        The store's last backup (:func:`sessions.backup.last_backup`: ``created_utc``),
        said beside the store as "last backup: 12 days ago" (with a store and none:
        "no backup made from it yet"), with a link to the app's Backups page ("Back up
        now").

    Returns
    -------
    str
        An HTML document that needs only ``/static/app.css`` and ``/help/help.css``.
    """
    from improv import __version__

    about = f"improv {html.escape(__version__)}"
    if store_path is not None:
        from sessions.timefmt import ago_words

        about += (" · the store folder (where everything is kept, see "
                  "<a href=\"#backups-and-privacy\">Backups and privacy</a>): "
                  f"<code>{html.escape(str(store_path))}</code> · "
                  + (f"last backup: {ago_words(last_backup['created_utc'])}" if last_backup
                     else "no backup made from it yet")
                  + " · <a href=\"/#/backups\">Back up now</a>")
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n<title>Help · improv</title>\n"
        "<link rel=\"stylesheet\" href=\"/static/app.css\">\n"
        "<link rel=\"stylesheet\" href=\"/help/help.css\">\n<link rel=\"icon\" href=\"data:,\">\n"
        "</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
        "<header class=\"top\">\n  <span class=\"brand\">improv</span>\n"
        "  <nav aria-label=\"Pages\">\n"
        "    <a href=\"/#/sessions\">Sessions</a>\n    <a href=\"/#/clients\">Clients</a>\n"
        "    <a href=\"/#/record\">Record</a>\n"
        "    <a href=\"/#/backups\">Backups</a>\n"
        "    <a href=\"/help/\" aria-current=\"page\">Help</a>\n  </nav>\n</header>\n"
        "<main id=\"main\" class=\"help\" tabindex=\"-1\">\n"
        f"<p class=\"about muted\">{about}</p>\n"
        f"{render_guide(GUIDE.read_text(encoding='utf-8'))}</main>\n</body>\n</html>\n"
    )


@router.get("/help", include_in_schema=False)
def help_redirect() -> RedirectResponse:
    """``/help`` → ``/help/``, so that the guide's relative image names resolve in the folder."""
    return RedirectResponse("/help/", status_code=307)


@router.get("/help/", include_in_schema=False)
def help_index(request: Request, store: Store = Depends(get_store)) -> HTMLResponse:
    """The therapist's guide as a page of the app, with the store's folder and its last
    backup at the top."""
    from sessions.backup import last_backup

    return HTMLResponse(help_page(store_path=Path(request.app.state.store_path).absolute(),
                                  last_backup=last_backup(store)),
                        headers={"Cache-Control": "no-store"})


@router.get("/help/{name}", include_in_schema=False)
def help_asset(name: str) -> FileResponse:
    """An image or the style sheet of the help folder, found by its name in the folder."""
    files = {p.name: p for p in HELP_DIR.iterdir()
             if p.suffix in ASSETS and p.is_file() and not p.is_symlink()}
    if name not in files:
        raise NotFound(f"no help file {name!r}")
    path = files[name]
    return FileResponse(path, media_type=ASSETS[path.suffix])
