"""Shell completion of session IDs, client codes and player names (bash, zsh, fish).

Set up as the README says (``_IMPROV_COMPLETE=bash_source improv`` ...); click then calls
the functions here on every <TAB>. They read the store's catalog read-only with a short lock
timeout and return nothing rather than fail: a store that does not exist, is locked by a
recording or has an older schema gives no suggestions, never an error in the shell.
"""

from __future__ import annotations

import sqlite3
from urllib.parse import quote

import click
from click.shell_completion import CompletionItem

from improv.config import resolve_store_path

#: Longest wait for a lock on the catalog [seconds]: completion must not hang the shell.
LOCK_TIMEOUT_S = 0.2


def _rows(ctx: click.Context, sql: str, args: tuple = ()) -> list[tuple]:
    try:
        from sessions.catalog import CATALOG

        given = ctx.meta.get("improv.store") or ctx.find_root().params.get("store_option")
        root = resolve_store_path(given)  # --store after the command too
        path = root / CATALOG
        if not path.is_file():
            return []
        db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True,
                             timeout=LOCK_TIMEOUT_S)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()
    except Exception:  # noqa: BLE001 - completion fails silent (see the module docstring)
        return []


def session_ids(ctx, param, incomplete: str) -> list[CompletionItem]:
    """Session IDs, newest first, each with its client and date as help (zsh, fish)."""
    rows = _rows(ctx, "SELECT id, client, started_utc FROM sessions "
                      "ORDER BY started_utc DESC, id DESC")
    return [CompletionItem(i, help=f"{c or '-'} {(s or '')[:16].replace('T', ' ')}")
            for i, c, s in rows if i.startswith(incomplete)]


def clients(ctx, param, incomplete: str) -> list[CompletionItem]:
    rows = _rows(ctx, "SELECT DISTINCT client FROM sessions WHERE client IS NOT NULL "
                      "ORDER BY client")
    return [CompletionItem(c) for (c,) in rows if c.startswith(incomplete)]


def _player_names(ctx) -> list[str]:
    """The players of the session already on the command line, else of every session."""
    sid = ctx.params.get("session_id")
    if isinstance(sid, str) and sid:
        rows = _rows(ctx, "SELECT name FROM players WHERE session_id = ? ORDER BY rowid",
                     (sid,))
    else:
        rows = _rows(ctx, "SELECT DISTINCT name FROM players ORDER BY name")
    return [n for (n,) in rows]


def players(ctx, param, incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(n) for n in _player_names(ctx) if n.startswith(incomplete)]


def player_list(ctx, param, incomplete: str) -> list[CompletionItem]:
    """``--players A,B``: completes the name after the last comma."""
    done, _, last = incomplete.rpartition(",")
    taken = set(done.split(",")) if done else set()
    prefix = f"{done}," if done else ""
    return [CompletionItem(prefix + n) for n in _player_names(ctx)
            if n.startswith(last) and n not in taken]


def attach(group: click.Group) -> None:
    """Give every command's session, ``--client``, ``--player`` and ``--players`` parameter
    its completion (one place, instead of a ``shell_complete=`` on each declaration)."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            attach(command)
        for param in command.params:
            complete = None
            if isinstance(param, click.Argument) and param.name in ("session_id",
                                                                    "session_ids"):
                complete = session_ids
            elif isinstance(param, click.Option) and "--client" in param.opts:
                complete = clients
            elif isinstance(param, click.Option) and "--players" in param.opts:
                complete = player_list
            elif (isinstance(param, click.Option) and "--player" in param.opts
                  and not param.multiple):  # import/record take NAME=FILE specs
                complete = players
            if complete is not None:
                param._custom_shell_complete = complete  # what shell_complete= sets
