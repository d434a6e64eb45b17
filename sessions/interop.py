"""Annotations in the formats researchers' tools read.

- Audacity label tracks: ``start<TAB>end<TAB>label`` (seconds; a point has
  start = end).  The label carries the text, then ``#tag`` words and an
  ``@player`` word, so tags and player survive a round trip.
- ELAN ``.eaf`` (via pympi-ling): one tier per player plus ``general``, the
  session's audio linked as media.  ELAN has no points: a point becomes a
  1 ms annotation and comes back as a point.
- Sonic Visualiser CSV: ``time,duration,label`` (duration 0 for an instant);
  File > Import Annotation Layer reads it as regions/instants. Its own layer exports
  (instants, regions, notes) are read back by :func:`from_sonic_visualiser`.
- CSV and JSON of every field, for analysis in R, pandas or a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path
from typing import Any, Iterable

from sessions.errors import SessionFormatError
from sessions.fsutil import open_new

POINT_MS = 1  # ELAN needs end > start


def label_of(a: dict[str, Any]) -> str:
    words = [a.get("text") or ""] + [f"#{t}" for t in a.get("tags") or []]
    if a.get("player"):
        words.append(f"@{a['player']}")
    return " ".join(w for w in words if w).strip()


def parse_label(label: str) -> dict[str, Any]:
    """Text, tags (``#tag``) and player (``@name``) from a label."""
    tags, player, words = [], None, []
    for w in label.split():
        if w.startswith("#") and len(w) > 1:
            tags.append(w[1:])
        elif w.startswith("@") and len(w) > 1 and player is None:
            player = w[1:]
        else:
            words.append(w)
    return {"text": " ".join(words), "tags": tags, "player": player}


def to_audacity(annotations: Iterable[dict[str, Any]]) -> str:
    lines = []
    for a in annotations:
        end = a["end"] if a.get("end") is not None else a["t"]
        lines.append(f"{a['t']:.6f}\t{end:.6f}\t{label_of(a)}\n")
    return "".join(lines)


def from_audacity(text: str) -> list[dict[str, Any]]:
    """Parse a label track; frequency lines (starting with ``\\``) are skipped."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("\\"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise SessionFormatError(f"label line {number}: expected start<TAB>end<TAB>label")
        try:
            start, end = _seconds(parts[0]), _seconds(parts[1])
        except ValueError:
            raise SessionFormatError(
                f"label line {number}: start and end must be seconds, got "
                f"{parts[0]!r} and {parts[1]!r}") from None
        if end < start:
            raise SessionFormatError(
                f"label line {number}: the end ({end:g} s) is before the start ({start:g} s)")
        item = parse_label(parts[2] if len(parts) > 2 else "")
        item.update(t=start, end=end if end > start else None)
        out.append(item)
    return out


def to_sonic_visualiser(annotations: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for a in annotations:
        dur = (a["end"] - a["t"]) if a.get("end") is not None else 0.0
        w.writerow([f"{a['t']:.6f}", f"{dur:.6f}", label_of(a)])
    return buf.getvalue()


def from_sonic_visualiser(text: str) -> list[dict[str, Any]]:
    """Parse a Sonic Visualiser annotation layer exported as CSV (comma or tab separated).

    The columns depend on the layer: ``time`` (instants without labels), ``time,label``
    (time instants), ``time,duration,label`` (what :func:`to_sonic_visualiser` writes),
    ``time,value,duration,label`` (regions) and ``time,value,duration,level,label`` (notes).
    A header row is skipped; times and durations are seconds.
    """
    text = text.removeprefix("\ufeff")  # a byte-order mark is no header
    try:
        rows = [r for r in csv.reader(io.StringIO(text), dialect=_sniff(text))
                if any(c.strip() for c in r)]
    except csv.Error as exc:  # a field over the csv module's limit (128 kB), say
        raise SessionFormatError(f"Sonic Visualiser file cannot be read ({exc})") from None
    if rows and rows[0] and not any(ch.isdigit() for ch in rows[0][0]):
        rows = rows[1:]  # a header (a first time that does not parse is an error below)
    out = []
    for number, row in enumerate(rows, 1):
        row = [c.strip() for c in row]
        n = len(row)
        t_col, dur_col, label_col = {1: (0, None, None), 2: (0, None, 1), 3: (0, 1, 2),
                                     4: (0, 2, 3)}.get(n, (0, 2, n - 1))
        try:
            t = _seconds(row[t_col])
            dur = _seconds(row[dur_col]) if dur_col is not None and row[dur_col] else 0.0
        except ValueError:
            raise SessionFormatError(
                f"Sonic Visualiser row {number}: time and duration must be seconds, "
                f"got {row!r}") from None
        if dur < 0:
            raise SessionFormatError(f"Sonic Visualiser row {number}: negative duration {dur}")
        item = parse_label(row[label_col] if label_col is not None else "")
        item.update(t=t, end=t + dur if dur > 0 else None)
        out.append(item)
    return out


_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def _seconds(cell: str) -> float:
    """A time cell as seconds; ValueError for text (from ``float``), SessionFormatError (a
    ValueError) for NaN and infinity."""
    if not _DECIMAL.fullmatch(cell.strip()):  # float() takes "1_0", "١" and full-width digits
        raise ValueError(cell)
    value = float(cell)
    if not math.isfinite(value):
        raise SessionFormatError(cell)
    return value


def _sniff(text: str) -> type[csv.Dialect]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return csv.excel_tab if "\t" in first and "," not in first else csv.excel


FIELDS = ("id", "t", "end", "player", "tags", "text", "source", "by", "created_utc", "edited_utc",
          "rev")


def to_csv(annotations: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FIELDS)
    for a in annotations:
        row = dict(a, tags=";".join(a.get("tags") or []))
        w.writerow(["" if row.get(k) is None else row.get(k) for k in FIELDS])
    return buf.getvalue()


def to_json(annotations: Iterable[dict[str, Any]]) -> str:
    return json.dumps(list(annotations), indent=2, ensure_ascii=False) + "\n"


def write_eaf(path: Path, annotations: Iterable[dict[str, Any]], *, players: list[str],
              media: Iterable[tuple[Path, float]] = ()) -> list[Path]:
    """Write an ELAN file: a tier per player and ``general``.

    ``media`` are the recordings as ``(file, t0)``, ``t0`` [seconds] being where the file
    starts on the session clock. Each is linked by its absolute path and by its path relative
    to the ELAN file; a file that started before the session (``t0 < 0``) gets ELAN's time
    origin (the media time at which the annotations' time 0 lies). ELAN has no way to say that
    a file starts *after* time 0: those files are returned, so that the caller can warn that
    ELAN shows them ``t0`` seconds early.
    """
    import os

    import pympi

    eaf = pympi.Elan.Eaf(author="improv")
    eaf.remove_tier("default")
    for tier in [*players, "general"]:
        eaf.add_tier(tier)
    early = []
    for m, t0 in media:
        mime = "audio/x-wav" if m.suffix == ".wav" else None
        origin = int(round(-t0 * 1000)) if t0 < 0 else None
        if t0 >= 0.0005:
            early.append(Path(m))
        eaf.add_linked_file(str(Path(m).resolve()),
                            relpath=os.path.relpath(Path(m).resolve(), Path(path).resolve().parent),
                            mimetype=mime, time_origin=origin)
    for a in annotations:
        start = int(round(a["t"] * 1000))
        end = int(round(a["end"] * 1000)) if a.get("end") is not None else start + POINT_MS
        end = max(end, start + POINT_MS)
        tier = a["player"] if a.get("player") in players else "general"
        value = label_of({**a, "player": None})
        eaf.add_annotation(tier, start, end, value)
    # pympi's to_eaf would rename an existing file to .bak and create the new one with the
    # umask's permissions: the document goes into a new owner-only file instead
    from xml.etree import ElementTree

    with open_new(Path(path), "xb") as f:
        ElementTree.ElementTree(pympi.Elan.to_adocument(eaf)).write(
            f, xml_declaration=True, encoding="UTF-8")
    return early


def read_eaf(path: Path, *, players: list[str]) -> list[dict[str, Any]]:
    """Annotations from every tier; a tier named like a player sets the player."""
    import pympi

    try:
        eaf = pympi.Elan.Eaf(str(path))
    except Exception as exc:  # noqa: BLE001 - pympi raises many types for bad XML
        raise SessionFormatError(f"{Path(path).name} is not a readable ELAN file ({exc})") from None
    out = []
    for tier in eaf.get_tier_names():
        for item in eaf.get_annotation_data_for_tier(tier):
            start, end, value = item[0], item[1], item[2]
            parsed = parse_label(value or "")
            if tier in players:
                parsed["player"] = tier
            parsed["t"] = start / 1000.0
            parsed["end"] = end / 1000.0 if end - start > POINT_MS else None
            out.append(parsed)
    out.sort(key=lambda a: a["t"])
    return out
