"""The HTML page every report is written on: its style (A4, print-ready), escaping, embedded
figures and the footer (:func:`html_page`).

A report is one self-contained HTML file (inline CSS, plots embedded as PNG data) that any
browser shows and prints; :mod:`improv.reports.printing` makes a PDF of it.
"""

from __future__ import annotations

import base64
import html
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from improv import __version__

__all__ = ["CSS", "esc", "num_text", "img_tag", "html_page", "privacy_text"]

#: The reports' style. A figure is kept whole on a page (``.curves``); the session report's
#: curves are figures of a few curve groups each, so that a page breaks between them and no
#: page is left near-empty before a figure too tall for what is left of it.
CSS = """
body { font: 11pt/1.4 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 2em; }
h1 { font-size: 18pt; margin: 0 0 .2em; } h2 { font-size: 13pt; margin: 1.4em 0 .4em;
  border-bottom: 1px solid #999; } h3 { font-size: 11pt; margin: 1em 0 .3em; }
h2, h3 { break-after: avoid; }
table { border-collapse: collapse; margin: .3em 0 1em; font-size: 9.5pt; }
tr { break-inside: avoid; }
th, td { border: 1px solid #bbb; padding: .15em .45em; text-align: left; vertical-align: top; }
th { background: #eee; } th.group { background: #f7f7f7; font-weight: bold; padding-top: .4em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.meta { color: #333; } .nowrap { white-space: nowrap; } .small { font-size: 8.5pt; color: #333; }
img { max-width: 100%; } img.page { width: 100%; max-height: 205mm; object-fit: contain; }
.curves { break-inside: avoid; } .last { break-inside: avoid; }
h2.appendix { break-before: page; }
pre { white-space: pre-wrap; font: 10pt/1.4 "DejaVu Sans", sans-serif;
  background: #f6f6f6; padding: .6em; border: 1px solid #ddd; }
.out { color: #a50f15; font-weight: bold; } .up { color: #006d2c; }
@page { size: A4; margin: 15mm; }
"""


def esc(x: Any) -> str:
    """``x`` as HTML text (None: empty)."""
    return html.escape("" if x is None else str(x))


def num_text(v: Any, digits: int = 3) -> str:
    """A value for a table: a float to ``digits`` significant digits, None as a dash."""
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return esc(v)


def img_tag(path: Path, cls: str = "") -> str:
    """The PNG at ``path`` as an ``<img>`` with its data inside (the report is one file)."""
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f'<img alt="plot"{f" class={cls}" if cls else ""} src="data:image/png;base64,{data}">'


def privacy_text(*, notes: bool | None = None) -> str:
    """What the footer tells the reader about the people in the report: the client is named by
    code only, and whether the therapist's verbal notes are in it (their most private free
    text) or were left out; the annotations are always printed as written. ``notes=None``: a
    report without any of the therapist's annotations or notes (the goals alone).

    >>> privacy_text()
    'Pseudonymised: client codes only.'
    """
    head = "Pseudonymised: client codes only."
    if notes is None:
        return head
    if notes:
        return (f"{head} Contains the therapist's verbal notes and annotations as written "
                "(free text may name people).")
    return f"{head} The therapist's verbal notes are left out; annotations are printed as written."


def html_page(title: str, body: str, *, last: str = "", notes: bool | None = None) -> str:
    """The HTML page; ``last`` (the final section) is kept on one page with the footer, so
    the footer never stands alone on a page of its own. The footer says whether the page
    holds the therapist's verbal notes (``notes``, :func:`privacy_text`)."""
    from improv.reports.wording import moment_text

    # times in this computer's zone, written as every other moment of the report
    stamp = moment_text(datetime.now(timezone.utc).isoformat())
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>{esc(title)}</title>"
            f"<style>{CSS}</style><body>{body}<div class=last>{last}<p class=small>Made by "
            f"improv {__version__} on {stamp}. {privacy_text(notes=notes)}</p></div>"
            "</body></html>")
