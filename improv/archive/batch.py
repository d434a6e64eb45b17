"""``improv analyze --all``: analyse a whole store in parallel on Dask.

Who does what
-------------
- The **coordinating process** (the one running the command) picks the sessions, submits one
  task per session, and stores each result as it arrives: cache files in the session folder
  and summary rows in the catalog (:func:`improv.analyze.store_analysis`). SQLite has one
  writer, and it is this process.
- The **workers** (processes of a ``dask.distributed`` LocalCluster, or of a running cluster
  whose workers see the store at the same path) only read session folders and compute
  (:func:`improv.analyze.compute_session`); a task returns the result and the cache files to
  write. A worker that dies loses only the task it was running: the scheduler gives it to
  another worker (up to ``distributed.scheduler.allowed-failures`` times).

Generated demo sessions (``improv sessions demo``) are synthetic: they are left out unless
``include_demo`` is given, and the summary counts them (``demos_left_out``).

A session that fails (a damaged recording, a session being recorded) is reported with its
reason and never stops the others. Ctrl-C stops the run between two stores (a store in
progress is finished first): every finished analysis is stored and the catalog is consistent,
and running the command again continues with the sessions not yet analysed.

Results are those of ``improv analyze SESSION`` one at a time: the same function computes them
and the same function stores them, with the same cache keys. A result computed by a worker
with another version of the analysis or the dialogue analysis (another improv installed
there) is not stored: the session is listed as failed, saying to install the same improv
version on every worker (:func:`version_mismatch`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Sequence

from improv.analyze.sources import damaged_files, damaged_reason
from improv.archive import JSON_VERSION, require

log = logging.getLogger(__name__)

#: Decimals of every number of hours in the summary (per session and in total): 6 decimals
#: of an hour are 3.6 ms.
HOURS_DECIMALS = 6

__all__ = ["plan_batch", "run_batch", "compute_task", "select_sessions",
           "damaged_files",  # improv.analyze.sources's, kept here for its callers
           "analysis_versions", "version_mismatch"]

#: ``progress(state)`` after each session: ``done``, ``total`` (sessions), ``hours_done``,
#: ``hours_total`` (hours of audio), ``elapsed_s``.
BatchProgress = Callable[[dict[str, Any]], None]

_WHAT = "improv analyze --all"


# ----------------------------------------------------------------------------- choosing
def _audio_hours(row: dict) -> float:
    """Hours of audio recordings: the sum of the inputs' own lengths (``audio_s``, which
    :func:`plan_batch` adds to a row from the manifest: frames / sr of each input), what the
    analysis's cost scales with. Not the session's length once per input: an input may start
    late or end early (a 17.5 s recording in a 2:36 session is 17.5 s of audio)."""
    return float(row.get("audio_s") or 0.0) / 3600.0


def _audio_s(session) -> float:
    """Seconds of audio of a session: its inputs' lengths (frames / sr) summed."""
    return float(sum(a.frames / a.sr for a in session.audio_inputs() if a.sr > 0))


def _session_hours(row: dict) -> float:
    """Hours of session, MIDI or audio (a MIDI archive has no hours of audio)."""
    return float(row.get("duration_s") or 0.0) / 3600.0


def select_sessions(store, *, clients: Sequence[str] = (), since: datetime | None = None,
                    include_demo: bool = False) -> tuple[list[dict], int]:
    """Catalog rows of the chosen sessions, oldest first, and how many demo sessions were
    left out.

    Parameters
    ----------
    store : sessions.store.Store
    clients : sequence of str
        Only these clients' sessions (default: all).
    since : datetime, optional
        Only sessions started at or after it.
    include_demo : bool
        Keep the generated demo sessions (``improv sessions demo``, marked ``demo`` in their
        manifest): synthetic data, left out of a study's tables and batch runs by default.

    Returns
    -------
    rows : list of dict
    demos_left_out : int
        Demo sessions that the other choices kept but ``include_demo`` left out.

    Raises
    ------
    improv.errors.ParameterError
        A client code with no session in the store: none the catalog lists, and no session
        folder the catalog does not list (:meth:`sessions.store.Store.unlisted`) names it.
        A client whose every session dropped out of the catalog (unreadable, not
        catalogued) is no error: its folders are among :func:`unlisted_sessions`, which
        the batch lists as failed and the export as problems. The message names the folders
        whose client cannot be read (they may be the client's).
    """
    rows = store.catalog.sessions()
    if clients:
        known = {r["client"] for r in rows}
        unknown = [c for c in clients if c not in known]
        if unknown:  # every session of the client may have dropped out of the catalog
            unlisted = store.unlisted()
            known |= {u["client"] for u in unlisted if u["client"]}
            unknown = [c for c in unknown if c not in known]
            if unknown:
                raise _no_sessions(store, unknown, unlisted)
        rows = [r for r in rows if r["client"] in set(clients)]
    if since is not None:
        rows = [r for r in rows
                if datetime.fromisoformat(r["started_utc"]).astimezone(timezone.utc) >= since]
    demos = 0
    if not include_demo:
        kept = [r for r in rows if not r["demo"]]
        demos, rows = len(rows) - len(kept), kept
    return sorted(rows, key=lambda r: (r["started_utc"], r["id"])), demos


def _no_sessions(store, clients: Sequence[str], unlisted: Sequence[dict[str, Any]]):
    """The error for client codes with no session folder in the store, one line; it names
    the folders whose client cannot be read (they may be those clients') and what to run."""
    from improv.errors import ParameterError

    text = (f"client {', '.join(map(repr, clients))} has no sessions in {store.root} (see "
            "'improv sessions list')")
    blind = [u["id"] for u in unlisted if u["client"] is None]
    if blind:
        shown = ", ".join(blind[:5]) + (f" and {len(blind) - 5} more" if len(blind) > 5 else "")
        text += (f"; {len(blind)} session folder{'s' if len(blind) > 1 else ''} "
                 f"cannot be read, nor {'their' if len(blind) > 1 else 'its'} client, and may "
                 f"be the client's: {shown} (check them with 'improv sessions verify --all'; "
                 "once mended, 'improv sessions reindex' lists them again)")
    return ParameterError(text)


def _is_current(store, session, *, dialogue: bool) -> bool:
    """Whether the session's default analysis of this version is cached (and, with
    ``dialogue``, that of every pair) and the recordings it came from are intact
    (:func:`damaged_files`; a damaged session is never current, :func:`plan_batch` lists it
    as failed); a cached one missing from the catalog (after a ``reindex``) is put back
    there."""
    from improv.analyze import default_keys, restore_catalog_features

    keys = default_keys(session)
    cache = session.folder / "cache"
    for col, key in keys.items():
        pair = "|" in col
        if pair and not dialogue:
            continue
        if not (cache / f"{'dialogue' if pair else 'analysis'}-{key}.json").is_file():
            return False
    have = store.catalog.analysis_keys(session.id)
    if any(key not in have.get(col, ()) for col, key in keys.items()
           if dialogue or "|" not in col):
        restore_catalog_features(store, session.id)
    return True


def plan_batch(store, *, clients: Sequence[str] = (), since: datetime | None = None,
               dialogue: bool = False, force: bool = False, include_demo: bool = False
               ) -> dict[str, Any]:
    """Which sessions to analyse (demo sessions only with ``include_demo``).

    Returns
    -------
    dict
        ``todo`` (catalog rows, longest first: the long ones start early so the workers end
        together; each with ``audio_s``, the seconds of its audio inputs summed), ``skipped``
        (IDs whose analysis is current), ``failed`` (``{session_id, error}``: sessions that
        cannot be opened, or whose recordings are damaged, :func:`damaged_files`: never
        skipped as current, whatever the cache holds)
        and ``order`` (the IDs of all the chosen sessions, oldest first: the order of the
        summary's lists) and ``demos_left_out`` (the number of demo sessions not chosen, see
        :func:`select_sessions`).
    """
    from sessions.errors import StoreError

    todo, skipped, failed = [], [], []
    chosen, demos = select_sessions(store, clients=clients, since=since,
                                    include_demo=include_demo)
    for row in chosen:
        try:
            session = store.session(row["id"])
            damaged = damaged_files(session)
            if damaged:  # would fail on a worker too: never "current", never sent there
                failed.append({"session_id": row["id"],
                               "error": damaged_reason(session, damaged)})
                continue
            if not force and _is_current(store, session, dialogue=dialogue):
                skipped.append(row["id"])
                continue
            audio_s = _audio_s(session)
        except (StoreError, OSError) as exc:
            failed.append({"session_id": row["id"], "error": str(exc)})
            continue
        todo.append({**row, "audio_s": audio_s})
    unlisted = unlisted_sessions(store, clients=clients, since=since)
    failed += [{"session_id": u["id"], "error": u["problem"]} for u in unlisted]
    todo.sort(key=lambda r: -float(r.get("duration_s") or 0.0))
    order = [r["id"] for r in chosen]
    if unlisted:  # in their place by start (an ID starts with its UTC start)
        order = sorted(order + [u["id"] for u in unlisted], key=lambda sid: sid[:15])
    return {"todo": todo, "skipped": skipped, "failed": failed,
            "order": order, "demos_left_out": demos}


def unlisted_sessions(store, *, clients: Sequence[str] = (),
                      since: datetime | None = None) -> list[dict[str, Any]]:
    """The session folders the catalog does not list (:meth:`sessions.store.Store.unlisted`:
    unreadable, a link, not catalogued yet) that a run over ``clients`` (all: empty) and
    ``since`` may have meant, oldest first: counted as failed, never passed over in silence.

    A folder whose client cannot be read counts for every client, and one is taken as
    started when its ID says (its manifest may be unreadable).
    """
    from sessions.manifest import id_started_utc

    listed = store.catalog.session_ids()  # a link the catalog still lists fails as its row
    rows = [r for r in store.unlisted() if r["id"] not in listed]
    if clients:
        wanted = {c.casefold() for c in clients}
        rows = [r for r in rows if r["client"] is None or r["client"].casefold() in wanted]
    if since is not None:
        rows = [r for r in rows if (started := id_started_utc(r["id"])) is None
                or datetime.fromisoformat(started) >= since]
    return rows


# ----------------------------------------------------------------------------- on a worker
def compute_task(root: str, session_id: str, dialogue: bool, use_cache: bool) -> dict:
    """Run on a worker: compute one session's default analysis, write nothing.

    Returns ``{"ok": True, "computed": ..., "versions": ..., "worker": ...}`` (see
    :func:`improv.analyze.compute_session`; ``versions``: this worker's
    :func:`analysis_versions`, which the coordinator compares with its own before it stores
    anything, :func:`version_mismatch`; ``worker``: its address) or ``{"ok": False, "error":
    reason}``: an error of the session is a result, not a failed task (a failed task would
    be retried, and fail again).
    """
    from improv.analyze import compute_session
    from improv.errors import user_facing_errors
    from sessions.store import Store

    _malloc_for_arrays()
    try:
        store = Store(root, create=False)
        try:
            return {"ok": True, "computed": compute_session(store, session_id, dialogue=dialogue,
                                                            use_cache=use_cache),
                    "versions": analysis_versions(), "worker": _worker_address()}
        finally:
            store.close()
    except user_facing_errors() as exc:
        return {"ok": False, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one failing session never stops the others
        log.exception("analysis of %s failed", session_id)
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def analysis_versions() -> dict[str, str]:
    """The versions of the analysis and of the dialogue analysis in this process (read when
    called): a result is stored only where they are the coordinator's, since the cache's keys
    and the catalog's rows are of one version."""
    import analysis
    import analysis.dialogue

    return {"analysis_version": analysis.ANALYSIS_VERSION,
            "dialogue_version": analysis.dialogue.DIALOGUE_VERSION}


def _worker_address() -> str | None:
    """The address of the Dask worker running this task, or None outside a worker."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return None


def version_mismatch(out: dict[str, Any]) -> str | None:
    """One line when a worker's result (:func:`compute_task`) was computed by another version
    of the analysis or the dialogue analysis than this process's, else None.

    A worker of an improv without the check sends no ``versions``: its analysis version is
    the result's, its dialogue version unknown, so it counts as another version.
    """
    mine = analysis_versions()
    theirs = out.get("versions") or {
        "analysis_version": out["computed"]["result"].get("analysis_version"),
        "dialogue_version": None}
    if theirs == mine:
        return None
    worker = out.get("worker")
    return (f"not stored: the Dask worker{f' {worker}' if worker else ''} has analysis "
            f"{theirs.get('analysis_version') or 'of an unknown version'} (dialogue "
            f"{theirs.get('dialogue_version') or 'unknown'}), this computer has analysis "
            f"{mine['analysis_version']} (dialogue {mine['dialogue_version']}): install the "
            "same improv version on every worker")


#: glibc's ``mallopt`` parameters (malloc.h): ``M_TRIM_THRESHOLD``, ``M_MMAP_THRESHOLD``.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Arrays under 8 MB (the analysis's per-block temporaries: 0.5-4 MB, audio blocks, their FFT
#: frames, the tempo step's FFT batches of 128 windows) come from the heap and up to 16 MB of
#: freed heap is kept for the next ones; larger arrays (a whole session's curves) are mapped,
#: and unmapped when freed (bytes).
_MMAP_THRESHOLD, _TRIM_THRESHOLD = 8 << 20, 16 << 20
_malloc_set = False


def _malloc_for_arrays() -> None:
    """Let this worker process reuse freed memory for its next arrays, as a plain process does.

    A Dask nanny starts its worker with ``MALLOC_TRIM_THRESHOLD_=65536``
    (``distributed.nanny.pre-spawn-environ``); setting it turns glibc's dynamic thresholds
    off, so every array over 128 kB is mapped anew and its pages zeroed on first touch, and
    freed memory goes back to the system at once. The analysis allocates and frees such
    arrays for every block of audio: measured, it then costs 1.7 times the CPU time of the
    same analysis in a plain process (1.99 s against 1.16 s per 10-minute session). With the
    thresholds above a worker needs 1.1-1.25 s again; a 3-hour session peaks at 342 MB, as in a
    plain process (344 MB; 323 MB with Dask's setting; 340-373 MB with the 32 MB / 64 MB the
    dynamic thresholds reach). Set here, it also holds for workers started by ``dask worker``,
    whose environment this process does not choose. Done once per process; nothing where
    glibc is not the C library.
    """
    global _malloc_set
    if _malloc_set:
        return
    _malloc_set = True
    from improv.heap import glibc

    libc = glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)


def _worker_peak_rss_mb() -> float:
    """The worker process's peak resident memory: ``VmHWM`` on Linux (``ru_maxrss`` there
    survives ``exec`` and would report a parent's peak), else ``ru_maxrss``."""
    import resource
    import sys

    with contextlib.suppress(OSError, ValueError, StopIteration):
        with open("/proc/self/status") as f:
            line = next(x for x in f if x.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024.0


def _process_cpu_s() -> float:
    """CPU seconds (user and system) of this process and its threads so far."""
    t = os.times()
    return t.user + t.system


def _sees_store(root: str) -> bool:
    return os.path.isdir(os.path.join(root, "sessions"))


# ----------------------------------------------------------------------------- coordinator
@contextlib.contextmanager
def _client(*, workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """A Dask client: on the cluster at ``scheduler``, or on a LocalCluster of ``workers``
    single-threaded worker processes (default: the number of cores)."""
    from improv.errors import ParameterError

    distributed = require("distributed", what=_WHAT)
    if not logging.getLogger().isEnabledFor(logging.DEBUG):  # --debug shows Dask's log
        for name in ("distributed", "dask"):
            logging.getLogger(name).setLevel(logging.ERROR)
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout="15s")
        except (OSError, TimeoutError) as exc:
            raise ParameterError(f"cannot reach the Dask scheduler at {scheduler}: {exc} "
                                 "(start one with 'dask scheduler')") from None
        except ValueError as exc:  # Dask's own check of the address: "missing port number"
            raise ParameterError(f"{scheduler!r} is not a Dask scheduler address: {exc} (give "
                                 "tcp://HOST:PORT, e.g. tcp://192.168.1.20:8786)",
                                 parameter="scheduler") from None
        with contextlib.closing(client):
            yield client
        return
    n = workers or os.cpu_count() or 1
    if n < 1:
        raise ParameterError(f"workers must be at least 1, got {n}")
    # no dashboard; the scheduler's HTTP server (it always starts one, on 8787 when no address
    # is given, on every interface) on a free port of the loopback interface
    cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                       scheduler_kwargs={"dashboard": False},
                                       silence_logs=logging.ERROR)
    with contextlib.closing(cluster), distributed.Client(cluster) as client:
        yield client


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Ctrl-C while a result is being stored takes effect after it (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[Any] = []
    previous = signal.signal(signal.SIGINT, lambda *a: caught.append(a))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


class _ShutdownShield:
    """Ctrl-C once the work is over (every session stored, or the rest cancelled) is noted
    instead of raised, while the worker statistics are read and the cluster shuts down
    (normally well under a second); a second Ctrl-C interrupts as usual.

    Raised there, Ctrl-C lost a finished batch's summary and exit status, and Dask's
    ``sync`` waited 10 s before passing it on (measured: Ctrl-C 0.05-0.3 s after the last
    session was stored gave "aborted" after 10.2 s, with every session stored). Main thread
    only; elsewhere signals never reach the code anyway.
    """

    def __init__(self) -> None:
        self.presses = 0
        self._previous: Any = None

    def arm(self) -> None:
        if self._previous is not None or threading.current_thread() is not threading.main_thread():
            return
        self._previous = signal.signal(signal.SIGINT, self._press)

    def _press(self, *_: Any) -> None:
        self.presses += 1
        if self.presses > 1:
            raise KeyboardInterrupt

    def disarm(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def run_batch(store, *, clients: Sequence[str] = (), since: datetime | None = None,
              dialogue: bool = False, force: bool = False, workers: int | None = None,
              scheduler: str | None = None, progress: BatchProgress | None = None,
              include_demo: bool = False) -> dict[str, Any]:
    """Analyse every chosen session whose default analysis is missing or out of date.

    Parameters
    ----------
    store : sessions.store.Store
        Opened by the caller: this process writes its caches and catalog.
    clients : sequence of str
        Only these clients' sessions (default: all).
    since : datetime, optional
        Only sessions started at or after it.
    dialogue : bool
        Also the dialogue of every pair of players.
    force : bool
        Analyse every chosen session again, cached or not.
    workers : int, optional
        Worker processes of a local cluster (default: the number of cores).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``) instead; its workers must
        see the store at the same path.
    progress : callable, optional
        Called after each session (see :data:`BatchProgress`).
    include_demo : bool
        Also the generated demo sessions (left out by default: synthetic data).

    Returns
    -------
    dict
        The ``--json`` output (the conventions of ``docs/research.md``, "JSON output"):
        ``json_version`` (:data:`improv.archive.JSON_VERSION`), ``sessions`` (how many were
        chosen), ``done`` (``{session_id, duration_s, audio_hours, session_hours}``),
        ``skipped`` (``{session_id}``: current), ``failed`` (``{session_id, error}``), each
        oldest session first (not in the order the workers finished), ``audio_hours`` (hours
        of audio recordings: each input's own length, summed), ``session_hours`` (hours of
        the sessions analysed, MIDI too; hours rounded to :data:`HOURS_DECIMALS` decimals
        everywhere),
        ``elapsed_s`` (seconds), ``workers`` (None when no cluster was started: nothing to
        analyse), ``worker_peak_rss_mb`` (address -> MB, over each worker process's life so
        far), ``worker_cpu_s`` (address -> CPU seconds, user and system, over the same life),
        ``cluster_start_s`` (seconds to start or reach the cluster, included in
        ``elapsed_s``; None when none was started), ``interrupted`` (Ctrl-C: the rest is left
        for the next run) and ``demos_left_out`` (demo sessions not analysed because
        ``include_demo`` was not given).
    """
    from improv.analyze import store_analysis

    store.require_writable()
    t_start = time.monotonic()
    plan = plan_batch(store, clients=clients, since=since, dialogue=dialogue, force=force,
                      include_demo=include_demo)
    summary: dict[str, Any] = {"json_version": JSON_VERSION,
                               "sessions": len(plan["todo"]) + len(plan["skipped"])
                               + len(plan["failed"]), "done": [],
                               "skipped": [{"session_id": sid} for sid in plan["skipped"]],
                               "failed": plan["failed"], "audio_hours": 0.0,
                               "session_hours": 0.0, "elapsed_s": 0.0,
                               "workers": None, "worker_peak_rss_mb": {}, "worker_cpu_s": {},
                               "cluster_start_s": None, "interrupted": False,
                               "demos_left_out": plan["demos_left_out"]}
    state = {"done": 0, "total": len(plan["todo"]), "hours_done": 0.0,
             "hours_total": sum(_audio_hours(r) for r in plan["todo"]), "elapsed_s": 0.0}
    if not plan["todo"]:
        summary["elapsed_s"] = time.monotonic() - t_start
        return summary
    if progress:
        progress(dict(state))
    rows = {r["id"]: r for r in plan["todo"]}
    t_cluster = time.monotonic()
    shield = _ShutdownShield()
    with contextlib.ExitStack() as stack:
        stack.callback(shield.disarm)  # after the client and its cluster are closed
        client = stack.enter_context(_client(workers=workers, scheduler=scheduler))
        summary["cluster_start_s"] = time.monotonic() - t_cluster
        root = str(store.root.resolve())
        seen = client.run(_sees_store, root)
        blind = [w for w, ok in seen.items() if not ok]
        if blind or not seen:
            from improv.errors import ParameterError

            raise ParameterError(
                f"Dask workers {', '.join(blind) or '(none)'} do not see the store at {root}: "
                "workers need the store at the same path (a shared file system)")
        summary["workers"] = len(seen)
        distributed = require("distributed", what=_WHAT)
        futures = [client.submit(compute_task, root, sid, dialogue, not force,
                                 key=f"improv-analyze-{sid}-{secrets.token_hex(4)}", pure=False)
                   for sid in rows]
        owner = {f.key: sid for f, sid in zip(futures, rows, strict=True)}
        failed_before = len(summary["failed"])  # unreadable sessions, from the plan
        try:
            for fut in distributed.as_completed(futures):
                sid = owner[fut.key]
                _collect(store, fut, rows[sid], summary, store_analysis)
                fut.release()
                state["done"] += 1
                state["hours_done"] += _audio_hours(rows[sid])
                state["elapsed_s"] = time.monotonic() - t_start
                if progress:
                    progress(dict(state))
        except KeyboardInterrupt:
            shield.arm()
            # a Ctrl-C while the last result was stored (which waits for it, _collect) or
            # after it leaves nothing undone
            finished = len(summary["done"]) + len(summary["failed"]) - failed_before
            summary["interrupted"] = finished < len(rows)
            client.cancel(futures)
        else:
            shield.arm()
            summary["worker_peak_rss_mb"] = client.run(_worker_peak_rss_mb)
            summary["worker_cpu_s"] = client.run(_process_cpu_s)
    # oldest first, as the sessions were chosen, not in the order the workers finished them:
    # two runs over the same store give the same summary (JSON a script can compare)
    place = {sid: i for i, sid in enumerate(plan["order"])}
    for key in ("done", "failed"):
        summary[key].sort(key=lambda d: place.get(d["session_id"], len(place)))
    # the sessions stored (not those that failed, nor one whose count a Ctrl-C cut short)
    summary["audio_hours"] = round(sum(_audio_hours(rows[d["session_id"]])
                                       for d in summary["done"]), HOURS_DECIMALS)
    summary["session_hours"] = round(sum(_session_hours(rows[d["session_id"]])
                                         for d in summary["done"]), HOURS_DECIMALS)
    summary["elapsed_s"] = time.monotonic() - t_start
    return summary


def _collect(store, fut, row: dict, summary: dict, store_analysis) -> None:
    """Store one finished task's result (or note its failure) in the summary."""
    sid = row["id"]
    try:
        out = fut.result()
    except Exception as exc:  # noqa: BLE001 - a worker died too often, a lost task
        summary["failed"].append({"session_id": sid, "error": f"{type(exc).__name__}: {exc}"})
        return
    if not out["ok"]:
        summary["failed"].append({"session_id": sid, "error": out["error"]})
        return
    other = version_mismatch(out)
    if other:  # cache keys and catalog rows of another version: nothing of it is stored
        summary["failed"].append({"session_id": sid, "error": other})
        return
    with _sigint_deferred():  # stored and counted, or neither
        store_analysis(store, out["computed"])
        summary["done"].append({"session_id": sid, "duration_s": row.get("duration_s"),
                                "audio_hours": round(_audio_hours(row), HOURS_DECIMALS),
                                "session_hours": round(_session_hours(row), HOURS_DECIMALS)})
