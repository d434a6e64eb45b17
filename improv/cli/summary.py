"""``improv summary``: a session in a therapist's words (one short paragraph)."""

from __future__ import annotations

import click

from improv.cli.output import emit


def _human(res: dict, *, label: str) -> None:
    click.echo(label)
    click.echo("")
    click.echo(click.wrap_text(res["text"], width=88))


@click.command()
@click.argument("session_id", metavar="SESSION")
@click.option("--json", "as_json", is_flag=True,
              help="Print the sentences as JSON, each with the measures it used.")
@click.option("--no-cache", is_flag=True, help="Recompute the analysis even if it is cached.")
@click.pass_obj
def summary(app, session_id, as_json, no_cache):
    """Describe a session in plain sentences: length, who played how much, together or alone,
    who led, tempo, dynamics, markers and tags.

    Every sentence comes from a measure of `improv analyze` (with --json: each sentence and
    the measures it used). The session is analysed first if it has not been.
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
