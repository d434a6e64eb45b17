"""The README data dictionary of an exported dataset, generated from the tables' columns and
the feature list (:data:`analysis.features.FEATURES`: unit and definition)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["TABLES", "readme_text", "write_readme"]


#: Column name -> (pyarrow type name, meaning), per table, in file order.
TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "sessions": {
        "session": ("string", "session code: client code and running number (C07-003)"),
        "client": ("string", "the client's pseudonym code (empty: none given)"),
        "number": ("int64", "running number of the session among the client's sessions"),
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
        "analysed": ("bool", "this export has the session's current analysis"),
        "dialogue_analysed": ("bool", "this export has the current analysis of the dialogue of "
                              "every pair of players (false: no rows in dialogue, run 'improv "
                              "analyze --all --dialogue'; empty: fewer than two players or not "
                              "analysed)"),
    },
    "summaries": {
        "session": ("string", "session code"),
        "player": ("string", "player"),
        "source": ("string", "midi, audio, or audio:<input> (several inputs), or '' (status)"),
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
        "measure": ("string", "measure name (player names filled in)"),
        "value": ("float64", "numeric value (empty for text values)"),
        "text": ("string", "text value (status, leader ...)"),
        "unit": ("string", "unit of the measure"),
        "analysis_version": ("string", "analysis and dialogue version"),
    },
    "curves": {
        "session": ("string", "session code"),
        "player": ("string", "player, or the pair 'a|b' for dialogue curves"),
        "source": ("string", "midi, audio, audio:<input> or dialogue"),
        "measure": ("string", "curve name (see Measures)"),
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
                       "comma-separated"),
        "tags": ("string", "annotation tags that show progress, each 'tag up|down', "
                 "comma-separated"),
        "text": ("string", "the goal in the therapist's words (only with --with-text)"),
        "reason": ("string", "why a dropped goal was dropped (only with --with-text)"),
    },
}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def readme_text(*, tables: dict[str, tuple[int, str]], fmt: str, sessions: int,
                versions: tuple[str, str], measures: dict[str, list[str]],
                with_text: bool) -> str:
    """The README's Markdown (see :func:`improv.archive.dataset.export_dataset`)."""
    from analysis.features import describe
    from improv import __version__

    lines = [
        "# improv dataset",
        "",
        f"Exported by improv {__version__} (analysis {versions[1]}) from {sessions} "
        "session(s). Sessions are named by the client's "
        "pseudonym code and running number; dates are days in the practice's time zone. "
        + ("Player names are as entered and annotations carry their text (--with-text)."
           if with_text else "No file names, titles or free text; player names that are not "
           "roles are replaced by player<k> (k: the track's place)."),
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
    lines += ["```", "", "## Tables", ""]
    for name, columns in TABLES.items():
        rows, file = tables.get(name, (0, f"{name}.{fmt}"))
        lines += [f"### {name} (`{file}`, {rows} rows)", "", "| column | type | meaning |",
                  "|---|---|---|"]
        lines += [f"| {c} | {typ} | {_cell(text)} |" for c, (typ, text) in columns.items()]
        lines.append("")
    lines += ["## Measures", "",
              "Unit and definition of every measure in this export (docs/features.md in improv "
              "has the references). In `summaries` a measure is a session value of one player "
              "and source; in `curves` a value per analysis window.", ""]
    for table in ("summaries", "dialogue", "curves"):
        names = measures.get(table, [])
        lines += [f"### {table}", "", "| measure | unit | definition |", "|---|---|---|"]
        for m in names:
            unit, text = describe(m)
            lines.append(f"| {m} | {_cell(unit)} | {_cell(text) or '(no definition)'} |")
        lines.append("")
    return "\n".join(lines)


def write_readme(folder: Path, **kwargs) -> None:
    """Write ``README.md`` (0600) into the export folder."""
    from sessions.fsutil import open_new

    with open_new(Path(folder) / "README.md", "x", encoding="utf-8") as f:
        f.write(readme_text(**kwargs))
