"""A client's course: comparison, reports and the researcher export.

Thin wrappers over :func:`improv.reports.compare.compare_client`,
:func:`improv.reports.report.client_report_html` /
:func:`~improv.reports.report.session_report_html` and
:func:`improv.reports.compare.client_csv` / :func:`~improv.reports.compare.data_dictionary_csv`.
Sessions that were never analysed are analysed by a background job
(:mod:`improv.web.jobs`): until it is done, ``compare`` answers 202 with the progress
and the other endpoints 409.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from improv.web.api_sessions import _check_client
from improv.web.deps import get_store
from improv.web.errors import BadRequest, NotFound
from sessions.store import Store
from sessions.timefmt import local_day

router = APIRouter(prefix="/api")

NOT_FEATURES = {"hop_s", "window_s", "duration_s", "alpha_ci_level"}
"""Analysis settings that the catalog keeps next to the features; not offered for comparison."""

REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
"""Reports are self-contained HTML with inline CSS and PNG data: nothing else may load."""


class Params:
    """Query parameters shared by compare, report and export."""

    def __init__(
        self,
        baseline: str = Query("first:3", max_length=4000,
                              description="first:N or sessions:ID,ID"),
        features: str | None = Query(None, max_length=4000,
                                     description="comma-separated feature names (end of column)"),
        since: date | None = Query(None, description="first day (local), YYYY-MM-DD"),
        band_sd: float = Query(2.0, gt=0, le=10, description="band half-width in baseline SDs"),
    ) -> None:
        self.baseline = baseline
        self.features = [f.strip() for f in features.split(",") if f.strip()] if features else None
        self.since = since
        self.band_sd = band_sd

    @property
    def since_dt(self) -> datetime | None:
        if self.since is None:
            return None
        # midnight of that day in this computer's time zone, the day the list shows
        return datetime(self.since.year, self.since.month, self.since.day).astimezone()


def _rows(store: Store, client: str, params: Params) -> list[dict[str, Any]]:
    rows = store.list(client=client)
    if not rows:
        raise NotFound(f"no sessions of client {client} (see the session list)")
    if params.since is not None:
        rows = [r for r in rows if local_day(r["started_utc"]) >= params.since.isoformat()]
    return rows


def _unanalysed(store: Store, rows: list[dict[str, Any]]) -> list[str]:
    """The sessions to measure first; one that cannot be read is among them (the job then
    gives the reason, and the comparison leaves it out)."""
    from improv.reports.compare import is_analysed, unreadable_errors

    def missing(sid: str) -> bool:
        try:
            return not is_analysed(store, sid)
        except unreadable_errors():
            return True

    return sorted(r["id"] for r in rows if missing(r["id"]))


def _ready(request: Request, store: Store, client: str, params: Params) -> dict[str, Any] | None:
    """None when every session can be compared; else the analysis progress (a job is started).

    Sessions the job could not measure are left out of the comparison with the reason
    (:func:`_failed`), not the comparison."""
    jobs = request.app.state.jobs
    rows = _rows(store, client, params)
    missing = _unanalysed(store, rows) if rows else []
    st = jobs.progress(client)
    if st and st["running"]:
        return dict(st, status="analysing")
    tried = set(st["attempted"]) if st else set()
    todo = [s for s in missing if s not in tried]
    if todo:
        if not store.writable:
            from sessions.errors import StoreWriteError

            raise StoreWriteError(f"{len(todo)} session(s) of this client are not analysed and "
                                  "the store is read-only")
        return dict(jobs.start(client, todo), status="analysing")
    return None


def _failed(request: Request, client: str) -> dict[str, str]:
    """The sessions the finished job could not measure, with the reasons (session ID ->
    reason). They are not tried again by the compare, report and export requests (each would
    start the job anew): measuring the session on its page ("Try again"), or a new session
    of the client (a new job), does."""
    st = request.app.state.jobs.progress(client)
    if not st or st["running"] or not st["failed"]:
        return {}
    return {s: st["reasons"].get(s, "the measuring stopped before it got to this session")
            for s in st["failed"]}


def _compare(store: Store, client: str, params: Params,
             failed: dict[str, str] | None = None) -> dict[str, Any]:
    from improv.errors import ParameterError
    from improv.reports.compare import compare_client

    try:
        return compare_client(store, client=client, features=params.features,
                              since=params.since_dt, baseline=params.baseline,
                              band_sd=params.band_sd, failed=failed)
    except ParameterError as exc:
        raise BadRequest(str(exc)) from None


def _result_or_409(request: Request, store: Store, client: str, params: Params) -> dict[str, Any]:
    busy = _ready(request, store, client, params)
    if busy is not None:
        from improv.web.errors import Busy

        raise Busy(f"{busy['total'] - busy['done']} session(s) of client {client} are being "
                   "analysed; try again when the client page shows the comparison")
    return _compare(store, client, params, _failed(request, client))


def _players(store: Store, client: str) -> list[str]:
    """Player names in order of first appearance over the client's sessions (for colours)."""
    from improv.reports.goal_indicators import client_players

    return client_players(store, client)


@router.get("/clients")
def list_clients(store: Store = Depends(get_store)) -> dict[str, Any]:
    """Every client with sessions in the store, by code: how many sessions, the first and the
    latest (date and ID), the time recorded, and how many treatment goals are open.

    Sessions without a client code are counted apart (``unassigned``): they belong to no
    client page. A client with goals but no sessions yet is listed with 0 sessions
    (:func:`with_goals`)."""
    rows = store.list()  # newest first
    clients: dict[str, dict[str, Any]] = {}
    for r in rows:
        if not r["client"]:
            continue
        c = clients.setdefault(r["client"], {
            "client": r["client"], "sessions": 0, "recorded_s": 0.0, "demo": True,
            "latest": {"id": r["id"], "started_utc": r["started_utc"], "number": r.get("number")},
        })
        c["sessions"] += 1
        c["recorded_s"] += float(r["duration_s"] or 0.0)
        c["demo"] = c["demo"] and bool(r["demo"])
        c["first_utc"] = r["started_utc"]  # rows run newest to oldest: the last one seen
    with_goals(store, clients)  # open goals by the client page's case rule; goal-only clients
    return {"clients": [clients[k] for k in sorted(clients)],
            "unassigned": sum(1 for r in rows if not r["client"])}


@router.get("/clients/{client}/compare")
def compare(client: str, request: Request, params: Params = Depends(),
            store: Store = Depends(get_store)) -> Any:
    """The client's course (see :func:`improv.reports.compare.compare_client`), or 202 with
    progress.

    Adds ``available`` (every feature name that can be selected), ``labels`` (name -> its
    label for the screen), ``players`` (colour order), ``main_columns`` (the columns the page
    shows before "Show all measures": :func:`improv.reports.compare.main_columns`),
    ``left_out_notes`` (a sentence per session that could not be read or measured and is
    left out, :func:`improv.reports.compare.left_out_notes`), ``players_differ`` (a sentence
    when the compared sessions do not all name the same
    players: :func:`improv.reports.wording.players_differ`; else None),
    ``trend_min_span_days`` (the span of sessions from which a trend per 30 days is given:
    :data:`analysis.trends.MIN_SPAN_DAYS`) and per feature ``fit``: the trend
    line at each session where the chart draws it (:func:`improv.reports.trend_plots.
    shows_trend`: a change, never a clear trend too small to matter; else None;
    :func:`improv.reports.trend_plots.trend_fit`), and ``meaning``: what it measures in a
    therapist's words (:func:`improv.reports.labels.plain_meaning`: every measure, those
    behind "Show all measures" too; ``definition`` is the feature list's, as in the research
    export), and ``gaps``: per session None, or why it has no value, as the client report
    says it (:func:`improv.reports.trend_plots.gaps`: ``mark`` on the chart's axis, ``why``
    under it).
    """
    from analysis.trends import MIN_SPAN_DAYS
    from improv.reports.compare import main_columns, select_columns
    from improv.reports.labels import plain_meaning
    from improv.reports.trend_plots import gaps, shows_trend, trend_fit

    client = _check_client(client)
    busy = _ready(request, store, client, params)
    if busy is not None:
        return JSONResponse({"status": "analysing", "total": busy["total"], "done": busy["done"]},
                            status_code=202)
    result = _compare(store, client, params, _failed(request, client))
    for c, f in result["features"].items():
        tr = f["trend"]
        f["fit"] = trend_fit(f["values"], tr) if shows_trend(f) else None
        f["meaning"] = plain_meaning(c)
        f["gaps"] = gaps(result, c)  # before the sessions' values go
    columns = sorted({c for s in result["sessions"] for c in s["values"]})
    names = sorted({c.rsplit(".", 1)[-1] for c in select_columns(columns, None) + columns
                    if "_role_" not in c} - NOT_FEATURES)
    for s in result["sessions"]:
        del s["values"]  # the columns carry them
    from analysis.features import label
    from improv.reports.wording import players_differ

    compared = {s["id"] for s in result["sessions"]}
    from improv.reports.compare import left_out_notes

    return dict(result, status="ok", available=names, labels={n: label(n) for n in names},
                left_out_notes=left_out_notes(result), trend_min_span_days=MIN_SPAN_DAYS,
                players=_players(store, client), main_columns=main_columns(result["columns"]),
                players_differ=players_differ([r for r in store.list(client=client)
                                               if r["id"] in compared]))


def with_goals(store: Store, clients: dict[str, dict[str, Any]]) -> None:
    """Complete the Clients list's rows (``clients``: code -> row, from the sessions): each
    client's open goals, read as the client's page reads them (a goal log kept under another
    case of the code counts: :func:`sessions.goals.open_goals_of`), and a row for each client
    with goals but no sessions yet (agreed at intake, before the first session: ``sessions``
    0, ``latest`` and ``first_utc`` None)."""
    from sessions import goals as gl

    for code, n in gl.open_goals_of(store, list(clients)).items():
        clients[code]["active_goals"] = n
    counts = gl.open_goal_counts(store.catalog)
    for code in gl.clients_without_sessions(store, list(clients)):
        clients[code] = {"client": code, "sessions": 0, "recorded_s": 0.0, "demo": False,
                         "latest": None, "first_utc": None,
                         "active_goals": counts.get(code, 0)}


def _download(data: bytes, *, media_type: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if media_type.startswith("text/html"):
        headers["Content-Security-Policy"] = REPORT_CSP
    return Response(data, media_type=media_type, headers=headers)


def _render(html_text: str, fmt: str, stem: str) -> Response:
    if fmt == "html":
        return _download(html_text.encode(), media_type="text/html; charset=utf-8",
                         filename=f"{stem}.html")
    from improv.reports.printing import write_report

    with tempfile.TemporaryDirectory(prefix="improv-web-report-") as tmp:
        pdf = write_report(html_text, Path(tmp) / "report.pdf").read_bytes()
    return _download(pdf, media_type="application/pdf", filename=f"{stem}.pdf")


def _fmt(fmt: str) -> str:
    if fmt not in ("html", "pdf"):
        raise NotFound(f"no report format {fmt!r}: report.html or report.pdf")
    return fmt


@router.get("/clients/{client}/report.{fmt}")
def client_report(client: str, fmt: str, request: Request, params: Params = Depends(),
                  notes: bool = True, store: Store = Depends(get_store)) -> Response:
    """The printable client report (HTML, or PDF through headless Chromium); without the
    therapist's verbal notes where ``notes=false`` (supervision, case review)."""
    from improv.reports.report import client_report_html

    fmt, client = _fmt(fmt), _check_client(client)
    from sessions.goals import has_goal_log

    if not store.list(client=client) and has_goal_log(store, client):  # goals alone
        from improv.reports.goals_report import goals_only_report_html

        return _render(goals_only_report_html(store, client), fmt, f"improv-client-{client}")
    result = _result_or_409(request, store, client, params)
    return _render(client_report_html(store, client=client, result=result, notes=notes), fmt,
                   f"improv-client-{client}{'' if notes else '-without-notes'}")


@router.get("/clients/{client}/export.csv")
def client_export(client: str, request: Request, params: Params = Depends(),
                  store: Store = Depends(get_store)) -> Response:
    """The researcher export: one row per session (``improv compare --export``)."""
    from improv.reports.compare import client_csv

    client = _check_client(client)
    result = _result_or_409(request, store, client, params)
    return _download(client_csv(result).encode(), media_type="text/csv; charset=utf-8",
                     filename=f"{client}-sessions.csv")


@router.get("/clients/{client}/data-dictionary.csv")
def client_dictionary(client: str, request: Request, params: Params = Depends(),
                      store: Store = Depends(get_store)) -> Response:
    """Unit and meaning of every column of ``export.csv``."""
    from improv.reports.compare import data_dictionary_csv

    client = _check_client(client)
    result = _result_or_409(request, store, client, params)
    return _download(data_dictionary_csv(result).encode(), media_type="text/csv; charset=utf-8",
                     filename=f"{client}-data-dictionary.csv")


@router.get("/sessions/{session_id}/report.{fmt}")
def session_report(session_id: str, fmt: str, appendix: bool = True, notes: bool = True,
                   store: Store = Depends(get_store)) -> Response:
    """The printable session report, with the technical appendix unless ``appendix=false``
    and the therapist's verbal notes unless ``notes=false``; the session must be analysed
    first (409 otherwise)."""
    from improv.reports.report import session_report_html

    fmt = _fmt(fmt)
    store.session(session_id)  # 404 for unknown sessions
    if not store.catalog.features(session_id=session_id):
        from improv.web.errors import Busy

        raise Busy(f"session {session_id} is not analysed yet: press 'Analyse now' under "
                   "Measures first")
    return _render(session_report_html(store, session_id, appendix=appendix, notes=notes),
                   fmt, f"improv-session-{session_id}{'' if notes else '-without-notes'}")
