"""``improv serve``: the therapist's workbench in the browser (local only)."""

from __future__ import annotations

import secrets
import signal
import socket
import threading
from pathlib import Path

import click

from improv.cli.params import Number
from improv.errors import ImprovError, ParameterError

DEFAULT_PORT = 8470
ALLOWED_HOSTS = ("127.0.0.1", "localhost")


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        from improv.launch import running_servers

        ours = [s for s in running_servers() if s.port == port]
        if ours:
            raise ImprovError(
                f"improv is already running at {ours[0].address} (store {ours[0].store}): "
                "'improv open' opens it in the browser (or choose another port with --port N)"
            ) from None
        raise ParameterError(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); is improv already running? "
            "Then 'improv open' opens it; or choose another port with --port N (0: any free "
            "port)"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signal.SIGTERM)


def _server_class():
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, which stops the FluidSynth renderings of this process as soon as
        it is asked to stop: its graceful shutdown waits for the requests in flight, and a
        long session's mix for its page can render for minutes (review 30)."""

        def handle_exit(self, sig, frame) -> None:
            from improv.playback.render import stop_renderings

            # not in the signal handler itself: it takes the renderings' lock
            threading.Thread(target=stop_renderings, name="improv-stop-renderings",
                             daemon=True).start()
            super().handle_exit(sig, frame)

    return Server


def _open_browser(page: Path) -> None:
    from improv.launch import open_in_browser

    if not open_in_browser(page):
        click.echo("(no browser found here: open the address above in a browser on this computer)",
                   err=True)


@click.command("serve")
@click.option("--port", type=Number(example="8470", min=0, max=65535, whole=True),
              default=DEFAULT_PORT, show_default=True,
              metavar="N",
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="HOST",
              help="Only 127.0.0.1 or localhost: the app never listens on the network.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; just print the address.")
@click.pass_obj
def serve(app, port, host, no_browser):
    """Start the web app (record, replay, annotate, compare) on this computer.

    Prints the address to open, with a new secret token for this launch.
    Stop with Ctrl-C.
    """
    import uvicorn

    from improv.cli.output import info, trace_native_crashes
    from improv.launch import write_launch
    from improv.reports.wording import counted
    from improv.web import create_app

    if host not in ALLOWED_HOSTS:
        raise ParameterError(
            f"--host must be 127.0.0.1 or localhost, got {host!r}: improv serves health data "
            "and never listens on the network"
        )
    trace_native_crashes()  # the web app records in-process: a C-level fault leaves a trace
    # complete interrupted recordings first (said on stderr); a new store is said after the
    # address, which stays the first line
    store = app.open_store(recover=True, say_created=False)
    where, count, created = store.root.absolute(), len(store.session_ids()), store.created
    app.close()
    sock = _bind(port)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(32)
    web = create_app(store_path=app.store_path, token=token, port=port)
    # the token in the fragment: the browser never sends it to any server; the page keeps it
    # (improv.web.security)
    url = f"http://127.0.0.1:{port}/#token={token}"
    click.echo(f"improv is running at {url}")
    if created:
        info(f"created a new, empty session store at {where}")
    info(f"store: {where} ({counted(count, 'session')})")
    info("Keep this window open: closing it stops improv (Ctrl-C stops it too). "
         "If the browser window is closed or signed out: 'improv open'")
    # the launch page: for the browser now, and for 'improv open' later (improv.launch)
    launch = write_launch(url, port=port, store=where)
    if not no_browser:
        threading.Timer(0.5, _open_browser, args=(launch.page,)).start()
    # Keep idle connections open longer than Chromium keeps a used idle socket (300 s):
    # with uvicorn's default of 5 s, a POST sent on a socket the server is just closing
    # fails in the browser with "Failed to fetch" (browsers retry only idempotent requests).
    config = uvicorn.Config(web, log_level="warning", access_log=False, lifespan="on",
                            timeout_keep_alive=330)
    # uvicorn stops gracefully on SIGTERM and then raises it again in the handler that was set
    # before: with the default one the process would end there, before the cleanup below
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if hasattr(signal, "SIGHUP"):  # the terminal window closed: stop as on SIGTERM, cleanly
        signal.signal(signal.SIGHUP, lambda *_: signal.raise_signal(signal.SIGTERM))
    try:
        _server_class()(config).run(sockets=[sock])
    finally:
        launch.remove()  # the token dies with the server: so does the page


COMMANDS = [serve]
