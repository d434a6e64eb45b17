"""Annotations in the formats researchers' tools read.

- Audacity label tracks: ``start<TAB>end<TAB>label`` (seconds; a point has
  start = end).  The label carries the text, then ``#tag`` words and an
  ``@player`` word, so tags and player survive a round trip (see *Labels* below).
  Everything Audacity writes is read: two-column point lines ``start<TAB>label``,
  comma decimals, Windows or old-Mac line ends, and its frequency lines
  (``\\<TAB>low<TAB>high``, skipped).
- ELAN ``.eaf`` (via pympi-ling): one tier per player plus ``general``, the
  session's audio linked as media (``MEDIA_URL`` a ``file:///`` URL as ELAN writes it,
  ``RELATIVE_MEDIA_URL`` relative to the ``.eaf``).  ELAN has no points: a point becomes a
  1 ms annotation and comes back as a point.
- Sonic Visualiser CSV: a ``time,duration,label`` header, then one row per annotation
  (duration 0 for an instant).  SV's CSV import (svcore ``CSVFormat``) takes the separator
  from the first line, recognises the header row because no cell of it is a number, and gives
  the columns their purposes by their headings: start time, duration and label make a
  *regions* layer (without the header it guessed the duration as a value and made a
  time-value layer).  Every label is double-quoted, so that no ``|``, ``,`` or quote in it can
  split it, and its backslashes doubled (SV's reader takes ``\\x`` as ``x``).  SV's own layer
  exports (instants, time values, regions, notes) are read back by
  :func:`from_sonic_visualiser` the way SV reads them.  SV writes a header row
  (``TIME[,VALUE][,DURATION][,LEVEL],LABEL``, svcore ``Event::getStringExportHeaders``;
  ``START,END,EXTENT START,EXTENT END,LABEL`` for a box layer) when 'Include a header row' is
  ticked.  Without it, only the shapes one kind of layer alone writes are read (instants with
  text labels, regions with text labels): the others are refused, saying how to export the
  header (:func:`_sv_layout`), as a time-value layer (time,value,label) cannot be told from
  regions without labels, nor notes from boxes.  A file whose first line is such a header is
  read as a layer whatever its name (:func:`guess_format`).
- CSV and JSON of every field, for analysis in R, pandas or a spreadsheet; both can be
  imported again (:func:`from_csv`, :func:`from_json`).

Labels
------
A label is the annotation's text, then a ``#tag`` word per tag and an ``@player`` word.
Audacity and Sonic Visualiser labels are one line, and a tab ends an Audacity label, so the
text is escaped: a newline is written ``\\n``, a tab ``\\t``, a carriage return ``\\r``;
a ``#`` or ``@`` that starts a word of the text is written ``\\#`` / ``\\@`` (it is text,
not a tag or the player); a backslash before one of ``n t r # @ \\`` is doubled.  Any other
backslash stays as it is, so ``C:\\Users`` reads as written.  In a label typed in Audacity,
``#word`` words are tags and the first ``@word`` the player, wherever they stand.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path
from typing import Any, Iterable

from sessions.errors import InvalidArgumentError, SessionFormatError
from sessions.fsutil import open_new

POINT_MS = 1  # ELAN needs end > start

_CONTROL_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
_UNESCAPE = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "#": "#", "@": "@"}
_UNESCAPE_RE = re.compile(r"\\([ntr\\#@])")
#: What Audacity (wxTextFile) and Sonic Visualiser (QTextStream) end a line with: not the
#: other characters that ``str.splitlines`` also splits at (U+2028, form feed ...).
_LINE_END = re.compile(r"\r\n|\r|\n")


def escape_text(text: str, *, controls: str = "\n\t\r") -> str:
    """The text part of a label: see *Labels* in the module docstring.

    ``controls`` are the characters written as escapes; ELAN's XML carries newlines and
    tabs, but a parser turns a carriage return into a newline."""
    out = []
    for i, ch in enumerate(text):
        nxt = text[i + 1:i + 2]
        if ch == "\\" and nxt and (nxt in _UNESCAPE or nxt in _CONTROL_ESCAPES):
            out.append("\\\\")
        elif ch in controls and ch in _CONTROL_ESCAPES:
            out.append(_CONTROL_ESCAPES[ch])
        elif ch in "#@" and (i == 0 or text[i - 1].isspace()):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def unescape_text(text: str) -> str:
    return _UNESCAPE_RE.sub(lambda m: _UNESCAPE[m.group(1)], text)


def label_of(a: dict[str, Any], *, controls: str = "\n\t\r") -> str:
    """The label of an annotation: escaped text, ``#tag`` words, an ``@player`` word."""
    words = [f"#{t}" for t in a.get("tags") or []]
    if a.get("player"):
        words.append(f"@{a['player']}")
    text = escape_text(a.get("text") or "", controls=controls)
    return " ".join([text, *words]) if text else " ".join(words)


def parse_label(label: str) -> dict[str, Any]:
    """Text, tags (``#tag`` words) and player (the first ``@name`` word) from a label.

    Each tag or player word is removed with one whitespace character before it (the one
    :func:`label_of` puts there) or, at the start, after it; the rest of the text is kept as
    it is and unescaped."""
    pieces = re.split(r"(\s+)", label)  # words at even, whitespace at odd indexes
    tags, player = [], None
    for i in range(0, len(pieces), 2):
        w = pieces[i]
        if len(w) > 1 and w[0] == "#":
            tags.append(w[1:])
        elif len(w) > 1 and w[0] == "@" and player is None:
            player = w[1:]
        else:
            continue
        pieces[i] = ""
        if i > 0 and pieces[i - 1]:
            pieces[i - 1] = pieces[i - 1][:-1]
        elif i + 1 < len(pieces):
            pieces[i + 1] = pieces[i + 1][1:]
    return {"text": unescape_text("".join(pieces)), "tags": tags, "player": player}


def to_audacity(annotations: Iterable[dict[str, Any]]) -> str:
    lines = []
    for a in annotations:
        end = a["end"] if a.get("end") is not None else a["t"]
        lines.append(f"{a['t']:.6f}\t{end:.6f}\t{label_of(a)}\n")
    return "".join(lines)


def _number(cell: str) -> float | None:
    """A time cell as Audacity reads it (a point or a comma as the decimal mark), or None."""
    try:
        return _seconds(cell.strip().replace(",", "."))
    except ValueError:
        return None


def from_audacity(text: str) -> list[dict[str, Any]]:
    """Parse a label track as Audacity's ``ImportLabelStruct`` does.

    A line is ``start<TAB>end<TAB>label`` or, when its second field is not a number,
    ``start<TAB>label`` (a point); fields after the label are ignored.  Lines starting with
    ``\\`` (the frequency range of the label before) and blank lines are skipped.
    """
    out = []
    for number, line in enumerate(_LINE_END.split(text.lstrip("\ufeff")), 1):
        if not line.strip() or line.startswith("\\"):
            continue
        parts = line.split("\t")
        start = _number(parts[0])
        if start is None:
            raise SessionFormatError(
                f"label line {number}: the start must be seconds, got {parts[0]!r} (a label "
                "line is start<TAB>end<TAB>label, or start<TAB>label for a point)")
        end = _number(parts[1]) if len(parts) > 1 else None
        label = (parts[2] if len(parts) > 2 else "") if end is not None else (
            parts[1] if len(parts) > 1 else "")
        end = start if end is None else end
        if end < start:
            raise SessionFormatError(
                f"label line {number}: the end ({end:g} s) is before the start ({start:g} s)")
        item = parse_label(label)
        item.update(t=start, end=end if end > start else None)
        out.append(item)
    return out


SV_HEADER = ("time", "duration", "label")


def _sv_quote(label: str) -> str:
    escaped = label.replace("\\", "\\\\").replace('"', '""')
    return f'"{escaped}"'


def to_sonic_visualiser(annotations: Iterable[dict[str, Any]]) -> str:
    """A CSV that Sonic Visualiser imports as a regions layer (see the module docstring)."""
    lines = [",".join(SV_HEADER)]
    for a in annotations:
        dur = (a["end"] - a["t"]) if a.get("end") is not None else 0.0
        lines.append(f"{a['t']:.6f},{dur:.6f},{_sv_quote(label_of(a))}")
    return "\n".join(lines) + "\n"


#: The header of a time-instants layer: svcore's ``CSVFormat`` takes a header row (no cell a
#: number) as headings, gives the ``time`` column the start-time purpose (seconds: the cells
#: are not large integers) and the ``label`` column the label purpose; with no value column
#: the model is one-dimensional, a time-instants layer.
SV_INSTANTS_HEADER = ("time", "label")


def to_sv_instants(times: Iterable[float], *, labels: Iterable[str] | None = None) -> str:
    """A CSV that Sonic Visualiser imports as a time-instants layer (e.g. beats).

    Parameters
    ----------
    times : iterable of float [seconds]
        Increasing instants.
    labels : iterable of str, optional
        One label per instant (default: the count from 1, as beat numbers).

    Examples
    --------
    >>> print(to_sv_instants([0.5, 1.0]), end="")
    time,label
    0.500000,"1"
    1.000000,"2"
    """
    times = list(times)
    labels = [str(i) for i in range(1, len(times) + 1)] if labels is None else list(labels)
    if len(labels) != len(times):
        raise InvalidArgumentError(
            f"labels must give one label per time, got {len(labels)} for {len(times)}")
    lines = [",".join(SV_INSTANTS_HEADER)]
    lines += [f"{t:.6f},{_sv_quote(label)}" for t, label in zip(times, labels, strict=True)]
    return "\n".join(lines) + "\n"


def _sv_split(line: str, sep: str) -> list[str]:
    """One line into fields as svcore's ``StringBits::splitQuoted`` does (EscapeAny): a field
    may be '...' or "..." quoted, a doubled quote or a backslash escapes the next
    character; with a space as separator, runs of whitespace separate."""
    fields, tok, mode = [], [], "beg"
    i = 0
    while i < len(line):
        c = line[i]
        if c in "'\"" and mode in ("beg", "sep"):
            mode = c
        elif c in "'\"" and mode == c:
            if line[i + 1:i + 2] == c:
                tok.append(c)
                i += 1
            else:
                mode = "unq"
        elif (c == sep or (sep == " " and c.isspace())) and mode not in ("'", '"'):
            if mode == "unq" or (mode in ("beg", "sep") and not (sep == " " and mode == "sep")):
                fields.append("".join(tok))
                tok = []
            mode = "sep"
        elif c == "\\":
            i += 1
            if i < len(line):
                tok.append(line[i])
                mode = "unq" if mode in ("beg", "sep") else mode
        else:
            tok.append(c)
            mode = "unq" if mode in ("beg", "sep") else mode
        i += 1
    if tok or mode != "beg":
        fields.append((mode if mode in ("'", '"') else "") + "".join(tok))
    return fields


#: The longest field read [characters] (the limit of Python's csv module, which SV files were
#: read with before): a longer one is no label a person wrote.
SV_MAX_FIELD = 131_072


def _sv_lines(text: str) -> list[str]:
    """The lines SV reads: split at any line end, without blank and ``#`` comment lines."""
    return [ln for ln in _LINE_END.split(text.lstrip("\ufeff"))
            if ln.strip() and not ln.startswith("#")]


def _sv_separator(first: str) -> str:
    """SV's guess: the first of tab, ``|``, comma, ``/``, ``:``, space that splits the first
    line into two fields or more."""
    return next((c for c in "\t|,/: " if len(_sv_split(first, c)) >= 2), ",")


def _sv_refuse(width: int, kinds: str, examples: str) -> SessionFormatError:
    """The refusal of a headerless file whose columns SV's own exports do not settle."""
    return SessionFormatError(
        f"the Sonic Visualiser file has rows of {width} columns and no header row, so what "
        f"its columns hold is unknown ({kinds}): export the layer again with 'Include a "
        "header row before the data rows' ticked, or add a first line that names the "
        f"columns, such as {examples}")


#: The second cell of an image layer's row: the image's file (SV's ``ImageModel``).
_SV_IMAGE = re.compile(r"\.(png|jpe?g|gif|bmp|svg|tiff?|webp)$", re.IGNORECASE)


def _sv_layout(rows: list[list[str]]) -> tuple[int, int | None, int | None]:
    """(time, duration, label) column indexes of a headerless file, from the rows SV writes
    for each kind of layer (svcore ``Event::toStringExportRow``; the label is left out of a
    row whose label is empty):

    - instants: ``time[,label]``; time values: ``time,value[,label]``; text:
      ``time,height[,label]``; images: ``time,image[,label]``;
    - regions: ``time,value,duration[,label]``;
    - notes: ``time,value,duration,level[,label]``; boxes (time-frequency):
      ``start,end,extent start,extent end[,label]``.

    Only what one kind alone writes is read: one column (instants); two where a second cell
    is text or a row has one column (instants: a time value always has its value), unless
    every second cell names an image file (an image layer, refused); four
    where a fourth cell is text (regions: a note's level and a box's extent are numbers).
    Anything else is refused, naming what it may be: reading a value as a duration, or a
    level as a label, would import wrong ranges or texts without a word."""
    width = max(len(r) for r in rows)
    text_in = [any(len(r) > i and not _is_number(r[i]) for r in rows) for i in range(width)]
    if width == 1:
        return 0, None, None
    if width == 2:
        if any(len(r) == 2 for r in rows) and all(
                _SV_IMAGE.search(r[1].strip()) for r in rows if len(r) == 2):
            # an image layer whose labels are empty writes time,image: its files' names are
            # no labels of the session (and may name a person)
            raise SessionFormatError(
                "the Sonic Visualiser file is an image layer (time, image file): improv takes "
                "time instants, regions and notes; export one of those layers instead")
        if text_in[1] or any(len(r) == 1 for r in rows):
            return 0, None, 1
        raise _sv_refuse(2, "time,value as a time-value layer writes where its labels are "
                         "empty, or time,label as time instants labelled with numbers",
                         "time,value or time,label")
    if width == 3:
        raise _sv_refuse(3, "time,value,label as a time-value layer writes, time,height,label "
                         "as a text layer, or time,value,duration as a regions layer without "
                         "labels", "time,value,label or time,duration,label")
    if width == 4:
        if text_in[3]:
            return 0, 2, 3
        raise _sv_refuse(4, "time,value,duration,level as a notes layer without labels "
                         "writes, start,end,extent start,extent end as a box layer without "
                         "labels, or time,value,duration,label as regions labelled with "
                         "numbers", "TIME,VALUE,DURATION,LEVEL or TIME,VALUE,DURATION,LABEL")
    if width == 5:
        raise _sv_refuse(5, "time,value,duration,level,label as a notes layer writes, or "
                         "start,end,extent start,extent end,label as a box layer",
                         "TIME,VALUE,DURATION,LEVEL,LABEL or START,END,EXTENT START,EXTENT "
                         "END,LABEL")
    raise SessionFormatError(
        f"the Sonic Visualiser file has rows of {width} columns and no header row, and no "
        "annotation layer has more than 5: export an instants, regions or notes layer with "
        "'Include a header row before the data rows' ticked")


def _sv_columns(header: list[str] | None, rows: list[list[str]]) -> tuple[
        int, int | None, int | None, bool]:
    """(time, duration or end, label, is_end) column indexes, from the headings as SV gives
    purposes to them (a box layer's ``START,END``: start and end time), or from the rows of a
    headerless file (:func:`_sv_layout`)."""
    if header is None:
        t, d, lab = _sv_layout(rows)
        return t, d, lab, False
    names = [(h.split() or [""])[0].lower() for h in header]
    if {"frame", "startframe", "endframe"} & set(names):
        raise SessionFormatError(
            "the Sonic Visualiser layer has times in audio frames: export it again with "
            "times in seconds (untick 'write times in frames')")
    if "time" not in names and names[:2] == ["start", "end"]:  # a box layer
        names[:2] = ["time", "endtime"]
    t = names.index("time") if "time" in names else 0
    dur = names.index("duration") if "duration" in names else None
    end = names.index("endtime") if "endtime" in names else None
    lab = names.index("label") if "label" in names else None
    return t, dur if dur is not None else end, lab, dur is None and end is not None


def from_sonic_visualiser(text: str) -> list[dict[str, Any]]:
    """Parse a Sonic Visualiser annotation layer exported as CSV.

    Read as SV's CSV import reads it: the separator guessed from the first line, quoted
    fields and backslash escapes, an optional header row (no cell a number) whose headings
    (``time``, ``duration``, ``endtime``, ``label``, a box layer's ``start`` and ``end``; any
    case) name the columns.  Without a header, the columns are ``time`` (instants without
    labels), ``time,label`` (instants: some label is text, or some row has none) and
    ``time,value,duration,label`` (regions: some label is text); SV leaves the label out of a
    row whose label is empty.  Other headerless shapes are refused (:func:`_sv_layout`).
    Times and durations are seconds.

    Raises
    ------
    sessions.errors.SessionFormatError
        A row whose time or duration is not seconds, times in frames, a header and no rows,
        or rows without a header that more than one kind of layer writes.
    """
    lines = _sv_lines(text)
    if not lines:
        return []
    sep = _sv_separator(lines[0])
    rows = [_sv_split(ln, sep) for ln in lines]  # a label keeps its spaces, as in SV
    longest = max((len(c) for r in rows for c in r), default=0)
    if longest > SV_MAX_FIELD:
        raise SessionFormatError(f"Sonic Visualiser file cannot be read (a field of {longest} "
                                 f"characters; at most {SV_MAX_FIELD})")
    header = rows.pop(0) if all(c.strip() and not _is_number(c) for c in rows[0]) else None
    if header is not None and not rows:  # "0:31.5,label" alone reads as a header
        raise SessionFormatError(
            f"the Sonic Visualiser file has one row ({sep.join(header)!r}), read as a header, "
            "and no rows of annotations: nothing to import (times must be seconds, as Sonic "
            "Visualiser writes them, not minutes:seconds)")
    t_col, d_col, label_col, is_end = _sv_columns(header, rows)
    out = []
    for number, row in enumerate(rows, 1):
        try:
            t = _seconds(row[t_col])
            second = (_seconds(row[d_col]) if d_col is not None and d_col < len(row)
                      and row[d_col].strip() else None)
        except (ValueError, IndexError):
            raise SessionFormatError(
                f"Sonic Visualiser row {number}: time and duration must be seconds, "
                f"got {row!r}") from None
        dur = 0.0 if second is None else (second - t if is_end else second)
        if dur < 0:
            raise SessionFormatError(f"Sonic Visualiser row {number}: negative duration {dur}")
        label = row[label_col] if label_col is not None and label_col < len(row) else ""
        item = parse_label(label)
        item.update(t=t, end=t + dur if dur > 0 else None)
        out.append(item)
    return out


_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def _seconds(cell: str | float) -> float:
    """A time cell (text, or a number of a JSON file) as seconds; ValueError for anything
    else, text that is not an ASCII decimal number included, SessionFormatError (a
    ValueError) for NaN and infinity."""
    if isinstance(cell, bool) or not isinstance(cell, (str, int, float)):
        raise ValueError(cell)
    if isinstance(cell, str) and not _DECIMAL.fullmatch(cell.strip()):
        raise ValueError(cell)  # float() takes "1_0", "١" and full-width digits
    value = float(cell)
    if not math.isfinite(value):
        raise SessionFormatError(cell)
    return value


def _is_number(cell: str) -> bool:
    """Whether a cell is a decimal number as a time or duration must be (ASCII digits only)."""
    return _DECIMAL.fullmatch(cell.strip()) is not None


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


def _record(where: str, t: Any, end: Any, player: Any, tags: Any, text: Any, *,
            by: Any = None, source: Any = None) -> dict[str, Any]:
    """One annotation to import from a CSV row or a JSON object, its types checked; its
    author (``by``) and ``source`` (``manual``, ``suggestion`` …) when the file has them."""
    try:
        start = _seconds(t)
        stop = None if end in (None, "") else _seconds(end)
    except (TypeError, ValueError):
        raise SessionFormatError(f"{where}: t and end must be seconds, got {t!r} and {end!r}"
                                 ) from None
    if stop is not None and stop < start:
        raise SessionFormatError(f"{where}: the end ({stop:g} s) is before the start "
                                 f"({start:g} s)")
    if not isinstance(tags, list) or not all(isinstance(x, str) for x in tags):
        raise SessionFormatError(f"{where}: tags must be a list of words, got {tags!r}")
    for name, value in (("player", player), ("text", text), ("by", by), ("source", source)):
        if value is not None and not isinstance(value, str):
            raise SessionFormatError(f"{where}: {name} must be text, got {value!r}")
    from sessions.annotation_log import SOURCES

    if source and source not in SOURCES:
        raise SessionFormatError(f"{where}: source must be one of {', '.join(SOURCES)}, got "
                                 f"{source!r}")
    out = {"t": start, "end": stop if stop is not None and stop > start else None,
           "player": player or None, "tags": tags, "text": text or ""}
    if by:
        out["by"] = by
    if source:
        out["source"] = source
    return out


def from_csv(text: str) -> list[dict[str, Any]]:
    """Annotations from :func:`to_csv`'s format: a header row naming the columns (at least
    ``t``; ``end``, ``player``, ``tags`` (``;``-separated), ``text``, ``by`` and ``source``
    if present). The author and source (manual, suggestion …) are kept; ids and the file's
    creation and edit times are not: an import makes new annotations."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    if "t" not in (reader.fieldnames or []):
        raise SessionFormatError(
            f"the CSV file has no 't' column (its header: {reader.fieldnames}); "
            "expected the columns of 'improv annotations export --format csv'")
    out = []
    for number, row in enumerate(reader, 2):
        tags = [x for x in (row.get("tags") or "").split(";") if x]
        out.append(_record(f"CSV line {number}", row["t"], row.get("end"), row.get("player"),
                           tags, row.get("text"), by=row.get("by"), source=row.get("source")))
    return out


def from_json(text: str) -> list[dict[str, Any]]:
    """Annotations from :func:`to_json`'s format: a list of objects with ``t`` and
    optionally ``end``, ``player``, ``tags``, ``text``, ``by`` and ``source`` (kept); other
    fields (ids, times of creation and edits) are ignored."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionFormatError(f"not a JSON file ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise SessionFormatError("expected a JSON list of annotations (objects with 't', "
                                 "'end', 'player', 'tags', 'text')")
    return [_record(f"JSON item {i}", a.get("t"), a.get("end"), a.get("player"),
                    a.get("tags") or [], a.get("text"), by=a.get("by"), source=a.get("source"))
            for i, a in enumerate(data, 1)]


#: What ``improv annotations import`` reads: format name -> reader of the file's text.
IMPORT_FORMATS = {"audacity": from_audacity, "sv": from_sonic_visualiser, "csv": from_csv,
                  "json": from_json}


#: The formats by name, for messages.
FORMAT_NAMES = {"audacity": "Audacity labels", "elan": "an ELAN file",
                "sv": "a Sonic Visualiser layer", "csv": "improv's CSV export",
                "json": "improv's JSON export"}


def first_line(text: str) -> str:
    """The first line that is not blank nor a ``#`` comment (SV skips those)."""
    for line in _LINE_END.split(text.lstrip("\ufeff")):
        if line.strip() and not line.startswith("#"):
            return line
    return ""


def is_sv_header(line: str) -> bool:
    """Whether ``line`` is the header row of a Sonic Visualiser layer: no cell a number, the
    first heading ``time`` (``frame`` for times in frames; ``start`` or ``startframe`` for a
    box layer) and the last ``label``, in any case, as SV writes it
    (``TIME,VALUE,DURATION,LABEL``), :func:`to_sonic_visualiser` (``time,duration,label``)
    and :func:`to_sv_instants` (``time,label``)."""
    cells = [c.strip().lower() for c in _sv_split(line, _sv_separator(line))]
    return (len(cells) >= 2 and cells[0] in ("time", "frame", "start", "startframe")
            and cells[-1] == "label"
            and not any(_is_number(c) for c in cells))


def _csv_header(line: str) -> bool:
    return line.startswith("id,t,")


def guess_format(name: str, text: str) -> str:
    """The import format of a file by its first line, else by its name.

    A first line that is a Sonic Visualiser header (:func:`is_sv_header`) makes a layer, one
    that starts like :func:`to_csv`'s header this module's CSV, whatever the file's name;
    else ``.eaf`` is ELAN, ``.json`` JSON, ``.csv`` a Sonic Visualiser layer and anything
    else Audacity labels."""
    first = first_line(text)
    if is_sv_header(first):
        return "sv"
    if _csv_header(first):
        return "csv"
    return {".eaf": "elan", ".json": "json", ".csv": "sv"}.get(Path(name).suffix.lower(),
                                                                "audacity")


def likely_format(text: str) -> str | None:
    """The format a file's first line looks like, or None: an SV header or an SV row (a
    number before the first separator), :func:`to_csv`'s header, a JSON list or object, XML
    (ELAN), or a number before a tab (Audacity labels)."""
    first = first_line(text)
    if is_sv_header(first):
        return "sv"
    if _csv_header(first):
        return "csv"
    if first.lstrip().startswith(("[", "{")):
        return "json"
    if first.lstrip().startswith("<"):
        return "elan"
    if "\t" in first and _number(first.split("\t")[0]) is not None:
        return "audacity"
    cells = _sv_split(first, _sv_separator(first))
    return "sv" if len(cells) >= 1 and _is_number(cells[0]) else None


def elan_media_url(path: Path) -> str:
    """``file:///`` and the absolute path, as ELAN writes ``MEDIA_URL``
    (``FileUtility.pathToURLString``: forward slashes, no percent-encoding)."""
    return "file:///" + Path(path).resolve().as_posix().lstrip("/")


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
        rel = os.path.relpath(Path(m).resolve(), Path(path).resolve().parent)
        eaf.add_linked_file(elan_media_url(Path(m)),
                            relpath=rel if rel.startswith("..") else f"./{rel}",
                            mimetype=mime, time_origin=origin)
    for a in annotations:
        start = int(round(a["t"] * 1000))
        end = int(round(a["end"] * 1000)) if a.get("end") is not None else start + POINT_MS
        end = max(end, start + POINT_MS)
        tier = a["player"] if a.get("player") in players else "general"
        value = label_of({**a, "player": None}, controls="\r")
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
