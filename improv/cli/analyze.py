"""``improv analyze``: feature summaries, curves and plots of a stored session.

A thin shell over :func:`improv.analyze.analyze_session`; heavy libraries (numpy, librosa,
matplotlib) are imported only when the command runs, so ``improv --help`` stays light.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import click

from improv.cli.archive import batch_options
from improv.cli.output import (
    counted,
    emit,
    info,
    measure_table,
    print_json,
    progress_bar,
    stderr_isatty,
    table,
)
from improv.cli.params import Number, PlainPath
from improv.reports.labels import source_name

#: Summary entries not repeated in the per-player table (they are in its header line).
_HEADER_KEYS = ("duration_s", "window_s", "hop_s")


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [p.strip() for p in value.split(",")]


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "-"
        if v == int(v) and abs(v) < 1e6:
            return str(int(v))
        return f"{v:.3g}" if abs(v) < 0.01 else f"{v:.2f}"
    return str(v)


def _suggestions(d: dict) -> str:
    """What became of the role suggestions of a pair (bug: said "8 ... --accept-roles writes
    them" after writing 6)."""
    n = len(d.get("role_runs", []))
    if "accepted_roles" not in d:
        return f"{counted(n, 'role suggestion')} (--accept-roles writes them into the annotations)"
    w = len(d["accepted_roles"])
    rest = f"; {n - w} below --min-confidence or already there" if n > w else ""
    return f"{counted(n, 'role suggestion')}: {w} written into the annotations{rest}"


#: Stored words of the analysis said only where they tell something: the tempo comes from
#: windows over the session unless the session is shorter than one window.
_USUAL = {"tempo_source": "windows"}


def _players(result: dict, *, raw: bool) -> None:
    for player, entry in result["players"].items():
        click.echo("")
        sources = list(entry["sources"])
        if raw:  # the analysis' own words: its status, and whether it came from the cache
            cached = " (cached)" if entry.get("cached") else ""
            click.echo(f"{player}: {entry['status']}{cached}")
        else:  # the player's name; a status only where it is not "ok" ("too short")
            click.echo(player if entry["status"] == "ok" else f"{player}: {entry['status']}")
        if not sources:
            click.echo("  no MIDI or audio input: nothing to analyse")
            continue
        summaries = [entry["sources"][s]["summary"] for s in sources]
        names: list[str] = []
        for summ in summaries:
            names += [k for k in summ if k not in names and k not in _HEADER_KEYS]
        if raw:
            rows = [[n] + [_fmt(summ[n]) if n in summ else "" for summ in summaries]
                    for n in names]
            table(rows, ["FEATURE", *[s.upper() for s in sources]])
        else:
            shown = [n for n in names if n != "status" and (
                n not in _USUAL or any(summ.get(n, _USUAL[n]) != _USUAL[n] for summ in summaries))]
            measure_table(shown, summaries, [source_name(s) for s in sources])


def _dialogue(d: dict, *, raw: bool) -> None:
    from analysis.dialogue import ROLES

    a, b = d["pair"]
    summ = d["summary"]
    click.echo("")
    if raw:
        cached = " (cached)" if d.get("cached") else ""
        click.echo(f"dialogue {a} | {b}: {summ.get('status')}{cached}  "
                   f"(events from {a}: {d['sources'][a] or 'none'}, "
                   f"{b}: {d['sources'][b] or 'none'})")
    else:
        status = "" if summ.get("status") == "ok" else f": {summ.get('status')}"

        def heard(p: str) -> str:
            return f"{p}'s {source_name(d['sources'][p])}" if d["sources"][p] else f"no {p}"

        click.echo(f"Dialogue of {a} & {b}{status} (from {heard(a)} and {heard(b)})")
    names = [k for k in summ if k not in _HEADER_KEYS and "_role_" not in k and k != "status"]
    if raw:
        table([[k, _fmt(summ[k])] for k in names], ["MEASURE", "VALUE"])
    else:
        measure_table(names, [summ], ["VALUE"])
    click.echo("")
    if raw:
        table([[r, _fmt(summ.get(f"{a}_role_{r}_share")), _fmt(summ.get(f"{b}_role_{r}_share"))]
               for r in ROLES], ["ROLE (share of windows)", a, b])
    else:
        from improv.reports.labels import shown

        table([[r, shown("x_role_r_share", summ.get(f"{a}_role_{r}_share")),
                shown("x_role_r_share", summ.get(f"{b}_role_{r}_share"))]
               for r in ROLES], ["ROLE (% of windows)", a, b])
    click.echo(_suggestions(d))


def _header(result: dict, store) -> str:
    """The session as a therapist names it: ``Session 1 · C07 · Nov 2, 2026 · 1:43``, and the
    window and hop where they are not the defaults every session is compared by."""
    import analysis
    from improv.cli.output import format_duration
    from sessions.timefmt import local_moment

    sid = result["session_id"]
    manifest = store.session(sid).manifest
    number = store.catalog.session_number(sid)
    t = local_moment(manifest["started_utc"])
    parts = [f"Session {number}" if number else sid, manifest.get("client"),
             f"{t:%b} {t.day}, {t.year}", format_duration(result["duration_s"])]
    if (result["window_s"], result["hop_s"]) != (analysis.DEFAULT_WINDOW, analysis.DEFAULT_HOP):
        parts.append(f"window {result['window_s']:g} s, hop {result['hop_s']:g} s")
    return " · ".join(p for p in parts if p)


def _human(result: dict, *, raw: bool = False, players: bool = True,
           header: str | None = None) -> None:
    if raw or header is None:
        click.echo(f"session {result['session_id']}  {result['duration_s']:.1f} s  "
                   f"window {result['window_s']:g} s  hop {result['hop_s']:g} s  "
                   f"analysis {result['analysis_version']}")
    else:
        click.echo(header)
    if players:
        _players(result, raw=raw)
    for d in result.get("dialogue", []):
        _dialogue(d, raw=raw)


def _curve_rows(result: dict):
    """Long-format rows ``player, curve, unit, t, value`` (curve = ``<source>.<name>`` or
    ``dialogue.<name>``); after a source's windowed curves its ``beat_tempo_bpm``, the tempo at
    each tracked beat."""
    from analysis.beats import beat_tempo
    from analysis.features import describe

    for player, entry in result["players"].items():
        for source, res in entry["sources"].items():
            for name, c in res["curves"].items():
                unit = describe(name)[0]
                for t, v in zip(c["times"], c["values"], strict=False):
                    yield player, f"{source}.{name}", unit, t, v
            for t, v in zip(*beat_tempo(res.get("beats") or []), strict=True):
                yield player, f"{source}.beat_tempo_bpm", "BPM", t, v
    for d in result.get("dialogue", []):
        for name, c in d["curves"].items():
            name, unit = dialogue_curve(name, tuple(d["pair"]))
            for t, v in zip(c["times"], c["values"], strict=False):
                yield d["name"], f"dialogue.{name}", unit, t, v


def dialogue_curve(name: str, pair: tuple[str, str]) -> tuple[str, str]:
    """A dialogue curve's name in the CSV and its unit, as ``improv export-dataset`` names the
    measure: the dialogue's own per-player tempo (``client_tempo_bpm`` in the analysis) is
    ``client_synchrony_tempo_bpm``, never to be taken for the player's ``midi.tempo_bpm``
    (:data:`improv.archive.measures.DIALOGUE_CURVE_NAMES`).

    >>> dialogue_curve("client_tempo_bpm", ("client", "therapist"))
    ('client_synchrony_tempo_bpm', 'BPM')
    >>> dialogue_curve("joint", ("client", "therapist"))
    ('joint', 'fraction')
    """
    from improv.archive.measures import dialogue_definition, split_dialogue

    measure, _ = split_dialogue(name, pair, curve=True)
    analysed, _ = split_dialogue(name, pair)
    if measure != analysed and name.endswith(analysed):
        name = name[:-len(analysed)] + measure
    return name, dialogue_definition(measure, curve=True)[0]


#: The curve CSV's columns: every row names its session and analysis version, and a row of
#: the dialogue its dialogue version (empty in a player's rows), so rows of several sessions
#: (or of an older analysis or dialogue analysis) can be put together and told apart; the
#: curve's unit last (since review 35), after the columns a script may read by position.
CSV_HEADER = ("session_id", "analysis_version", "dialogue_version", "player", "curve", "t",
              "value", "unit")


def _write_csv(result: dict, stream) -> int:
    """Write the curves as CSV; a missing value (``None``: no clear pulse) is an empty cell."""
    w = csv.writer(stream, lineterminator="\n")
    w.writerow(CSV_HEADER)
    sid, version = result["session_id"], result.get("analysis_version", "")
    dialogue_version = result.get("dialogue_version") or ""
    n = 0
    for player, curve, unit, t, v in _curve_rows(result):
        w.writerow([sid, version, dialogue_version if curve.startswith("dialogue.") else "",
                    player, curve, repr(float(t)) if t is not None else "",
                    "" if v is None or not math.isfinite(float(v)) else repr(float(v)), unit])
        n += 1
    return n


def _refuse_no_pair(store, session_id: str, players: list[str] | None) -> None:
    """Refuse ``--dialogue`` where the players chosen (all, or ``--players``) make no pair:
    it printed the session's title line alone and exited 0. Unknown ``--players`` names are
    left for the analysis to refuse with the session's players."""
    from improv.errors import ParameterError
    from sessions.names import match_names

    known = list(store.session(session_id).players)
    if players is None:
        if len(known) < 2:
            have = f"{len(known)}: {', '.join(known)}" if known else "none"
            raise ParameterError(f"no pair of players: --dialogue needs two players (this "
                                 f"session has {have})")
        return
    chosen = list(dict.fromkeys(match_names([p for p in players if p], known)))
    if 0 < len(chosen) < 2 and all(p in known for p in chosen):
        raise ParameterError(f"no pair of players: --dialogue needs two players (--players "
                             f"names 1: {chosen[0]}; this session has {', '.join(known)})")


@click.command()
@click.argument("session_id", metavar="[SESSION]", required=False)
@click.option("--players", metavar="A,B", help="Players to analyse (default: all).")
@click.option("--window", type=Number(unit="seconds", example="6"), default=None, metavar="S",
              help="Analysis window in seconds (default 6, the Music Therapy Toolbox's "
                   "default).")
@click.option("--hop", type=Number(unit="seconds", example="1"), default=None, metavar="S",
              help="Hop between windows in seconds (default 1; at most --window).")
@click.option("--dialogue", is_flag=True,
              help="Also analyse the dialogue of every pair of players (or --pair): turn-taking, "
                   "leading, synchrony, imitation, role suggestions.")
@click.option("--pair", metavar="A,B", help="With --dialogue: only this pair.")
@click.option("--accept-roles", is_flag=True,
              help="With --dialogue: write the role suggestions into the session's annotations "
                   "(source 'suggestion', tagged 'suggestion'; never twice).")
@click.option("--min-confidence", type=Number(example="0.5", min=0, max=1), default=0.5,
              show_default=True, metavar="X",
              help="With --accept-roles: least confidence (0..1) of a suggestion to write.")
@click.option("--json", "as_json", is_flag=True, help="Print summaries and curves as JSON.")
@click.option("--csv", "as_csv", is_flag=True,
              help="Print the curves as CSV instead of the tables: one row per point, with "
                   "the columns session_id, analysis_version, dialogue_version, player, "
                   "curve, t, value and unit.")
@click.option("--curves", "curves_file", type=PlainPath(dir_okay=False), metavar="FILE.csv",
              help="Write the curves as CSV to this file.")
@click.option("--plot", "plot_file", type=PlainPath(dir_okay=False), metavar="FILE.png",
              help="Plot the curves (.png, .svg or .pdf); "
                   "with --dialogue the dialogue curves and roles.")
@click.option("--raw", is_flag=True,
              help="Show the tables with the field names of --json and --csv, values unconverted.")
@click.option("--no-cache", is_flag=True, help="Recompute even if a cached result exists.")
@batch_options  # --all: every session, on Dask (improv.cli.archive)
@click.pass_obj
def analyze(app, session_id, players, window, hop, dialogue, pair, accept_roles, min_confidence,
            as_json, as_csv, curves_file, plot_file, raw, no_cache):
    """Measure a session: tempo, dynamics, density, register per player, and their dialogue.

    Prints the measures per player, labelled and grouped (with --dialogue: those of each pair
    instead; --raw: by field name). Results are cached in the session folder and their
    summaries go into the catalog.
    """
    from improv.errors import ParameterError

    if as_json and as_csv:
        raise ParameterError(
            "--json and --csv exclude each other; use --json with --curves FILE.csv")
    if (pair or accept_roles) and not dialogue:
        raise ParameterError("--pair and --accept-roles need --dialogue")
    from improv.cli.params import new_output_file

    # before minutes of analysis: files to write must be new, in folders that exist
    if plot_file:
        from improv.reports.plots import PLOT_SUFFIXES

        new_output_file(plot_file, "--plot", suffixes=PLOT_SUFFIXES)
    if curves_file:
        new_output_file(curves_file, "--curves")
    if plot_file and curves_file and Path(plot_file).resolve() == Path(curves_file).resolve():
        raise ParameterError("--curves and --plot name the same file; give two names")
    from improv.analyze import analyze_session
    from improv.analyze.roles import accept_dialogue_roles

    store = app.store
    if dialogue and pair is None:  # before the analysis, which would find no pair to measure
        _refuse_no_pair(store, session_id, _split(players))
    with progress_bar(stderr_isatty(), label="analysing") as progress:
        result = analyze_session(store, session_id, players=_split(players), window=window, hop=hop,
                                 dialogue=dialogue, pair=_split(pair), use_cache=not no_cache,
                                 progress=progress)
    if "dialogue" in result:  # the version of its dialogue analysis, beside analysis_version
        from analysis.dialogue import DIALOGUE_VERSION

        result["dialogue_version"] = DIALOGUE_VERSION
    if accept_roles:  # the library's, as the session page's "Add them as annotations"
        written = accept_dialogue_roles(store, result["session_id"], result.get("dialogue", []),
                                        min_confidence=min_confidence)
        result["accepted_roles"] = [a["id"] for a in written]
        info(f"wrote {counted(len(written), 'role suggestion')} into the annotations")
    if curves_file:
        from sessions.fsutil import open_new

        with open_new(Path(curves_file), "x", newline="", encoding="utf-8") as f:
            n = _write_csv(result, f)
        info(f"wrote {n} curve points to {curves_file}")
    if plot_file:
        from improv.reports.plots import plot_result

        plot_result(result, Path(plot_file), dialogue=dialogue,
                    annotations=store.session(result["session_id"]).annotations())
        info(f"wrote plot {plot_file}")
    if as_csv:
        buf = io.StringIO()
        _write_csv(result, buf)
        click.echo(buf.getvalue(), nl=False)
    elif as_json:
        from improv.archive import JSON_VERSION

        # the shape's version first, as analyze --all, export-dataset and compare give it
        print_json({"json_version": JSON_VERSION, **result})
    else:
        # with --dialogue the dialogue only: the players' tables are what `analyze` shows
        header = None if raw else _header(result, store)
        emit(result, as_json=False,
             human=lambda r: _human(r, raw=raw, players=not dialogue, header=header))


COMMANDS = [analyze]
