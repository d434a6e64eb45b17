"""The wheel as a user gets it: built from a clean clone, installed in a fresh virtualenv
under its distribution name, and ``improv serve --no-browser`` answers on its port.

The dependencies come from the test environment (a ``.pth`` file adds its site-packages
behind the fresh venv's own), so that the test checks the wheel (its packages, data files,
licence and entry point) in seconds instead of downloading and unpacking numba and scipy
again; the import check below makes sure ``improv`` comes from the wheel, not the checkout.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (ROOT / ".git").exists() or shutil.which("git") is None,
                       reason="needs the git checkout (the wheel is built from a clean clone)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run(["git", "clone", "-q", str(ROOT), str(tmp / "clone")], check=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                    str(tmp / "dist"), str(tmp / "clone")], check=True, timeout=600)
    (whl,) = (tmp / "dist").glob("*.whl")
    return whl


def test_wheel_contents(wheel):
    from improv import __version__

    assert wheel.name.startswith(f"improv_therapy-{__version__}-py3-none-any")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names if "dist-info" not in n} == {
        "improv", "sessions", "analysis"}
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert any(n.startswith("improv/web/static/") for n in names)
    assert {"improv/web/help/guide.md", "improv/web/help/help.css"} <= set(names)  # Help page
    meta = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Name: improv-therapy" in meta and "License-Expression: GPL-3.0-or-later" in meta


def test_installed_wheel_serves(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=300)
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "test-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "IMPROV_STORE")}
    where = subprocess.run([py, "-c", "import improv, sessions; print(improv.__file__)"],
                           capture_output=True, text=True, check=True, env=env,
                           cwd=tmp_path).stdout.strip()
    assert where.startswith(site), where  # the wheel's package, not the checkout's
    port = _free_port()
    proc = subprocess.Popen([venv / "bin" / "improv", "--store", tmp_path / "store", "serve",
                             "--no-browser", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # the first line is the address with the session token ("improv is running at ...")
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline() if ready else ""
        assert f"http://127.0.0.1:{port}/#token=" in line, line
        url = line.split(" at ", 1)[1].strip()
        token = url.split("#token=", 1)[1]
        # the page (its token in the fragment, sent to no server), the guide
        with urllib.request.urlopen(url, timeout=30) as r:
            assert r.status == 200 and b"improv" in r.read().lower()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/help/", timeout=30) as r:
            assert r.status == 200 and b"a guide for therapists" in r.read()
        api = f"http://127.0.0.1:{port}/api/sessions"
        with pytest.raises(urllib.error.HTTPError, match="401"):  # no token, no data
            urllib.request.urlopen(api, timeout=30)
        with urllib.request.urlopen(urllib.request.Request(
                api, headers={"X-Improv-Token": token}), timeout=30) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
