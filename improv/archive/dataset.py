"""``improv export-dataset``: a store's analyses as tidy tables for pandas, R and DuckDB.

Tables (one file each, Parquet or CSV, one row per observation):

- ``sessions``: session code, stable session key, client code, running number, date,
  length, players, recording health, whether the current analysis is exported;
- ``summaries``: session × player × source × measure, with unit and analysis version;
- ``dialogue``: session × pair × measure × player (the measure's name without player names,
  :mod:`improv.archive.measures`; the player empty for a measure of the pair);
- ``curves``: session × player × source × measure × time (long format), with unit;
- ``dialogue_curves``: session × pair × measure × player × time;
- ``annotations``: session, time, end, player, tags (and text with ``with_text``);
- ``goals``: the clients' treatment goals, one row per version and the days it held
  (:mod:`improv.archive.goals_table`; text and reasons with ``with_text``);

plus ``README.md``, a data dictionary generated from the feature list (unit and definition
of every measure present; :data:`improv.archive.dictionary.FORMAT_VERSION`).

``curves`` and ``dialogue_curves`` (a row per analysis window: their size grows with the
archive's hours) are written as the sessions are read, in Parquet row groups (CSV writes) of
``batch_rows`` rows (:class:`_TableFile`): the memory an export needs does not grow with the
archive. The other tables are written at the end.

Generated demo sessions are left out unless ``include_demo`` is given.

Privacy: sessions are named by the client's pseudonym code and their running number
(``C07-003``, which a corrected client code or a deleted session can change, a session that
cannot be read cannot: every session folder of the client counts, :func:`_numbers`) and by
a stable ``session_key`` (a keyed hash of the session ID, :mod:`improv.archive.session_keys`),
dates without the time of day; no session IDs (they hold the start time to the second), file names,
titles, notes or annotation texts. Player names are free text (a group member may be entered
by name): names that are roles (``client``, ``therapist2``) stay, others become
``player<k>`` (k: the track's place). ``with_text`` keeps the names and adds the annotations'
text. The folder is made 0700, its files 0600.

Measures come from each session's cache of its current default analysis (the keys of
:func:`improv.analyze.default_keys`): a session without one is listed with
``analysed = false`` and no measures; one whose players are analysed but not the dialogue of
every pair (``improv analyze --all`` without ``--dialogue``) has ``dialogue_analysed = false``
and no rows in ``dialogue`` (null with fewer than two players).

A session that cannot be read, or whose recordings do not match their checksums
(:func:`improv.analyze.sources.damaged_files`) or cannot be read (one without a current
analysis: :func:`_unreadable_recording`), stops no other: it has a ``sessions`` row with
``problem`` ``unreadable`` or ``damaged`` and no measures, and is listed in ``problems``. So
does every session folder the catalog does not list (:meth:`sessions.store.Store.unlisted`:
unreadable, a link, ``not_catalogued``), in its place by start; one whose client cannot be
read is coded ``(unknown)-001``.
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

from improv.archive import JSON_VERSION, require
from improv.archive.dictionary import FORMAT_VERSION, TABLES
from improv.archive.pseudonyms import player_label
from improv.archive.session_keys import session_key, store_secret
from sessions.errors import fault_text
from sessions.timefmt import local_day

__all__ = ["export_dataset", "player_label", "TABLES"]

_WHAT = "improv export-dataset"


def _value(v: Any) -> tuple[float | None, str | None]:
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return None, (None if v is None else str(v).lower() if isinstance(v, bool) else v)
    if isinstance(v, (int, float)):
        return float(v), None
    return None, str(v)


#: The tables written as their rows arrive, a row group at a time (one value per analysis
#: window: their size grows with the archive's hours); the others are kept until the end.
_STREAMED = ("curves", "dialogue_curves")

#: Rows per Parquet row group (and per CSV write) of the streamed tables: what an export holds
#: of them at most, besides one session's rows (docs/benchmarks.md, "Session 33": the peak
#: memory no longer grows with the archive).
BATCH_ROWS = 100_000


class _Columns(dict):
    """Column lists of one table."""

    def __init__(self, table: str) -> None:
        super().__init__({c: [] for c in TABLES[table]})

    def add(self, **row: Any) -> None:
        for c, values in self.items():
            values.append(row.get(c))


def _health(m: dict, session) -> dict[str, Any]:
    audio = m.get("audio", [])
    return {
        "midi_events": int(m.get("midi", {}).get("events", 0)),
        "audio_inputs": len(audio),
        "audio_channels": sum(int(a.get("channels", 0)) for a in audio),
        "overflows": sum(int(a.get("overflows") or 0) for a in audio),
        "not_recorded_s": round(sum(g["end"] - g["t"] for g in session.not_recorded()), 3),
        "jack_xruns": sum(int(e.get("n") or 0) for e in m.get("events", [])
                          if e.get("kind") == "jack_xruns"),
        "recovered": "recovery" in m,
        "warnings": len(session.warnings()),
    }


def _utc(started: str | None, session_id: str) -> datetime:
    """A start as an aware UTC datetime, to order sessions by: ``started`` (ISO 8601), else
    the start the session's ID holds (to the second), else the earliest time."""
    from sessions.manifest import id_started_utc

    for text in (started, id_started_utc(session_id)):
        if text:
            with contextlib.suppress(TypeError, ValueError):
                return datetime.fromisoformat(text).astimezone(timezone.utc)
    return datetime.min.replace(tzinfo=timezone.utc)


def _numbers(store, unlisted: Sequence[dict[str, Any]] = ()) -> dict[str, tuple[str, int]]:
    """Session ID -> (client code, running number among all the client's session folders).

    The catalog's sessions and the folders it does not list (``unlisted``: ``id``,
    ``client``, ``started_utc`` of :func:`_unlisted` entries whose client is known) are
    counted together, by start and then ID as the catalog counts them: a session that cannot
    be read (and so drops out of a rebuilt catalog) keeps its number, and the client's later
    sessions keep theirs. A folder whose client cannot be read has no number here.
    """
    items = [(r["id"], r["client"] or "", r["started_utc"]) for r in store.catalog.sessions()]
    spelled = {c.casefold(): c for _, c, _ in items}
    items += [(u["id"], spelled.get((u["client"] or "").casefold(), u["client"] or ""),
               u["started_utc"]) for u in unlisted if u["client_known"]]
    count: dict[str, int] = {}
    out = {}
    for sid, client, _ in sorted(items, key=lambda x: (_utc(x[2], x[0]), x[0])):
        count[client] = count.get(client, 0) + 1
        out[sid] = (client, count[client])
    return out


def _unlisted(store, *, clients: Sequence[str]) -> list[dict[str, Any]]:
    """The session folders the catalog does not list (:meth:`sessions.store.Store.unlisted`:
    unreadable, a link, not catalogued yet), oldest first, with what can be read of them.

    Returns
    -------
    list of dict
        ``id``, ``status``, ``problem`` (as ``Store.unlisted`` gives them), ``manifest`` (its
        ``session.json``, or None: unreadable, or a link, which is never read),
        ``client_known`` (the manifest was read), ``client`` and ``started_utc`` (from the
        manifest, else None and the start the ID holds). With ``clients``, a folder of
        another client is left out; one whose client cannot be read is kept.
    """
    from improv.archive.batch import unlisted_sessions
    from sessions.errors import SESSION_FAULTS
    from sessions.manifest import id_started_utc
    from sessions.session import Session

    wanted = {c.casefold() for c in clients}
    out = []
    for u in unlisted_sessions(store, clients=clients):
        folder = store.folder(u["id"])
        manifest = None
        if not folder.is_symlink():  # a link's target is never read
            with contextlib.suppress(*SESSION_FAULTS):
                manifest = Session(folder).manifest
        client = manifest.get("client") if manifest is not None else None
        if wanted and manifest is not None and (client or "").casefold() not in wanted:
            continue
        out.append({**u, "manifest": manifest, "client_known": manifest is not None,
                    "client": client,
                    "started_utc": (manifest["started_utc"] if manifest is not None
                                    else id_started_utc(u["id"]))})
    return sorted(out, key=lambda u: (_utc(u["started_utc"], u["id"]), u["id"]))


#: The code of a session folder whose client cannot be read: ``(unknown)-001`` (parentheses
#: are in no client code, so it never stands for a client's session).
UNKNOWN_CLIENT = "(unknown)"


def _unknown_client_note(started: str | None) -> str:
    return ("; its client cannot be read, so it has no running number, and the codes of its "
            "client's later sessions (after " + (local_day(started) if started else "it")
            + ") may be one lower in this export than when it can be read: join exports on "
            "session_key")


def _read_analysis(session) -> tuple[dict[str, dict], list[dict], int] | None:
    """The session's cached current default analysis: players (name -> entry), dialogue
    entries and the number of pairs without one, or None if any player's is missing."""
    from improv.analyze.cache import default_keys, read_cache

    players, pairs, missing = {}, [], 0
    for col, key in default_keys(session).items():
        if "|" in col:
            cached = read_cache(session, f"dialogue-{key}.json")
            if cached is not None:
                pairs.append(cached["entry"])
            else:
                missing += 1
            continue
        cached = read_cache(session, f"analysis-{key}.json")
        if cached is None:
            return None
        players[col] = cached["entry"]
    return players, pairs, missing


def _add_session(t: dict[str, _Columns], code: str, session, *, with_text: bool,
                 versions: tuple[str, str], measures: bool = True) -> tuple[bool, bool | None]:
    """Add one session's annotations and (with ``measures``) measures to the tables; returns
    whether it had a current analysis and whether it had that of the dialogue of every pair
    (None: fewer than two players, or no analysis)."""
    names = session.players
    mapping = {n: player_label(n, i, with_text=with_text) for i, n in enumerate(names)}
    for a in session.annotations():
        t["annotations"].add(session=code, t=float(a["t"]), end=a.get("end"),
                             player=mapping.get(a.get("player"), a.get("player")),
                             tags=",".join(a.get("tags") or []), source=a.get("source"),
                             text=a.get("text") if with_text else None)
    analysed = _read_analysis(session) if measures else None
    if analysed is None:
        return False, None
    players, pairs, missing = analysed
    from analysis.features import describe
    from improv.archive.measures import curve_definition, dialogue_definition, split_dialogue

    for player, entry in players.items():
        label = mapping[player]
        t["summaries"].add(session=code, player=label, source=None, measure="status",
                           text=entry["status"], unit="", analysis_version=versions[0])
        for source, res in entry["sources"].items():
            for name, v in res["summary"].items():
                value, text = _value(v)
                t["summaries"].add(session=code, player=label, source=source, measure=name,
                                   value=value, text=text, unit=describe(name)[0],
                                   analysis_version=versions[0])
            for name, c in res["curves"].items():
                _add_curve(t["curves"], c, session=code, player=label, source=source,
                           measure=name, unit=curve_definition(name)[0])
    for d in pairs:
        pair = tuple(d["pair"])
        a, b = (mapping[p] for p in pair)
        for name, v in d["summary"].items():
            value, text = _value(v)
            text = mapping.get(text, text)  # the leader's name
            measure, who = split_dialogue(name, pair)
            t["dialogue"].add(session=code, player_a=a, player_b=b,
                              player=mapping[who] if who else None, measure=measure,
                              value=value, text=text, unit=dialogue_definition(measure)[0],
                              analysis_version=versions[0], dialogue_version=versions[1])
        for name, c in d["curves"].items():
            measure, who = split_dialogue(name, pair, curve=True)
            _add_curve(t["dialogue_curves"], c, session=code, player_a=a, player_b=b,
                       player=mapping[who] if who else None, measure=measure,
                       unit=dialogue_definition(measure, curve=True)[0])
    return True, (missing == 0 if len(names) >= 2 else None)


def _add_session_rows(t: dict[str, _Columns], code: str, session, *, client: str, number: int,
                      key: str | None, with_text: bool, versions: tuple[str, str]
                      ) -> tuple[str, str] | None:
    """Add one session's rows (its ``sessions`` row, annotations and, unless its recordings
    are damaged, its measures) to ``t``; returns ``("damaged", reason)`` for a session whose
    recordings do not match their checksums (:func:`improv.analyze.sources.damaged_files`:
    exported without measures, ``analysed`` false), else None.

    Raises
    ------
    sessions.errors.StoreError, OSError
        The session cannot be read.
    """
    from improv.analyze.sources import damaged_files, damaged_reason

    m = session.manifest
    damaged = damaged_files(session)
    reason = damaged_reason(session, damaged) if damaged else None
    ok, dialogue_ok = _add_session(t, code, session, with_text=with_text, versions=versions,
                                   measures=not damaged)
    if not damaged and not ok:  # no current analysis: would analyze --all fail on it?
        reason = _unreadable_recording(session)
        damaged = [reason] if reason else []
    labels = [player_label(n, i, with_text=with_text) for i, n in enumerate(session.players)]
    t["sessions"].add(
        session=code, client=client, number=number, session_key=key,
        date=local_day(m["started_utc"]), therapist=m.get("therapist"),
        duration_s=session.duration_s,
        source=m.get("source"), demo=bool(m.get("demo")), players=",".join(labels),
        n_players=len(labels), analysed=ok, dialogue_analysed=dialogue_ok,
        problem="damaged" if damaged else None, **_health(m, session))
    return ("damaged", reason) if damaged else None


def _unreadable_recording(session) -> str | None:
    """Why a recording of ``session`` cannot be read, as its analysis would find it, or None:
    the event log is parsed and each audio file's header read and compared with the manifest
    (cheap: no samples are read).

    Asked only of a session without a current analysis: one with it was analysed from these
    very files (the cache's key holds their checksums, which :func:`damaged_files` checks).
    A recording that matches its checksum may still be unreadable (a damaged file whose
    checksum was written again, or an import of a damaged file): without this check it was
    exported as merely "not analysed" and ``analyze --all`` then failed on it.
    """
    import soundfile as sf

    from sessions.errors import SESSION_FAULTS

    try:
        session.midi_events()
    except SESSION_FAULTS as exc:
        text = fault_text(exc).replace(f"{session.folder}{os.sep}", "")
        return f"{text} (session {session.id}); check it with 'improv sessions verify {session.id}'"
    for a in session.audio_inputs():
        rel = a.path.relative_to(session.folder).as_posix()
        try:
            info = sf.info(str(a.path))
        except (RuntimeError, OSError) as exc:  # LibsndfileError is a RuntimeError
            detail = str(exc).replace(str(a.path), rel)
            return (f"{rel} of session {session.id} cannot be read ({detail}); check it with "
                    f"'improv sessions verify {session.id}'")
        if (info.samplerate, info.channels) != (a.sr, a.channels) or (
                a.frames and info.frames != a.frames):
            return (f"{rel} of session {session.id} holds {info.samplerate} Hz, "
                    f"{info.channels} channels, {info.frames} frames, its session.json says "
                    f"{a.sr} Hz, {a.channels} channels, {a.frames} frames; check it with "
                    f"'improv sessions verify {session.id}'")
    return None


def _unlisted_problem(u: dict[str, Any]) -> str:
    """``problem`` of a folder the catalog does not list: ``not_catalogued`` (readable, copied
    in: ``improv sessions reindex`` lists it) or ``unreadable``."""
    return "not_catalogued" if u["status"] == "not catalogued" else "unreadable"


def _unlisted_row(u: dict[str, Any], *, code: str, client: str | None, number: int | None,
                  key: str | None) -> dict[str, Any]:
    """The ``sessions`` row of a folder the catalog does not list: what its manifest says,
    if it could be read (else only the day its ID holds), no measures."""
    m = u["manifest"] or {}
    return dict(session=code, client=client, number=number, session_key=key,
                date=local_day(u["started_utc"]) if u["started_utc"] else None,
                therapist=m.get("therapist"), duration_s=m.get("duration_s"),
                source=m.get("source"), demo=bool(m.get("demo")) if m else None,
                analysed=False, problem=_unlisted_problem(u))


class _CurveRows(list):
    """One session's rows of a streamed table (:data:`_STREAMED`): an Arrow record batch per
    curve, and the measures they hold."""

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table
        self.measures: set[str] = set()


def _add_curve(rows: _CurveRows, curve: dict, **same: Any) -> None:
    """One curve's points as rows: ``t`` and ``value`` from ``curve``, the other columns
    ``same`` in every row (one Arrow record batch, no Python object per row)."""
    import pyarrow as pa

    n = min(len(curve["times"]), len(curve["values"]))
    if n == 0:
        return
    schema = _schema(pa, rows.table)
    arrays = []
    for field in schema:
        if field.name in ("t", "value"):
            arrays.append(pa.array(curve["times" if field.name == "t" else "values"][:n],
                                   type=field.type))
        elif same.get(field.name) is None:
            arrays.append(pa.nulls(n, type=field.type))
        else:
            arrays.append(pa.repeat(pa.scalar(same[field.name], type=field.type), n))
    rows.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
    rows.measures.add(same["measure"])


def _schema(pa, table: str, versions: tuple[str, str] | None = None):
    """The Arrow schema of ``table``; with ``versions``, with the metadata a Parquet file
    carries: the dataset format and the versions of improv, its analysis and its dialogue
    analysis (``improv.dataset_format``, ``improv.version``, ``improv.analysis_version``,
    ``improv.dialogue_version``)."""
    from improv import __version__

    metadata = None if versions is None else {
        "improv.dataset_format": str(FORMAT_VERSION), "improv.version": __version__,
        "improv.analysis_version": versions[0], "improv.dialogue_version": versions[1]}
    return pa.schema([(c, pa.type_for_alias(typ)) for c, (typ, _) in TABLES[table].items()],
                     metadata=metadata)


class _TableFile:
    """One table's file (``<table>.<fmt>``, 0600) in the export folder, written as its rows
    arrive: every :meth:`add` that brings the rows waiting to ``batch_rows`` or more writes
    them, ``batch_rows`` at a time (a Parquet row group each); :meth:`close` writes the rest
    and the file's footer. What it holds is bounded by ``batch_rows`` plus the last
    :meth:`add`, not by the table.

    Parameters
    ----------
    pa : module
        ``pyarrow``.
    table : str
        A key of :data:`TABLES`.
    folder : Path
        The (staged) export folder.
    fmt : {"parquet", "csv"}
    versions : tuple of str
        The analysis and dialogue versions (the Parquet metadata, :func:`_schema`).
    batch_rows : int or None
        Rows per write; None: everything at :meth:`close`, as one
        ``pyarrow.parquet.write_table`` (or ``pyarrow.csv.write_csv``) of the whole table
        would write it.
    """

    def __init__(self, pa, table: str, folder: Path, fmt: str, versions: tuple[str, str],
                 *, batch_rows: int | None) -> None:
        from sessions.fsutil import open_new

        self.pa, self.fmt, self.batch_rows = pa, fmt, batch_rows
        self.schema = _schema(pa, table, versions)
        self.name = f"{table}.{fmt}"
        self.rows = 0
        self._waiting: list = []  # record batches not written yet
        self._waiting_rows = 0
        self._written = False
        self._file = open_new(folder / self.name, "xb")
        try:
            if fmt == "parquet":
                pq = require("pyarrow.parquet", what=_WHAT)
                self._writer = pq.ParquetWriter(self._file, self.schema)
            else:
                text = _decimal_points(pa, self.schema.empty_table()).schema
                self._writer = require("pyarrow.csv", what=_WHAT).CSVWriter(self._file, text)
        except BaseException:
            self._file.close()
            raise

    def add(self, batches: Sequence[Any]) -> None:
        """Add rows (Arrow record batches or tables of the table's columns, in order)."""
        for b in batches:
            self._waiting.append(b)
            self._waiting_rows += b.num_rows
            self.rows += b.num_rows
        if self.batch_rows is not None and self._waiting_rows >= self.batch_rows:
            data = self._take()
            full = data.num_rows - data.num_rows % self.batch_rows
            for start in range(0, full, self.batch_rows):
                self._put(data.slice(start, self.batch_rows))
            if full < data.num_rows:  # the rest waits for the next rows
                self._waiting, self._waiting_rows = [data.slice(full)], data.num_rows - full

    def _take(self):
        """The waiting rows as one table (no copy), none waiting after."""
        pa = self.pa
        parts = [b if isinstance(b, pa.Table) else pa.Table.from_batches([b])
                 for b in self._waiting]
        data = (pa.concat_tables(parts) if parts else self.schema.empty_table()
                ).cast(self.schema)  # the file's schema (metadata): no data is converted
        self._waiting, self._waiting_rows = [], 0
        return data

    def _put(self, data) -> None:
        """Write ``data`` (one row group of a Parquet file), its columns contiguous: the bytes
        do not depend on how its rows arrived."""
        data = data.combine_chunks()
        if self.fmt == "parquet":
            self._writer.write_table(data)
        else:
            self._writer.write_table(_decimal_points(self.pa, data))
        self._written = True

    def close(self) -> dict[str, Any]:
        """Write the waiting rows (an empty table: its header, or an empty Parquet file) and
        close the file; return ``{"rows": N, "file": name}``."""
        if self._waiting_rows or not self._written:
            self._put(self._take())
        self._writer.close()
        self._file.close()
        return {"rows": self.rows, "file": self.name}

    def abort(self) -> None:
        """Close the file without finishing it (the export failed: its folder is removed)."""
        with contextlib.suppress(Exception):
            self._writer.close()
        with contextlib.suppress(Exception):
            self._file.close()


def _write(pa, table: str, cols: _Columns, folder: Path, fmt: str,
           versions: tuple[str, str]) -> dict[str, Any]:
    """Write one table kept in memory at once, return ``{"rows": N, "file": name}``
    (:class:`_TableFile`)."""
    out = _TableFile(pa, table, folder, fmt, versions, batch_rows=None)
    try:
        out.add([pa.Table.from_pydict(dict(cols), schema=_schema(pa, table))])
        return out.close()
    except BaseException:
        out.abort()
        raise


def _decimal_points(pa, data):
    """``data`` with its float columns as text that always has a decimal point (``3.0``, not
    pyarrow's ``3``): a CSV reader that guesses types (DuckDB's ``read_csv_auto``, pandas)
    then reads them as floats, as the dictionary types them. Empty stays empty."""
    import pyarrow.compute as pc

    for i, field in enumerate(data.schema):
        if pa.types.is_floating(field.type):
            text = pc.cast(data.column(i), pa.string())
            whole = pc.match_substring_regex(text, r"^-?[0-9]+$")
            text = pc.if_else(whole, pc.binary_join_element_wise(text, ".0", ""), text)
            data = data.set_column(i, field.name, text)
    return data


def _target(folder: Path) -> Path:
    """The export folder, checked: missing (its parent exists) or empty."""
    from improv.errors import ParameterError

    folder = Path(folder).expanduser()
    if folder.exists():
        if not folder.is_dir() or any(folder.iterdir()):
            raise ParameterError(f"{folder} exists and is not an empty folder; choose a new "
                                 "folder (nothing a user made is overwritten)", parameter="to")
        return folder
    if not folder.parent.is_dir():
        raise ParameterError(f"folder {folder.parent} does not exist; create it first",
                             parameter="to")
    return folder


@contextlib.contextmanager
def _staged(folder: Path) -> Iterator[Path]:
    """A temporary folder (0700) beside ``folder`` to write into; renamed to ``folder`` (which is
    missing or empty: a rename replaces an empty folder) when the block ends, removed if it
    raises: a failed export leaves no partial files."""
    import shutil
    import tempfile

    from sessions.fsutil import fsync_dir

    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        yield tmp
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(folder.parent)


def _parts() -> dict[str, _Columns | _CurveRows]:
    """Empty rows of every table, for one session."""
    return {name: _CurveRows(name) if name in _STREAMED else _Columns(name) for name in TABLES}


def export_dataset(store, folder: Path, *, clients: Sequence[str] = (), fmt: str = "parquet",
                   with_text: bool = False, include_demo: bool = False,
                   batch_rows: int = BATCH_ROWS) -> dict[str, Any]:
    """Write the tables of the chosen sessions into a new (or empty) ``folder``.

    Parameters
    ----------
    store : sessions.store.Store
    folder : Path
        Created 0700 if missing; must be empty if it exists. The tables are written into a
        temporary folder beside it, renamed to ``folder`` at the end: a failed export leaves
        nothing behind.
    clients : sequence of str
        Only these clients' sessions (default: all).
    fmt : {"parquet", "csv"}
    with_text : bool
        Keep player names as entered and add the annotations' text.
    include_demo : bool
        Also the generated demo sessions (left out by default: synthetic data).
    batch_rows : int
        Rows per Parquet row group (and per CSV write) of ``curves`` and ``dialogue_curves``,
        which are written as the sessions are read: the export holds at most this many of
        their rows and one session's, whatever the size of the archive. The other tables
        (a few rows per measure and session) are written at the end.

    Returns
    -------
    dict
        The ``--json`` output (the conventions of ``docs/research.md``, "JSON output"):
        ``json_version`` (:data:`improv.archive.JSON_VERSION`), ``to``, ``format``,
        ``format_version`` (the dataset's, :data:`FORMAT_VERSION`), ``sessions`` (count),
        ``demos_left_out`` (demo sessions not exported), ``not_analysed``
        (``{code, session_id}`` of the sessions without a current analysis; ``code`` is the
        tables' ``session``), ``no_dialogue`` (the same of analysed sessions of two or more
        players without the current analysis of every pair's dialogue: no rows in
        ``dialogue``), ``problems`` (``{code, session_id, problem, error}`` of the sessions
        that could not be read, ``problem`` ``unreadable``, whose recordings are damaged,
        ``damaged``, or whose folder the catalog does not list yet, ``not_catalogued``:
        exported without measures; ``sessions`` counts them), ``goals_unreadable`` (client
        codes whose goals log could not be read; their goals are left out),
        ``session_keys`` (false: the store has no dataset key and is read-only,
        ``session_key`` is empty) and ``tables`` (name -> ``{rows, file}``).

    Raises
    ------
    improv.errors.ParameterError
        A bad format or folder, an unknown client.
    sessions.errors.SessionFormatError
        The store's dataset key is damaged (:func:`improv.archive.session_keys.store_secret`).
    """
    import analysis
    from analysis.dialogue import DIALOGUE_VERSION
    from improv.archive.batch import select_sessions
    from improv.errors import ParameterError

    pa = require("pyarrow", what=_WHAT)
    if fmt not in ("parquet", "csv"):
        raise ParameterError(f"format must be parquet or csv, got {fmt!r}")
    rows, demos = select_sessions(store, clients=clients, include_demo=include_demo)
    folder = _target(folder)
    unlisted = _unlisted(store, clients=clients)
    numbers = _numbers(store, unlisted)
    if not include_demo:  # a demo folder the catalog does not list, read: left out as well
        demos += sum(bool(u["manifest"] and u["manifest"].get("demo")) for u in unlisted)
        unlisted = [u for u in unlisted if not (u["manifest"] and u["manifest"].get("demo"))]
    secret = store_secret(store)
    versions = (analysis.ANALYSIS_VERSION, DIALOGUE_VERSION)
    if batch_rows < 1:
        raise ParameterError(f"batch_rows must be at least 1, got {batch_rows}",
                             parameter="batch_rows")
    # the catalog's sessions and the folders it does not list, each in its place by start
    entries = sorted([(r, None) for r in rows] + [(None, u) for u in unlisted],
                     key=lambda e: (_utc((e[0] or e[1])["started_utc"], (e[0] or e[1])["id"]),
                                    (e[0] or e[1])["id"]))
    with _staged(folder) as tmp:
        streams: dict[str, _TableFile] = {}
        try:
            for name in _STREAMED:
                streams[name] = _TableFile(pa, name, tmp, fmt, versions, batch_rows=batch_rows)
            out = _export_rows(store, tmp, entries, streams, numbers=numbers, secret=secret,
                               fmt=fmt, with_text=with_text, versions=versions)
            tables = out.pop("tables")
            tables.update({name: streams.pop(name).close() for name in _STREAMED})
        except BaseException:
            for stream in streams.values():
                stream.abort()
            raise
        from improv.archive.dictionary import write_readme

        written = {name: tables[name] for name in TABLES}  # in the tables' order
        write_readme(tmp, tables=written, fmt=fmt, sessions=len(entries), versions=versions,
                     measures=out.pop("measures"), with_text=with_text, demos_left_out=demos,
                     include_demo=include_demo, session_keys=secret is not None,
                     window_s=analysis.DEFAULT_WINDOW, hop_s=analysis.DEFAULT_HOP)
    return {"json_version": JSON_VERSION, "to": str(folder), "format": fmt,
            "format_version": FORMAT_VERSION, "sessions": len(entries),
            "demos_left_out": demos, **out, "session_keys": secret is not None,
            "tables": written}


def _export_rows(store, tmp: Path, entries: list, streams: dict[str, _TableFile], *,
                 numbers: dict[str, tuple[str, int]], secret: bytes | None, fmt: str,
                 with_text: bool, versions: tuple[str, str]) -> dict[str, Any]:
    """Read the sessions of ``entries`` (catalog row, unlisted folder) in order, add their
    curves to ``streams`` as each session is read, and write the other tables into ``tmp``.

    Returns
    -------
    dict
        ``not_analysed``, ``no_dialogue``, ``problems``, ``goals_unreadable`` (as
        :func:`export_dataset` returns them), ``tables`` (the tables written: name ->
        ``{rows, file}``) and ``measures`` (table -> the measure names present).
    """
    from improv.archive.goals_table import add_goals
    from sessions.errors import StoreError

    pa = require("pyarrow", what=_WHAT)
    tables = {name: _Columns(name) for name in TABLES if name not in _STREAMED}
    measures: dict[str, set[str]] = {name: set() for name in _STREAMED}
    not_analysed, no_dialogue, problems = [], [], []
    unknown = 0
    for row, u in entries:
        sid = (row or u)["id"]
        key = session_key(secret, sid) if secret is not None else None
        if u is not None:  # a folder the catalog does not list: a row, never left out
            if sid in numbers:
                client, number = numbers[sid]
                code = f"{client or 'none'}-{number:03d}"
            else:
                unknown += 1
                client, number, code = None, None, f"{UNKNOWN_CLIENT}-{unknown:03d}"
            tables["sessions"].add(**_unlisted_row(u, code=code, client=client, number=number,
                                                   key=key))
            error = u["problem"].removeprefix("cannot be read: ")
            if number is None:
                error += _unknown_client_note(u["started_utc"])
            problems.append({"code": code, "session_id": sid,
                             "problem": _unlisted_problem(u), "error": error})
            continue
        client, number = numbers[sid]
        code = f"{client or 'none'}-{number:03d}"
        part = _parts()  # one session's rows, or none
        try:
            problem = _add_session_rows(part, code, store.session(row["id"]), client=client,
                                        number=number, key=key, with_text=with_text,
                                        versions=versions)
        except (StoreError, OSError) as exc:  # one unreadable session stops no other
            part = _parts()
            part["sessions"].add(
                session=code, client=client, number=number, session_key=key,
                therapist=row.get("therapist"),
                date=local_day(row["started_utc"]), duration_s=row.get("duration_s"),
                source=row.get("source"), demo=bool(row.get("demo")), analysed=False,
                problem="unreadable")
            problem = ("unreadable", str(exc))
        for name, cols in part.items():
            if name in _STREAMED:  # written as they come (outside the try: a failed write
                streams[name].add(cols)  # stops the export, it is not the session's fault)
                measures[name] |= cols.measures
                continue
            for c, values in cols.items():
                tables[name][c] += values
        analysed, dialogue_ok = (part["sessions"]["analysed"][0],
                                 part["sessions"]["dialogue_analysed"][0])
        if problem is not None:
            problems.append({"code": code, "session_id": row["id"], "problem": problem[0],
                             "error": problem[1]})
        elif not analysed:
            not_analysed.append({"code": code, "session_id": row["id"]})
        elif dialogue_ok is False:
            no_dialogue.append({"code": code, "session_id": row["id"]})
    clients = {row["client"] for row, _ in entries if row is not None and row["client"]}
    unreadable = add_goals(tables["goals"], store, clients, with_text=with_text)
    written = {name: _write(pa, name, cols, tmp, fmt, versions)
               for name, cols in tables.items()}
    present = {name: sorted(set(tables[name]["measure"])) for name in ("summaries", "dialogue")}
    present.update({name: sorted(measures[name]) for name in _STREAMED})
    return {"not_analysed": not_analysed, "no_dialogue": no_dialogue, "problems": problems,
            "goals_unreadable": unreadable, "tables": written,
            "measures": {name: present[name] for name in
                         ("summaries", "dialogue", "curves", "dialogue_curves")}}
