"""``improv annotate``, ``improv annotations …`` and ``improv notes``."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import click

from improv.cli.output import emit, info, json_option, table
from improv.cli.params import Choice, PlainPath
from improv.cli.params import date_option as _date
from improv.cli.params import time_option as _time
from improv.errors import ParameterError
from improv.reports.tag_words import tags_in_words
from improv.reports.wording import counted


def _fmt(t):
    from sessions.timefmt import format_time

    return "" if t is None else format_time(t)


def _placed(a: dict) -> str:
    """Where an annotation stands, as the command answers: "at 0:12.0", or "from 0:12.0 to
    0:15.0" for a range (its end was not echoed, review 29)."""
    if a.get("end") is None:
        return f"at {_fmt(a['t'])}"
    return f"from {_fmt(a['t'])} to {_fmt(a['end'])}"


def _read_text(path: Path) -> str:
    """A UTF-8 text file given by the user (annotations or notes to import)."""
    from sessions.safeio import read_text

    return read_text(path, what="file")


def _state(a, edits: int | None) -> str:
    """What the session page says of an annotation: ``deleted``; ``suggested`` (a role
    suggestion to review) or ``confirmed`` (one the therapist confirmed); ``edited`` (``edited
    2 times``) for corrections of its content, never for a confirmation (``edits``: from
    :func:`sessions.annotation_log.corrections`; None: not known, any revision counts)."""
    from sessions.annotation_log import unconfirmed_suggestion

    if a.get("deleted"):
        return "deleted"
    words = []
    if unconfirmed_suggestion(a):
        words.append("suggested")
    elif a.get("source") == "suggestion":
        words.append("confirmed")
    n = (1 if a.get("edited_utc") else 0) if edits is None else edits
    if n:
        words.append("edited" if n == 1 else f"edited {n} times")
    return ", ".join(words)


def _text(a) -> str:
    """An annotation's text for the table: a role suggestion in an older wording ("…, 100 %
    sure)") in today's, as the session page shows it (:func:`improv.analyze.roles.reworded`);
    ``--json`` gives the stored text."""
    if a.get("source") == "suggestion":
        from improv.analyze.roles import reworded

        return reworded(a) or ""
    return a.get("text") or ""


def _rows(annotations, edits: dict[str, int] | None = None):
    """The table's rows: the tags in words, as the session page shows them ("IAP · autonomy:
    leader"); ``--json`` and the exports keep their codes (``autonomy:leader``)."""
    return [
        (a["id"], _fmt(a["t"]), _fmt(a.get("end")), a.get("player") or "-",
         tags_in_words(a.get("tags") or []), _short(_text(a).replace("\n", " ")),
         a.get("source") or "",
         _state(a, None if edits is None else edits.get(a["id"], 0)))
        for a in annotations
    ]


def _short(text: str, width: int = 60) -> str:
    """A text for the table's TEXT column: up to ``width`` characters, a longer one cut with
    "…" (it had looked complete, review rev-months 7); --json gives it whole."""
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


HEADERS = ["ID", "AT", "TO", "PLAYER", "TAGS", "TEXT", "SOURCE", "STATE"]


@click.command()
@click.argument("session_id", metavar="SESSION")
@click.argument("text", required=False, default="")
@click.option("--at", "at", required=True, metavar="TIME",
              help="SS, MM:SS or HH:MM:SS (fractions allowed).")
@click.option("--to", "to", metavar="TIME", help="End of a range annotation.")
@click.option("--player", metavar="NAME", help="The player it is about (default: the whole group).")
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="e.g. autonomy:leader (repeatable).")
@click.option("--new-tag", "new_tags", multiple=True, metavar="TAG",
              help="Add a tag to the practice's vocabulary and use it.")
@click.option("--by", metavar="CODE", help="Author code.")
@json_option
@click.pass_obj
def annotate(app, session_id, text, at, to, player, tags, new_tags, by, as_json):
    """Annotate a moment or a range of a session."""
    from sessions.annotation_edits import add_annotation

    a = add_annotation(app.store, session_id, t=_time(at, "--at"), end=_time(to, "--to"),
                       player=player, tags=list(tags) + list(new_tags), text=text, by=by,
                       new_tags=new_tags)
    emit(a, as_json=as_json, human=lambda a: click.echo(f"added {a['id']} {_placed(a)}"))


class _DefaultList(click.Group):
    """``improv annotations SESSION`` means ``improv annotations list SESSION``."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultList)
def annotations():
    """List, correct, import and export annotations; search them and the session notes.

    `improv annotations SESSION` lists a session's annotations.
    """


@annotations.command("list")
@click.argument("session_id", metavar="SESSION")
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Only annotations with this tag (a dimension matches all its values).")
@click.option("--deleted", is_flag=True, help="Include deleted annotations.")
@json_option
@click.pass_obj
def list_(app, session_id, tags, deleted, as_json):
    """A session's annotations in time order."""
    from sessions import annotation_log

    session = app.store.session(session_id)
    records = session.annotation_records()
    items = annotation_log.fold(records, include_deleted=deleted)
    for tag in tags:
        items = [a for a in items if any(t == tag or t.startswith(tag + ":") for t in a["tags"])]
    edits = annotation_log.corrections(records)  # a confirmation is no correction
    emit(items, as_json=as_json, human=lambda items: table(_rows(items, edits), HEADERS)
         if items else info("no annotations"))


@annotations.command()
@click.argument("session_id", metavar="SESSION")
@click.argument("annotation_id", metavar="ID")
@click.option("--at", "at", metavar="TIME",
              help="New time (12:30, 1:02:03 or 95.5 seconds from the session's start).")
@click.option("--to", "to", metavar="TIME", help="New end ('none' makes it a point).")
@click.option("--player", metavar="NAME", help="New player ('none' for the whole group).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Replace the tags (repeatable).")
@click.option("--text", help="Replace the text.")
@click.option("--by", metavar="CODE", help="Who corrects it.")
@json_option
@click.pass_obj
def edit(app, session_id, annotation_id, at, to, player, tags, text, by, as_json):
    """Correct an annotation (the earlier version stays in its history)."""
    from sessions.annotation_edits import edit_annotation

    changes = {}
    if at is not None:
        changes["t"] = _time(at, "--at")
    if to is not None:
        changes["end"] = None if to.lower() == "none" else _time(to, "--to")
    if player is not None:
        changes["player"] = None if player.lower() == "none" else player
    if tags:
        changes["tags"] = list(tags)
    if text is not None:
        changes["text"] = text
    if not changes:
        raise click.UsageError("nothing to change: give --at, --to, --player, --tag or --text")
    a = edit_annotation(app.store, session_id, annotation_id, by=by, **changes)
    emit(a, as_json=as_json, human=lambda a: click.echo(f"edited {a['id']} (revision {a['rev']})"))


@annotations.command()
@click.argument("session_id", metavar="SESSION")
@click.argument("annotation_id", metavar="ID")
@click.option("--reason", default="", help="Why (kept in the history).")
@click.option("--by", metavar="CODE", help="Who deletes it (a pseudonym code such as T01).")
@click.pass_obj
def delete(app, session_id, annotation_id, reason, by):
    """Delete an annotation (it stays visible in its history)."""
    from sessions.annotation_edits import delete_annotation

    a = delete_annotation(app.store, session_id, annotation_id, by=by, reason=reason)
    click.echo(f"deleted {a['id']} (revision {a['rev']}; 'improv annotations restore "
               f"{session_id} {a['id']}' undoes it)")


@annotations.command()
@click.argument("session_id", metavar="SESSION")
@click.argument("annotation_id", metavar="ID")
@click.option("--by", metavar="CODE", help="Who restores it (a pseudonym code such as T01).")
@json_option
@click.pass_obj
def restore(app, session_id, annotation_id, by, as_json):
    """Undo the deletion of an annotation (listed again as it was)."""
    from sessions.annotation_edits import restore_annotation

    a = restore_annotation(app.store, session_id, annotation_id, by=by)
    emit(a, as_json=as_json,
         human=lambda a: click.echo(f"restored {a['id']} (revision {a['rev']})"))


@annotations.command()
@click.argument("session_id", metavar="SESSION")
@click.argument("annotation_id", metavar="ID")
@json_option
@click.pass_obj
def history(app, session_id, annotation_id, as_json):
    """Every version of an annotation, with the time of each change."""
    from sessions.annotation_edits import annotation_history

    revs = annotation_history(app.store, session_id, annotation_id)

    def human(revs):
        for r in revs:
            s = r["state"]
            click.echo(f"rev {r['rev']}  {r['op']:<6} {r['at_utc']}  by {r['by'] or '-'}")
            if r["op"] == "delete":
                reason = r["changes"].get("reason")
                click.echo(f"        deleted{': ' + reason if reason else ''}")
            elif r["op"] == "restore":
                click.echo("        restored")
            else:
                click.echo(f"        {_fmt(s.get('t'))}"
                           f"{'-' + _fmt(s['end']) if s.get('end') is not None else ''}"
                           f"  {s.get('player') or '-'}  {tags_in_words(s.get('tags') or [])}"
                           f"  {s.get('text') or ''}")

    emit(revs, as_json=as_json, human=human)


@annotations.command()
@click.argument("words", nargs=-1, metavar="[WORDS]...")
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Only annotations with this tag: a dimension (autonomy), a dimension:value "
                   "(autonomy:leader) or a plain tag ('improv annotations tags' lists them); "
                   "repeated, all of them. Notes have no tags: with --tag they are not searched.")
@click.option("--text", help="Case-insensitive words in the text (as WORDS).")
@click.option("--client", metavar="CODE", help="Only this client's sessions.")
@click.option("--since", metavar="DATE", help="Sessions from this date (ISO).")
@click.option("--until", metavar="DATE", help="Sessions before this date (ISO).")
@json_option
@click.pass_obj
def search(app, words, tags, text, client, since, until, as_json):
    """Find words in the annotations and the session notes of all sessions, or annotations by
    tag, client and dates.

    WORDS are looked for as one phrase, without regard to case, in the annotations' text and in
    the verbal notes of each session ('improv notes'): 'improv annotations search takes the
    lead' is the same as --text "takes the lead". Each place found is shown under its session
    (number, date, client), an annotation with its time, a line of notes as "Notes"; a long
    text is shortened around the words, with "…" where it is cut (--json gives it whole).
    """
    from improv.errors import ParameterError
    from sessions.word_search import search_words

    if words and text is not None:
        raise ParameterError("give the words once: after 'search' or with --text, not both")
    if words:
        text = " ".join(words)
    result = search_words(app.store, text, tags=tags, client=client,
                          since=_date(since, "--since"), until=_date(until, "--until"))
    for u in result["notes_unread"]:
        info(f"warning: the notes of session {u['session_id']} could not be read, so they were "
             f"not searched: {u['problem']}")
    emit(result["found"], as_json=as_json, human=lambda found: _found(result, tags))


def _found(result: dict, tags) -> None:
    """The places found, under their sessions, then how many (for people)."""
    from improv.reports.wording import session_name
    from sessions.word_search import snippet, snippet_text

    words, found = result["words"], result["found"]
    if not found:
        what = "annotations or notes" if result["notes_searched"] else "annotations"
        where = f"of the {counted(result['sessions'], 'session')} searched"
        if words:
            info(f'No {what} {where} contain "{words}".')
        else:
            info(f"No matching annotations {where}.")
        if words and tags:
            info("Notes have no tags: with --tag they are not searched.")
        return
    shown = None
    for k, f in enumerate(found):
        if f["session_id"] != shown:
            if shown is not None:
                click.echo("")
            shown = f["session_id"]
            name = session_name(f["number"], f["started_utc"], session_id=f["session_id"],
                                year=True)
            own = (f.get("title") or "").strip()  # an imported session's "Session 3" is no title
            title = f": {own}" if own and own.lower() != f"session {f['number']}" else ""
            client = f", client {f['client']}" if f.get("client") else ""
            click.echo(f"{name}{title}{client} ({f['session_id']})")
        if f["found_in"] == "notes":
            if k == 0 or found[k - 1]["found_in"] != "notes" or found[k - 1]["session_id"] != shown:
                click.echo("  Notes")
        else:
            place = _fmt(f["t"]) + ("" if f.get("end") is None else f"–{_fmt(f['end'])}")
            parts = [f"Annotation at {place}", f.get("player") or "the whole group"]
            if f.get("tags"):
                parts.append(tags_in_words(f["tags"]))
            click.echo("  " + " · ".join([*parts, f"ID {f['id']}"]))
        if f.get("text"):
            click.echo("    " + snippet_text(snippet(f["text"], f["spans"])))
    sessions = len({f["session_id"] for f in found})
    notes = sum(f["found_in"] == "notes" for f in found)
    parts = [counted(len(found) - notes, "annotation")] if len(found) > notes else []
    if notes:
        parts.append("1 line of notes" if notes == 1 else f"{notes} lines of notes")
    click.echo("")
    click.echo(f"Found in {sessions} of the {counted(result['sessions'], 'session')} searched: "
               f"{' and '.join(parts)}.")
    if words and tags:
        click.echo("Notes have no tags: with --tag they are not searched.")


FORMATS = {"audacity": ".txt", "elan": ".eaf", "sv": ".csv", "csv": ".csv", "json": ".json"}


@annotations.command("export")
@click.argument("session_id", metavar="SESSION")
@click.option("--format", "fmt", type=Choice(list(FORMATS)), required=True,
              help="audacity (labels .txt), elan (.eaf), sv (a Sonic Visualiser layer .csv), "
                   "csv or json (everything, for import back or other programs).")
@click.option("--to", "to", type=PlainPath(path_type=Path),
              help="File (default: standard output).")
@click.option("--clock", type=Choice(["session", "file"]), default="session",
              show_default=True,
              help="With --format sv or audacity: times in seconds from session start, or "
                   "from the start of an audio input's own file, to lay them over that "
                   "recording (as 'improv beats export --clock file').")
@click.option("--input", "input_name", metavar="NAME",
              help="With --clock file: the audio input (default: the session's only one).")
@click.pass_obj
def export_(app, session_id, fmt, to, clock, input_name):
    """Export annotations for Audacity, ELAN, Sonic Visualiser, or as CSV/JSON.

    A recording imported with an offset starts later than the session: with --clock file the
    Sonic Visualiser or Audacity labels are on that recording's own clock, as those programs
    show it (annotations before the recording starts are left out, and counted).
    """
    from improv.cli.params import new_output_file
    from sessions import interop

    if fmt == "elan" and to is None:
        raise click.UsageError("--format elan needs --to FILE.eaf")
    if clock == "file" and fmt not in ("audacity", "sv"):
        raise ParameterError("--clock file goes with --format sv or audacity (labels laid over "
                             "a recording); CSV, JSON and ELAN are on the session clock")
    if input_name is not None and clock != "file":
        raise ParameterError("--input goes with --clock file")
    if to is not None:
        new_output_file(to, "--to")
    session = app.store.session(session_id)
    items = session.annotations()
    if fmt == "elan":
        media = [(a.path, a.t0) for a in session.audio_inputs()]
        early = interop.write_eaf(to, items, players=session.players, media=media)
        click.echo(f"wrote {counted(len(items), 'annotation')} to {to}")
        starts = dict(media)
        for p in early:
            info(f"warning: {p.name} starts {starts[p]:.3f} s into the session; ELAN cannot "
                 "shift a file later, so it shows that recording that much early against the "
                 "annotations")
        return
    if clock == "file":
        from sessions.annotation_import import clock_input, to_file_clock

        inp = clock_input(session, input_name)
        shifted = [{**a, "t": round(to_file_clock(a["t"], inp), 6),
                    "end": (None if a.get("end") is None
                            else round(to_file_clock(a["end"], inp), 6))} for a in items]
        items = [a for a in shifted if a["t"] >= 0]
        if len(items) < len(shifted):
            n = len(shifted) - len(items)
            info(f"note: {counted(n, 'annotation')} before "
                 f"{inp.path.relative_to(session.folder).as_posix()} starts "
                 f"{'is' if n == 1 else 'are'} left out")
    text = {"audacity": interop.to_audacity, "sv": interop.to_sonic_visualiser,
            "csv": interop.to_csv, "json": interop.to_json}[fmt](items)
    if fmt in ("audacity", "sv") and clock == "session":  # laid over a recording
        for inp in session.audio_inputs():
            if abs(inp.t0) >= 0.0005:
                where, off = (("into", "late") if inp.t0 > 0 else ("before", "early"))
                info(f"note: {inp.path.relative_to(session.folder).as_posix()} starts "
                     f"{abs(inp.t0):.3f} s {where} the session; the times are on the session "
                     f"clock, so over that recording alone they show that much {off} "
                     "(--clock file puts them on that recording's clock)")
    if to is None:
        click.echo(text, nl=False)
    else:
        from sessions.fsutil import atomic_write_bytes

        atomic_write_bytes(to, text.encode("utf-8"))
        click.echo(f"wrote {counted(len(items), 'annotation')} to {to}")


def _label_layer(path: Path, fmt: str | None) -> bool:
    """Whether the file is one of labels drawn over a recording (Sonic Visualiser, Audacity),
    not an export on the session clock (CSV, JSON, ELAN)."""
    if fmt is None:
        from sessions.interop import guess_format
        from sessions.safeio import read_text

        fmt = guess_format(path.name, read_text(path, what="annotation file"))
    return fmt in ("sv", "audacity")


@annotations.command("import")
@click.argument("session_id", metavar="SESSION")
@click.argument("file", type=PlainPath(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=Choice(["audacity", "elan", "sv", "csv", "json"]),
              help="The file's kind (audacity, elan, sv, csv or json). Default: from the "
                   "file: a first line that is a Sonic Visualiser header (time,...,label) or "
                   "this CSV export's makes it that, whatever its name; else .eaf is ELAN, "
                   ".json this JSON export, .csv a Sonic Visualiser layer, otherwise Audacity "
                   "labels.")
@click.option("--by", metavar="CODE", help="Who imports them (a pseudonym code such as T01).")
@click.option("--clock", type=Choice(["session", "file"]), default="session",
              show_default=True,
              help="The file's times are seconds from session start, or from the start of an "
                   "audio input's own file (a layer drawn over that recording in Sonic "
                   "Visualiser or Audacity).")
@click.option("--input", "input_name", metavar="NAME",
              help="With --clock file: the audio input (default: the session's only one).")
@json_option
@click.pass_obj
def import_(app, session_id, file, fmt, by, clock, input_name, as_json):
    """Import Audacity labels, ELAN tiers, a Sonic Visualiser layer or a CSV/JSON export.

    A layer drawn in Sonic Visualiser or Audacity over a recording that starts later than the
    session (imported with an offset) has times on that recording's clock: give --clock file
    to move them onto the session's.
    """
    from sessions.annotation_import import import_annotations

    if input_name is not None and clock != "file":
        raise ParameterError("--input goes with --clock file")
    added, skipped = import_annotations(app.store, session_id, file, fmt=fmt, by=by,
                                        clock=clock, input_name=input_name)
    if clock == "session" and _label_layer(file, fmt):  # drawn over a recording, maybe
        session = app.store.session(session_id)
        for inp in session.audio_inputs():
            if abs(inp.t0) >= 0.0005:
                where = "into" if inp.t0 > 0 else "before"
                info(f"note: {inp.path.relative_to(session.folder).as_posix()} starts "
                     f"{abs(inp.t0):.3f} s {where} the session; the file's times were read "
                     "on the session clock: for a layer drawn over that recording, import it "
                     "with --clock file")

    def human(added):
        click.echo(f"imported {counted(len(added), 'annotation')}")
        if skipped:
            info(f"skipped {counted(skipped, 'annotation')} the session already has "
                 "(imported before?)")

    emit(added, as_json=as_json, human=human)


@annotations.command()
@json_option
@click.pass_obj
def tags(app, as_json):
    """The tag vocabulary (Bruscia's IAP profiles plus the practice's own)."""
    from sessions import vocabulary

    # read-only: the practice's file if the store has one; no store is made to list the tags
    vocab = vocabulary.load(app.store_path)

    def human(v):
        for dim, values in v["dimensions"].items():
            click.echo(f"{dim}: {', '.join(values)}")
        click.echo(f"plain tags: {', '.join(v['tags'])}")

    emit(vocab, as_json=as_json, human=human)


@click.command()
@click.argument("session_id", metavar="SESSION")
@click.option("--from", "from_file", type=PlainPath(exists=True, dir_okay=False, path_type=Path),
              help="Replace the notes with this Markdown file ('-' not supported).")
@click.option("--show", is_flag=True,
              help="Print the notes (--json adds their time references).")
@click.option("--history", "show_history", is_flag=True, help="List every saved version.")
@click.option("--by", metavar="CODE", help="Who writes them (a pseudonym code such as T01).")
@json_option
@click.pass_obj
def notes(app, session_id, from_file, show, show_history, by, as_json):
    """Write the verbal notes of a session (in $EDITOR) or show them.

    To find words in the notes of all sessions: 'improv annotations search WORDS' (it looks in
    the notes and in the annotations).
    """
    from sessions import notes as notes_mod

    if from_file is not None and (show or show_history or as_json):
        raise click.UsageError("--from writes the notes; --show, --history and --json read "
                               "them: give one or the other")
    if show and show_history:
        raise click.UsageError("give --show or --history, not both")
    store = app.store
    session = store.session(session_id)
    if show or as_json:
        data = notes_mod.notes_with_links(session.folder, duration_s=session.duration_s)
        emit(data, as_json=as_json, human=lambda d: click.echo(d["text"] or "(no notes yet)"))
        return
    if show_history:
        for v in notes_mod.notes_history(session.folder):
            click.echo(f"{v['at_utc']}  by {v.get('by') or '-'}  {len(v['text'])} characters")
        return
    store.require_writable()
    if from_file is not None:
        text = _read_text(from_file)
    else:
        text = _edit_in_editor(notes_mod.read_notes(session.folder))
    if notes_mod.save_notes(session.folder, text, by=by):
        refs = notes_mod.notes_with_links(session.folder, duration_s=session.duration_s)["refs"]
        outside = [r["text"] for r in refs if not r["in_session"]]
        click.echo(f"saved notes ({counted(len(refs), 'time reference')})")
        if outside:
            info(f"warning: time reference(s) past the end of the session: {', '.join(outside)}")
    else:
        click.echo("notes unchanged")


def _edit_in_editor(text: str) -> str:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise ParameterError("set $EDITOR (e.g. export EDITOR=nano) or give --from FILE.md")
    fd, path = tempfile.mkstemp(suffix=".md", prefix="improv-notes-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        if subprocess.call([*editor.split(), path]) != 0:
            raise ParameterError(f"the editor {editor!r} failed; the notes are unchanged")
        try:
            return Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ParameterError("the edited notes are not UTF-8 text; the notes are unchanged "
                                 "(save them as UTF-8 in the editor)") from None
    finally:
        os.unlink(path)


COMMANDS = [annotate, annotations, notes]
