"""Comparing sessions: a client's course over time, two sessions, segments of one.

Feature values come from the catalog (``improv analyze`` puts every summary
there).  Sessions that were never analysed are analysed first (players and
dialogue), so a comparison never silently skips a session.  Columns are named
``<player>.<source>.<feature>`` (``client.midi.notes_per_s``) and, for the
dialogue of a pair, ``<a>|<b>.<feature>``.

The statistics (Theil–Sen trend with its confidence interval, baseline band,
outliers) are in :mod:`analysis.trends`.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

import numpy as np

from analysis.features import (
    check_features,
    describe,
    feature_matches,
    is_setting,
    split_column,
    title,
    typed_summary,
    typed_value,
)
from improv.errors import ParameterError

__all__ = ["DEFAULT_FEATURES", "MIN_BAND_HALF_WIDTH", "SEGMENT_FEATURES", "band_ends", "describe",
           "compare_client", "floored_band", "noticeable", "outside_band", "too_small",
           "compare_sessions", "compare_segments", "client_csv", "data_dictionary_csv",
           "export_client", "export_names", "main_columns", "parse_baseline",
           "left_out_notes", "refuse_existing", "select_columns", "session_problem",
           "unreadable_errors", "why_left_out"]

#: The smallest change of a measure, by its unit, that a listener hears or a therapist would
#: call a change: the baseline band is never narrower than ± this around its mean, so that a
#: baseline of nearly equal sessions does not call a session "outside the band" for a
#: difference of 0.2 % of silence. Loudness: about the just-noticeable difference of level,
#: 1 dB (Zwicker & Fastl 2007); tempo: 3 BPM, about the 2–5 % just-noticeable difference of
#: tempo near 100 BPM (Drake & Botte 1993); pitch: half a semitone; velocity: 4 of 127;
#: shares: 2 percentage points; asynchrony: 5 ms; the rest a small step of its scale.
MIN_BAND_HALF_WIDTH = {
    "fraction": 0.02, "BPM": 3.0, "0-127": 4.0, "dBFS": 1.0, "dB": 1.0, "LUFS": 1.0,
    "LU": 1.0, "ms": 5.0, "notes/s": 0.1, "onsets/s": 0.1, "0-1": 0.03, "-1..1": 0.05,
    "semitones": 0.5, "MIDI note": 0.5, "1/min": 0.5, "s": 0.25, "notes": 0.1,
}


def floored_band(band, unit: str) -> dict[str, Any] | None:
    """A baseline band (:func:`analysis.trends.baseline_band`) as a dict, widened to
    :data:`MIN_BAND_HALF_WIDTH` of its unit where ``k`` SDs are less; ``min_half_width`` says
    how far it was widened (None: not).

    >>> from analysis.trends import Band
    >>> b = floored_band(Band(mean=0.078, sd=0.001, k=2.0, low=0.076, high=0.08, n=3),
    ...                  "fraction")
    >>> round(b["low"], 3), round(b["high"], 3), b["min_half_width"]
    (0.058, 0.098, 0.02)
    >>> floored_band(Band(mean=100.0, sd=5.0, k=2.0, low=90.0, high=110.0, n=3),
    ...              "BPM")["min_half_width"] is None
    True
    """
    if band is None:
        return None
    out = band.to_dict()
    floor = MIN_BAND_HALF_WIDTH.get(unit)
    widen = floor is not None and band.k * band.sd < floor
    if widen:
        out.update(low=band.mean - floor, high=band.mean + floor)
    out["min_half_width"] = floor if widen else None
    return out


def band_ends(column: str | None, band: dict[str, Any] | None, *, raw: bool = False) -> str:
    """A baseline band (:func:`floored_band`) by its ends, as a session is judged inside or
    outside it: ``5.8–9.8``, in the unit of the measure's heading with its decimals
    (:func:`improv.reports.labels.shown_fixed`; a pitch by note names), never past the
    measure's range (a share stops at 0 and 100 %); ``column`` None: a count of tags (three
    digits, never below 0); ``raw``: the stored numbers, not cut to the range; `` to ``
    between the ends where one is negative; ``–`` for none.

    >>> band_ends("x.silence_share", {"low": 0.0577, "high": 0.0977})
    '5.8–9.8'
    >>> band_ends("c|t.client_leads_share", {"low": -0.541, "high": 1.133})
    '0–100.0'
    >>> band_ends("c|t.client_leads_share", {"low": -0.541, "high": 1.133}, raw=True)
    '-0.541 to 1.13'
    >>> band_ends(None, {"low": -1.0, "high": 3.0}), band_ends("x.midi.tempo_bpm", None)
    ('0–3', '–')
    """
    if not band:
        return "–"
    low, high = float(band["low"]), float(band["high"])
    if raw:
        ends = (f"{low:.3g}", f"{high:.3g}")
    elif column is None:
        ends = (f"{max(0.0, low):.3g}", f"{max(0.0, high):.3g}")
    else:
        from improv.reports.labels import never_negative, scale, shown_fixed, value_range

        k = scale(column)
        span = value_range(column) or ((0.0, float("inf")) if never_negative(column)
                                       else (float("-inf"), float("inf")))
        low, high = (min(max(v, span[0] / k), span[1] / k) for v in (low, high))
        ends = (shown_fixed(column, low), shown_fixed(column, high))
    return " to ".join(ends) if any(e.startswith("-") for e in ends) else "–".join(ends)


def outside_band(values, band: dict[str, Any] | None) -> list[int]:
    """The positions of the values outside a baseline band (:func:`floored_band`): what the
    trend charts and the goal charts mark with a triangle. A gap (None, NaN) is never
    outside; no band, none.

    >>> outside_band([1.0, None, 3.5, 0.2], {"low": 0.5, "high": 3.0})
    [2, 3]
    """
    if not band:
        return []
    v = np.asarray([np.nan if x is None else x for x in values], dtype=float)
    return np.flatnonzero(np.isfinite(v) & ((v < band["low"]) | (v > band["high"]))).tolist()


def noticeable(values, found: Sequence[int], unit: str) -> list[int]:
    """Of the outliers ``found`` (:func:`analysis.trends.outliers`: far from the robust trend
    line for the spread of the others), those that are also at least
    :data:`MIN_BAND_HALF_WIDTH` of their unit off the line: a session 0.14 points of silence
    off a very even course is no exception to a therapist.

    >>> noticeable([7.75, 7.76, 7.74, 7.60, 7.75, 7.76], [3], "0-1")
    [3]
    >>> noticeable([0.0775, 0.0776, 0.0774, 0.0760, 0.0775, 0.0776], [3], "fraction")
    []
    """
    floor = MIN_BAND_HALF_WIDTH.get(unit)
    if not found or floor is None:
        return list(found)
    from scipy import stats

    v = np.asarray(values, dtype=float)
    at = np.flatnonzero(np.isfinite(v))
    slope, intercept = stats.theilslopes(v[at], at.astype(float))[:2]
    resid = v[at] - (intercept + slope * at)
    off = dict(zip(at.tolist(), np.abs(resid - np.median(resid)).tolist(), strict=True))
    return [i for i in found if off[i] >= floor]


def too_small(trend: dict | None, values, unit: str) -> bool:
    """Whether a trend changes its measure by less than :data:`MIN_BAND_HALF_WIDTH` of its
    unit over the sessions compared: its slope per session times the sessions from the first
    with a value to the last. Such a trend is no change a therapist should read as one, however
    clear its test (:func:`improv.reports.wording.change_word` says "too small to matter"):
    the therapist's silence falling by 0.023 percentage points a session, 0.2 points over ten
    sessions, against the 2 points the same measure's band holds as the smallest change that
    matters. False without a trend or a smallest change for the unit (a count of tags).

    Parameters
    ----------
    trend : dict or None
        :meth:`analysis.trends.Trend.to_dict`, its slope in the stored unit per session.
    values : sequence of float or None
        The measure's value in each session compared, in order (None or NaN: none).
    unit : str
        The measure's unit (:func:`analysis.features.describe`).

    >>> t = {"slope_per_session": -0.000234}
    >>> too_small(t, [0.078] * 10, "fraction"), too_small(t, [0.078] * 10, "count")
    (True, False)
    >>> too_small({"slope_per_session": -0.0025}, [0.078] * 10, "fraction")  # 2.3 points
    False
    """
    floor = MIN_BAND_HALF_WIDTH.get(unit)
    if not trend or floor is None:
        return False
    at = np.flatnonzero(np.isfinite(np.asarray(
        [np.nan if x is None else x for x in values], dtype=float)))
    steps = int(at[-1] - at[0]) if len(at) else 0
    return abs(trend["slope_per_session"]) * steps < floor


#: Features compared by default (matched as the end of a column name), in display order.
DEFAULT_FEATURES = (
    "notes_per_s", "onsets_per_s", "silence_share", "tempo_bpm", "pulse_clarity",
    "tempo_stability", "velocity_mean", "level_dbfs_mean", "loudness_lufs_integrated",
    "pitch_mean", "joint_share", "floor_transfers_per_min", "asynchrony_abs_mean_ms",
    "leads_share",
)

#: What the client page shows first, per player: its activity, silence, tempo and dynamics,
#: each from the first measure of its group the player has (MIDI before a microphone: a
#: player with a keyboard is read from its notes); per pair: playing together and who leads.
#: The rest of :data:`DEFAULT_FEATURES` stays one click away ("Show all measures").
MAIN_GROUPS: tuple[tuple[str, ...], ...] = (
    ("notes_per_s", "onsets_per_s"), ("silence_share",), ("tempo_bpm",),
    ("velocity_mean", "loudness_lufs_integrated"),
)
MAIN_PAIR_FEATURES = ("joint_share", "leads_share")


def main_columns(columns: Sequence[str]) -> list[str]:
    """The columns of ``columns`` the client page shows first (:data:`MAIN_GROUPS`,
    :data:`MAIN_PAIR_FEATURES`), in their order in ``columns``.

    >>> main_columns(["c.midi.notes_per_s", "c.audio.onsets_per_s", "c.audio.silence_share",
    ...               "c.midi.silence_share", "c.midi.pitch_mean", "c|t.joint_share"])
    ['c.midi.notes_per_s', 'c.midi.silence_share', 'c|t.joint_share']
    """
    from analysis.features import split_column

    parts = {c: split_column(c) for c in columns}
    chosen: set[str] = set()
    for owner in dict.fromkeys(p[0] for p in parts.values()):
        mine = [c for c in columns if parts[c][0] == owner]
        if "|" in owner:
            chosen.update(c for c in mine
                          if any(feature_matches(c, f) for f in MAIN_PAIR_FEATURES))
            continue
        for group in MAIN_GROUPS:
            for name in group:
                hits = sorted((c for c in mine if parts[c][2] == name),
                              key=lambda c: parts[c][1] != "midi")
                if hits:
                    chosen.add(hits[0])
                    break
    return [c for c in columns if c in chosen]


#: Curves compared by default between segments of one session (the curves of the summaries
#: in DEFAULT_FEATURES: a segment has curve windows, not session summaries).
SEGMENT_FEATURES = (
    "notes_per_s", "onsets_per_s", "silence_share", "tempo_bpm", "pulse_clarity",
    "velocity_mean", "level_dbfs", "loudness_lufs", "pitch_mean", "joint", "asynchrony_ms",
)

def _parse_utc(s: str) -> datetime:
    return datetime.fromisoformat(s).astimezone(timezone.utc)


def session_values(store, session_id: str) -> dict[str, float]:
    """A session's catalog features by column; a tempo without a pulse to stand on is left out,
    and so are the analysis's settings (window, hop, analysed length: the same for every
    session the catalog holds, and no measure of the playing).

    A tempo that is null (analysis 1.7 on) or 0 BPM (before) means "no clear pulse" (not the
    slowest tempo), and a tempo taken from
    under :data:`analysis.summary.RARE_PULSE_SHARE` of the windows (pulse "rare") is as likely
    to come from chance as from a beat: neither is a point of the client's tempo course.
    Likewise a pair's lead-lag (:data:`improv.reports.labels.LAG_KEYS`) where the
    correlation named no one ahead: the lag of its peak is there whatever its strength.
    """
    from analysis.summary import RARE_PULSE_SHARE
    from improv.reports.labels import LAG_KEYS, lag_means_nothing

    out = {}
    calls: dict[str, dict[str, str]] = {}  # pair -> its leader calls
    for row in store.catalog.features(session_id=session_id):
        if row["value"] is not None and not is_setting(row["name"]):
            out[f"{row['player']}.{row['name']}"] = float(row["value"])
        elif row["name"] in ("leader", "xcorr_leader") and row["text"] is not None:
            calls.setdefault(row["player"], {})[row["name"]] = row["text"]
    for pair, said in calls.items():  # a lag where the correlation named no one ahead
        if lag_means_nothing(said):
            for key in LAG_KEYS:
                out.pop(f"{pair}.{key}", None)
    for col in [c for c in out if c.endswith(".tempo_bpm")]:
        share = out.get(col[: -len("tempo_bpm")] + "pulsed_share")
        if not out[col] > 0 or (share is not None and share < RARE_PULSE_SHARE):
            del out[col]
    return out


def _check_features_early(store, features: Sequence[str] | None,
                          session_ids: Sequence[str]) -> None:
    """Refuse unknown ``--features`` entries before any session is analysed (analysing a
    client's unanalysed sessions takes seconds to minutes)."""
    if not features:
        return
    known = {f"{p}.{n}" for p, n in
             store.catalog.db.execute("SELECT DISTINCT player, name FROM features")}
    for sid in session_ids:
        known |= set(store.session(sid).players)
    check_features(features, columns=known)


def is_analysed(store, session_id: str) -> bool:
    """True if the catalog holds the default analysis of this version for every player and
    every pair of the session: values of other parameters or versions are not compared."""
    from improv.analyze import default_keys

    have = store.catalog.analysis_keys(session_id)
    return all(have.get(col) == {key}
               for col, key in default_keys(store.session(session_id)).items())


def ensure_analysed(store, session_id: str, *,
                    progress: Callable[[str], None] | None = None) -> None:
    """Analyse a session (players and dialogue, default parameters) unless the catalog has
    those summaries (:func:`is_analysed`); cached results make this quick."""
    if is_analysed(store, session_id):
        return
    from improv.analyze import analyze_session

    if progress:
        progress(session_id)
    session = store.session(session_id)
    analyze_session(store, session_id, dialogue=len(session.players) >= 2)


def select_columns(columns: Sequence[str], features: Sequence[str] | None, *,
                   default: Sequence[str] = DEFAULT_FEATURES) -> list[str]:
    """Columns whose names end with one of ``features`` (default: ``default``), in that
    order."""
    wanted = list(features) if features else list(default)
    if not features:  # role shares are many and have their own table in `improv analyze`
        columns = [c for c in columns if "_role_" not in c]
    out = []
    for f in wanted:
        hits = sorted(c for c in columns if feature_matches(c, f))
        out += [c for c in hits if c not in out]
    if features and not out:
        raise ParameterError(
            f"no feature matches {', '.join(features)}; available: "
            + ", ".join(sorted({c.rsplit('.', 1)[-1] for c in columns})[:40])
        )
    return out


def parse_baseline(spec: str, session_ids: Sequence[str]) -> list[int]:
    """``first:N`` or ``sessions:ID,ID`` -> indices into ``session_ids``."""
    kind, _, arg = spec.partition(":")
    if kind == "first":
        try:
            n = int(arg)
        except ValueError:
            n = -1
        if n < 2:
            raise ParameterError(f"baseline first:N needs N >= 2, got {spec!r}",
                                 parameter="baseline")
        return list(range(min(n, len(session_ids))))
    if kind == "sessions":
        ids = [s for s in arg.split(",") if s]
        missing = [s for s in ids if s not in session_ids]
        if missing:
            raise ParameterError(
                "baseline sessions: needs two or more of this client's sessions in the "
                f"compared period (check the since date); not among them: {', '.join(missing)}",
                parameter="baseline")
        if len(set(ids)) < 2:
            raise ParameterError(
                "baseline sessions: needs two or more of this client's sessions in the "
                f"compared period, got {len(set(ids))}: {', '.join(ids) or '(none)'}",
                parameter="baseline")
        return [session_ids.index(s) for s in ids]
    raise ParameterError(f"baseline must be first:N or sessions:ID,ID, got {spec!r}",
                         parameter="baseline")


def session_problem(exc: BaseException, *, root=None) -> str:
    """Why a session could not be read or measured, in one line (the store's own errors say
    what is wrong and how to fix it; another error by its text, else its kind); the store's
    folder ``root`` is named "the store" (a report is filed: the path can carry a name); a
    session whose manifest cannot be read by what is wrong with it (the note names the
    session)."""
    from sessions.errors import UnreadableSessionError

    text = exc.reason if isinstance(exc, UnreadableSessionError) else str(exc)
    return _store_named(" ".join(text.split()) or type(exc).__name__, root=root)


def _store_named(text: str, *, root=None) -> str:
    """``text`` with the store's folder ``root`` named "the store"."""
    from pathlib import Path

    if root is not None:
        for form in {str(root), str(Path(root).resolve())}:
            text = text.replace(form, "the store")
    return text


def why_left_out(store, session_id: str) -> str | None:
    """Why a session's measures cannot be used now, in one line, or None: its manifest cannot
    be read, or a recorded file is missing or no longer matches its checksum (``midi.tsv``
    every time, an audio file where it changed after the manifest:
    :func:`improv.analyze.sources.damaged_files`, as ``improv analyze`` and ``analyze --all``
    check). The catalog and the cache keep the measures of a session damaged since, which
    would otherwise enter a course or a comparison without a word (review 35).
    """
    from improv.analyze.sources import damaged_files, damaged_reason

    try:
        session = store.session(session_id)
        damaged = damaged_files(session)
    except unreadable_errors() as exc:  # a folder deleted meanwhile too
        return session_problem(exc, root=store.root)
    return _store_named(damaged_reason(session, damaged), root=store.root) if damaged else None


def unreadable_errors() -> tuple[type[BaseException], ...]:
    """The errors of one session that leave it out of a client's course (a damaged manifest,
    recording, event log or annotation log; a file that cannot be opened), not the others."""
    from improv.errors import ImprovError
    from sessions.errors import StoreError

    return (StoreError, ImprovError, OSError, ValueError)


def left_out_notes(result: dict[str, Any]) -> list[str]:
    """One sentence per session left out of a client's course (``left_out`` of
    :func:`compare_client`), naming it as the views do: "Session 4 (Jan 12) could not be
    read and is left out: ...".

    >>> left_out_notes({"sessions": [], "left_out": [{"id": "20270112-100000-ab12",
    ...     "number": 4, "started_utc": "2027-01-12T10:00:00+00:00", "reason": "bad"}]})[0][:9]
    'Session 4'
    """
    from improv.reports.wording import session_name, spans_years

    gone = result.get("left_out") or []
    year = spans_years([*result["sessions"], *gone])
    return [f"{session_name(g.get('number'), g['started_utc'], session_id=g['id'], year=year)} "
            + ("could not be read, nor whose session it is, and is left out (it may be this "
               "client's)" if g.get("client_unknown") else "could not be read and is left out")
            + f": {g['reason']}" for g in gone]


def _comparable(store, rows: list[dict[str, Any]], *, client: str,
                since: datetime | None, features: Sequence[str] | None,
                failed: dict[str, str] | None,
                progress: Callable[[str], None] | None) -> tuple[list, list]:
    """The sessions of a client's course that can be compared (read and measured, measuring
    them where needed), and those left out with the reason: unreadable, failed to measure
    (``failed``: the web app's background job's, unless measured since), or not in the
    catalog at all (:meth:`sessions.store.Store.unlisted`), oldest first."""
    from sessions.manifest import id_started_utc

    ids = [r["id"] for r in rows]
    left_out: list[dict[str, Any]] = []

    def leave_out(r: dict[str, Any], reason: str) -> None:
        left_out.append({"id": r["id"], "number": r.get("number"),
                         "started_utc": r["started_utc"], "reason": reason})

    readable = []
    for r in rows:
        why = why_left_out(store, r["id"])
        if why is not None:  # its measures would not be the session's any more
            leave_out(r, why)
        else:
            readable.append(r)
    # a misspelt feature fails before minutes of analysis, as a bad baseline does
    _check_features_early(store, features, [r["id"] for r in readable])
    kept = []
    for r in readable:
        try:
            if failed and r["id"] in failed and not is_analysed(store, r["id"]):
                leave_out(r, failed[r["id"]])  # measured since (the session page): compared
                continue
            ensure_analysed(store, r["id"], progress=progress)
        except unreadable_errors() as exc:  # one damaged session does not stop the course
            leave_out(r, session_problem(exc, root=store.root))
        else:
            kept.append(r)
    for u in store.unlisted(client=client):  # not in the catalog (unreadable, a link): named
        if u["id"] in ids or any(g["id"] == u["id"] for g in left_out):
            continue  # a link the catalog still lists: left out above already
        started = id_started_utc(u["id"])
        if since is None or _parse_utc(started) >= since:
            left_out.append({"id": u["id"], "number": None, "started_utc": started,
                             "reason": _store_named(u["problem"].removeprefix("cannot be read: "),
                                                    root=store.root),
                             # on every client's page: it may be this client's (review 33)
                             "client_unknown": u["client"] is None})
    left_out.sort(key=lambda g: g["started_utc"])
    return kept, left_out


def compare_client(
    store,
    *,
    client: str,
    features: Sequence[str] | None = None,
    since: datetime | None = None,
    baseline: str = "first:3",
    band_sd: float = 2.0,
    progress: Callable[[str], None] | None = None,
    failed: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A client's sessions as a table, with a trend, a baseline band and outliers per feature.

    A session that cannot be read or measured (a damaged manifest, recording or event log) is
    left out, named in ``left_out`` with the reason (:func:`left_out_notes` words it); the
    others are compared. ``failed`` (session ID -> reason) names sessions whose measuring
    failed already (the web app's background job): unless measured since, they are left out
    without a second try.

    Returns
    -------
    dict
        ``client``, ``sessions`` (oldest first: ``id``, ``number``, ``started_utc``, ``days``,
        ``annotations``, ``demo``, ``values``), ``left_out`` (``id``, ``number``,
        ``started_utc``, ``reason``), ``columns`` and ``features`` (per column:
        ``label`` (its heading for the screen), ``unit``, ``definition``, ``values``,
        ``trend``, ``change`` (:func:`improv.reports.wording.change_word`: "yes" only for a
        trend whose test is clear and whose change over the sessions is not
        :func:`too_small`), ``smallest_change`` (:data:`MIN_BAND_HALF_WIDTH` of the unit, in
        the stored unit; None for none), ``band`` (widened to it, see :func:`floored_band`),
        ``outside_band``, ``outliers`` — the last two as session IDs).
    """
    from analysis import trends
    from improv.reports.wording import change_word
    from sessions.errors import SessionFormatError
    from sessions.manifest import check_code

    try:  # the code also names the files of the plots and the export
        check_code(client, what="client")
    except SessionFormatError as exc:
        raise ParameterError(str(exc), parameter="client") from None
    rows = [r for r in store.list(client=client)]
    if not rows:
        raise ParameterError(f"client {client!r} has no sessions (see 'improv sessions list')")
    rows.sort(key=lambda r: r["started_utc"])
    if since is not None:
        rows = [r for r in rows if _parse_utc(r["started_utc"]) >= since]
        if not rows:
            raise ParameterError(f"client {client!r} has no sessions since {since.date()}")
    ids = [r["id"] for r in rows]
    base = parse_baseline(baseline, ids)  # a bad --baseline fails before minutes of analysis
    kept, left_out = _comparable(store, rows, client=client, since=since, features=features,
                                 failed=failed, progress=progress)
    if not kept:
        raise ParameterError(
            f"none of the {len(rows)} sessions of client {client!r} could be read: "
            + "; ".join(f"{g['id']}: {g['reason']}" for g in left_out)
            + " (check them with 'improv sessions verify --all')", parameter="client")
    if len(kept) < len(rows):
        rows, ids = kept, [r["id"] for r in kept]
        base = parse_baseline(baseline, ids)
    t0 = _parse_utc(rows[0]["started_utc"])
    sessions = []
    all_columns: set[str] = set()
    for r in rows:
        values = session_values(store, r["id"])
        all_columns |= set(values)
        # the therapist's own (or confirmed) annotations: unconfirmed role suggestions of the
        # analysis do not make a session "annotated"
        n_ann = store.catalog.own_annotation_counts([r["id"]])[r["id"]]
        sessions.append({
            "id": r["id"], "number": r.get("number"), "started_utc": r["started_utc"],
            "days": (_parse_utc(r["started_utc"]) - t0).total_seconds() / 86400.0,
            "duration_s": r["duration_s"], "annotations": int(n_ann), "demo": r["demo"],
            "values": typed_summary(dict(values)),
        })
    columns = select_columns(sorted(all_columns), features)
    days = np.array([s["days"] for s in sessions])
    feats = {}
    for c in columns:
        v = np.array([s["values"].get(c, np.nan) for s in sessions], dtype=float)
        tr = trends.trend(v, days=days)
        unit, text = describe(c)
        band = floored_band(trends.baseline_band(v, baseline=base, k=band_sd,
                                                 without_spread=unit in MIN_BAND_HALF_WIDTH),
                            unit)
        t = tr.to_dict() if tr else None
        feats[c] = {
            "label": title(c), "unit": unit, "definition": text,
            "values": [None if not np.isfinite(x) else typed_value(c, float(x)) for x in v],
            "trend": t,
            # "yes", "no", "too small to matter" or "too few sessions to judge": the word
            # every view says (the test alone stays in trend.distinguishable and mk_p)
            "change": change_word(t, int(np.isfinite(v).sum()), too_small=too_small(t, v, unit)),
            "smallest_change": MIN_BAND_HALF_WIDTH.get(unit),
            "band": band,
            "outside_band": [ids[i] for i in outside_band(v, band)],
            "outliers": [ids[i] for i in noticeable(v, trends.outliers(v), unit)],
        }
    from analysis import ANALYSIS_VERSION
    from analysis.dialogue import DIALOGUE_VERSION

    return {"client": client, "baseline": [ids[i] for i in base], "band_sd": band_sd,
            "sessions": sessions, "left_out": left_out, "columns": columns, "features": feats,
            "analysis_version": ANALYSIS_VERSION, "dialogue_version": DIALOGUE_VERSION}


def compare_sessions(store, ids: Sequence[str], *, features: Sequence[str] | None = None,
                     progress=None) -> dict[str, Any]:
    """Two (or more) sessions side by side, with the difference of the last to the first."""
    if len(set(ids)) != len(ids):
        raise ParameterError("the same session is given twice; give two different sessions")
    for sid in ids:  # an unknown or damaged one fails before any session is analysed
        store.session(sid)
        why = why_left_out(store, sid)
        if why is not None:
            from sessions.errors import SessionFormatError

            raise SessionFormatError(f"{why}; nothing was compared")
    _check_features_early(store, features, ids)
    for sid in ids:
        ensure_analysed(store, sid, progress=progress)
    values = {sid: session_values(store, sid) for sid in ids}
    columns = select_columns(sorted(set().union(*values.values())), features)
    table = []
    for c in columns:
        vs = [typed_value(c, values[sid].get(c)) for sid in ids]
        diff = vs[-1] - vs[0] if vs[0] is not None and vs[-1] is not None else None
        table.append({"feature": c, "values": vs, "difference": diff, "unit": describe(c)[0]})
    return {"sessions": list(ids), "rows": table}


def compare_segments(store, session_id: str, segments: Sequence[tuple[float, float]], *,
                     features: Sequence[str] | None = None) -> dict[str, Any]:
    """Segments of one session side by side: the mean of each feature curve in each segment.

    A window counts for a segment when its centre lies inside it; a tempo curve's windows
    without a clear pulse (NaN since analysis 1.8, 0 BPM before) do not count.
    """
    from improv.analyze import analyze_session

    session = store.session(session_id)
    for a, b in segments:
        if b <= a:
            raise ParameterError(
                f"segment {a:.1f}-{b:.1f} s ends before it starts; give START-END")
        if not (0 <= a < b <= session.duration_s + 0.5):
            raise ParameterError(
                f"segment {a:.1f}-{b:.1f} s is not inside the session "
                f"(0 to {session.duration_s:.1f} s)")
    _check_features_early(store, features, [session_id])
    res = analyze_session(store, session_id, dialogue=len(session.players) >= 2)
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for player, entry in res["players"].items():
        for source, r in entry["sources"].items():
            for name, c in r.get("curves", {}).items():
                curves[f"{player}.{source}.{name}"] = (np.asarray(c["times"], float),
                                                        np.asarray(c["values"], float))
    for d in res.get("dialogue", []):
        for name, c in d.get("curves", {}).items():
            curves[f"{d['name']}.{name}"] = (np.asarray(c["times"], float),
                                             np.asarray(c["values"], float))
    columns = select_columns(sorted(curves), features, default=SEGMENT_FEATURES)
    rows = []
    for c in columns:
        t, v = curves[c]
        if c.endswith("tempo_bpm"):  # windows without a clear pulse (0 before 1.8): left out
            v = np.where(v > 0, v, np.nan)
        means = []
        for a, b in segments:
            sel = (t >= a) & (t < b) & np.isfinite(v)  # curve times are window centres
            means.append(float(np.mean(v[sel])) if sel.any() else None)
        diff = means[-1] - means[0] if means[0] is not None and means[-1] is not None else None
        rows.append({"feature": c, "values": means, "difference": diff, "unit": describe(c)[0]})
    return {"session": session_id, "segments": [list(s) for s in segments], "rows": rows}


def client_csv(result: dict[str, Any]) -> str:
    """The client table as CSV: one row per session, pseudonymised (client code only), oldest
    first.

    A session left out of the course (``left_out`` of :func:`compare_client`: it could not be
    read) has its row too, in its place by start: only ``client``, ``session_id``,
    ``started_utc`` and ``left_out`` (the sentence of :func:`left_out_notes`, which is empty
    in the other rows), no values; a table handed on shows that it misses a session.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = result["columns"]
    w.writerow(["client", "session_id", "started_utc", "days", "duration_s", "annotations",
                "demo", "analysis_version", "left_out", *cols])
    version = f"{result['analysis_version']}/{result['dialogue_version']}"
    rows = []
    for s in result["sessions"]:
        # values as stored (repr: the shortest text that reads back as the same float)
        rows.append((s["started_utc"], [
            result["client"], s["id"], s["started_utc"], f"{s['days']:.3f}", s["duration_s"],
            s["annotations"], "true" if s.get("demo") else "false", version, "",
            *["" if s["values"].get(c) is None else repr(float(s["values"][c])) for c in cols]]))
    for g, note in zip(result.get("left_out") or [], left_out_notes(result), strict=True):
        rows.append((g["started_utc"], [result["client"], g["id"], g["started_utc"],
                                        *[""] * 5, note, *[""] * len(cols)]))
    rows.sort(key=lambda r: _parse_utc(r[0]) if r[0] else datetime.min.replace(
        tzinfo=timezone.utc))
    w.writerows(row for _, row in rows)
    return buf.getvalue()


def data_dictionary_csv(result: dict[str, Any]) -> str:
    """What every column of :func:`client_csv` means."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["column", "unit", "definition"])
    fixed = [
        ("client", "", "client pseudonym code (no names are stored)"),
        ("session_id", "", "session folder name: UTC start and 4 random hex digits"),
        ("started_utc", "ISO 8601", "session start, UTC"),
        ("days", "days", "days since the client's first session in this table"),
        ("duration_s", "s", "session length"),
        ("annotations", "count", "current annotations of the session"),
        ("demo", "true/false", "true for a generated demo session (not a client's playing), "
                               "as in export-dataset"),
        ("analysis_version", "", "improv analysis version / dialogue version of every value "
                                 "(default window 6 s, hop 1 s)"),
        ("left_out", "", "empty: the row holds the session's values; otherwise why the session "
                         "could not be read and is left out (its row has no values; see "
                         "'improv sessions verify')"),
    ]
    for row in fixed:
        w.writerow(row)
    for c in result["columns"]:
        unit, text = describe(c)
        who = split_column(c)[0]
        w.writerow([c, unit, f"{text} ({who})" if text else f"see docs/features.md ({who})"])
    return buf.getvalue()


def export_names(client: str, *, goals: bool = True) -> list[str]:
    """The files :func:`export_client` writes for ``client``, in that order."""
    return [f"{client}-sessions.csv", f"{client}-data-dictionary.csv",
            *([f"{client}-goals.csv"] if goals else [])]


def refuse_existing(folder, names: Sequence[str], *, option: str) -> None:
    """Refuse to write into ``folder`` when one of the files ``names`` is there already:
    nothing a user made (an earlier export, perhaps of another analysis version) is
    overwritten. Called before the sessions are analysed.

    Raises
    ------
    improv.errors.ParameterError
        Naming the option and the first file that exists.
    """
    from pathlib import Path

    for name in names:
        path = Path(folder) / name
        if path.exists() or path.is_symlink():
            raise ParameterError(f"{option}: {path} exists already; choose another folder or "
                                 "remove it (nothing is overwritten)", parameter=option)


def export_client(result: dict[str, Any], folder, *, goals_csv: str | None = None) -> list[str]:
    """Write a client's course (:func:`compare_client`) for researchers into ``folder`` (made
    if missing): ``<client>-sessions.csv`` (:func:`client_csv`),
    ``<client>-data-dictionary.csv`` (:func:`data_dictionary_csv`) and, given ``goals_csv``
    (:func:`improv.reports.goals.goals_csv`: one row per indicator, without the goals'
    texts), ``<client>-goals.csv``. Returns the file names.

    The files must be new (:func:`refuse_existing`); each is created owner-only (0600).
    """
    from pathlib import Path

    from sessions.fsutil import make_dir, open_new

    folder = Path(folder)
    names = export_names(result["client"], goals=goals_csv is not None)
    refuse_existing(folder, names, option="--export")
    make_dir(folder)
    texts = [client_csv(result), data_dictionary_csv(result)]
    if goals_csv is not None:
        texts.append(goals_csv)
    for name, text in zip(names, texts, strict=True):
        with open_new(folder / name, "xb") as f:
            f.write(text.encode())
    return names
