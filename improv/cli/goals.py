"""``improv goals``: a client's treatment goals, their indicators and the progress towards them.

Library: :mod:`sessions.goals` (the revision log) and :mod:`improv.reports.goals` (checks,
courses, verdicts and readings).
"""

from __future__ import annotations

from pathlib import Path

import click

from improv.cli.output import counted, emit, json_option, table
from improv.cli.params import Number, PlainPath


def _indicator_text(i: dict) -> str:
    """An indicator as 'goals show' names it: ``client · Velocity (mean) (down)``, not the
    ``velocity_mean:down@client`` typed after --indicator (that is in --json)."""
    from improv.reports.goal_indicators import indicator_label

    return f"{indicator_label(i, None)} ({i['direction']})"


def _day(day: str | None) -> str:
    """A goal's day as the app writes days: ``Nov 2, 2026`` (``now`` for an open end)."""
    from improv.reports.goals import goal_day

    return goal_day(day)


def _goal_head(g: dict) -> str:
    end = f" to {_day(g['end'])} ({g['status']})" if g["end"] else " (active)"
    return f"{g['id']}  since {_day(g['since'])}{end}: “{g['text']}”"


def _ended(g: dict) -> str:
    """The end of a goal, with why it was dropped as the therapist gave it (``--reason``):
    ``dropped on Apr 10, 2026: client prefers to follow for now``; ``""`` while active."""
    if not g.get("end"):
        return ""
    return f"{g['status']} on {_day(g['end'])}" + (f": {g['reason']}" if g.get("reason") else "")


def _did_you_mean(store, client: str) -> str:
    """``; did you mean C07?`` naming the clients' codes close to ``client`` (a misspelt
    one, as the command line answers a misspelt command), or ``""``."""
    import difflib

    from sessions import goals as gl

    folded = {c.casefold(): c for c in sorted(gl.clients_with_goals(store.root))}
    folded.update({r["client"].casefold(): r["client"]  # the sessions' spelling first
                   for r in store.list() if r["client"]})
    close = difflib.get_close_matches(client.casefold(), list(folded), n=3)
    return f"; did you mean {' or '.join(folded[c] for c in close)}?" if close else ""


def _known_client(store, client: str) -> str:
    """``client`` if it has sessions or goals (a misspelt code would show "no goals")."""
    from sessions import goals as gl
    from sessions.manifest import check_code

    check_code(client, what="client")
    if not store.list(client=client) and not gl.has_goal_log(store, client):
        raise gl.GoalError(f"client {client!r} has no sessions and no goals"
                           f"{_did_you_mean(store, client)} (see 'improv sessions list')")
    return client


def _parsed(indicators, tags):
    from improv.reports.goal_indicators import parse_indicator, parse_tag

    return [parse_indicator(s) for s in indicators], [parse_tag(s) for s in tags]


def _indicator_options(indicator_help: str, tag_help: str):
    """``--indicator``, ``--tag``, ``--by``, ``--json`` and the app, for add and edit."""
    options = [
        click.option("--indicator", "indicators", multiple=True,
                     metavar="NAME:up|down", help=indicator_help),
        click.option("--tag", "tags", multiple=True, metavar="TAG:up|down", help=tag_help),
        click.option("--by", metavar="CODE", help="Author code."), json_option, click.pass_obj]

    def wrap(f):
        for option in reversed(options):
            f = option(f)
        return f

    return wrap


@click.group()
def goals() -> None:
    """Treatment goals agreed with a client, with the measures and tags that show progress.

    \b
    improv goals measures --client C07   (the names --indicator takes)
    improv goals add --client C07 "Dares to lead" --indicator leads_share@client:up
    improv goals edit ID ["NEW TEXT"] [--since DATE] [--indicator M:up] [--tag T:up]
    improv goals edit ID --agreed-on DATE   (correct the day it was agreed)
    improv goals reach ID | improv goals drop ID [--on DATE]
    improv goals list|show --client C07 [--json]
    """


def _listing(client: str) -> str:
    """Where the names an indicator takes are listed (said after a refused one)."""
    return f"'improv goals measures --client {client}' lists every name"


@goals.command()
@click.option("--client", required=True, metavar="CODE", help="The client's pseudonym code.")
@click.argument("text")
@click.option("--since", metavar="DATE", help="The day it was agreed (default: today).")
@click.option("--new-client", is_flag=True,
              help="The client has no sessions yet: a goal agreed at intake, before the first "
                   "session (without it, a code with no sessions and no goals is refused as a "
                   "likely typo).")
@click.option("--not-a-name", is_flag=True,
              help="A new client code that looks like a person's name is a pseudonym all the "
                   "same: add the goal with it (without it, such a new code is refused).")
@_indicator_options("A measure whose rise (up) or fall (down) means progress, e.g. "
                    "leads_share@client:up; 'improv goals measures --client CODE' lists the "
                    "names. Repeatable.",
                    "A tag counted per session; repeatable.")
def add(app, client, text, since, new_client, not_a_name, indicators, tags, by, as_json):
    """Agree a new goal with a client (with --new-client: one who has no sessions yet). A goal
    that an active one already is (the same measures and tags, each the same way) is refused:
    change that one instead. A new client code that looks like a name is refused unless
    --not-a-name."""
    from improv.codes import CLI_GO_AHEAD, refuse_name_like, store_codes
    from improv.reports.goal_indicators import DuplicateGoalError, add_goal
    from sessions import goals as gl
    from sessions.manifest import check_code

    check_code(client, what="client")
    # a client starts here too (a goal agreed at intake): a name is refused as at a recording
    refuse_name_like(client, known_clients=store_codes(app.store)[0], not_a_name=not_a_name,
                     go_ahead=CLI_GO_AHEAD)
    sessions = app.store.list(client=client)
    if not sessions and not new_client and not gl.has_goal_log(app.store, client):
        # a misspelt code would start a second client: the new one is said so on purpose
        raise gl.GoalError(f"client {client!r} has no sessions and no goals yet"
                           f"{_did_you_mean(app.store, client)} (to agree a goal before the "
                           "client's first session, add --new-client)")
    inds, tgs = _parsed(indicators, tags)
    try:
        g = add_goal(app.store, client, text=text, since=since, indicators=inds, tags=tgs,
                     by=by, listing=_listing(client))
    except DuplicateGoalError as exc:  # the library's sentence, and the command that changes it
        raise gl.GoalError(f"{exc} ({_change_words(exc)})") from None
    except gl.EarlyDayError as exc:  # the day to give, as this command takes it
        raise gl.GoalError(f"{exc} (a goal agreed at intake counts from the first session: "
                           f"--since {exc.first})") from None
    yet = "" if sessions else "; no sessions yet to measure it against"
    emit(g, as_json=as_json, human=lambda g: click.echo(
        f"added goal {g['id']} for client {client} (since {_day(g['since'])}){yet}"))


def _change_words(exc) -> str:
    """The commands that change (or, after a change refused, end) the goal a
    :class:`~improv.reports.goal_indicators.DuplicateGoalError` names."""
    edit = f"improv goals edit {exc.goal_id}"
    if not exc.change:
        return edit
    return f"{edit}; to end it, improv goals reach {exc.goal_id} or drop {exc.goal_id}"


@goals.command()
@click.argument("goal_id", metavar="ID")
@click.argument("text", required=False)
@click.option("--since", metavar="DATE",
              help="The day the changed goal applies from (default: today); the earlier "
                   "version keeps the days before.")
@click.option("--agreed-on", "agreed_on", metavar="DATE",
              help="Correct the day the goal was agreed instead (while it has not been "
                   "changed from a later day): the sessions from DATE on count for it; the "
                   "day entered first stays in its history.")
@_indicator_options("Replace the measures (repeatable; 'improv goals measures --client CODE' "
                    "lists the names).", "Replace the tags (repeatable).")
def edit(app, goal_id, text, since, agreed_on, indicators, tags, by, as_json):
    """Change a goal from a day on; the earlier version stays, for its own period. With
    --agreed-on: correct the day it was agreed. A change that would make it repeat another
    active goal (the same measures and tags, each the same way) is refused: change or end
    that one instead."""
    from improv.reports.goal_indicators import DuplicateGoalError, edit_goal
    from sessions import goals as gl

    inds, tgs = _parsed(indicators, tags)
    listing = _listing(gl.goal_client(app.store, goal_id)) if inds else ""
    try:
        g = edit_goal(app.store, goal_id, since=since, text=text, indicators=inds or None,
                      tags=tgs or None, agreed_on=agreed_on, by=by, listing=listing)
    except gl.EarlyChangeError as exc:
        # the library names the goal by its text; here also its ID, and the command
        way = (f": improv goals edit {goal_id} --agreed-on {since or 'DATE'}"
               if exc.can_correct_agreed else f" (goal {goal_id})")
        raise gl.GoalError(f"{str(exc).rstrip('.')}{way}") from None
    except DuplicateGoalError as exc:
        raise gl.GoalError(f"{exc} ({_change_words(exc)})") from None

    def human(g):
        last = g["versions"][-1]
        if last["corrects_agreed"]:
            click.echo(f"goal {g['id']}: agreed on {_day(g['since'])} (corrected; version "
                       f"{len(g['versions'])}, the day entered first stays in its history)")
        else:
            click.echo(f"goal {g['id']}: version {len(g['versions'])} from "
                       f"{_day(last['since'])}")

    emit(g, as_json=as_json, human=human)


def _end(app, goal_id, on, reason, by, as_json, op):
    from sessions import goals as gl

    store = app.store
    client = gl.goal_client(store, goal_id)
    g = gl.end_goal(store, client, goal_id, op=op, on=on, reason=reason, by=by)

    emit(g, as_json=as_json, human=lambda g: click.echo(f"goal {g['id']} {_ended(g)}"))


@goals.command()
@click.argument("goal_id", metavar="ID")
@click.option("--on", metavar="DATE", help="The day it was reached (default: today).")
@click.option("--by", metavar="CODE", help="Author code.")
@json_option
@click.pass_obj
def reach(app, goal_id, on, by, as_json):
    """Mark a goal as reached."""
    _end(app, goal_id, on, "", by, as_json, "reach")


@goals.command()
@click.argument("goal_id", metavar="ID")
@click.option("--on", metavar="DATE", help="The day it was dropped (default: today).")
@click.option("--reason", default="", help="Why (optional, short).")
@click.option("--by", metavar="CODE", help="Author code.")
@json_option
@click.pass_obj
def drop(app, goal_id, on, reason, by, as_json):
    """Drop a goal; it stays visible for the time it was active."""
    _end(app, goal_id, on, reason, by, as_json, "drop")


def _band_words(indicator: dict, baseline: str) -> str:
    """An indicator's band as a therapist reads it: its ends, the values a session is judged
    against, then the baseline's mean ± SD it was made from (``baseline``, as
    :func:`improv.reports.goals.shown_values` writes it): ``band 5.8–9.8 (baseline 7.8 ±
    0.04, mean ± SD)``; ``band –`` for none."""
    from improv.reports.compare import band_ends

    if not indicator.get("band"):
        return "band –"
    return (f"band {band_ends(indicator.get('column'), indicator['band'])} "
            f"(baseline {baseline}, mean ± SD)")


@goals.command()
@click.option("--client", required=True, metavar="CODE", help="The client's pseudonym code.")
@click.option("--sessions", "n_sessions", metavar="N",
              type=Number(unit="sessions", example="20", min=1, max=1000, whole=True),
              help="Planned sessions (1 to 1000).")
@click.option("--months", metavar="MONTHS",
              type=Number(unit="months", example="6", min=0, max=240, min_open=True),
              help="Planned months (up to 240).")
@click.option("--by", metavar="CODE", help="Author code.")
@json_option
@click.pass_obj
def plan(app, client, n_sessions, months, by, as_json):
    """Set the therapy's planned length (sessions and/or months)."""
    from improv.reports.goals import plan_text
    from sessions import goals as gl

    p = gl.set_plan(app.store, client, sessions=n_sessions, months=months, by=by)
    n = len(app.store.list(client=client))
    emit(p, as_json=as_json, human=lambda p: click.echo(f"client {client}: {plan_text(p, n)}"))


@goals.command()
@click.option("--client", required=True, metavar="CODE", help="The client's pseudonym code.")
@json_option
@click.pass_obj
def measures(app, client, as_json):
    """The measures a goal of this client can follow: each as the tables name it, and the
    name to give after --indicator (with :up or :down). For a client without sessions yet
    (a new client), those of the usual players, client and therapist, and their pair."""
    from improv.reports.goal_indicators import indicator_names
    from sessions import goals as gl
    from sessions.manifest import check_code

    check_code(client, what="client")
    store = app.store
    rows = store.list(client=client)
    # read only: a code with nothing yet is a new client (a typo is named below)
    names = indicator_names(store, client)
    # analyze --all leaves demo sessions out unless asked for them
    demo = " --include-demo" if any(r["demo"] for r in rows) else ""

    def human(names):
        if not names:
            click.echo(f"client {client}'s sessions are not analysed yet: 'improv analyze --all "
                       f"--client {client}{demo}' measures them")
            return
        if rows:
            click.echo(f"The measures of client {client}'s sessions that a goal can follow.")
        else:
            typo = "" if gl.has_goal_log(store, client) else _did_you_mean(store, client)
            typo = f" ({typo[2:]})" if typo else ""  # "; did you mean C07?"
            click.echo(f"Client {client} has no sessions yet{typo}. The measures a goal can "
                       "follow, for the usual players, client and therapist, and the pair of "
                       "them; the values come with the first analysed session.")
        click.echo(f"Give one as --indicator NAME:up or NAME:down, e.g. --indicator "
                   f"{names[0]['name']}:up")
        click.echo("")
        out: list = []
        group = None
        for n in names:
            if n["group"] != group:
                out.append(n["group"])
                group = n["group"]
            out.append((f"  {n['label']}", n["name"]))
        table(out, ["MEASURE", "NAME"])

    emit(names, as_json=as_json, human=human)


@goals.command(name="list")
@click.option("--client", required=True, metavar="CODE", help="The client's pseudonym code.")
@json_option
@click.pass_obj
def list_(app, client, as_json):
    """A client's goals (current and past) with their indicators."""
    from improv.reports.goals import plan_text
    from sessions import goals as gl

    store = app.store
    state = gl.client_goals(store, _known_client(store, client))

    def human(state):
        click.echo(f"client {client}: {counted(len(state['goals']), 'goal')}; "
                   f"{plan_text(state['plan'], len(store.list(client=client)))}")
        table([(g["id"], g["status"], _day(g["since"]), _day(g["end"]) if g["end"] else "–",
                len(g["versions"]),
                ", ".join(_indicator_text(i) for i in g["indicators"] + g["tags"]) or "–",
                g["text"]) for g in state["goals"]],
              ["ID", "STATUS", "SINCE", "END", "VERSIONS", "INDICATORS", "GOAL"])
        # why a goal was dropped belongs to the treatment's history: said under the table
        ended = [f"{g['id']} {_ended(g)}" for g in state["goals"] if g.get("reason")]
        if ended:
            click.echo("")
        for line in ended:
            click.echo(line)

    emit(state, as_json=as_json, human=human)


@goals.command()
@click.option("--client", required=True, metavar="CODE", help="The client's pseudonym code.")
@click.argument("goal_id", metavar="[ID]", required=False)
@json_option
@click.pass_obj
def show(app, client, goal_id, as_json):
    """Progress per goal: each indicator's values per session, band, trend and verdict."""
    from improv.cli.output import info
    from improv.reports.goals import goals_progress
    from sessions.goals import GoalError

    progress = (lambda sid: info(f"analysing {sid} ...")) if not as_json else None
    result = goals_progress(app.store, _known_client(app.store, client), progress=progress)
    if goal_id:
        result["goals"] = [g for g in result["goals"] if g["id"] == goal_id]
        if not result["goals"]:
            raise GoalError(f"client {client} has no goal {goal_id} (see 'improv goals list "
                            f"--client {client}')")
    emit(result, as_json=as_json, human=_show_human)


def _show_human(r: dict) -> None:
    from improv.reports.goals import (
        goal_line,
        indicator_heading,
        plan_text,
        shown_values,
        version_words,
    )
    from improv.reports.wording import session_name, spans_years

    year = spans_years(r["sessions"])  # "Session 3 (Nov 23)", as the web app names it
    name = {s["id"]: session_name(s.get("number"), s["started_utc"], session_id=s["id"],
                                  year=year) for s in r["sessions"]}
    click.echo(f"client {r['client']}: {counted(len(r['sessions']), 'session')}; "
               f"{plan_text(r['plan'], len(r['sessions']))}")
    if not r["goals"]:
        click.echo("no goals (add one with 'improv goals add')")
    for g in r["goals"]:
        click.echo("")
        click.echo(_goal_head(g))
        if g.get("reason"):  # why it was dropped (the head says when)
            click.echo(f"  {_ended(g)}")
        for k, v in enumerate(g["versions"], 1):
            words = version_words(g["versions"], k)
            click.echo(f"  {words[:1].lower()}{words[1:]}: “{v['text']}”")
            if not v["used"] or not v["indicators"]:
                continue
            # in the units the compare tables and the web page use: shares in %, notes as names
            inds = v["indicators"]
            shown = [shown_values(i) for i in inds]
            table([(name[sid], *[s["values"][n] for s in shown])
                   for n, sid in enumerate(v["sessions"])],
                  ["SESSION", *[indicator_heading(i) for i in inds]])
            for i, s in zip(inds, shown, strict=True):
                # a tag count's trend in words ("no clear trend: 0 more per session …")
                trend = (s["trend_text"] if i["kind"] == "tag" or not s["trend"]
                         else f"{s['trend']}/session")
                click.echo(f"    {indicator_heading(i)} ({i['direction']}): "
                           f"{_band_words(i, s['band'])}; trend {trend}; {i['verdict']}")
        click.echo(f"  reading: {goal_line(g)}")


@goals.command()
@click.option("--client", required=True, metavar="CODE", help="The client's pseudonym code.")
@click.option("--to", "to", required=True, type=PlainPath(file_okay=False, path_type=Path),
              help="Folder for goals-<client>.jsonl and its .sha256.")
@click.pass_obj
def export(app, client, to):
    """Copy a client's goal log (every revision) with a checksum."""
    from sessions.goals import export_goals

    click.echo(f"wrote {export_goals(app.store.root, client, to)}")


COMMANDS = [goals]
