"""The research-archive commands: ``improv analyze --all`` and ``improv export-dataset``.

A thin shell over :mod:`improv.archive`. Dask and pyarrow (the optional extra ``archive``) are
imported only when these commands run; without them the command says which extra to install.
"""

from __future__ import annotations

import contextlib
import functools
import re

import click

from improv.cli.output import (
    emit,
    ignore_ctrl_c,
    info,
    print_json,
    rounded_times,
    stderr_isatty,
    table,
)
from improv.cli.params import Choice, Number, PlainPath
from improv.reports.wording import counted

#: Options of ``improv analyze`` that name one session's analysis, not a batch run.
_SINGLE_ONLY = {"players": "--players", "window": "--window", "hop": "--hop", "pair": "--pair",
                "accept_roles": "--accept-roles", "as_csv": "--csv", "curves_file": "--curves",
                "plot_file": "--plot", "no_cache": "--no-cache"}


#: ``[tcp://]HOST:PORT``: a host name or IPv4 address, or an IPv6 address in brackets.
_ADDRESS = re.compile(r"(?:tcp://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)"
                      r":(?P<port>[0-9]{1,5})")


def check_scheduler(address: str) -> str:
    """A Dask scheduler's address as ``--scheduler`` takes it, ``[tcp://]HOST:PORT`` with a
    port of 1-65535, checked before the store is opened, also when nothing is left to analyse
    (Dask itself raised a ValueError with a traceback for ``foo``, and waited 15 s for port
    99999).

    Raises
    ------
    ParameterError
        Another form; the message names the option and gives an example.
    """
    from improv.errors import ParameterError

    text = str(address).strip()
    m = _ADDRESS.fullmatch(text)
    if m is None or not 1 <= int(m["port"]) <= 65535:
        raise ParameterError(
            "--scheduler must be a Dask scheduler address [tcp://]HOST:PORT with a port of "
            f"1-65535, e.g. tcp://192.168.1.20:8786, got {address!r}")
    return text


def batch_options(command):
    """Add ``--all`` and its options to ``improv analyze`` (put it right above
    ``@click.pass_obj``): with ``--all`` the command runs :func:`run_batch_command`, without
    it the single-session command as before."""

    @click.option("--all", "all_sessions", is_flag=True,
                  help="Analyse every session of the store (or of --client, --since) whose "
                       "analysis is missing or of another version, in parallel on Dask "
                       "(needs the extra: pip install 'improv-therapy[archive]'). Add "
                       "--dialogue to bring the pairs' dialogue up to date too: the client "
                       "pages, goals and reports use it, and measure it on demand otherwise.")
    @click.option("--client", "clients", multiple=True, metavar="C",
                  help="With --all: only this client's sessions (repeatable).")
    @click.option("--since", metavar="DATE", help="With --all: only sessions started on or "
                  "after DATE (YYYY-MM-DD, a day in this computer's time zone).")
    @click.option("--workers", type=Number(example="4", min=1, whole=True), metavar="N",
                  help="With --all: worker processes of a local Dask cluster "
                       "(default: the number of cores).")
    @click.option("--scheduler", metavar="ADDRESS",
                  help="With --all: a running Dask scheduler (tcp://host:8786) whose workers "
                       "see the store at the same path.")
    @click.option("--force", is_flag=True,
                  help="With --all: analyse again even if the analysis is current.")
    @click.option("--include-demo", is_flag=True,
                  help="With --all: also the generated demo sessions (left out by default: "
                       "they are synthetic, not client data).")
    @functools.wraps(command)
    def wrapper(*, session_id, all_sessions, clients, since, workers, scheduler, force,
                include_demo, **params):
        from improv.errors import ParameterError

        batch = {"--client": clients, "--since": since, "--workers": workers,
                 "--scheduler": scheduler, "--force": force, "--include-demo": include_demo}
        if not all_sessions:
            given = [k for k, v in batch.items() if v]
            if given:
                raise ParameterError(f"{', '.join(given)} only go with --all")
            if session_id is None:
                raise ParameterError("give a SESSION to analyse, or --all for every session")
            return command(session_id=session_id, **params)
        if session_id is not None:
            raise ParameterError("give a SESSION or --all, not both")
        given = [flag for name, flag in _SINGLE_ONLY.items() if params.get(name)]
        if given:
            raise ParameterError(f"{', '.join(given)} analyse one session: not with --all")
        if workers is not None and scheduler:
            raise ParameterError("--workers and --scheduler exclude each other")
        if scheduler is not None:
            scheduler = check_scheduler(scheduler)
        if workers is not None and workers < 1:
            raise ParameterError(f"--workers must be at least 1, got {workers}")
        app = click.get_current_context().obj
        return run_batch_command(app, clients=clients, since=since, workers=workers,
                                 scheduler=scheduler, force=force, dialogue=params["dialogue"],
                                 as_json=params["as_json"], include_demo=include_demo)

    return wrapper


@contextlib.contextmanager
def _batch_bar(enabled: bool):
    """A rich progress bar on stderr: sessions, hours of audio, rate, time left."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("analysing"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("sessions  {task.fields[hours]}  {task.fields[rate]}  "
                             "{task.fields[left]}"),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("analysing", total=None, hours="", rate="", left="")

        def update(s: dict) -> None:
            from improv.cli.output import format_duration

            rate = s["done"] / s["elapsed_s"] * 60 if s["elapsed_s"] > 0 else 0.0
            hours_rate = s["hours_done"] / s["elapsed_s"] * 60 if s["elapsed_s"] > 0 else 0.0
            left = ((s["hours_total"] - s["hours_done"]) / hours_rate * 60
                    if hours_rate > 0 else None)
            bar.update(task, completed=s["done"], total=s["total"],
                       hours=f"{s['hours_done']:.2f}/{s['hours_total']:.2f} h audio",
                       rate=f"{rate:.1f} sessions/min" if s["done"] else "",
                       left=f"{format_duration(left)} left" if left is not None else "")

        yield update


def demos_left_out(n: int, *, verb: str) -> str:
    """``"; 4 demo sessions left out (--include-demo <verb> them)"``, or ``""`` for none."""
    if not n:
        return ""
    return (f"; {counted(n, 'demo session')} left out (--include-demo {verb} "
            f"{'it' if n == 1 else 'them'})")


def _nothing_to_do(s: dict, *, clients, since) -> str | None:
    """One plain line when the batch had nothing to analyse (was "analysed 0 sessions (0.00 h
    of audio) in 0.0 s on 0 workers …"), else None."""
    if s["done"] or s["failed"] or s["interrupted"]:
        return None
    n = len(s["skipped"])
    if n:
        current = ("the 1 session is analysed already (--force analyses it again)" if n == 1
                   else f"all {n} sessions are analysed already (--force analyses them again)")
        return f"nothing to analyse: {current}" + demos_left_out(s["demos_left_out"],
                                                                 verb="analyses")
    which = ""
    if clients:
        which += f" of client{'s' if len(clients) > 1 else ''} {', '.join(clients)}"
    if since:
        which += f" since {since}"
    if s["demos_left_out"]:
        return f"no sessions to analyse{which}" + demos_left_out(s["demos_left_out"],
                                                                  verb="analyses")
    if which:
        return f"no sessions to analyse{which}"
    return "no sessions to analyse (import files with 'improv sessions import' or record one)"


def _human_summary(s: dict, *, clients=(), since=None) -> None:
    nothing = _nothing_to_do(s, clients=clients, since=since)
    if nothing:
        click.echo(nothing)
        return
    on = f" on {counted(s['workers'], 'worker')}" if s["workers"] is not None else ""
    click.echo(f"analysed {counted(len(s['done']), 'session')} ({s['session_hours']:.2f} h of "
               f"sessions, {s['audio_hours']:.2f} h of audio) in {s['elapsed_s']:.1f} s{on}; "
               f"{len(s['skipped'])} skipped as current; {len(s['failed'])} failed"
               + demos_left_out(s["demos_left_out"], verb="analyses"))
    if s["failed"]:
        table([[f["session_id"], f["error"]] for f in s["failed"]], ["FAILED", "REASON"])
    if s["interrupted"]:
        click.echo("interrupted: the sessions analysed so far are stored; run the command "
                   "again to continue")


def run_batch_command(app, *, clients, since, workers, scheduler, force, dialogue, as_json,
                      include_demo=False):
    from improv.archive import require
    from improv.archive.batch import run_batch
    from improv.cli.params import date_option

    require("distributed", what="improv analyze --all")  # before the store is touched
    when = date_option(since, "--since")
    with _batch_bar(stderr_isatty()) as progress:
        summary = run_batch(app.store, clients=list(clients), since=when, dialogue=dialogue,
                            force=force, workers=workers, scheduler=scheduler, progress=progress,
                            include_demo=include_demo)
    if not summary["interrupted"]:  # done: a Ctrl-C from here on would only lose the summary
        ignore_ctrl_c()
    if as_json:
        print_json(rounded_times(summary))
    else:
        emit(summary, as_json=False,
             human=lambda s: _human_summary(s, clients=clients, since=since))
    if summary["interrupted"]:
        raise KeyboardInterrupt
    return 1 if summary["failed"] else 0


@click.command("export-dataset")
@click.option("--to", "to", required=True, type=PlainPath(file_okay=False), metavar="DIR",
              help="A new (or empty) folder for the tables; made owner-only (0700).")
@click.option("--client", "clients", multiple=True, metavar="C",
              help="Only this client's sessions (repeatable; default: all).")
@click.option("--format", "fmt", type=Choice(["parquet", "csv"]), default="parquet",
              show_default=True, help="Table file format.")
@click.option("--with-text", is_flag=True,
              help="Also the annotations' text and the player names as entered (free text "
                   "may identify people: left out by default).")
@click.option("--include-demo", is_flag=True,
              help="Also the generated demo sessions (left out by default: they are "
                   "synthetic, not client data).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_obj
def export_dataset(app, to, clients, fmt, with_text, include_demo, as_json):
    """Export analysed sessions as tidy tables for pandas, R (arrow) or DuckDB.

    Writes sessions, summaries, dialogue, curves, dialogue_curves (long format), annotations
    and goals, and a README data dictionary. Run 'improv analyze --all --dialogue' first:
    sessions whose analysis is missing or out of date are listed without measures, and the
    dialogue tables need the dialogue analysis (--dialogue). Clients appear as their
    pseudonym codes; file names and session titles are never written, free text (the
    annotations' and goals' text, player names as entered) only with --with-text; demo
    sessions are left out unless --include-demo is given. A session that cannot be read, or whose
    recordings do not match their checksums or cannot be read, stops no other: it is listed
    (column problem) without measures, keeping its code, and the command exits with status
    1. docs/research.md describes the tables.
    """
    from pathlib import Path

    from improv.archive import require
    from improv.archive.dataset import export_dataset as export

    require("pyarrow", what="improv export-dataset")
    out = export(app.store, Path(to), clients=list(clients), fmt=fmt, with_text=with_text,
                 include_demo=include_demo)
    if out["problems"]:
        n = len(out["problems"])
        info(f"warning: {counted(n, 'session')} could not be exported with measures "
             "(unreadable or damaged recordings, or a session folder the catalog does not list"
             f", listed below{' in problems' if as_json else ''}; the column sessions.problem "
             "marks them): run 'improv sessions verify --all'")
    if out["not_analysed"]:
        n = len(out["not_analysed"])
        info(f"warning: {counted(n, 'session')} {'has' if n == 1 else 'have'} no current "
             "analysis (no measures exported for them): run 'improv analyze --all --dialogue' "
             "first")
    if out["no_dialogue"]:
        n = len(out["no_dialogue"])
        info(f"warning: {counted(n, 'session')} {'has' if n == 1 else 'have'} no current "
             "dialogue analysis (no rows in the dialogue tables): run 'improv analyze --all "
             "--dialogue' first")
    if out["goals_unreadable"]:
        info(f"warning: the goals of {counted(len(out['goals_unreadable']), 'client')} could "
             "not be read and are left out: run 'improv sessions verify --all' to see what is "
             "wrong")
    if not out["session_keys"]:
        info("warning: session_key is empty: the store has no dataset key yet and cannot be "
             "written (read-only); export once from a writable store to make one")

    def human(r: dict) -> None:
        click.echo(f"exported {counted(r['sessions'], 'session')} to {r['to']}"
                   + demos_left_out(r["demos_left_out"], verb="exports"))
        table([[name, t["rows"], t["file"]] for name, t in r["tables"].items()],
              ["TABLE", "ROWS", "FILE"])
        if r["problems"]:  # by session ID, as analyze --all lists its failures
            table([[p["session_id"], p["problem"], p["error"]] for p in r["problems"]],
                  ["NOT EXPORTED", "PROBLEM", "REASON"])

    emit(rounded_times(out) if as_json else out, as_json=as_json, human=human)
    return 1 if out["problems"] else 0  # as analyze --all with a failed session


COMMANDS = [export_dataset]
