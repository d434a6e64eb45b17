"""``improv compare`` and ``improv report``."""

from __future__ import annotations

import math
from pathlib import Path

import click
from click.core import ParameterSource

from improv.cli.output import counted, emit, info, json_option, print_json, rounded_times, table
from improv.cli.params import Number, PlainPath, date_option, new_output_file
from improv.cli.params import list_option as _features
from improv.errors import ParameterError
from sessions.timefmt import format_time


def _segments(value: str) -> list[tuple[float, float]]:
    from sessions.timefmt import parse_time

    out = []
    for part in value.split(","):
        a, sep, b = part.partition("-")
        try:
            if not sep:
                raise ValueError(part)
            out.append((parse_time(a), parse_time(b)))
        except ValueError:
            raise ParameterError(
                f"--segments must look like 0:00-10:00,50:00-60:00, got {value!r}") from None
    for (a, b), part in zip(out, value.split(","), strict=True):  # was "needs at least two"
        start, _, end = (x.strip() for x in part.partition("-"))
        if b < a:
            raise ParameterError(f"--segments: {start}-{end} ends before it starts; write the "
                                 f"start first: {end}-{start}")
        if b == a:
            raise ParameterError(f"--segments: {start}-{end} ends where it starts; give an "
                                 "end after the start, e.g. 0:00-10:00")
    if len(out) < 2:
        raise ParameterError("--segments needs at least two segments, e.g. 0:00-10:00,50:00-60:00")
    return out


#: Options of a client's course (parameter -> flag), refused with session IDs or --segments.
_CLIENT_ONLY = {"since": "--since", "baseline": "--baseline", "band_sd": "--band-sd",
                "plot_dir": "--plot", "as_csv": "--csv", "export_dir": "--export"}


@click.command()
@click.argument("session_ids", nargs=-1, metavar="[ID ID]")
@click.option("--client", metavar="CODE", help="All sessions of this client, as trends.")
@click.option("--features", metavar="F1,F2",
              help="Features to compare (end of the column name, e.g. notes_per_s).")
@click.option("--since", metavar="DATE", help="Only sessions from this date.")
@click.option("--baseline", default="first:3", show_default=True, metavar="first:N|sessions:ID,ID",
              help="Sessions that define the baseline band.")
@click.option("--band-sd", type=Number(unit="standard deviations", example="2", min=0.1, max=10),
              default=2.0, show_default=True, metavar="SD",
              help="Half-width of the baseline band in standard deviations (0.1 to 10).")
@click.option("--segments", metavar="A-B,C-D",
              help="With one ID: compare segments of it, e.g. 0:00-10:00,50:00-60:00.")
@click.option("--plot", "plot_dir", type=PlainPath(file_okay=False, path_type=Path),
              help="Write the client's figure as PNG and SVG into this folder (new files: "
                   "nothing is overwritten).")
@click.option("--csv", "as_csv", is_flag=True, help="Print the per-session table as CSV.")
@click.option("--export", "export_dir", type=PlainPath(file_okay=False, path_type=Path),
              help="Write <client>-sessions.csv, a data dictionary and <client>-goals.csv "
                   "into this folder (new files: nothing is overwritten).")
@click.option("--raw", is_flag=True,
              help="Show the tables with the field names of --json and --csv, values unconverted.")
@json_option
@click.pass_obj
def compare(app, session_ids, client, features, since, baseline, band_sd, segments, plot_dir,
            as_csv, export_dir, raw, as_json):
    """Compare a client's sessions over time, two sessions, or segments of one.

    \b
    improv compare --client C07 [--baseline first:3] [--plot DIR]
    improv compare ID ID
    improv compare ID --segments 0:00-10:00,50:00-60:00
    """
    from improv.reports import compare as cmp

    if as_json and as_csv:  # as analyze refuses them (--csv printed, --json was dropped)
        raise ParameterError("--json and --csv exclude each other; use --json with --export DIR "
                             "for the table as a CSV file")
    store = app.store
    progress = (lambda sid: info(f"analysing {sid} ...")) if not as_json else None
    if client:
        if session_ids or segments:
            raise click.UsageError("give either --client or session IDs, not both")
        # files to write must be new: refused before minutes of analysis, not after
        if plot_dir is not None:
            cmp.refuse_existing(plot_dir, [f"{client}-trends.{x}" for x in ("png", "svg")],
                                option="--plot")
        if export_dir is not None:
            cmp.refuse_existing(export_dir, cmp.export_names(client), option="--export")
        if baseline and baseline.startswith("sessions:"):  # as typed: a76e, C07/3
            baseline = "sessions:" + ",".join(
                app.session_id(p.strip()) for p in baseline[9:].split(",") if p.strip())
        result = cmp.compare_client(store, client=client, features=_features(features),
                                    since=date_option(since, "--since"), baseline=baseline,
                                    band_sd=band_sd, progress=progress)
        if plot_dir is not None:
            from improv.reports.trend_plots import plot_client
            from sessions.fsutil import make_dir

            make_dir(plot_dir)
            for suffix in ("png", "svg"):
                plot_client(result, to=plot_dir / f"{client}-trends.{suffix}")
            info(f"wrote {plot_dir / (client + '-trends.png')} and .svg")
        if export_dir is not None:
            from improv.reports.goals import goals_csv, goals_progress

            names = cmp.export_client(result, export_dir,
                                      goals_csv=goals_csv(goals_progress(store, client)))
            info(f"wrote {', '.join(names[:-1])} and {names[-1]} to {export_dir}")
        if as_csv:
            click.echo(cmp.client_csv(result), nl=False)
            _left_out(result)
            return

        def human(r):
            if raw:
                click.echo(f"client {r['client']}: {counted(len(r['sessions']), 'session')}, "
                           f"baseline {counted(len(r['baseline']), 'session')}; band: "
                           f"{_BAND_IS.format(sd=r['band_sd'])}")
            else:
                number = {s["id"]: s["number"] for s in r["sessions"]}
                click.echo(f"client {r['client']}: {counted(len(r['sessions']), 'session')}; "
                           f"baseline: {_numbers(r['baseline'], number)}")
            spec = baseline or "first:3"
            if (spec.startswith("first:") and spec[6:].isdigit()
                    and int(spec[6:]) > len(r["sessions"])):
                given = (click.get_current_context().get_parameter_source("baseline")
                         is not click.core.ParameterSource.DEFAULT)
                asked = f"--baseline {spec}" if given else f"the default baseline ({spec})"
                info(f"warning: {asked}, but the client has "
                     f"{counted(len(r['sessions']), 'session')}: all of them are the baseline")
            if raw:
                _raw_trend_table(r)
            else:
                _trend_table(r)

        emit(rounded_times(client_json(result)) if as_json else result, as_json=as_json,
             human=human)
        _left_out(result)
        return
    ctx = click.get_current_context()
    client_only = [flag for param, flag in _CLIENT_ONLY.items()
                   if ctx.get_parameter_source(param) is not ParameterSource.DEFAULT]
    if client_only:
        raise click.UsageError(
            f"{', '.join(client_only)} only work{'s' if len(client_only) == 1 else ''} with "
            "--client CODE (a client's course); "
            "session IDs and --segments give a table (--json for machine-readable output)")
    if len(session_ids) == 1 and segments:
        result = cmp.compare_segments(store, session_ids[0], _segments(segments),
                                      features=_features(features))
        heads = [f"{format_time(a, decimals=1)}-{format_time(b, decimals=1)}"
                 for a, b in result["segments"]]
        title = f"{_names(store, [result['session']], raw=raw)[0]}: segments"
    elif len(session_ids) >= 2 and not segments:
        result = cmp.compare_sessions(store, session_ids, features=_features(features),
                                      progress=progress)
        heads, title = _names(store, result["sessions"], raw=raw), None
    else:
        raise click.UsageError("give --client CODE, two session IDs, or one ID with --segments")
    if as_json:
        print_json(rounded_times(rows_json(result)))
        return
    _rows_table(result, heads, raw=raw, title=title)


def _refs(ids: list[str]) -> list[dict]:
    """Sessions named in a list of the JSON: ``[{"session_id": ...}]``, never bare IDs."""
    return [{"session_id": sid} for sid in ids]


def client_json(result: dict) -> dict:
    """``compare --client --json``: :func:`improv.reports.compare.compare_client`'s result in
    the JSON conventions of docs/research.md ("JSON output"): ``json_version``; every list of
    sessions (``sessions``, ``left_out``, ``baseline`` and each feature's ``outside_band`` and
    ``outliers``) holds objects with ``session_id``; each session's ``values`` has every
    measure of the comparison, null where the session has none (as in ``features[...]
    .values``; the result leaves such a key out)."""
    from improv.archive import JSON_VERSION

    names = sorted(set(result["columns"]).union(*(s["values"] for s in result["sessions"])))
    sessions = [{"session_id": s["id"], **{k: v for k, v in s.items() if k not in ("id", "values")},
                 "values": {c: s["values"].get(c) for c in names}} for s in result["sessions"]]
    left_out = [{"session_id": g["id"], **{k: v for k, v in g.items() if k != "id"}}
                for g in result.get("left_out") or []]
    features = {c: {**f, "outside_band": _refs(f["outside_band"]), "outliers": _refs(f["outliers"])}
                for c, f in result["features"].items()}
    return {"json_version": JSON_VERSION, **result, "baseline": _refs(result["baseline"]),
            "sessions": sessions, "left_out": left_out, "features": features}


def rows_json(result: dict) -> dict:
    """``compare ID ID --json`` and ``compare ID --segments --json``: ``json_version``, the
    sessions as ``[{"session_id"}]`` (two sessions) or ``session_id`` and the segments as
    ``[{"start_s", "end_s"}]`` (segments; no positional pairs), and ``rows`` (each row's
    ``values`` in the order of the sessions or segments, null where there is none)."""
    from improv.archive import JSON_VERSION

    out: dict = {"json_version": JSON_VERSION}
    if "segments" in result:
        out["session_id"] = result["session"]
        out["segments"] = [{"start_s": a, "end_s": b} for a, b in result["segments"]]
    else:
        out["sessions"] = _refs(result["sessions"])
    out["rows"] = result["rows"]
    return out


def _left_out(result: dict) -> None:
    """Name each session left out of a client's course and why, then exit 1: the table, CSV
    or report was made from the others (one damaged session never stops them), but a script
    must not take it for whole."""
    from improv.reports.compare import left_out_notes

    notes = [*left_out_notes(result), *result.get("writing_left_out", [])]
    for note in notes:
        info(f"warning: {note}")
    if notes:
        info("check them with 'improv sessions verify --all'")
        click.get_current_context().exit(1)


def _names(store, ids: list[str], *, raw: bool) -> list[str]:
    """Sessions as the web app names them, ``Session 3 (Nov 23)`` (``raw``: their IDs)."""
    if raw:
        return list(ids)
    from improv.reports.wording import session_name, spans_years

    rows = {r["id"]: r for r in store.list()}
    found = [rows[i] for i in ids if i in rows]
    year = spans_years(found)
    return [session_name(rows[i].get("number"), rows[i]["started_utc"], session_id=i, year=year)
            if i in rows else i for i in ids]


def _raw(v) -> str:
    return "–" if v is None else f"{v:.4g}"


def _rows_table(r: dict, heads: list[str], *, raw: bool, title: str | None = None) -> None:
    """Sessions or segments side by side: measures labelled, grouped under a line per group
    and player (or pair), in their units (with ``raw``: by field name, values as stored)."""
    from improv.reports.labels import column_title, grouped, heading, shown, shown_fixed

    if raw:
        table([(row["feature"], row["unit"], *[_raw(v) for v in row["values"]],
                _raw(row["difference"])) for row in r["rows"]],
              ["FEATURE", "UNIT", *heads, "DIFFERENCE"])
        return
    if title:
        click.echo(title)
    click.echo(f"Difference: {heads[-1]} minus {heads[0]}, as the values read (a share in "
               "percentage points,\na pitch in semitones); about the same: less than the smallest "
               "change that matters")
    click.echo("")
    rows = {row["feature"]: row for row in r["rows"]}
    out: list[tuple | str] = []
    for group, members in grouped(rows):
        for who, columns in _by_who(members, column_title, heading).items():
            out.append(f"{group} · {who}" if who else group)
            for c in columns:
                values = [shown_fixed(c, v) if isinstance(v, (int, float))
                          and not isinstance(v, bool) else shown(c, v)
                          for v in rows[c]["values"]]
                vs = rows[c]["values"]
                out.append((f"  {heading(c)}", *values, *shown_difference(c, vs[0], vs[-1])))
    table(out, ["MEASURE", *heads, "DIFFERENCE", "IN WORDS"])


def shown_difference(column: str, before, after) -> tuple[str, str]:
    """The difference ``after - before`` of two values of a measure (stored unit) as the
    sessions' and segments' table shows it: the difference of the values as the table shows
    them (:func:`improv.reports.labels.shown_fixed`: 120 and 117 BPM differ by 3, not by the
    3.77 of the stored values), a share in percentage points; a pitch (shown as note names) in
    semitones to a tenth. In words: ``higher``, ``lower``, or ``about the same`` where it is
    less than the smallest change that matters (:data:`improv.reports.compare.
    MIN_BAND_HALF_WIDTH`) or nothing. ``–`` and no words where a value is missing.

    >>> shown_difference("c.midi.silence_share", 0.0782, 0.0747)
    ('-0.3 percentage points', 'about the same')
    >>> shown_difference("c|t.client_leads_share", 0.299, 0.069)
    ('-23.0 percentage points', 'lower')
    >>> shown_difference("c.midi.pitch_mean", 46.3, 60.9)
    ('+14.6 semitones', 'higher')
    >>> shown_difference("c.midi.tempo_bpm", 120.4, 116.6), shown_difference("x.tempo_bpm", 1, None)
    (('-3', 'lower'), ('–', ''))
    >>> shown_difference("c.midi.pulse_clarity", 0.5322, 0.5280)
    ('0', 'about the same')
    """
    from analysis.features import describe
    from improv.reports.compare import MIN_BAND_HALF_WIDTH
    from improv.reports.labels import decimals, scale, shown_fixed

    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in (before, after)):
        return "–", ""
    unit, k = describe(column)[0], scale(column)
    if unit == "MIDI note":
        places, after_text = 1, " semitones"
        diff = after - before
    else:
        places, after_text = decimals(column), " percentage points" if k != 1 else ""
        diff = (float(shown_fixed(column, after)) - float(shown_fixed(column, before))) / k
    text = f"{k * diff:+.{places}f}"
    if float(text) == 0:
        return "0", "about the same"
    floor = MIN_BAND_HALF_WIDTH.get(unit)
    word = ("about the same" if floor is not None and abs(diff) < floor - 1e-9
            else "higher" if diff > 0 else "lower")
    return text + after_text, word


def _by_who(columns: list[str], column_title, heading) -> dict[str, list[str]]:
    """``columns`` by their player (with the source: ``client (MIDI)``) or pair (``client &
    therapist``), in the order they come."""
    out: dict[str, list[str]] = {}
    for c in columns:
        label, title = heading(c), column_title(c)
        out.setdefault(title[:-len(label) - 2] if title.endswith(f": {label}") else "",
                       []).append(c)
    return out


def _raw_trend_table(r: dict) -> None:
    """``--raw``: one row per column of the catalog, by field name, sessions by ID."""
    rows = []
    for c in r["columns"]:
        f, t = r["features"][c], r["features"][c]["trend"]
        n = len([v for v in f["values"] if v is not None])
        rows.append((c, n, "–" if not t else f"{t['slope_per_session']:+.3g}",
                     "–" if not t else f"[{t['ci_low']:+.3g}, {t['ci_high']:+.3g}]",
                     f["change"], _raw_band(f["band"]),
                     ", ".join(f["outside_band"]) or "–", ", ".join(f["outliers"]) or "–"))
    table(rows, ["FEATURE", "SESSIONS", "TREND PER SESSION", "95% CI", "CHANGE",
                 "BAND (MEAN ± SD)", "OUTSIDE", "OUTLIERS"])


#: What a client's band is, after "band: " (``sd``: ``--band-sd``).
_BAND_IS = "the baseline's mean ± {sd:g} SD, at least the smallest change that matters"


def _raw_band(band: dict | None) -> str:
    """``--raw``: a band's ends and the baseline's mean ± SD, as stored:
    ``0.0577–0.0977 (0.0777 ± 0.0004)``."""
    from improv.reports.compare import band_ends
    from improv.reports.labels import shown_band

    if not band:
        return "–"
    return f"{band_ends(None, band, raw=True)} ({shown_band('', band, raw=True)})"


def _numbers(ids: list[str], number: dict[str, int | None]) -> str:
    """Sessions by their numbers, as the web app names them: ``Session 4``, ``Sessions 2, 4``
    (a session without a number by its ID); ``–`` for none."""
    if not ids:
        return "–"
    named = [str(number[i]) if number.get(i) else i for i in ids]
    return f"Session {named[0]}" if len(named) == 1 else f"Sessions {', '.join(named)}"


def _trend_row(c: str, f: dict, number: dict[str, int | None]) -> tuple:
    """One measure of a client's course: label, trend [95 % range] per session in the unit of
    its label, change, the band's ends (:func:`improv.reports.compare.band_ends`), the sessions
    outside the band and the outliers."""
    from improv.reports.compare import band_ends
    from improv.reports.labels import heading, shown_slope
    from improv.reports.wording import MIN_SESSIONS_TO_JUDGE, TOO_SMALL

    t = f["trend"]
    n = len([v for v in f["values"] if v is not None])
    # as the client report writes it: two significant digits, the measure's decimals
    trend = "–" if not t else (f"{shown_slope(c, t['slope_per_session'])} "
                               f"[{shown_slope(c, t['ci_low'])}, {shown_slope(c, t['ci_high'])}]")
    change = f["change"]  # the comparison's word
    if change == TOO_SMALL:  # "too small to matter", said in full above the table
        change = "too small"
    if t and not t["distinguishable"] and n < MIN_SESSIONS_TO_JUDGE:
        change = f"too few ({n}/{MIN_SESSIONS_TO_JUDGE})"
    return (f"  {heading(c)}", trend, change, band_ends(c, f["band"]),
            _numbers(f["outside_band"], number), _numbers(f["outliers"], number))


def _trend_table(r: dict) -> None:
    """A client's course for people, in at most about 120 columns: the sessions named as on
    the web ("Session 3", their days listed first), a heading line per group of measures and
    player (or pair), the trend per session with its 95 % range, "too few (4/5)" where no test
    can judge yet, "too small" for a clear trend too small to matter (said in full above)."""
    from improv.reports.labels import column_title, grouped, heading
    from improv.reports.wording import MIN_SESSIONS_TO_JUDGE, TOO_SMALL, session_name, spans_years

    year = spans_years(r["sessions"])
    line = ""
    for s in r["sessions"]:  # a line break between two sessions, never within one's name
        name = session_name(s["number"], s["started_utc"], session_id=s["id"], year=year)
        if line and len(line) + 3 + len(name) > 100:
            click.echo(line)
            line = ""
        line = f"{line} · {name}" if line else name
    click.echo(line)
    click.echo("Trend: the change per session [its 95 % range]; change: is the trend clear? "
               f"(judged from {MIN_SESSIONS_TO_JUDGE} sessions on)")
    if any(r["features"][c]["change"] == TOO_SMALL for c in r["columns"]):
        click.echo("Too small: a clear trend that changed the measure by less than the smallest "
                   "change that matters, over all the sessions")
    click.echo(f"Band: {_BAND_IS.format(sd=r['band_sd'])}")
    click.echo("")
    number = {s["id"]: s["number"] for s in r["sessions"]}
    rows: list[tuple | str] = []
    for group, members in grouped(r["columns"]):
        for who, columns in _by_who(members, column_title, heading).items():
            rows.append(f"{group} · {who}" if who else group)
            rows += [_trend_row(c, r["features"][c], number) for c in columns]
    table(rows, ["MEASURE", "TREND [95 % RANGE]", "CHANGE", "BAND", "OUTSIDE BAND",
                 "OUTLIERS"])


@click.command()
@click.argument("session_id", metavar="[SESSION]", required=False)
@click.option("--client", metavar="CODE", help="A report of all the client's sessions.")
@click.option("--to", "to", required=True, type=PlainPath(dir_okay=False, path_type=Path),
              help="FILE.html or FILE.pdf")
@click.option("--appendix/--no-appendix", default=True,
              help="A session's report with its technical appendix (every measure of every "
                   "input, the figure of the playing together; default) or the therapist's "
                   "part alone.")
@click.option("--with-notes/--without-notes", "notes", default=True,
              help="The therapist's verbal notes as written (default), or left out: for a "
                   "report that leaves the practice (supervision, case review). Annotations "
                   "are printed either way; the report's last line says which.")
@click.pass_obj
def report(app, session_id, client, to, appendix, notes):
    """A printable report (HTML or PDF) of a session or of a client's course."""
    from improv.reports.printing import write_report
    from improv.reports.report import client_report_html, session_report_html

    if bool(session_id) == bool(client):
        raise click.UsageError("give a session ID or --client CODE")
    new_output_file(to, "--to")  # a new file in a folder that exists, before any analysis
    if to.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise ParameterError(f"--to must end in .html or .pdf, got {to.name!r}")
    if client and not appendix:
        raise click.UsageError("--no-appendix goes with a session's report (a client's report "
                               "keeps its appendix of each session's values)")
    if session_id:
        write_report(session_report_html(app.store, session_id, appendix=appendix, notes=notes),
                     to)
        click.echo(f"wrote {to}{'' if notes else ' (verbal notes left out)'}")
        return
    from improv.reports.compare import compare_client
    from sessions.goals import has_goal_log

    if not app.store.list(client=client) and has_goal_log(app.store, client):  # goals alone
        from improv.reports.goals_report import goals_only_report_html

        write_report(goals_only_report_html(app.store, client), to)
        click.echo(f"wrote {to} (no sessions yet: the goals alone)")
        return
    result = compare_client(app.store, client=client)
    write_report(client_report_html(app.store, client=client, result=result, notes=notes), to)
    click.echo(f"wrote {to}{'' if notes else ' (verbal notes left out)'}")
    _left_out(result)


COMMANDS = [compare, report]
