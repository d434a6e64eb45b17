"""``improv open``: sign this computer's browser in to the running improv again."""

from __future__ import annotations

import click

from improv.cli.params import Number
from improv.errors import ImprovError


@click.command("open")
@click.option("--port", type=Number(example="8470", min=1, max=65535, whole=True),
              default=None, metavar="N",
              help="The port of the improv to open, when several are running.")
@click.pass_obj
def open_(app, port):
    """Open the running improv in the browser, signed in again.

    For a browser window that was closed or says it is not signed in: no need to stop improv
    (a recording goes on). Opens the page that 'improv serve' left for its user only.
    """
    from improv.cli.output import info
    from improv.launch import open_in_browser, running_servers

    servers = running_servers()
    if port is not None:
        servers = [s for s in servers if s.port == port]
        if not servers:
            raise ImprovError(f"improv is not running on port {port} (start it with "
                              "'improv serve')")
    if not servers:
        raise ImprovError("improv is not running: start it with 'improv serve' (or "
                          "'bash scripts/start.sh'); it opens the browser itself")
    if len(servers) > 1:
        here = [s for s in servers if s.store == app.store_path.absolute()]
        if len(here) != 1:
            ports = ", ".join(f"{s.port} ({s.store})" for s in servers)
            raise ImprovError(f"improv is running more than once, on ports {ports}: choose "
                              "one with --port N")
        servers = here
    server = servers[0]
    if open_in_browser(server.page):
        click.echo(f"opened improv at {server.address} (store {server.store}) in the browser")
    else:
        click.echo(f"improv is running at {server.address} (store {server.store})")
        info(f"(no browser found here: open {server.page.as_uri()} in a browser on this "
             "computer; only your account can read it)")


COMMANDS = [open_]
