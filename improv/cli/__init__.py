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

    #: Commands that may make a new store where --store or IMPROV_STORE points, or the default
    #: store: they add sessions or setups. Others, given a folder that does not exist, say so
    #: (a typo in the path would otherwise show an empty new store: "no sessions").
    CREATES_STORE = frozenset({"record", "import", "demo", "serve", "setups"})

    def __init__(self, store_option: str | None, debug: bool, *,
                 store_typed: bool | None = None) -> None:
        self.store_path: Path = resolve_store_path(store_option)
        self.store_given = store_option is not None
        #: the store came from --store on the command line (not from IMPROV_STORE)
        self.store_typed = self.store_given if store_typed is None else store_typed
        self.debug = debug
        self._store = None

    def use_store(self, given: str) -> None:
        """``--store`` given after a command's name (``improv sessions list --store PATH``):
        the store, as if given before it; a second, different one is refused."""
        from improv.errors import ParameterError

        path = resolve_store_path(given)
        if self.store_typed and not _same_folder(path, self.store_path):
            raise ParameterError(f"two different stores given: --store {self.store_path} and "
                                 f"--store {given}; give --store once")
        self.store_path, self.store_given, self.store_typed = path, True, True

    def session_id(self, given: str) -> str:
        """The ID of the session ``given`` names: a whole ID, a unique part of one from its
        start or end (``a76e``), or ``CLIENT/NUMBER`` (``C07/7``)
        (:func:`sessions.lookup.match_session_id`); a whole ID is returned without opening the
        store."""
        from sessions.lookup import match_session_id
        from sessions.manifest import valid_session_id

        if not isinstance(given, str) or valid_session_id(given):
            return given
        store = self.store
        rows = [(r["id"], r["client"], r["number"]) for r in store.list()]
        listed = {r[0] for r in rows}  # a session being recorded is not catalogued yet
        rows += [(sid, None, None) for sid in store.session_ids() if sid not in listed]
        return match_session_id(given, rows)

    def _may_create(self) -> bool:
        ctx = click.get_current_context(silent=True)
        if ctx is None:
            return not self.store_given
        words = ctx.command_path.split()[1:]
        # a command that only reads makes no store, not even the default one; a goal may be
        # agreed before the first session (goals add --new-client) in the default store
        return bool(set(words) & self.CREATES_STORE) or (
            not self.store_given and words[:2] == ["goals", "add"])

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



def _same_folder(a: Path, b: Path) -> bool:
    """True if ``a`` and ``b`` name one folder (``st`` and ``./st``, a link and its target)."""
    import os

    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist (yet)
        return os.path.abspath(a) == os.path.abspath(b)


class _Warnings(logging.Handler):
    """Warnings of the library on stderr as the command line writes its own, on one line:
    ``warning: store folder … was open to other users …`` (was ``WARNING sessions.store: …``);
    with ``--debug`` every record with its level and logger, and tracebacks."""

    def __init__(self) -> None:
        super().__init__()
        self.debug = False
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.debug:
                text = self.format(record)
            else:
                level = "warning" if record.levelno < logging.ERROR else "error"
                text = f"{level}: {' '.join(record.getMessage().split())}"
            click.echo(text, err=True)
        except Exception:  # noqa: BLE001 - logging must not end the command
            self.handleError(record)


_WARNINGS = _Warnings()


def _log_to_stderr(ctx: click.Context, *, debug: bool) -> None:
    """Send the library's warnings (with ``--debug``: everything) to stderr while the command
    runs (:class:`_Warnings`); the root logger's level is set only where no one else (a test
    run's log capture) has handlers on it."""
    root = logging.getLogger()
    _WARNINGS.debug = debug
    if all(h is _WARNINGS for h in root.handlers):
        root.setLevel(logging.DEBUG if debug else logging.WARNING)
    if _WARNINGS not in root.handlers:
        root.addHandler(_WARNINGS)
        ctx.call_on_close(lambda: root.removeHandler(_WARNINGS))


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
    _log_to_stderr(ctx, debug=debug)
    typed = ctx.get_parameter_source("store_option") == click.core.ParameterSource.COMMANDLINE
    app = App(store_option, debug, store_typed=typed)
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


def _advice_of(exc: BaseException) -> str:
    """What to do about a library error whose message says only what is wrong (the library's
    messages name no commands; the web app gives its own advice in words)."""
    from sessions.errors import DamagedLogError, FormatGuessError, UnreadableSessionError

    if isinstance(exc, UnreadableSessionError):
        return (f"; improv changed nothing in it: 'improv sessions verify {exc.session_id}' "
                "names what is damaged, and a backup made before holds the session as it was "
                "('improv help restore')")
    if isinstance(exc, DamagedLogError):
        return (f"; check the session with 'improv sessions verify {exc.session_id}'; a "
                "backup made before holds the file as it was ('improv help restore')")
    if isinstance(exc, FormatGuessError):
        if exc.likely:
            return f": if it is, import it with --format {exc.likely}"
        from sessions.annotation_import import FORMATS

        return f": give the file's kind with --format ({', '.join(FORMATS)})"
    return ""


def _complete() -> None:
    from improv.cli.complete import attach
    from improv.cli.params import share_options

    share_options(cli)
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


def _exit_on_signal(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def _cleanup_on_hangup_and_term() -> None:
    """SIGTERM and SIGHUP (the terminal window closed) end a command as Ctrl-C does, through
    its ``finally`` blocks: by default they end the process at once, which left a report's
    HTML (with the notes) or the notes being edited in the system's temp folder (privacy
    review 30). A command that handles a signal itself (record, serve, backup) sets its own
    handler over this one."""
    import signal

    for name in ("SIGTERM", "SIGHUP"):  # Windows has no SIGHUP
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, _exit_on_signal)


def main(argv: list[str] | None = None) -> None:
    """Entry point with the single error boundary: every error exits with 1 after one line
    that says what is wrong and how to fix it, a command line that does not fit too (not with
    click's 2: :func:`~improv.cli.usage.usage_message`), Ctrl-C with 130 (while the command
    runs; once it has its result, Ctrl-C is ignored: :func:`~improv.cli.output.ignore_ctrl_c`);
    ``--help`` and ``--version`` exit with 0."""
    from improv.errors import user_facing_errors

    output.AS_PROGRAM = argv is None
    if argv is None:
        _cleanup_on_hangup_and_term()

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
        _fail(f"{exc}{_option_of(exc, argv)}{_advice_of(exc)}", kind=type(exc).__name__, code=1,
              as_json=as_json)
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
