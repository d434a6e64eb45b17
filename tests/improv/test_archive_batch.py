"""``improv analyze --all`` on real Dask processes: a LocalCluster of worker processes, and a
``dask scheduler`` with ``dask worker`` processes, one of which is killed during the run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parents[2]


def _demo_sessions(store, n: int, *, duration: float = 10.0) -> list[str]:
    from improv.demo import create_demo_session

    return [create_demo_session(store, duration=duration)["id"] for _ in range(n)]


def _cache_files(store_path: Path, sid: str, *, raw: bool = False) -> dict[str, dict | bytes]:
    folder = store_path / "sessions" / sid / "cache"
    return {p.name: p.read_bytes() if raw else json.loads(p.read_text())
            for p in sorted(folder.glob("*.json"))
            if p.name.startswith(("analysis-", "dialogue-"))}


def _features(store_path: Path) -> list[tuple]:
    db = sqlite3.connect(store_path / "catalog.sqlite")
    try:
        return sorted(db.execute("SELECT session_id, player, analysis_key, name, value, text "
                                 "FROM features").fetchall())
    finally:
        db.close()


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}


# ----------------------------------------------------------------------------- no Dask needed
@pytest.mark.parametrize("module, args", [
    ("distributed", ["analyze", "--all"]),
    ("pyarrow", ["export-dataset", "--to", "OUT"]),
])
def test_without_the_extra_one_line_names_it(run_cli, store, monkeypatch, tmp_path, module, args):
    _demo_sessions(store, 1, duration=3.0)
    for name in list(sys.modules):
        if name == module or name.startswith(module + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError
    args = [str(tmp_path / a) if a == "OUT" else a for a in args]
    r = run_cli(*args)
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "improv-therapy[archive]" in lines[0] and module.split(".")[0] in lines[0]
    assert not (tmp_path / "OUT").exists()


@pytest.mark.parametrize("args, match", [
    ([], "give a SESSION"),
    (["--all", "20261204-172359-6c59"], "not both"),
    (["--force"], "only go with --all"),
    (["--include-demo"], "--include-demo only go with --all"),
    (["--all", "--plot", "x.png"], "--plot analyse one session"),
    (["--all", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "exclude each other"),
    (["--all", "--workers", "0"], "at least 1"),
    (["--all", "--client", "NOPE"], "client 'NOPE' has no sessions"),
    (["--all", "--since", "yesterday"], "--since must be a date"),
])
def test_batch_option_errors(run_cli, store, args, match):
    _demo_sessions(store, 1, duration=3.0)
    r = run_cli("analyze", *args)
    assert r.exit_code == 1 and match in r.stderr, r.stderr


# ----------------------------------------------------------------------------- LocalCluster
@pytest.mark.slow
def test_batch_equals_one_at_a_time_and_continues(run_cli, store, store_path, tmp_path):
    """Same cache files (names and contents) and catalog rows as ``improv analyze SESSION``
    run on a copy of the store; a damaged session fails with its reason and stops no other;
    a second run skips what is current."""
    from tests.improv.test_analyze import _damage

    sids = _demo_sessions(store, 3)
    bad = _demo_sessions(store, 1, duration=3.0)[0]
    _damage(store_path / "sessions" / bad / "audio" / "room-mics.wav")
    store.close()
    copy = tmp_path / "copy"
    shutil.copytree(store_path, copy)

    r = run_cli("analyze", "--all", "--workers", "2", "--dialogue", "--json", "--include-demo")
    assert r.exit_code == 1, r.stderr  # one session failed
    out = r.json()
    assert sorted(d["session_id"] for d in out["done"]) == sorted(sids)
    assert [f["session_id"] for f in out["failed"]] == [bad]
    assert "checksum" in out["failed"][0]["error"]
    assert out["workers"] == 2 and not out["interrupted"]
    assert out["elapsed_s"] >= out["cluster_start_s"] > 0  # seconds are *_s (was "seconds")
    for hours in ("audio_hours", "session_hours"):  # rounded as the per-session ones
        assert out[hours] == round(out[hours], 6) == pytest.approx(
            sum(d[hours] for d in out["done"]), abs=1e-5)

    for sid in sids:
        one = run_cli("--store", str(copy), "analyze", sid, "--dialogue", "--json")
        assert one.exit_code == 0, one.stderr
        assert _cache_files(store_path, sid) == _cache_files(copy, sid)
        # byte for byte: the workers encode the files, the coordinator writes them
        assert _cache_files(store_path, sid, raw=True) == _cache_files(copy, sid, raw=True)
        assert len(_cache_files(store_path, sid)) == 3  # two players, one pair
    assert _features(store_path) == _features(copy)

    again = run_cli("analyze", "--all", "--workers", "1", "--dialogue", "--json",
                    "--include-demo").json()
    assert again["done"] == []
    assert sorted(s["session_id"] for s in again["skipped"]) == sorted(sids)
    assert [f["session_id"] for f in again["failed"]] == [bad]



@pytest.mark.slow
def test_summary_lists_sessions_oldest_first_not_as_workers_finish(run_cli, store, store_path):
    """The longest sessions are computed first (so the workers end together), but ``done`` and
    ``failed`` list the sessions oldest first: two runs over the same store print the same
    summary. Before, they came in the order the workers finished (longest first here)."""
    from tests.improv.test_analyze import _damage

    sids = [_demo_sessions(store, 1, duration=d)[0] for d in (3.0, 12.0, 6.0)]
    bad = [_demo_sessions(store, 1, duration=d)[0] for d in (3.0, 5.0)]
    for sid in bad:
        _damage(store_path / "sessions" / sid / "audio" / "room-mics.wav")
    store.close()

    r = run_cli("analyze", "--all", "--workers", "1", "--json", "--include-demo")
    assert r.exit_code == 1, r.stderr  # two sessions failed
    out = r.json()
    assert [d["session_id"] for d in out["done"]] == sids
    assert [f["session_id"] for f in out["failed"]] == bad


# ----------------------------------------------------------------------------- a real cluster
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask(*args: str, log: Path) -> subprocess.Popen:
    dask = Path(sys.executable).with_name("dask")
    return subprocess.Popen([str(dask), *args], env=_env(), stdout=subprocess.DEVNULL,
                            stderr=open(log, "wb"), cwd="/")


@pytest.fixture
def cluster(tmp_path):
    """A ``dask scheduler`` and two single-threaded ``dask worker`` processes (no nanny: a
    killed worker stays dead) on 127.0.0.1; yields (address, {worker address: process})."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [_dask("scheduler", "--host", "127.0.0.1", "--port", str(port),
                   "--dashboard-address", ":0", log=tmp_path / "scheduler.log")]
    workers = {}
    try:
        for i in range(2):
            wport = _free_port()
            p = _dask("worker", address, "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1",
                      "--worker-port", str(wport), "--no-dashboard", log=tmp_path / f"w{i}.log")
            procs.append(p)
            workers[f"tcp://127.0.0.1:{wport}"] = p
        from distributed import Client

        with Client(address, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(10)


@pytest.mark.slow
def test_a_killed_worker_loses_only_its_task(store, store_path, cluster):
    from distributed import Client

    address, workers = cluster
    sids = _demo_sessions(store, 6, duration=20.0)
    store.close()
    run = subprocess.Popen([sys.executable, "-m", "improv", "--store", str(store_path),
                            "analyze", "--all", "--scheduler", address, "--json",
                            "--include-demo"],
                           env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    killed = None
    with Client(address, timeout="30s") as c:
        deadline = time.monotonic() + 120
        while killed is None and time.monotonic() < deadline and run.poll() is None:
            for w, keys in c.processing().items():
                if any(str(k).startswith("improv-analyze-") for k in keys):
                    workers[w].send_signal(signal.SIGKILL)
                    killed = w
                    break
            time.sleep(0.05)
    out, err = run.communicate(timeout=300)
    assert killed is not None, "no task seen running"
    assert run.returncode == 0, err.decode()
    summary = json.loads(out)
    assert sorted(d["session_id"] for d in summary["done"]) == sorted(sids)  # each once
    assert summary["failed"] == []
    rows = _features(store_path)
    for sid in sids:
        assert len(_cache_files(store_path, sid)) == 2  # one analysis per player
        keys = {(p, k) for s, p, k, *_ in rows if s == sid}
        assert {p for p, _ in keys} == {"client", "therapist"} and len(keys) == 2


def _ctrl_c_when_stored(store_path: Path, sids: list[str], *, stored: Callable) -> tuple:
    """Run ``analyze --all --workers 1 --json`` and press Ctrl-C as soon as
    ``stored(has_cache)`` over the sessions is true (``any``: the first session is stored,
    ``all``: every one is). Returns the command, the finished process, stdout and stderr."""
    cmd = [sys.executable, "-m", "improv", "--store", str(store_path), "analyze", "--all",
           "--workers", "1", "--json", "--include-demo"]
    run = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           cwd=REPO)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        if stored(any((store_path / "sessions" / sid / "cache").glob("analysis-*.json"))
                  for sid in sids):
            break
        time.sleep(0.002)
    assert run.poll() is None, "the batch ended before the test's Ctrl-C"
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=120)
    return cmd, run, out, err


@pytest.mark.slow
def test_ctrl_c_keeps_what_is_done_and_a_second_run_continues(store, store_path):
    # Ctrl-C as soon as the first session is stored: the other five (~0.15 s each on one
    # worker) are still to do. With five sessions of 20 s and a 50 ms poll, a clean-clone CI
    # run once saw the batch end before its Ctrl-C (exit 0).
    sids = _demo_sessions(store, 6, duration=40.0)
    store.close()
    cmd, run, out, err = _ctrl_c_when_stored(store_path, sids, stored=any)
    assert run.returncode == 1 and "aborted" in err.decode(), err.decode()  # as every command
    first = json.loads(out)
    assert first["interrupted"] and first["done"] and len(first["done"]) < len(sids)
    db = sqlite3.connect(store_path / "catalog.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    done = {d["session_id"] for d in first["done"]}
    for sid in done:  # stored: cache and catalog
        assert len(_cache_files(store_path, sid)) == 2
    assert {r[0] for r in _features(store_path)} == done

    again = subprocess.run(cmd, env=_env(), capture_output=True, cwd=REPO, timeout=300)
    assert again.returncode == 0, again.stderr.decode()
    second = json.loads(again.stdout)
    assert {s["session_id"] for s in second["skipped"]} == done
    assert {d["session_id"] for d in second["done"]} == set(sids) - done


@pytest.mark.slow
def test_ctrl_c_after_the_last_session_is_stored_ends_the_batch_normally(store, store_path):
    """Ctrl-C while the cluster shuts down after the work is done: the summary and exit status
    of a finished batch (before: "aborted" after Dask's 10 s wait, no summary)."""
    sids = _demo_sessions(store, 3, duration=20.0)
    store.close()
    _, run, out, err = _ctrl_c_when_stored(store_path, sids, stored=all)
    assert run.returncode == 0, err.decode()  # also when it came after the output
    summary = json.loads(out)
    assert not summary["interrupted"] and summary["failed"] == []
    assert sorted(d["session_id"] for d in summary["done"]) == sorted(sids)
    assert summary["audio_hours"] == pytest.approx(sum(d["audio_hours"] for d in summary["done"]),
                                                   abs=1e-5)


def test_shutdown_shield_notes_one_ctrl_c_and_passes_on_a_second():
    from improv.archive.batch import _ShutdownShield

    before = signal.getsignal(signal.SIGINT)
    shield = _ShutdownShield()
    shield.arm()
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)  # the handler runs between bytecodes of the main thread
        assert shield.presses == 1
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
    finally:
        shield.disarm()
    assert signal.getsignal(signal.SIGINT) is before


def test_local_cluster_has_no_dashboard_and_listens_on_loopback_only():
    """--workers N: no dashboard, and the scheduler's HTTP server (Dask always starts one) not
    on 8787 of every interface but on a free loopback port."""
    pytest.importorskip("distributed")
    import urllib.error
    import urllib.request

    from improv.archive.batch import _client

    def http(dask_scheduler):
        return (sorted({s.getsockname()[0] for s in dask_scheduler.http_server._sockets.values()}),
                dask_scheduler.http_server.port, dask_scheduler.address)

    with _client(workers=1, scheduler=None) as client:
        hosts, port, address = client.run_on_scheduler(http)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as r:
            assert r.status == 200  # the server asked about
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=10)
    assert hosts == ["127.0.0.1"] and port != 8787
    assert address.startswith("tcp://127.0.0.1:")


# ----------------------------------------------------------------------------- another version
def _other_version(module: str, name: str) -> None:
    """Run on a worker (``Client.run``): this worker process now has another version, as if
    another improv were installed there."""
    import importlib

    setattr(importlib.import_module(module), name, "0.0.0-other")


@pytest.mark.slow
@pytest.mark.parametrize("module, name", [("analysis", "ANALYSIS_VERSION"),
                                          ("analysis.dialogue", "DIALOGUE_VERSION")])
def test_a_worker_of_another_version_stores_nothing(run_cli, store, store_path, cluster,
                                                    module, name):
    """Review 29, finding 19: results of a worker with another analysis (or dialogue) version
    were stored under that version's cache keys and catalog rows without a check. Real
    ``dask worker`` processes; only the version constant is changed in them (``Client.run``),
    which is what another improv installed there would give: every session fails with one
    line saying to install the same improv, nothing is stored, exit 1."""
    from distributed import Client

    address, _ = cluster
    sids = _demo_sessions(store, 2, duration=5.0)
    store.close()
    with Client(address, timeout="30s") as c:
        c.run(_other_version, module, name)
    r = run_cli("analyze", "--all", "--scheduler", address, "--dialogue", "--json",
                "--include-demo")
    assert r.exit_code == 1, r.stderr
    out = r.json()
    assert out["done"] == [] and [f["session_id"] for f in out["failed"]] == sids
    for f in out["failed"]:
        assert "0.0.0-other" in f["error"] and "\n" not in f["error"]
        assert f["error"].endswith("install the same improv version on every worker")
    for sid in sids:
        assert _cache_files(store_path, sid) == {}
    assert _features(store_path) == []
    human = run_cli("analyze", "--all", "--scheduler", address, "--include-demo")
    assert human.exit_code == 1 and "FAILED" in human.stdout
    assert "install the same improv version on every worker" in human.stdout


class _Done:
    """A finished Dask future's stand-in: ``result()`` gives what a worker returned."""

    def __init__(self, out: dict) -> None:
        self.out = out

    def result(self) -> dict:
        return self.out


def test_a_worker_that_sends_no_versions_counts_as_another_version():
    """A worker of an improv before the check sends no ``versions``: its dialogue version is
    unknown, so its result is refused even when its analysis version is this one's."""
    import analysis
    from improv.archive.batch import _collect, analysis_versions

    stored = []
    summary = {"done": [], "failed": []}
    computed = {"result": {"analysis_version": analysis.ANALYSIS_VERSION}}
    _collect(None, _Done({"ok": True, "computed": computed}), {"id": "s1"}, summary,
             lambda store, c: stored.append(c))
    assert stored == [] and summary["done"] == []
    (f,) = summary["failed"]
    assert f["session_id"] == "s1" and "dialogue unknown" in f["error"]
    # the same result with this process's versions is stored
    _collect(None, _Done({"ok": True, "computed": computed, "versions": analysis_versions()}),
             {"id": "s2", "duration_s": 3600.0, "audio_inputs": 1}, summary,
             lambda store, c: stored.append(c))
    assert stored == [computed] and [d["session_id"] for d in summary["done"]] == ["s2"]
