"""``improv sessions …``: list, show, import, export, verify, compress, delete, recover, correct,
percussion, reindex."""

from __future__ import annotations

from pathlib import Path

import click

from improv.cli.output import (
    counted,
    emit,
    format_duration,
    info,
    json_option,
    print_json,
    progress_bar,
    stderr_isatty,
    table,
)
from improv.cli.params import Number, PlainPath
from improv.errors import ParameterError

#: What to do in a store without sessions (said by list and verify).
NO_SESSIONS = "import files with 'improv sessions import' or record one"


@click.group()
def sessions() -> None:
    """List, import, export, verify and manage recorded sessions."""


def _players(row: dict) -> str:
    """``client (MIDI), therapist (audio + MIDI)``: the inputs as the web app names them."""
    from analysis.features import source_name

    return ", ".join(
        f"{p['name']} ({' + '.join(source_name(k) for k in p['kinds'])})" if p["kinds"]
        else p["name"] for p in row["players"]
    )


def _local(started_utc: str) -> str:
    """A session's start in this computer's time zone, as the web app shows it
    (``2026-12-05 10:10``); the stored time is UTC."""
    from sessions.timefmt import local_datetime

    return local_datetime(started_utc, zone=False)


def _signed(value: float, decimals: int, *, plus: bool = True) -> str:
    """``value`` with ``decimals`` decimals (and a ``+`` if ``plus``), but never a negative
    zero: a drift of -0.00001 ppm is ``0.0``, not ``-0.0``.

    >>> _signed(-0.00001, 1), _signed(2.345, 1), _signed(-1.25, 4), _signed(0.5, 2, plus=False)
    ('0.0', '+2.3', '-1.2500', '0.50')
    """
    rounded = round(value, decimals)
    if rounded == 0:
        return f"{0:.{decimals}f}"
    return f"{rounded:{'+' if plus else ''}.{decimals}f}"


@sessions.command("list")
@click.option("--client", metavar="CODE", help="Only sessions of this client.")
@json_option
@click.pass_obj
def list_(app, client: str | None, as_json: bool) -> None:
    """List sessions, newest first; a session folder that cannot be read is listed as
    'unreadable', with why, at the end."""
    app.store.reread_unreadable()  # one restored from a backup is listed as it is again
    rows = app.store.list(client=client)
    # not hidden: a row with its ID and the reason ("problem" in --json)
    rows += [{"id": u["id"], "client": u["client"], "number": None, "started_utc": None,
              "duration_s": None, "players": [], "status": u["status"], "demo": False,
              "problem": u["problem"]} for u in app.store.unlisted(client=client)]

    def human(rows):
        if not rows:
            info("no sessions" + (f" for client {client}" if client else "") + f" ({NO_SESSIONS})")
            return
        table(
            [
                (r["client"] or "-", f"Session {r['number']}" if r["number"] else "-", r["id"],
                 _local(r["started_utc"]) if r["started_utc"] else "-",
                 format_duration(r["duration_s"]), _players(r) if r["players"] else "-",
                 r["status"] + (", demo" if r["demo"] else ""))
                for r in rows
            ],
            ["CLIENT", "NAME", "ID", "STARTED", "LENGTH", "PLAYERS", "STATUS"],
        )
        for r in rows:
            if r.get("problem"):
                info(f"session {r['id']}: {r['problem']}")

    emit(rows, as_json=as_json, human=human)


@sessions.command()
@click.argument("session_id", metavar="ID")
@json_option
@click.pass_obj
def show(app, session_id: str, as_json: bool) -> None:
    """Show one session's facts: players, inputs, timing, counts, checksums."""
    session = app.store.session(session_id)
    m = session.manifest
    if as_json:
        print_json(m)
        return
    from sessions.revisions import read_revisions, session_label

    label = session_label(app.store.catalog.session_number(m["id"]), m["id"], m.get("title"))
    click.echo(f"session   {label}  ({m['status']}{', demo' if m.get('demo') else ''})")
    click.echo(f"client    {m.get('client') or '-'}    therapist {m.get('therapist') or '-'}")
    from sessions.revisions import revision_words

    for r in read_revisions(session.folder):
        what = revision_words(r)  # "title was A, now B", "Player A renamed B", a drum-kit mark
        click.echo(f"corrected {_local(r['at_utc'])}"
                   f"{' by ' + r['by'] if r.get('by') else ''}: {what}"
                   f"{' (' + r['reason'] + ')' if r.get('reason') else ''}")
    click.echo(f"started   {_local(m['started_utc'])} (local time)    "
               f"length {format_duration(m.get('duration_s'))}")
    click.echo(f"source    {m.get('source')}")
    click.echo("players")
    for p in m["players"]:
        inputs = [f"midi:{port['name']}" + (" (drum kit)" if port.get("percussion") else "")
                  for port in m["midi"]["ports"] if port["player"] == p["name"]]
        for a in m["audio"]:
            if p["name"] in a.get("players", {}):
                chans = ",".join(str(c) for c in a["players"][p["name"]])
                inputs.append(f"audio:{a['name']}:{chans}")
        click.echo(f"  {p['name']:<12} {'  '.join(inputs) or '(no inputs)'}")
    click.echo(f"midi      {m['midi'].get('events', 0)} events in {m['midi']['file']}")
    for key, n in (m["midi"].get("counters") or {}).items():
        click.echo(f"          {key}: {n}")
    stamps = next((e for e in m.get("events", []) if e.get("kind") == "midi_stamps"), None)
    if stamps is not None:  # recorded through JACK with frame stamps (docs/recording.md)
        n = stamps.get("frame", 0) + stamps.get("cycle", 0)
        click.echo(f"          {stamps.get('frame', 0)} of {n} stamped at their JACK frame, "
                   "the others at their JACK cycle (up to one period early)")
    for a in m["audio"]:
        drift = a.get("drift_ppm")
        click.echo(
            f"audio     {a['file']}: {a['sr']} Hz, {a['channels']} ch, "
            f"{format_duration(a['frames'] / a['sr'])}, "
            f"t0 {_signed(a.get('t0') or 0, 4, plus=False)} s, "
            f"overflows {a.get('overflows', 0)}, gaps {len(a.get('gaps', []))}"
            + (f", drift {_signed(drift, 1)} ppm" if drift is not None else "")
        )
    for g in session.not_recorded():
        if g["why"] == "device lost":  # dropouts are counted per input above
            # in the session page's words ("Keys (client) was unplugged 0:01.5–0:04.0: nothing
            # recorded from it then"), with its length; --json has what, why, t, end
            click.echo(f"gap       {g['text']} ({g['end'] - g['t']:.1f} s)")
    from sessions.notes import read_notes

    # annotations are annotations, notes are the session's notes (bug: "notes 3 annotation(s)")
    click.echo(f"annotations {len(session.annotations())}")
    words = len(read_notes(session.folder).split())
    click.echo(f"notes     {counted(words, 'word') if words else 'none'}")
    if m.get("recovery"):
        when = m["recovery"].get("recovered_utc")
        click.echo(f"recovered {_local(when) + ' (local time)' if when else '-'}")
    for w in session.warnings_afterwards():  # the live "plug it in again": true only then
        click.echo(f"warning   {w}")


@sessions.command()
@click.argument("session_id", metavar="ID")
@click.option("--to", "to", required=True, type=PlainPath(path_type=Path),
              help="A folder, or a file ending in .zip.")
@click.pass_obj
def export(app, session_id: str, to: Path) -> None:
    """Export a session (with a SHA256SUMS checksum file) to a folder or zip."""
    from improv.cli.store import _terminate_as_interrupt
    from sessions.export import export_session

    app.store.session(session_id)  # unknown / busy sessions fail here
    with _terminate_as_interrupt():  # a `kill` removes the partial export as Ctrl-C does
        out = export_session(app.store.folder(session_id), to,
                             removed=lambda p: info(f"removed {p}, left by an export that did "
                                                    "not finish"))
    click.echo(f"exported {session_id} to {out} (restore it with 'improv sessions import "
               f"{out}'; the client's goals are in 'improv backup')")


@sessions.command()
@click.argument("session_id", metavar="[ID]", required=False)
@click.option("--all", "all_", is_flag=True, help="Verify every session.")
@json_option
@click.pass_obj
def verify(app, session_id: str | None, all_: bool, as_json: bool) -> None:
    """Check checksums and structure; exit 1 if anything is wrong."""
    from sessions.verify import verify_folder

    if session_id and all_:
        raise click.UsageError("give a session ID or --all, not both")
    if not session_id and not all_:
        raise click.UsageError("give a session ID or --all")
    store = app.store
    if all_:  # a folder that is a link is reported, never read
        ids = sorted(store.session_ids() + store.linked_ids())
    else:
        store.existing(session_id)
        ids = [session_id]
    if store.writable:  # what a killed compression left in the sessions verified
        _remove_compress_partials(store, ids)
    advice = store.recovery_advice()  # on a read-only store: recover a writable copy
    reports = []
    # hashing every file of a store of a thousand sessions takes minutes: a terminal sees how
    # far it got (review 33)
    with progress_bar(stderr_isatty() and len(ids) > 1, label="verifying") as progress:
        for n, sid in enumerate(ids):
            if progress is not None:
                progress(n, len(ids), f"verifying session {n + 1} of {len(ids)}")
            reports.append(verify_folder(store.folder(sid), recover_advice=advice))
    if all_:
        from sessions.goals import verify_all

        reports += verify_all(store.root)
        if not ids and not as_json:
            info(f"no sessions to verify ({NO_SESSIONS})")

    def human(reports):
        for r in reports:
            if r.get("recording"):
                click.echo(f"{r['id']}: being recorded (checked once it is finished)")
                continue
            if all_ and r["ok"] and not r.get("warnings"):
                continue  # --all: what needs a look, then how many are intact (review 33)
            click.echo(f"{r['id']}: {'ok' if r['ok'] else 'PROBLEMS'} "
                       f"({r['checked']} files hashed)")
            for p in r["problems"]:
                click.echo(f"  - {p}")
            for w in r.get("warnings", []):
                click.echo(f"  note: {w}")
        if all_ and ids:
            click.echo(_intact_words(reports[:len(ids)], reports[len(ids):]))

    emit(reports, as_json=as_json, human=human)
    if any(not r["ok"] for r in reports):
        raise click.ClickException(f"{_failed_words(reports[:len(ids)], reports[len(ids):])} "
                                   "failed verification")


def _intact_words(sessions: list[dict], goals: list[dict]) -> str:
    """The last line of ``verify --all``: how many sessions (and clients' goal logs) are
    intact and how many files were hashed, those that are not pointed to above."""
    done = [r for r in sessions if not r.get("recording")]
    good = [r for r in done if r["ok"]]
    files = counted(sum(r["checked"] for r in good), "file")
    every = "the session is" if len(done) == 1 else f"all {len(done)} sessions are"
    line = (f"{every} intact ({files} hashed)" if len(good) == len(done)
            else f"{len(good)} of {counted(len(done), 'session')} "
                 f"{'is' if len(good) == 1 else 'are'} intact ({files} hashed); the others are "
                 "listed above")
    if len(done) < len(sessions):
        line += f"; {len(sessions) - len(done)} being recorded"
    bad_goals = sum(not r["ok"] for r in goals)
    if goals:
        line += (f"; the goals of {counted(len(goals), 'client')} are intact" if not bad_goals
                 else f"; the goals of {len(goals) - bad_goals} of "
                      f"{counted(len(goals), 'client')} are intact")
    return line


def _failed_words(sessions: list[dict], goals: list[dict]) -> str:
    """What failed, sessions and goal logs counted apart: ``1 of 4 sessions``, ``the goals
    of 1 of 2 clients``, or both joined by "and"."""
    parts = []
    for reports, words in ((sessions, lambda bad, n: f"{bad} of {counted(n, 'session')}"),
                           (goals, lambda bad, n: f"the goals of {bad} of {counted(n, 'client')}")):
        bad = sum(not r["ok"] for r in reports)
        if bad:
            parts.append(words(bad, len(reports)))
    return " and ".join(parts)


@sessions.command()
@click.argument("session_ids", metavar="[ID ...]", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every complete session of the store.")
@click.option("--dry-run", is_flag=True, help="Only say what would be compressed.")
@json_option
@click.pass_obj
def compress(app, session_ids: tuple[str, ...], all_: bool, dry_run: bool, as_json: bool) -> None:
    """Store recorded audio as FLAC where that is lossless (16-bit: about a quarter of the space).

    Each WAV is checked to hold only 16- or 24-bit steps (what an interface's converter
    gives); the FLAC is read back and compared sample by sample before the WAV is removed.
    Float audio that FLAC would round stays WAV.
    """
    from sessions.compress import compress_session, to_dict
    from sessions.errors import SessionBusyError, StoreError

    if bool(session_ids) == all_:
        raise click.UsageError("give session IDs or --all")
    store = app.store
    if all_:
        ids = store.session_ids()
    else:
        for sid in session_ids:  # an unknown ID fails before anything is compressed
            store.session(sid)
        ids = list(session_ids)
    out = []
    for sid in ids:
        try:
            res = compress_session(store, sid, dry_run=dry_run)
        except SessionBusyError as exc:
            if not all_:
                raise
            info(f"skipped {sid}: {exc}")
            continue
        except StoreError as exc:
            if len(ids) == 1:
                raise
            # name the session; those compressed so far stay compressed
            raise StoreError(f"session {sid}: {exc} (sessions before it are done)") from None
        out.append({"id": sid, "inputs": to_dict(res)})

    def human(out):
        before = after = 0
        for s in out:
            for r in s["inputs"]:
                before += r["bytes_before"]
                after += r["bytes_after"] if not dry_run else r["bytes_before"]
                if r["status"] == "compressed":
                    size = ("" if dry_run else f", {r['bytes_before'] / 1e6:.1f} MB -> "
                            f"{r['bytes_after'] / 1e6:.1f} MB")
                    verb = "would compress" if dry_run else "compressed"
                    click.echo(f"{s['id']} {r['name']}: {verb} to {r['bits']}-bit FLAC{size}")
                elif r["status"] == "kept":
                    click.echo(f"{s['id']} {r['name']}: kept as it is: {r['reason']}")
        if not dry_run:
            click.echo(f"audio of {counted(len(out), 'session')}: {before / 1e6:.1f} MB -> "
                       f"{after / 1e6:.1f} MB")

    emit(out, as_json=as_json, human=human)


@sessions.command()
@click.argument("session_id", metavar="[ID]", required=False)
@click.option("--client", metavar="CODE", help="Delete every session of this client.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def delete(app, session_id: str | None, client: str | None, yes: bool) -> None:
    """Delete a session (or all of a client's) with its files and catalog rows."""
    if bool(session_id) == bool(client):
        raise click.UsageError("give a session ID or --client CODE")
    store = app.store
    goals = False  # the client has goals: they go too (said in the question and when done)
    if session_id:
        store.existing(session_id)
        ids = [session_id]
    else:
        from sessions.goals import has_goal_log

        ids = [r["id"] for r in store.list(client=client)]
        goals = has_goal_log(store, client)
        if not ids and not goals:  # goals before any session: deleted
            raise ParameterError(f"client {client!r} has no sessions (see 'improv sessions list')")
    if not yes:
        what = (f"session {ids[0]}" if not client
                else f"{counted(len(ids), 'session')} and the goals of client {client}" if goals
                else f"{counted(len(ids), 'session')} of client {client}")
        try:
            sure = click.confirm(f"Delete {what} and all its files? This cannot be undone")
        except click.Abort:  # no answer (no terminal, Ctrl-D)
            sure = False
            click.echo("", err=True)
        if not sure:  # as every refusal: exit 1, so that a script does not take it for done
            info("nothing deleted")
            click.get_current_context().exit(1)
    for sid in ids:
        store.delete(sid)
    if client:  # the client is gone: so are the goals agreed with them
        from sessions.goals import delete_client_goals

        goals = delete_client_goals(store, client)
    click.echo(f"deleted {counted(len(ids), 'session')}"
               + (f" and the goals of client {client}" if goals else ""))


def _remove_compress_partials(store, ids: list[str]) -> None:
    """Remove the partial FLACs a killed ``sessions compress`` left in these sessions (not of
    a compression running now), saying so on stderr; a folder that cannot be changed is left
    to ``verify`` and the next compression."""
    from sessions.compress import remove_partials
    from sessions.errors import StoreError

    for sid in ids:
        folder = store.folder(sid)
        if folder.is_symlink():
            continue
        try:
            removed = remove_partials(folder)
        except (OSError, StoreError):
            continue
        for rel in removed:
            info(f"removed {rel} of session {sid}, left by a compression that did not finish")


@sessions.command()
@json_option
@click.pass_obj
def recover(app, as_json: bool) -> None:
    """Find interrupted recordings and recover everything they flushed."""
    store = app.open_store(recover=False)
    if not store.writable and (stuck := store.interrupted()):
        from sessions.errors import StoreWriteError

        raise StoreWriteError(
            f"{counted(len(stuck), 'interrupted session')} ({', '.join(stuck)}): "
            + (store.recovery_advice() if len(stuck) == 1
               else store.recovery_advice().replace(", so it cannot", ", so they cannot")))
    reports = store.recover()
    removed = store.sweep_tmp() if store.writable else []  # leftovers of killed imports
    if store.writable:  # and of killed compressions
        _remove_compress_partials(store, store.session_ids())
    mended = _cut_torn_logs(store) if store.writable else []

    def human(reports):
        if not reports:
            click.echo("no interrupted sessions")
        for line in mended:
            click.echo(line)
        if removed:
            click.echo(f"removed {counted(len(removed), 'item')} left in {store.tmp_dir} by "
                       "interrupted imports, deletions or recordings")
        for r in reports:
            if r["ok"]:
                frames = sum(r["audio_frames"].values())
                click.echo(
                    f"recovered {r['id']}: {r['midi_events']} MIDI events, {frames} audio frames, "
                    f"{r['annotations']} annotations, {r['duration_s']:.1f} s"
                )
            else:
                click.echo(f"could not recover {r['id']}: {r['error']}")

    emit(reports, as_json=as_json, human=human)
    if any(not r["ok"] for r in reports):
        raise click.ClickException("some sessions could not be recovered")


def _cut_torn_logs(store) -> list[str]:
    """Cut the torn last lines off the finished sessions' logs (a full disk or a power cut
    during a change: review 31, H1) and separate the records an older improv glued onto
    torn lines, keeping the torn bytes; one line each (a session that
    cannot be mended is said too, and the others go on)."""
    from sessions.errors import SESSION_FAULTS
    from sessions.lines import cut_words, unglue_words
    from sessions.recovery import cut_torn_logs, settle_marker_rewrites

    out = []
    for sid in store.session_ids():
        folder = store.folder(sid)
        try:
            out += settle_marker_rewrites(folder)
            cuts = cut_torn_logs(folder)
        except SESSION_FAULTS as exc:
            out.append(f"could not mend the logs of session {sid}: {exc}")
            continue
        out += [cut_words(folder / c[0], c[1]) if c[1] else unglue_words(folder / c[0], c[2])
                for c in cuts]
    return out


def _check_renames(store, session_id: str, pairs: list[tuple[str, str]]) -> None:
    """Refuse several ``--player OLD=NEW`` before the first is made, as
    :func:`sessions.revisions.rename_player` refuses one (an unknown player, a new name that
    is invalid or another player's), each on the names the renames before it leave; so a
    refused later rename leaves the earlier ones unmade, not the session half renamed."""
    from sessions import manifest as mf
    from sessions.names import match_name

    players = [p["name"] for p in store.session(session_id).manifest["players"]]
    now = ", ".join(players) or "none"  # as the session has them: nothing is renamed yet
    renamed: dict[str, str] = {}  # old name (casefolded) -> the --player that renamed it
    for old, new in pairs:
        mf.check_player_name(new, what="the new player name")
        name = match_name(old, players)
        if name not in players:
            earlier = renamed.get(old.casefold())
            if earlier:
                raise ParameterError(f"--player {old}={new}: {old!r} is renamed already by "
                                     f"--player {earlier}; give one --player per player")
            raise ParameterError(f"session {session_id} has no player {old!r} (players: "
                                 f"{now})")
        other = next((p for p in players if p != name and p.lower() == new.lower()), None)
        if other is not None:
            raise ParameterError(f"{other!r} is another player of session {session_id}; "
                                 "players are not merged: choose another name")
        renamed[name.casefold()] = f"{old}={new}"
        players = [new if p == name else p for p in players]


@sessions.command()
@click.argument("session_id", metavar="ID")
@click.option("--title", help="The corrected title (an empty one removes it).")
@click.option("--client", metavar="CODE", help="The corrected client code.")
@click.option("--player", "renames", multiple=True, metavar="OLD=NEW",
              help="Rename a player (e.g. Piano-client=client), so that the client's sessions "
                   "are compared under one name; the recorded files keep the old name. "
                   "Repeatable: the renames are made in the order given.")
@click.option("--by", metavar="CODE", help="Who corrects (a pseudonym code such as T01).")
@click.option("--reason", help="Why (kept with the correction).")
@json_option
@click.pass_obj
def correct(app, session_id: str, title: str | None, client: str | None,
            renames: tuple[str, ...], by: str | None, reason: str | None,
            as_json: bool) -> None:
    """Correct a session's title or client code, or rename players; the earlier value stays
    in its history."""
    from sessions.revisions import check_value, correct_session, rename_player, revision_words

    changes = {k: v for k, v in (("title", title), ("client", client)) if v is not None}
    if not changes and not renames:
        raise ParameterError("give --title, --client or --player OLD=NEW")
    pairs = []
    for rename in renames:
        old, eq, new = rename.partition("=")
        if not (eq and old.strip() and new.strip()):
            raise ParameterError(f"--player takes OLD=NEW (e.g. Piano-client=client), got "
                                 f"{rename!r}")
        pairs.append((old.strip(), new.strip()))
    for field, value in changes.items():  # checked before anything is written
        check_value(field, value)
    if len(pairs) > 1:  # one rename is checked by the library; several all before the first
        _check_renames(app.store, session_id, pairs)
    revisions = []
    for old, new in pairs:  # in turn, as given: A=B then B=C renames A to C
        revisions += rename_player(app.store, session_id, old, new, by=by,
                                   reason=reason)["revisions"]
    result = {"id": session_id}
    if changes:
        result = correct_session(app.store, session_id, by=by, reason=reason, **changes)
        revisions += result["revisions"]
    m = app.store.session(session_id).manifest
    result = {**result, "players": [p["name"] for p in m["players"]],
              "player_names": m.get("player_names", {}), "revisions": revisions}

    def human(r):
        if not r["revisions"]:
            click.echo(f"session {r['id']}: nothing to correct (the values are the same)")
        for v in r["revisions"]:
            click.echo(f"session {r['id']}: {revision_words(v)}")
        if any(v["field"] == "player" for v in r["revisions"]):
            click.echo("Its measures are made again under the new name when it is next "
                       f"analysed ('improv analyze {r['id']}').")

    emit(result, as_json=as_json, human=human)


@sessions.command()
@click.argument("session_id", metavar="ID")
@click.argument("names", metavar="INPUT|PLAYER...", nargs=-1, required=True)
@click.option("--off", is_flag=True, help="Take the mark away (the inputs are not drum kits).")
@click.option("--by", metavar="CODE", help="Who marks (a pseudonym code such as T01).")
@click.option("--reason", help="Why (kept with the change).")
@json_option
@click.pass_obj
def percussion(app, session_id: str, names: tuple[str, ...], off: bool, by: str | None,
               reason: str | None, as_json: bool) -> None:
    """Mark MIDI inputs as drum kits (or not, with --off): their notes are drums on every
    channel, not only on channel 10, so no key, pitch or tonal clarity comes from them.

    INPUT is a MIDI input (port) name, PLAYER all MIDI inputs of a player. The change is kept
    in the session's history; the session is measured again when it is next analysed.
    """
    from sessions.revisions import mark_percussion, mark_words

    result = mark_percussion(app.store, session_id, names, percussion=not off, by=by,
                             reason=reason)

    def human(r):
        if not r["revisions"]:
            click.echo(f"session {r['id']}: nothing to change (already "
                       f"{'not ' if off else ''}marked as a drum kit)")
        for v in r["revisions"]:
            click.echo(f"session {r['id']}: {mark_words(v)}")

    emit(result, as_json=as_json, human=human)


@sessions.command()
@json_option
@click.pass_obj
def reindex(app, as_json: bool) -> None:
    """Rebuild the catalog from the session folders (with the analyses their caches hold)."""
    from improv.analyze import reindex as reindex_with_analyses

    result = reindex_with_analyses(app.store)

    def human(r):
        if r["damaged_kept_as"]:
            click.echo(f"the catalog was damaged: kept as {r['damaged_kept_as']} and rebuilt")
        click.echo(f"indexed {counted(r['indexed'], 'session')}, restored "
                   f"{r['analyses_restored']} cached analyses")
        for sid, why in r["skipped"]:
            click.echo(f"  skipped {sid}: {why}")

    emit(result, as_json=as_json, human=human)
    unreadable = [sid for sid, why in result["skipped"] if why != "recording or interrupted"]
    if unreadable:
        from improv.errors import ImprovError

        raise ImprovError(
            f"{counted(len(unreadable), 'session')} could not be indexed ({', '.join(unreadable)}):"
            " see 'improv sessions verify ID'")


@sessions.command()
@click.option("--duration", type=Number(unit="seconds", example="90", min=10, max=3600),
              default=90, show_default=True, metavar="SECONDS",
              help="Length in seconds, 10 to 3600.")
@click.option("--analyze/--no-analyze", "measure", default=True, show_default=True,
              help="Measure it at once (as 'improv analyze ID --dialogue'), so that its page "
                   "opens with its measures.")
@json_option
@click.pass_obj
def demo(app, duration: float, measure: bool, as_json: bool) -> None:
    """Generate a demo session (a synthetic duet, marked as demo)."""
    from improv.demo import create_demo_session
    from improv.errors import user_facing_errors

    m = create_demo_session(app.store, duration=duration)
    measured = False
    if measure:
        from improv.analyze import analyze_session

        try:
            analyze_session(app.store, m["id"], dialogue=True)
            measured = True
        except (*user_facing_errors(), OSError) as exc:  # the session itself is complete
            info(f"warning: demo session {m['id']} was made but not measured: {exc} (measure it "
                 f"with 'improv analyze {m['id']} --dialogue' or 'Analyse now' on its page)")
    emit({"id": m["id"], "duration_s": m["duration_s"], "demo": True, "analyzed": measured},
         as_json=as_json,
         human=lambda r: click.echo(f"created demo session {r['id']} "
                                    f"({format_duration(r['duration_s'])})"
                                    + (", measured" if r["analyzed"] else "")
                                    + "; open it with 'improv serve'; remove it with "
                                      "'improv sessions delete --client DEMO'"))


def _register_import() -> None:
    from improv.cli.session_import import import_

    sessions.add_command(import_)


_register_import()
