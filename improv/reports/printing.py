"""Writing a report to a file: HTML as it is, PDF printed by headless Chromium (or Chrome),
offline and owner-only (:func:`write_report`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from improv.errors import ImprovError, ParameterError

__all__ = ["CHROMIUM_PLACES", "chromium_sandbox_flags", "find_chromium", "write_report"]


#: Where Chrome and Chromium are installed outside the PATH (macOS, Windows).
CHROMIUM_PLACES = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
)


def chromium_sandbox_flags() -> list[str]:
    """``--no-sandbox`` only for root: Chromium refuses to start its sandbox as root (a
    container, CI); as any other user the page is printed inside the sandbox."""
    return ["--no-sandbox"] if os.geteuid() == 0 else []


def find_chromium() -> str | None:
    """``$IMPROV_CHROMIUM``, a Chromium or Chrome on the PATH, or one where macOS and Windows
    install it."""
    given = os.environ.get("IMPROV_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return next((p for p in CHROMIUM_PLACES if Path(p).is_file()), None)


def write_report(text: str, to: Path) -> Path:
    """Write ``text`` (HTML) to ``to``: ``.html`` as is, ``.pdf`` through headless Chromium."""
    to = Path(to)
    suffix = to.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise ParameterError(f"report file must end in .html or .pdf, got {to.name!r}",
                             parameter="to")
    if not to.parent.is_dir():
        raise ParameterError(f"folder {to.parent} does not exist; create it first, or choose "
                             "another", parameter="to")
    from sessions.fsutil import atomic_write_bytes, open_new

    if suffix != ".pdf":
        atomic_write_bytes(to, text.encode("utf-8"))
        return to
    chromium = find_chromium()
    if chromium is None:
        raise ImprovError(
            "a PDF needs Chromium or Chrome (apt-get install chromium; elsewhere install "
            "Chrome or set IMPROV_CHROMIUM to its program); or write an HTML report "
            "(FILE.html)", parameter="to")
    with tempfile.TemporaryDirectory(prefix="improv-report-") as tmp:
        src = Path(tmp) / "report.html"
        with open_new(src, "xb") as f:  # the notes are in it: owner-only as every output
            f.write(text.encode("utf-8"))
        out = Path(tmp) / "report.pdf"
        # the page is self-contained (data: URIs): no name is resolved and every connection
        # goes to a dead proxy, so nothing leaves the machine (Chromium otherwise looks up
        # Google's update and account servers even with background networking disabled)
        cmd = [chromium, "--headless", *chromium_sandbox_flags(), "--disable-gpu",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
               "--no-pings", "--disable-domain-reliability",
               f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", src.as_uri()]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if not out.exists():
            raise ImprovError(
                f"Chromium could not print the PDF: {(r.stderr or '').strip()[-300:]}")
        os.chmod(out, 0o600)
        atomic_write_bytes(to, out.read_bytes())
    return to
