"""Opening the browser on a running ``improv serve``, and finding that server again.

The browser is never started with the address that holds the token: a browser's command line
can be read by every user of the computer (``/proc/PID/cmdline``, ``ps``) for as long as it
runs, and the token gives full access until improv stops. Instead each server writes an
owner-only *launch page* that forwards to that address, and the browser opens the page
(``file://…/open.html``).

The page and a small record of the server (``server.json``: port, process ID, store; no token)
live in a folder of their own, ``<runtime>/improv/server-<PORT>/``, where ``<runtime>`` is the
user's runtime folder (``$XDG_RUNTIME_DIR``, usually ``/run/user/UID``: a per-user 0700
folder in memory, emptied at logout). The folder and its files are owner-only (0700, 0600)
and are removed when the server stops. ``improv open`` finds the running server there and
opens its page again: whoever can read the page can already read the store itself (the same
account), and nobody else can. Without a safe runtime folder the page goes to a new 0700
folder from :func:`tempfile.mkdtemp`, and ``improv open`` cannot find it.
"""

from __future__ import annotations

import html
import json
import logging
import os
import shutil
import socket
import stat
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

RECORD = "server.json"
PAGE = "open.html"
PREFIX = "server-"


def runtime_folder() -> Path | None:
    """improv's owner-only folder in the user's runtime folder (made if missing), or None.

    ``$XDG_RUNTIME_DIR/improv`` when that is set, else platformdirs' runtime folder (its
    own fallback, e.g. ``/tmp/runtime-UID`` on Linux, checked by platformdirs). None when the
    folder cannot be made, or is not a folder of this user that only they can open (a
    link, another owner, a group or world mode): then nothing is written there.
    """
    base = os.environ.get("XDG_RUNTIME_DIR")
    if not base:
        import platformdirs

        try:
            with warnings.catch_warnings():  # "XDG_RUNTIME_DIR is not set, falling back…"
                warnings.simplefilter("ignore")
                base = platformdirs.user_runtime_dir(appauthor=False)
        except OSError as exc:
            log.debug("no runtime folder: %s", exc)
            return None
    folder = Path(base) / "improv"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.lstat()
    except OSError as exc:
        log.debug("no runtime folder %s: %s", folder, exc)
        return None
    if not stat.S_ISDIR(st.st_mode):
        return None
    if hasattr(os, "geteuid") and (st.st_uid != os.geteuid() or st.st_mode & 0o077):
        log.debug("runtime folder %s is not owner-only: not used", folder)
        return None
    return folder


@dataclass(frozen=True)
class Launch:
    """A server's launch page.

    Attributes
    ----------
    folder : Path
        Its owner-only folder, removed when the server stops (:meth:`remove`).
    page : Path
        The page that forwards to the address with the token.
    findable : bool
        True if the folder is in the runtime folder, where ``improv open`` looks.
    """

    folder: Path
    page: Path
    findable: bool

    def remove(self) -> None:
        """Remove the folder (the token ends with the server, and so does the page)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def write_launch(url: str, *, port: int, store: Path | str) -> Launch:
    """Write the launch page of the server at ``url`` (with its token) and its record.

    Parameters
    ----------
    url : str
        The address with ``#token=…``.
    port : int
        The port the server listens on (names its folder).
    store : Path
        The store it serves (in the record, so ``improv open`` can tell servers apart).
    """
    from sessions.fsutil import open_new

    runtime = runtime_folder()
    folder = None
    if runtime is not None:
        folder = runtime / f"{PREFIX}{int(port)}"
        # a folder of a server on this port that was killed (the port is ours now)
        shutil.rmtree(folder, ignore_errors=True)
        try:
            folder.mkdir(mode=0o700)
        except OSError as exc:
            log.debug("cannot make %s: %s", folder, exc)
            folder = None
    findable = folder is not None
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="improv-open-"))  # 0700
    page = folder / PAGE
    with open_new(page, "x", encoding="utf-8") as f:
        f.write(f'<!doctype html><meta charset="utf-8"><title>improv</title>'
                f'<meta http-equiv="refresh" content="0;url={html.escape(url)}">'
                f'<p>Opening <a href="{html.escape(url)}">improv</a>…</p>\n')
    if findable:
        with open_new(folder / RECORD, "x", encoding="utf-8") as f:
            json.dump({"port": int(port), "pid": os.getpid(),
                       "store": str(Path(store).absolute())}, f)
    return Launch(folder=folder, page=page, findable=findable)


@dataclass(frozen=True)
class Server:
    """A running ``improv serve`` of this user: its port, process, store and launch page."""

    port: int
    pid: int
    store: Path
    page: Path

    @property
    def address(self) -> str:
        """The address without the token."""
        return f"http://127.0.0.1:{self.port}/"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process under a reused ID: not our server
        return False
    except OSError:
        return False
    return True


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def running_servers() -> list[Server]:
    """The servers of this user that are running now, by port.

    A folder whose process is gone or whose port no longer answers (a server that was
    killed) is removed.
    """
    runtime = runtime_folder()
    if runtime is None:
        return []
    found = []
    for folder in sorted(runtime.glob(f"{PREFIX}*")):
        try:
            record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
            server = Server(port=int(record["port"]), pid=int(record["pid"]),
                            store=Path(record["store"]), page=folder / PAGE)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a server still writing it, or not ours to judge
        if not (_alive(server.pid) and server.page.is_file() and _listening(server.port)):
            if not _alive(server.pid):
                shutil.rmtree(folder, ignore_errors=True)
            continue
        found.append(server)
    return sorted(found, key=lambda s: s.port)


def open_in_browser(page: Path) -> bool:
    """Open the launch page in the user's browser; False if there is none (headless)."""
    import webbrowser

    try:
        return bool(webbrowser.open(page.as_uri()))
    except Exception:  # noqa: BLE001 - no browser on a headless machine
        return False
