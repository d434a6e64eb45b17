"""``improv summary``: a session in a therapist's words, in the labelled parts of the web page
(Session, each pair, Tempo and pulse, Dynamics, Your annotations)."""

from __future__ import annotations

import re
import shutil

import click

from improv.cli.output import emit

#: The narrowest and widest lines [characters] the summary is wrapped to: the terminal's width
#: between these (a line much longer than 100 characters is hard to read back).
MIN_WIDTH, MAX_WIDTH = 40, 100
#: A number and the unit after it, kept on one line (the session page's rule, session.js).
_UNIT = re.compile(r"(\d) (%|BPM|ms|s\b|dB)")
#: How far the sentences are indented under their part's label [characters].
INDENT = 2


def summary_lines(groups: list[dict], *, width: int, bold: bool = False) -> list[str]:
    """A summary's labelled parts (:func:`improv.reports.summary_text.summary_groups`) as
    terminal lines: each part's label (with a capital: "Client & therapist"), its first
    ``brief`` sentences below it wrapped to ``width`` and indented, its details (a pair's:
    alone, turn lengths, timing; a tempo's beat level) as a second paragraph led by "In
    detail:", a blank line between parts; ``bold``: the labels in bold
    (terminal styles, which :func:`click.echo` leaves out where the output is no terminal).

    Examples
    --------
    >>> groups = [{"label": "Session", "brief": 1, "sentences": [
    ...     {"text": "The session lasted 1:30.", "measures": {}}]}]
    >>> summary_lines(groups, width=40)
    ['Session', '  The session lasted 1:30.']
    """
    from improv.reports.summary_text import DETAIL_LEAD, part_label

    lines: list[str] = []
    pad = " " * INDENT
    for g in groups:
        n = g.get("brief", len(g["sentences"]))
        paragraphs = [" ".join(s["text"] for s in g["sentences"][:n]),
                      " ".join(s["text"] for s in g["sentences"][n:])]
        if paragraphs[1]:
            paragraphs[1] = f"{DETAIL_LEAD} {paragraphs[1]}"
        if lines:
            lines.append("")
        label = part_label(g["label"])  # "Client & therapist", as "Session"
        lines.append(click.style(label, bold=True) if bold else label)
        for text in filter(None, paragraphs):
            # a number keeps its unit on its line ("62 %", "96 BPM"), as on the web page
            kept = _UNIT.sub("\\1\u00a0\\2", text)
            lines += [x.replace("\u00a0", " ") for x in click.wrap_text(
                kept, width=width, initial_indent=pad, subsequent_indent=pad).splitlines()]
    return lines


def _human(res: dict, *, label: str) -> None:
    columns = shutil.get_terminal_size(fallback=(88, 24)).columns
    width = max(MIN_WIDTH, min(columns, MAX_WIDTH))
    click.echo(label)
    click.echo("")
    click.echo("\n".join(summary_lines(res["groups"], width=width, bold=True)))


@click.command()
@click.argument("session_id", metavar="SESSION")
@click.option("--json", "as_json", is_flag=True,
              help="Print the sentences as JSON, each with the measures it used.")
@click.option("--no-cache", is_flag=True, help="Recompute the analysis even if it is cached.")
@click.pass_obj
def summary(app, session_id, as_json, no_cache):
    """Describe a session in plain sentences, in labelled parts: the session (length, who
    played how much), each pair of players (together or alone, turns, who led, who took up
    whose patterns), tempo, dynamics, markers and tags.

    Every sentence comes from a measure of `improv analyze` (with --json: each sentence and
    the measures it used). The session is analysed first if it has not been. Lines are
    wrapped to the terminal's width (at most 100 characters).
    """
    from improv.reports.summary_text import session_summary
    from sessions.revisions import session_label

    res = session_summary(app.store, session_id, use_cache=not no_cache)
    # named as in 'improv sessions list' and on the web: "Session 7 · ID: title"
    sid = res["session_id"]
    label = session_label(app.store.catalog.session_number(sid), sid,
                          app.store.session(sid).manifest.get("title"))
    emit(res, as_json=as_json, human=lambda r: _human(r, label=label))


COMMANDS = [summary]
