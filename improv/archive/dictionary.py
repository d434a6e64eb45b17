"""The README data dictionary of an exported dataset, generated from the tables' columns and
the feature list (:data:`analysis.features.FEATURES`: unit and definition)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["FORMAT_VERSION", "TABLES", "readme_text", "write_readme"]

#: The dataset's format: a new number when a table or column changes meaning or shape (also
#: in each Parquet file's metadata, ``improv.dataset_format``). 3: the dialogue's per-player
#: tempo curve is ``synchrony_tempo_bpm`` (was ``tempo_bpm``, the name of the player's own,
#: different tempo curve), ``dialogue_version`` in ``dialogue``, ``problem`` in ``sessions``
#: (unreadable or damaged sessions are listed, not fatal), the versions in each Parquet
#: file's metadata, null (not '') for the status rows' ``summaries.source``, CSV floats
#: always with a decimal point. 2: tidy dialogue measures with a ``player`` column, the
#: ``dialogue_curves`` table, ``unit`` in ``curves``, ``session_key``.
FORMAT_VERSION = 3


#: Column name -> (pyarrow type name, meaning), per table, in file order.
TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "sessions": {
        "session": ("string", "session code: client code and running number (C07-003); it can "
                    "change between exports (see Session codes and keys); (unknown)-001: a "
                    "session folder whose client cannot be read (see problem)"),
        "session_key": ("string", "stable pseudonymous key of the session: the same in every "
                        "export of this store (see Session codes and keys)"),
        "client": ("string", "the client's pseudonym code (empty: none given)"),
        "number": ("int64", "running number of the session among the client's sessions, "
                   "counting those that cannot be read (empty: its client cannot be read)"),
        "date": ("string", "day the session started in the practice's time zone "
                 "(YYYY-MM-DD), the days the goals count in"),
        "therapist": ("string", "the therapist's pseudonym code"),
        "duration_s": ("float64", "length of the session [s]"),
        "source": ("string", "recorded, imported or generated"),
        "demo": ("bool", "a generated demo session (no client data)"),
        "players": ("string", "the players, in track order, comma-separated"),
        "n_players": ("int64", "number of players"),
        "midi_events": ("int64", "MIDI events recorded"),
        "audio_inputs": ("int64", "audio inputs (devices) recorded"),
        "audio_channels": ("int64", "audio channels over all inputs"),
        "overflows": ("int64", "audio input overflows reported by the device"),
        "not_recorded_s": ("float64", "time an input did not record (dropouts, lost devices) [s]"),
        "jack_xruns": ("int64", "times the audio system (JACK) fell behind while recording (each "
                       "may have lost up to one JACK cycle of MIDI and audio)"),
        "recovered": ("bool", "the recording was interrupted and recovered"),
        "warnings": ("int64", "warnings the recorder or the store noted"),
        "analysed": ("bool", "this export has the session's current analysis (false: not "
                     "analysed with this version, or see problem)"),
        "dialogue_analysed": ("bool", "this export has the current analysis of the dialogue of "
                              "every pair of players (false: no rows in dialogue, run 'improv "
                              "analyze --all --dialogue'; empty: fewer than two players or not "
                              "analysed)"),
        "problem": ("string", "empty: none; 'unreadable': the session could not be read (only "
                    "what the catalog or its session.json still tells is given: code, date, "
                    "length, source); 'not_catalogued': a session folder the store's catalog "
                    "does not list yet (run 'improv sessions reindex'); 'damaged': a "
                    "recording does not match its checksum or cannot be read, so no measures "
                    "are exported (run 'improv sessions verify')"),
    },
    "summaries": {
        "session": ("string", "session code"),
        "player": ("string", "player"),
        "source": ("string", "midi, audio, or audio:<input> (several inputs); empty (null) "
                   "for the row of the player's analysis status"),
        "measure": ("string", "measure name (see Measures)"),
        "value": ("float64", "numeric value (empty for text values)"),
        "text": ("string", "text value (status, key, pulse ...), empty for numbers"),
        "unit": ("string", "unit of the measure"),
        "analysis_version": ("string", "version of improv's analysis"),
    },
    "dialogue": {
        "session": ("string", "session code"),
        "player_a": ("string", "first player of the pair"),
        "player_b": ("string", "second player of the pair"),
        "player": ("string", "the player of the pair the measure is about (for imitation: the "
                   "one who imitates; the one imitated is the pair's other player); empty for a "
                   "measure of the pair"),
        "measure": ("string", "measure name, without player names (see Measures)"),
        "value": ("float64", "numeric value (empty for text values)"),
        "text": ("string", "text value (status, leader ...)"),
        "unit": ("string", "unit of the measure"),
        "analysis_version": ("string", "version of improv's analysis"),
        "dialogue_version": ("string", "version of improv's dialogue analysis"),
    },
    "curves": {
        "session": ("string", "session code"),
        "player": ("string", "player"),
        "source": ("string", "midi, audio or audio:<input> (several inputs)"),
        "measure": ("string", "curve name (see Measures: curves)"),
        "unit": ("string", "unit of the measure"),
        "t": ("float64", "time on the session clock [s] (the centre of the analysis window)"),
        "value": ("float64", "value (empty: nothing to measure in that window)"),
    },
    "dialogue_curves": {
        "session": ("string", "session code"),
        "player_a": ("string", "first player of the pair"),
        "player_b": ("string", "second player of the pair"),
        "player": ("string", "the player the curve is about, as in dialogue; empty for a curve "
                   "of the pair"),
        "measure": ("string", "curve name, without player names (see Measures: "
                    "dialogue_curves)"),
        "unit": ("string", "unit of the measure"),
        "t": ("float64", "time on the session clock [s] (the centre of the analysis window)"),
        "value": ("float64", "value (empty: nothing to measure in that window)"),
    },
    "annotations": {
        "session": ("string", "session code"),
        "t": ("float64", "time [s]"),
        "end": ("float64", "end time of a range [s] (empty: a point)"),
        "player": ("string", "player it is about (empty: the session)"),
        "tags": ("string", "tags, comma-separated"),
        "source": ("string", "who made it: manual, suggestion (role suggestions), import ..."),
        "text": ("string", "free text (only with --with-text)"),
    },
    "goals": {
        "client": ("string", "the client's pseudonym code"),
        "goal": ("string", "goal code: client code and the goal's place in the client's list "
                 "(C07-G2)"),
        "version": ("int64", "version of the goal (1 = as first agreed; a new version when the "
                    "goal was changed from a later day)"),
        "since": ("string", "first day this version was in force (YYYY-MM-DD)"),
        "until": ("string", "last day this version was in force (empty: still in force)"),
        "status": ("string", "the goal now: active, reached or dropped"),
        "end": ("string", "day the goal was reached or dropped (empty: active)"),
        "indicators": ("string", "measures that show progress, each 'measure up|down [player]', "
                       "comma-separated; a player name that is not a role reads 'player' "
                       "(which player<k> of the sessions it is cannot be told: a track's place "
                       "can differ between sessions; --with-text keeps the names)"),
        "tags": ("string", "annotation tags that show progress, each 'tag up|down', "
                 "comma-separated"),
        "text": ("string", "the goal in the therapist's words (only with --with-text)"),
        "reason": ("string", "why a dropped goal was dropped (only with --with-text)"),
    },
}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def readme_text(*, tables: dict[str, dict], fmt: str, sessions: int,
                versions: tuple[str, str], measures: dict[str, list[str]],
                with_text: bool, demos_left_out: int = 0, include_demo: bool = False,
                session_keys: bool = True, window_s: float | None = None,
                hop_s: float | None = None) -> str:
    """The README's Markdown (see :func:`improv.archive.dataset.export_dataset`): what the
    export holds and how to load it, session codes and keys, the tables' columns, the
    measures' units and definitions, and the format versions."""
    if window_s is None or hop_s is None:
        import analysis

        window_s, hop_s = analysis.DEFAULT_WINDOW, analysis.DEFAULT_HOP
    lines = [*_head_lines(fmt=fmt, sessions=sessions, versions=versions, with_text=with_text,
                          demos_left_out=demos_left_out, include_demo=include_demo),
             *_key_lines(session_keys=session_keys), *_table_lines(tables, fmt=fmt),
             *_measure_lines(measures, window_s=window_s, hop_s=hop_s),
             "## Format versions", "",
             f"This is format {FORMAT_VERSION}. Format 3: the dialogue's per-player tempo "
             "curve in `dialogue_curves` is `synchrony_tempo_bpm` (in format 2 it was "
             "`tempo_bpm`, the name of the player's own tempo curve in `curves`, a different "
             "estimate); `dialogue` has `analysis_version` and `dialogue_version` apart (was "
             "one text); `sessions` has `problem` (unreadable and damaged sessions are listed "
             "instead of stopping the export); each Parquet file's metadata names the "
             "versions (`improv.version`, `improv.analysis_version`, "
             "`improv.dialogue_version`); `summaries.source` is empty (null) for the status "
             "rows (was the text ''), as every \"not applicable\" value; CSV files write "
             "floats with a decimal point (3.0). Format 2: measures "
             "of the dialogue without player names, with a `player` column "
             "(`client_leads_share` became `leads_share` with player `client`); the "
             "dialogue's curves in their own table `dialogue_curves` (they were in `curves` "
             "with player `a|b` and source `dialogue`); a `unit` column in `curves`; "
             "`session_key` in `sessions`; demo sessions left out unless asked for. "
             "Format 1: the first (no version stated).", ""]
    return "\n".join(lines)


def _head_lines(*, fmt: str, sessions: int, versions: tuple[str, str], with_text: bool,
                demos_left_out: int, include_demo: bool) -> list[str]:
    """The README's title, what the export holds, and how to load a table."""
    from improv import __version__

    if include_demo:
        demo = ("Generated demo sessions are included (--include-demo): the column `demo` "
                "marks them.")
    else:
        demo = (f"Generated demo sessions are left out ({demos_left_out} in the store's "
                "selection; --include-demo keeps them).")
    lines = [
        "# improv dataset",
        "",
        f"Dataset format {FORMAT_VERSION}, exported by improv {__version__} (analysis "
        f"{versions[0]}, dialogue {versions[1]}: every measure in it is of these versions; "
        "the curve tables do not repeat them in a column, and each Parquet file's metadata "
        f"names them) from {sessions} session(s). Sessions are named by the client's "
        "pseudonym code and running number; dates are days in the practice's time zone. "
        + ("Player names are as entered and annotations carry their text (--with-text)."
           if with_text else "No file names, titles or free text; player names that are not "
           "roles are replaced by player<k> (k: the track's place).") + " " + demo,
        "",
        "Load a table in one line:",
        "",
        "```",
    ]
    if fmt == "parquet":
        lines += ['pandas:  pd.read_parquet("summaries.parquet")',
                  'R:       arrow::read_parquet("summaries.parquet")',
                  "DuckDB:  SELECT * FROM 'summaries.parquet';"]
    else:
        lines += ['pandas:  pd.read_csv("summaries.csv")',
                  'R:       read.csv("summaries.csv")',
                  "DuckDB:  SELECT * FROM read_csv_auto('summaries.csv');"]
    return [*lines, "```", ""]


def _key_lines(*, session_keys: bool) -> list[str]:
    """Why to join exports on ``session_key``, not on the session codes."""
    lines = ["## Session codes and keys", "",
             "Within one export, join the tables on `session`. **Session codes can change "
             "between exports**: a code is the client's code and the session's running "
             "number, so a corrected client code, or a deleted or newly imported earlier "
             "session, renumbers the client's sessions (a session that cannot be read keeps "
             "its number, unless its client cannot be read either), and two exports of one "
             "archive can "
             "give one session two codes (or one code to two sessions). To link exports over "
             "time, or to join the tables to your own notes or ratings, use `session_key` "
             "(table sessions): it does not change. It is a keyed hash of the session's ID "
             "under a secret kept in the store (the file `dataset-key`, owner-only); without "
             "that secret a key cannot be traced back to the session or to the time it "
             "started. A copy of the store (a backup) keeps the secret; the same recording "
             "imported into another store gets another key.", ""]
    if not session_keys:
        lines += ["**In this export `session_key` is empty**: the store had no dataset key "
                  "yet and could not be written (read-only). Export once from a writable "
                  "store to make its key.", ""]
    return lines


def _table_lines(tables: dict[str, dict], *, fmt: str) -> list[str]:
    """Each table's file, rows and columns (type and meaning); ``tables``: name ->
    ``{rows, file}``."""
    lines = ["## Tables", ""]
    for name, columns in TABLES.items():
        t = tables.get(name, {"rows": 0, "file": f"{name}.{fmt}"})
        rows, file = t["rows"], t["file"]
        lines += [f"### {name} (`{file}`, {rows} rows)", "", "| column | type | meaning |",
                  "|---|---|---|"]
        lines += [f"| {c} | {typ} | {_cell(text)} |" for c, (typ, text) in columns.items()]
        lines.append("")
    return lines


def _measure_lines(measures: dict[str, list[str]], *, window_s: float,
                   hop_s: float) -> list[str]:
    """The unit and definition of every measure of the export, table by table (a session's
    value, or a window's: ``window_s`` long every ``hop_s`` [seconds])."""
    from analysis.features import describe
    from improv.archive.measures import curve_definition, dialogue_definition

    lines = ["## Measures", "",
             "Unit and definition of every measure in this export (docs/features.md in improv "
             "has the references). In `summaries` and `dialogue` a measure is a value of the "
             "whole session; in `curves` and `dialogue_curves` a value per analysis window.",
             ""]
    sections = {
        "summaries": ("A session value of one player and source.", describe),
        "dialogue": ("A session value of a pair of players. The measure names carry no "
                     "player names: the column `player` says which player of the pair a "
                     "measure is about (for imitation, the one who imitates), and is empty "
                     "for a measure of the pair. In the definitions, \"the player\" is the "
                     "row's `player`; \"the first player\" is `player_a`, \"the second\" "
                     "`player_b` (a positive lag: player_b follows).", dialogue_definition),
        "curves": (f"One value per analysis window of {window_s:g} s, one window every "
                   f"{hop_s:g} s, stamped at the window's centre (`t`), unless the definition "
                   "says otherwise (the momentary and short-term loudness: 400 ms and 3 s "
                   "blocks every 100 ms). The definitions below are of one window's value; "
                   "the session values of the same name (table summaries) are defined there.",
                   curve_definition),
        "dialogue_curves": (f"One value per analysis window of {window_s:g} s every "
                            f"{hop_s:g} s, stamped at the window's centre (`t`), for a pair "
                            "of players; `player` and the first and second player as in "
                            "dialogue.",
                            lambda m: dialogue_definition(m, curve=True)),
    }
    for table, (intro, define) in sections.items():
        lines += [f"### {table}", "", intro, "", "| measure | unit | definition |",
                  "|---|---|---|"]
        for m in measures.get(table, []):
            unit, text = define(m)
            lines.append(f"| {m} | {_cell(unit)} | {_cell(text) or '(no definition)'} |")
        lines.append("")
    return lines


def write_readme(folder: Path, **kwargs) -> None:
    """Write ``README.md`` (0600) into the export folder."""
    from sessions.fsutil import open_new

    with open_new(Path(folder) / "README.md", "x", encoding="utf-8") as f:
        f.write(readme_text(**kwargs))
