"""``improv serve``: the therapist's workbench in the browser (local only)."""

from __future__ import annotations

import secrets
import shutil
import signal
import socket
import threading
from pathlib import Path

import click

from improv.cli.params import Number
from improv.errors import ParameterError

DEFAULT_PORT = 8470
ALLOWED_HOSTS = ("127.0.0.1", "localhost")


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise ParameterError(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); is improv already running? "
            "Choose another port with --port N (0: any free port)"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _launch_page(url: str) -> tuple[Path, Path]:
    """A page that forwards to ``url``, in a new owner-only folder: (folder, page).

    The browser is started on this page rather than on ``url``: a browser's command line can
    be read by every user of the computer (``/proc/PID/cmdline``, ``ps``), and stays there
    for as long as the browser runs, while the token gives full access until improv stops.
    """
    import html
    import tempfile

    from sessions.fsutil import open_new

    folder = Path(tempfile.mkdtemp(prefix="improv-open-"))  # 0700
    page = folder / "open.html"
    with open_new(page, "x", encoding="utf-8") as f:
        f.write(f'<!doctype html><meta charset="utf-8"><title>improv</title>'
                f'<meta http-equiv="refresh" content="0;url={html.escape(url)}">'
                f'<p>Opening <a href="{html.escape(url)}">improv</a>…</p>\n')
    return folder, page


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signal.SIGTERM)


def _open_browser(page: Path) -> None:
    import webbrowser

    try:
        opened = webbrowser.open(page.as_uri())
    except Exception:  # noqa: BLE001 - no browser on a headless machine
        opened = False
    if not opened:
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

    from improv.cli.output import trace_native_crashes
    from improv.web import create_app

    if host not in ALLOWED_HOSTS:
        raise ParameterError(
            f"--host must be 127.0.0.1 or localhost, got {host!r}: improv serves health data "
            "and never listens on the network"
        )
    trace_native_crashes()  # the web app records in-process: a C-level fault leaves a trace
    app.open_store(recover=True)  # complete interrupted recordings first (reported on stderr)
    app.close()
    sock = _bind(port)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(32)
    web = create_app(store_path=app.store_path, token=token, port=port)
    url = f"http://127.0.0.1:{port}/?token={token}"
    click.echo(f"improv is running at {url}")
    click.echo("(Ctrl-C stops it)", err=True)
    launch = None
    if not no_browser:
        launch, page = _launch_page(url)
        threading.Timer(0.5, _open_browser, args=(page,)).start()
    # Keep idle connections open longer than Chromium keeps a used idle socket (300 s):
    # with uvicorn's default of 5 s, a POST sent on a socket the server is just closing
    # fails in the browser with "Failed to fetch" (browsers retry only idempotent requests).
    config = uvicorn.Config(web, log_level="warning", access_log=False, lifespan="on",
                            timeout_keep_alive=330)
    # uvicorn stops gracefully on SIGTERM and then raises it again in the handler that was set
    # before: with the default one the process would end there, before the cleanup below
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        if launch is not None:  # the token dies with the server: so does the page
            shutil.rmtree(launch, ignore_errors=True)


COMMANDS = [serve]
