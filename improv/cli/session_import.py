"""``improv sessions import``: MIDI and audio files recorded together as one session, or a
session export back into the store (registered on the ``improv sessions`` group)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path

import click

from improv.cli.output import counted, emit, format_duration, info, json_option
from improv.cli.params import PlainPath
from improv.errors import ParameterError


def _parse_offsets(values: tuple[str, ...]) -> float | dict[str, float]:
    if not values:
        return 0.0
    if len(values) == 1 and "=" not in values[0]:
        try:
            return float(values[0])
        except ValueError:
            raise ParameterError(
                f"--offset must be SECONDS or FILE=SECONDS, got {values[0]!r}") from None
    out = {}
    for v in values:
        name, sep, sec = v.rpartition("=")
        try:
            if not sep:
                raise ValueError
            out[name] = float(sec)
        except ValueError:
            raise ParameterError(f"--offset must be SECONDS or FILE=SECONDS, got {v!r}") from None
    return out


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=PlainPath(path_type=Path))
@click.option("--client", metavar="CODE", help="Client pseudonym code, e.g. C07.")
@click.option("--therapist", metavar="CODE", help="Therapist code.")
@click.option("--not-a-name", is_flag=True,
              help="A new client or therapist code that looks like a person's name is a "
                   "pseudonym all the same: import with it (without it, such a new code is "
                   "refused).")
@click.option("--player", "players", multiple=True, metavar="NAME=FILE[:N]",
              help="Map a file, or track/channel N of it, to a player (repeatable).")
@click.option("--leave-out", "leave_out", multiple=True, metavar="FILE:N",
              help="A track or channel that no one plays (a click track): a MIDI part is not "
                   "imported, an audio channel stays in the file for no player (repeatable).")
@click.option("--offset", "offsets", multiple=True, metavar="SECONDS|FILE=SECONDS",
              help="Start of the files on the session clock (one value or per file).")
@click.option("--title", help="A short title (no names: it is shown in lists, reports and "
                               "the browser's history).")
@click.option("--started", metavar="ISO-8601",
              help="Session start with time zone, e.g. 2026-03-02T10:00+01:00 "
                   "(default: file time).")
@click.option("--percussion", "percussion", multiple=True, metavar="PLAYER|FILE",
              help="A drum kit: this player's or MIDI file's notes are drums on every channel, "
                   "not only on channel 10 (no key or pitch from them; repeatable).")
@json_option
@click.pass_obj
def import_(app, files, client, therapist, not_a_name, players, leave_out, offsets, title,
            started, percussion, as_json) -> None:
    """Import MIDI and audio files recorded together as one session, or restore a session
    export (a .zip file or folder from 'improv sessions export', checked against its
    SHA256SUMS)."""
    from sessions.restore import is_export

    if len(files) == 1 and is_export(files[0]):
        given = [f"--{k}" for k, v in (("client", client), ("therapist", therapist),
                                      ("player", players), ("leave-out", leave_out),
                                      ("offset", offsets),
                                      ("title", title), ("started", started),
                                      ("percussion", percussion)) if v]
        if given:
            raise ParameterError(
                f"{files[0].name} is a session export: it comes back as it was exported, "
                f"without {' or '.join(given)} (correct it afterwards with 'improv sessions "
                "correct')")
        with _new_store_kept_if_used(app):
            _restore_export(app, files[0], as_json=as_json)
        return

    when = None
    if started:
        try:
            when = datetime.fromisoformat(started)
        except ValueError:
            import re

            day = re.match(r"\d{4}-\d{2}-\d{2}", started)
            if day:  # the shape is right, the day is not: say that, not "must be ISO 8601"
                try:
                    datetime.fromisoformat(day.group(0))
                except ValueError:
                    raise ParameterError(
                        f"--started: {day.group(0)} is not a day of the calendar (write it like "
                        "2026-11-02T10:00+01:00)") from None
            raise ParameterError(f"--started must be a date and time like "
                                 f"2026-11-02T10:00+01:00, got {started!r}") from None
        if when.tzinfo is None:
            raise ParameterError(_zone_missing(started, when))
    offset = _parse_offsets(offsets)
    with _new_store_kept_if_used(app):
        from improv.codes import CLI_GO_AHEAD, refuse_name_like, store_codes
        from sessions.importer import import_files
        from sessions.manifest import check_code

        # a new client or therapist starts here too: a name is refused as at a recording
        # (once the codes are codes at all)
        for code, what in ((client, "client"), (therapist, "therapist")):
            if code:
                check_code(code, what=what)
        clients, therapists = store_codes(app.store)
        refuse_name_like(client, therapist, known_clients=clients, known_therapists=therapists,
                         not_a_name=not_a_name, go_ahead=CLI_GO_AHEAD)
        known = _names_of_client(app.store, client)
        manifest = import_files(
            app.store, files, client=client, therapist=therapist, players=players,
            leave_out=leave_out, offset=offset, title=title, started=when,
            percussion=percussion,
        )
    for w in manifest.get("warnings", []):
        info(f"warning: {w}")
    if not manifest.get("client"):
        info(no_client_warning(manifest["id"]))
    from sessions.importer import earlier_copies

    copies = earlier_copies(app.store, manifest)
    if copies:
        info(copies_warning(manifest, copies))
    from_files = names_from_files(manifest, given=players, known=known)
    if from_files:
        info(names_from_files_warning(manifest["id"], from_files))
    summary = {
        "id": manifest["id"],
        "players": [p["name"] for p in manifest["players"]],
        "midi_events": manifest["midi"]["events"],
        "audio_inputs": [a["name"] for a in manifest["audio"]],
        "percussion": [{"name": p["name"], "player": p["player"]}
                       for p in manifest["midi"]["ports"] if p.get("percussion")],
        "duration_s": manifest["duration_s"],
        "players_named_from_files": from_files,
        "looks_like": [c["id"] for c in copies],
    }
    emit(summary, as_json=as_json, human=lambda s: click.echo(
        f"imported session {s['id']}: players {', '.join(s['players'])}; "
        f"{s['midi_events']} MIDI events, {counted(len(s['audio_inputs']), 'audio file')}, "
        f"{format_duration(s['duration_s'])}"
        + "".join(f"; {k['name']} ({k['player']}) is a drum kit" for k in s["percussion"])
    ))


def _zone_missing(started: str, when: datetime) -> str:
    """The refusal of a ``--started`` without a time zone, with an example that is accepted:
    the day and time given (10:00 where only a day was: ``2026-10-01``) and ``+01:00``. It
    showed what was typed with ``+01:00`` added, which a day alone refuses again."""
    if when.time() == datetime.min.time() and len(started.strip()) <= 10:  # a day alone
        return (f"--started needs a time of day and a time zone (e.g. "
                f"{when:%Y-%m-%d}T10:00+01:00)")
    spec = "minutes" if not (when.second or when.microsecond) else "auto"
    return f"--started needs a time zone (e.g. {when.isoformat(timespec=spec)}+01:00)"


@contextlib.contextmanager
def _new_store_kept_if_used(app):
    """Open the store for an import: a store made for it is said to be made once the import
    is done, and removed again if the import is refused (no empty store is left behind)."""
    store = app.open_store(recover=True, say_created=False)
    try:
        yield store
    except BaseException:
        if store.created:
            store.discard_if_new()
            app._store = None
        raise
    if store.created:
        info(f"created a new session store at {store.root.absolute()}")


def _names_of_client(store, client: str | None) -> set[str]:
    """The player names of the client's sessions so far (case-folded): names the therapist
    has kept already."""
    if not client:
        return set()
    return {p["name"].casefold() for r in store.list(client=client) if not r.get("demo")
            for p in r.get("players", [])}


def names_from_files(manifest: dict, *, given, known: set[str]) -> list[str]:
    """The players of an import named after a track or a file (not given with ``--player``),
    unless the name is a role (client, therapist) or one the client's sessions already use:
    a track name can be a person's name ("Maria Keller"), which the screen and every report
    would then show (review 35)."""
    from sessions.import_mapping import parse_player_map
    from sessions.import_players import ROLE_WORDS

    named = {parse_player_map(m).player.casefold() for m in given}
    return [p["name"] for p in manifest["players"]
            if p["name"].casefold() not in named | known | set(ROLE_WORDS)]


def names_from_files_warning(session_id: str, names: list[str]) -> str:
    """The warning for players named after the imported files' tracks or names."""
    return (f"warning: {'players' if len(names) > 1 else 'player'} {', '.join(names)} "
            f"{'are' if len(names) > 1 else 'is'} named after the files' track or file names, "
            "and the screen and every report show player names: if one is a person's name, "
            f"rename it, e.g. 'improv sessions correct {session_id} --player {names[0]}=client' "
            "(next time give the names with --player)")


def copies_warning(manifest: dict, copies: list[dict]) -> str:
    """The warning for an import that looks like a session imported before."""
    first = copies[0]
    name = f"Session {first['number']}" if first.get("number") else "a session"
    whose = f" of client {manifest['client']}" if manifest.get("client") else ""
    return (f"warning: this looks like {name}{whose} ({first['id']}), imported before: the same "
            "start and length. If it is the same recording, delete one of the two ('improv "
            f"sessions delete {manifest['id']}') so that it does not count twice")


def no_client_warning(session_id: str) -> str:
    """The warning for a session imported without a client code."""
    return (f"warning: session {session_id} has no client code, so it belongs to no client's "
            "sessions, goals or reports; add one with "
            f"'improv sessions correct {session_id} --client C07'")


def _restore_export(app, path: Path, *, as_json: bool) -> None:
    """``improv sessions import EXPORT``: the session of an export back into the store."""
    from sessions.restore import restore_session

    m = restore_session(app.store, path)
    summary = {"id": m["id"], "restored": True, "client": m.get("client"),
               "players": [p["name"] for p in m["players"]],
               "duration_s": m.get("duration_s")}
    emit(summary, as_json=as_json, human=lambda s: click.echo(
        f"restored session {s['id']} from {path.name}: client {s['client'] or '-'}, players "
        f"{', '.join(s['players'])}, {format_duration(s['duration_s'])}; every file matched "
        "its checksum"))
