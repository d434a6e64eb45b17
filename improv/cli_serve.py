"""``improv serve``: the therapist's workbench in the browser (local only)."""

from __future__ import annotations

import secrets
import socket
import threading

import click

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


def _open_browser(url: str) -> None:
    import webbrowser

    try:
        opened = webbrowser.open(url)
    except Exception:  # noqa: BLE001 - no browser on a headless machine
        opened = False
    if not opened:
        click.echo("(no browser found here: open the address above in a browser on this computer)",
                   err=True)


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Only 127.0.0.1 or localhost: the app never listens on the network.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; just print the address.")
@click.pass_obj
def serve(app, port, host, no_browser):
    """Start the web app (record, replay, annotate, compare) on this computer.

    Prints the address to open, with a new secret token for this launch.
    Stop with Ctrl-C.
    """
    import uvicorn

    from improv.web import create_app

    if host not in ALLOWED_HOSTS:
        raise ParameterError(
            f"--host must be 127.0.0.1 or localhost, got {host!r}: improv serves health data "
            "and never listens on the network"
        )
    app.open_store(recover=True)  # complete interrupted recordings first (reported on stderr)
    app.close()
    sock = _bind(port)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(32)
    web = create_app(store_path=app.store_path, token=token, port=port)
    url = f"http://127.0.0.1:{port}/?token={token}"
    click.echo(f"improv is running at {url}")
    click.echo("(Ctrl-C stops it)", err=True)
    if not no_browser:
        threading.Timer(0.5, _open_browser, args=(url,)).start()
    # Keep idle connections open longer than Chromium keeps a used idle socket (300 s):
    # with uvicorn's default of 5 s, a POST sent on a socket the server is just closing
    # fails in the browser with "Failed to fetch" (browsers retry only idempotent requests).
    config = uvicorn.Config(web, log_level="warning", access_log=False, lifespan="on",
                            timeout_keep_alive=330)
    uvicorn.Server(config).run(sockets=[sock])


COMMANDS = [serve]
