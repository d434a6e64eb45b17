"""The README data dictionary of an exported dataset, generated from the tables' columns and
the feature list (:data:`improv.definitions.DEFINITIONS`: unit and definition)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_readme", "readme_text"]


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def readme_text(*, tables: dict[str, tuple[int, str]], fmt: str, sessions: int,
                versions: tuple[str, str], measures: dict[str, list[str]],
                with_text: bool) -> str:
    """The README's Markdown (see :func:`improv.archive.dataset.export_dataset`)."""
    from improv import __version__
    from improv.archive.dataset import TABLES
    from improv.definitions import describe

    lines = [
        "# improv dataset",
        "",
        f"Exported by improv {__version__} (analysis {versions[1]}) from {sessions} "
        "session(s). Sessions are named by the client's "
        "pseudonym code and running number; dates are days (UTC). "
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
