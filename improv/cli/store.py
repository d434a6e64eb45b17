"""``improv info``, ``improv backup`` and ``improv restore``: where the store is, and a copy
of all of it that can be checked and put back (docs/session-format.md, "Backups")."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import click

from improv.cli.output import counted, emit, info, json_option
from improv.cli.params import PlainPath
from improv.reports.wording import size_words
from sessions.timefmt import ago_words


def shell_words(path: str) -> str:
    """``path`` as one word for this system's shell (quoted if it holds a space).

    >>> shell_words("/media/anna/USB1/improv-2026-12-06.zip")
    '/media/anna/USB1/improv-2026-12-06.zip'
    """
    import sys

    if sys.platform == "win32":
        return f'"{path}"' if " " in path else path
    import shlex

    return shlex.quote(path)


#: The store files of a backup in words (``sessions.backup.STORE_FILES``).
_FILE_WORDS = {"setups.json": "setups.json", "vocabulary.json": "vocabulary.json",
               "dataset-key": "the research export's key"}


def files_words(names: list[str]) -> str:
    """``, setups.json and the research export's key``: a backup's store files, or ``""``."""
    words = [_FILE_WORDS.get(n, n) for n in names]
    if not words:
        return ""
    return ", " + (words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}")


@click.command("info")
@json_option
@click.pass_obj
def info_(app, as_json: bool) -> None:
    """Show where the session store is, its size, how many sessions it holds and how large a
    backup of it is, with a backup command for a disk plugged in now."""
    path = app.store_path
    if not path.exists():
        result = {"path": str(path.expanduser().absolute()), "exists": False, "bytes": 0,
                  "backup_bytes": 0, "sessions": 0, "recording": 0, "clients": 0,
                  "goal_logs": 0, "writable": None, "disks": [], "backup_to": [],
                  "last_backup": None}
    else:
        from sessions.storeinfo import store_summary

        result = {"exists": True, **store_summary(app.open_store(recover=False))}

    def human(r):
        click.echo(f"store     {r['path']}")
        if not r["exists"]:
            click.echo("          not made yet: 'improv record', 'improv sessions import' or "
                       "'improv sessions demo' make it")
            return
        busy = f" ({r['recording']} being recorded now)" if r["recording"] else ""
        click.echo(f"holds     {counted(r['sessions'], 'session')}{busy} of "
                   f"{counted(r['clients'], 'client')}, {size_words(r['bytes'])} in all"
                   + ("" if r["writable"] else " (read-only)"))
        click.echo(f"backup    {size_words(r['backup_bytes'])} (no measures or waveforms: "
                   "improv makes them again)")
        last = r["last_backup"]
        click.echo("          last backup: " + (
            f"{ago_words(last['created_utc'])}, to {last['to']}" if last
            else "none made from this store yet"))
        for target in r["backup_to"]:
            click.echo(f"          improv backup --to {shell_words(target)}")
        if not r["disks"]:
            click.echo("          (no backup disk found: plug one in and run 'improv info' "
                       "again)")

    emit(result, as_json=as_json, human=human)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM raises KeyboardInterrupt (as Ctrl-C does), so cleanups in
    ``finally`` run; only in the main thread, where Python delivers signals."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


@click.command()
@click.option("--to", "to", type=PlainPath(path_type=Path), metavar="FOLDER|FILE.zip",
              help="A new folder, or a new file ending in .zip (e.g. on a USB disk).")
@click.option("--check", "check", type=PlainPath(path_type=Path, exists=True),
              metavar="BACKUP", help="Check a backup against its checksums instead.")
@json_option
@click.pass_obj
def backup(app, to: Path | None, check: Path | None, as_json: bool) -> None:
    """Back up the whole store: sessions, clients' goals, setups and tags, with checksums.

    Safe while 'improv serve' runs: a session being recorded is left out (and named). Whatever
    is left out (being recorded, unreadable, a link) or damaged is named and the exit status
    is 1. Restore a backup with 'improv --store NEW-FOLDER restore BACKUP'.
    """
    if bool(to) == bool(check):
        raise click.UsageError("give --to FOLDER|FILE.zip to make a backup, or --check BACKUP")
    if check is not None:
        from sessions.backup_restore import check_backup

        result = check_backup(check)

        def human(r):
            for p in r["problems"]:
                click.echo(f"  - {p}")
            for sid, why in r["damaged"]:
                click.echo(f"  - session {sid} is damaged: {why}")
            for rel, why in r["damaged_files"]:
                click.echo(f"  - {item_words(rel)} damaged: {why}")
            for line in r["left_out"]:
                click.echo(f"  - not in the backup (left out when it was made): {line}")
            if r["ok"]:
                click.echo(f"backup {check} is whole: {counted(r['sessions'], 'session')}, "
                           f"goals of {counted(r['clients'], 'client')}, "
                           f"{counted(r['files'], 'file')} ({size_words(r['bytes'])}) match "
                           "their checksums")

        emit(result, as_json=as_json, human=human)
        if result["problems"]:
            raise click.ClickException(
                f"backup {check} is damaged: {counted(len(result['problems']), 'problem')} "
                f"(first: {result['problems'][0]}); make a new backup")
        if result["damaged"]:
            sid, why = result["damaged"][0]
            raise click.ClickException(
                f"backup {check} holds {counted(len(result['damaged']), 'damaged session')} "
                f"(first: {sid}: {why}); 'improv restore' sets them aside (one damaged only "
                "in its annotations, corrections or notes history is restored with its "
                f"recordings) and restores the rest; look at them in the store with 'improv "
                f"sessions verify {sid}'")
        if result["damaged_files"]:
            rel, why = result["damaged_files"][0]
            raise click.ClickException(
                f"backup {check} holds {counted(len(result['damaged_files']), 'damaged file')}"
                f" (first: {item_words(rel)} damaged: {why}); 'improv restore' sets them "
                "aside and restores the rest")
        if result["left_out"]:
            raise click.ClickException(
                f"backup {check} is not whole: {counted(len(result['left_out']), 'item')} "
                f"{'was' if len(result['left_out']) == 1 else 'were'} left out when it was made "
                f"(first: {result['left_out'][0]}); the rest matches its checksums")
        return
    from sessions.backup import backup_store, log_words

    store = app.store
    with _terminate_as_interrupt():  # a `kill` removes the partial backup as Ctrl-C does
        result = backup_store(store, to)
    for name in result["stale_removed"]:
        info(f"removed {to.parent / name}, left by a backup that did not finish")
    for sid, why in result["skipped"]:
        hint = " (back it up again when it is finished)" if why == "being recorded now" else ""
        info(f"warning: session {sid} is not in the backup: {why}{hint}")
    for rel, why in result["left_out"]:
        info(f"warning: {item_words(rel, verb='is not')} in the backup: {why}"
             + ("; restore it from an older backup (every session_key of the research export "
                "depends on it)" if rel == "dataset-key" else ""))
    for sid, why in result["copied_as_is"]:
        fate = ("a restore restores it, recordings and all, and names it" if log_words(why)
                else "a restore sets it aside")
        info(f"warning: session {sid} is damaged ({why}): its files were copied as they are "
             f"({fate}); 'improv sessions verify {sid}' says what")
    for sid, rel in result["damaged"]:
        info(f"warning: session {sid}: {rel} does not match its checksum; copied as it is "
             f"(see 'improv sessions verify {sid}')")
    for rel, why in result["damaged_files"]:
        info(f"warning: {item_words(rel)} damaged ({why}): copied as it is (a restore sets it "
             "aside; see 'improv sessions verify --all')")

    def human(r):
        click.echo(f"backed up {counted(len(r['sessions']), 'session')}, goals of "
                   f"{counted(len(r['clients']), 'client')}"
                   + files_words(r["files"])
                   + f" ({size_words(r['bytes'])}) to {r['path']}")
        click.echo(f"check it with 'improv backup --check {r['path']}'")

    emit(result, as_json=as_json, human=human)
    if not result["whole"]:
        raise click.ClickException(f"the backup is not whole: {partial_words(result)} (see the "
                                   "warnings above)")


def item_words(rel: str, *, verb: str = "is") -> str:
    """A file of a backup for the terminal (:func:`improv.reports.wording.backup_item_words`,
    store-level files by their names)."""
    from improv.reports.wording import backup_item_words

    return backup_item_words(rel, verb=verb, file_words=_FILE_WORDS)


def partial_words(result: dict) -> str:
    """What a backup (``sessions.backup.backup_store``'s result) lacks, in a few words:
    ``1 session left out (ID), 2 files left out, 1 damaged session copied as it is``."""
    parts = []
    if result["skipped"]:
        parts.append(f"{counted(len(result['skipped']), 'session')} left out ("
                     + ", ".join(sid for sid, _why in result["skipped"]) + ")")
    if result["left_out"]:
        parts.append(f"{counted(len(result['left_out']), 'file')} left out")
    damaged = {sid for sid, _ in result["damaged"]} | {sid for sid, _ in result["copied_as_is"]}
    if damaged:
        parts.append(f"{counted(len(damaged), 'damaged session')} copied as "
                     f"{'it is' if len(damaged) == 1 else 'they are'} ("
                     + ", ".join(sorted(damaged)) + ")")
    if result["damaged_files"]:
        parts.append(f"{counted(len(result['damaged_files']), 'damaged file')} copied as "
                     f"{'it is' if len(result['damaged_files']) == 1 else 'they are'}")
    return ", ".join(parts)


@click.command()
@click.argument("backup_path", metavar="BACKUP", type=PlainPath(path_type=Path, exists=True))
@json_option
@click.pass_obj
def restore(app, backup_path: Path, as_json: bool) -> int:
    """Restore a backup (from 'improv backup') into a new, empty store.

    Everything is checked before the store changes. A damaged session, goal log or other file
    is set aside (it stays in the backup only) and named; the rest is restored and the exit
    status is 1, as it is for a backup that was not whole when it was made. Give the new
    store with --store: improv restore BACKUP.zip --store ~/improv-restored
    """
    from sessions.backup_restore import restore_store
    from sessions.store import Store

    store = Store(app.store_path, create=True)  # a restore makes its store
    restored = False
    try:
        result = restore_store(store, backup_path)
        restored = True
    finally:
        if not restored:  # refused (no space, a damaged backup) or stopped: no empty store left
            store.discard_if_new()
        store.close()

    for sid, why in result["set_aside"]:
        info(f"warning: session {sid} was not restored: {why} (it stays in the backup)")
    for sid, why in result["restored_damaged"]:
        info(f"warning: session {sid} was restored with its recordings, but a log of it is "
             f"damaged: {why} ('improv sessions verify {sid}' says what; an older backup may "
             "hold the log whole)")
    for rel, why in result["left_out"]:
        info(f"warning: {item_words(rel, verb='was not')} restored: {why} (it stays in the "
             "backup)" + ("; every session_key of the research export changes without it: "
                          "put back a whole one from an older backup before exporting"
                          if rel == "dataset-key" else ""))
    for line in result["not_in_backup"]:
        info(f"warning: not in the backup (left out when it was made): {line}")

    def human(r):
        click.echo(f"restored {counted(len(r['sessions']), 'session')}, goals of "
                   f"{counted(len(r['clients']), 'client')}"
                   + files_words(r["files"])
                   + f" into {store.root} (backup of {r['created_utc']}); measure them again "
                   "with 'improv analyze --all'")
        if r["set_aside"]:
            click.echo(f"{counted(len(r['set_aside']), 'damaged session')} not restored: "
                       + ", ".join(sid for sid, _why in r["set_aside"]))
        if r["left_out"]:
            click.echo(f"{counted(len(r['left_out']), 'damaged file')} not restored: "
                       + ", ".join(rel for rel, _why in r["left_out"]))
        if r["not_in_backup"]:
            n = len(r["not_in_backup"])
            click.echo(f"{counted(n, 'item')} of the store {'was' if n == 1 else 'were'} not "
                       "in the backup (left out when it was made, named above): this store "
                       + ("lacks it; an older backup may hold it" if n == 1
                          else "lacks them; an older backup may hold them"))

    emit(result, as_json=as_json, human=human)
    return 1 if (result["set_aside"] or result["restored_damaged"] or result["left_out"]
                 or result["not_in_backup"]) else 0


COMMANDS = [info_, backup, restore]
