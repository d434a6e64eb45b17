"""The ``improv`` command line: one group, one error boundary.

Each command group lives in its own module (``improv.cli.sessions``,
``improv.cli.record``, ...) and calls one library function; this module only wires them up and
turns errors into ``error: ...`` with exit status 1 (tracebacks only with
``--debug``).
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path

import click

from improv import __version__
from improv.cli import output
from improv.config import STORE_ENV, default_store_path, resolve_store_path
from improv.reports.wording import counted


class App:
    """Per-invocation state: the chosen store, opened (and recovered) on first use."""

    #: Commands that may make a new store where --store or IMPROV_STORE points: they add
    #: sessions or setups. Others, given a folder that does not exist, say so (a typo in the
    #: path would otherwise show an empty new store: "no sessions").
    CREATES_STORE = frozenset({"record", "import", "demo", "serve", "setups"})

    def __init__(self, store_option: str | None, debug: bool) -> None:
        self.store_path: Path = resolve_store_path(store_option)
        self.store_given = store_option is not None
        self.debug = debug
        self._store = None

    def _may_create(self) -> bool:
        ctx = click.get_current_context(silent=True)
        words = set(ctx.command_path.split()[1:]) if ctx is not None else set()
        return not self.store_given or bool(words & self.CREATES_STORE)

    @property
    def store(self):
        """The store, after recovering any interrupted session (reported on stderr)."""
        return self.open_store(recover=True)

    def open_store(self, *, recover: bool, say_created: bool = True):
        """The store (opened once); ``say_created=False`` leaves the line that says a new
        store was made to the caller (``store.created``)."""
        if self._store is None:
            from improv.cli.output import info
            from sessions.store import Store

            # a new store only inside a folder that exists: a mistyped --store or IMPROV_STORE
            # must not make a second store in new folders (the default's folders may be made)
            store = Store(self.store_path, create=self._may_create(),
                          parents=not self.store_given or self.store_path == default_store_path())
            if store.created and say_created:
                info(f"created a new, empty session store at {store.root.absolute()}")
            if recover and store.writable:
                for report in store.recover():
                    if report["ok"]:
                        frames = sum(report["audio_frames"].values())
                        info(
                            f"recovered interrupted session {report['id']}: "
                            f"{report['midi_events']} MIDI events, {frames} audio frames, "
                            f"{report['annotations']} annotations, "
                            f"{report['duration_s']:.1f} s"
                        )
                    else:
                        info(f"warning: could not recover session {report['id']}: "
                             f"{report['error']}")
                _sweep(store, info)
            self._store = store
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()



def _sweep(store, info) -> None:
    """Remove what killed imports, deletions and recordings left in the store's ``tmp/``."""
    from sessions.errors import StoreError

    try:
        removed = store.sweep_tmp()
    except StoreError as exc:
        info(f"warning: could not clean {store.tmp_dir}: {exc}")
        return
    if removed:
        info(f"removed {counted(len(removed), 'item')} left in {store.tmp_dir} by an interrupted "
             "import, deletion or recording")


@click.group(context_settings={"help_option_names": ["-h", "--help"]},
             epilog="An error prints one line, 'error: ...', that says what is wrong and how to "
                    "fix it, and exits with status 1 (a wrong option too); --help exits with 0.")
@click.option(
    "--store",
    "store_option",
    metavar="PATH",
    envvar=STORE_ENV,
    help=f"Session store folder (default: the user data folder; env {STORE_ENV}).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.version_option(__version__, prog_name="improv")
@click.pass_context
def cli(ctx: click.Context, store_option: str | None, debug: bool) -> None:
    """Record, measure, replay and compare music-therapy improvisations.

    Start here: 'improv serve' opens the app in your browser; 'improv sessions demo' makes a
    demo session to look around in. 'improv help COMMAND' says more about a command.
    """
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    app = App(store_option, debug)
    ctx.obj = app
    ctx.call_on_close(app.close)


@cli.result_callback()
def _finished(result, **_params):
    """Runs when a command returns, before its store is closed: see
    :func:`~improv.cli.output.ignore_ctrl_c`."""
    output.ignore_ctrl_c()
    return result


@cli.command("help")
@click.argument("words", nargs=-1, metavar="[COMMAND]...")
@click.pass_context
def help_(ctx: click.Context, words: tuple[str, ...]) -> None:
    """Show this help, or a command's (as --help does): improv help sessions import."""
    parent = ctx.parent or ctx
    command: click.Command = cli
    for word in words:
        sub = command.get_command(parent, word) if isinstance(command, click.Group) else None
        if sub is None:
            import difflib

            from improv.errors import ImprovError

            where = " ".join(["improv", *words[:words.index(word)]])
            names = command.list_commands(parent) if isinstance(command, click.Group) else []
            close = difflib.get_close_matches(word, names, n=2)
            maybe = f"; did you mean {' or '.join(close)}?" if close else ""
            raise ImprovError(f"{where} has no command {word!r}{maybe} (see '{where} --help')")
        parent = click.Context(sub, info_name=word, parent=parent)
        command = sub
    click.echo(parent.get_help())


def _register() -> None:
    from improv.cli import sessions

    cli.add_command(sessions.sessions)
    for name in ("record", "analyze", "annotate", "replay", "serve", "open", "compare", "goals",
                 "archive", "beats", "summary", "store"):
        try:
            module = __import__(f"improv.cli.{name}", fromlist=["COMMANDS"])
        except ModuleNotFoundError as exc:
            if exc.name != f"improv.cli.{name}":
                raise
            continue
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def _option_of(exc: BaseException, argv: list[str] | None) -> str:
    """`` (option --offset)`` when the library error names a parameter (``exc.parameter``) that
    the command run has an option for; the library's messages name parameters, not options."""
    parameter = getattr(exc, "parameter", None)
    if not parameter:
        return ""
    command: click.Command = cli
    for word in argv if argv is not None else sys.argv[1:]:
        if isinstance(command, click.Group) and word in command.commands:
            command = command.commands[word]
    flag = "--" + parameter.replace("_", "-")
    for p in command.params:
        if isinstance(p, click.Option) and (p.name == parameter or flag in p.opts):
            long = [o for o in p.opts if o.startswith("--")]
            return f" (option {long[0] if long else p.opts[0]})"
    return ""


def _complete() -> None:
    from improv.cli.complete import attach

    attach(cli)


_complete()


def _fail(message: str, *, kind: str, code: int, as_json: bool) -> None:
    """Report an error on stderr and exit: ``error: ...``, or with ``--json`` one JSON object
    ``{"message", "kind", "exit_code"}`` (``kind`` is ``usage`` for a command line that does
    not fit, ``aborted``, ``interrupted``, or the class of the error, e.g.
    ``UnknownSessionError``)."""
    if as_json:
        import json

        click.echo(json.dumps({"message": message, "kind": kind, "exit_code": code},
                              ensure_ascii=False), err=True)
    else:
        click.echo(f"error: {message}" if kind not in ("aborted", "interrupted") else message,
                   err=True)
    output.ignore_ctrl_c()
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point with the single error boundary: every error exits with 1 after one line
    that says what is wrong and how to fix it, a command line that does not fit too (not with
    click's 2: :func:`~improv.cli.usage.usage_message`), Ctrl-C with 130 (while the command
    runs; once it has its result, Ctrl-C is ignored: :func:`~improv.cli.output.ignore_ctrl_c`);
    ``--help`` and ``--version`` exit with 0."""
    from improv.errors import user_facing_errors

    output.AS_PROGRAM = argv is None

    args = argv if argv is not None else sys.argv[1:]
    words = args[:args.index("--")] if "--" in args else args
    debug, as_json = "--debug" in words, "--json" in words
    try:
        rv = cli.main(args=argv, prog_name="improv", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted", kind="aborted", code=1, as_json=as_json)
    except click.exceptions.NoArgsIsHelpError as exc:  # `improv`, `improv sessions`: the help
        click.echo(exc.ctx.get_help())
        output.ignore_ctrl_c()
        sys.exit(0)
    except click.UsageError as exc:
        from improv.cli.usage import usage_message

        _fail(usage_message(exc, args), kind="usage", code=1, as_json=as_json)
    except click.ClickException as exc:
        _fail(exc.format_message(), kind=type(exc).__name__, code=exc.exit_code,
              as_json=as_json)
    except KeyboardInterrupt:
        _fail("interrupted", kind="interrupted", code=130, as_json=as_json)
    except user_facing_errors() as exc:
        if debug:
            raise
        _fail(f"{exc}{_option_of(exc, argv)}", kind=type(exc).__name__, code=1, as_json=as_json)
    except OSError as exc:
        from sessions.fsutil import describe_os_error

        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""  # never "[Errno 28] ..."
        _fail(f"{where}{describe_os_error(exc)}", kind=type(exc).__name__, code=1,
              as_json=as_json)
    except sqlite3.DatabaseError as exc:
        from sessions.errors import catalog_problem

        if debug:
            raise
        _fail(catalog_problem(exc), kind=type(exc).__name__, code=1, as_json=as_json)
    else:
        output.ignore_ctrl_c()
        sys.exit(rv if isinstance(rv, int) else 0)
