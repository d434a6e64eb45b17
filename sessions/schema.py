"""The types of a manifest's optional fields and of the recording journal's entries.

:func:`sessions.manifest.validate` checks the fields every manifest has; a folder copied in
from elsewhere may carry any value in the others (``"warnings": 5``, ``"smf": "x"``), which
the commands would then trip over one by one.  :func:`check_optional_fields` refuses them on
read with a one-line :class:`SessionFormatError`, so the session is reported and the others
carry on.  :func:`journal_entry_problem` does the same for each line of ``journal.jsonl``
(a malformed entry is dropped from recovery and counted, never a ``KeyError``).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from sessions.errors import SessionFormatError


def _is_num(v: Any) -> bool:
    return (not isinstance(v, bool) and isinstance(v, (int, float))
            and math.isfinite(v))


def _is_count(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, int) and v >= 0


def _list_of(kind: type):
    return lambda v: isinstance(v, list) and all(isinstance(x, kind) for x in v)


def _optional(test):
    return lambda v: v is None or test(v)


def _dict_of(test):
    return lambda v: isinstance(v, dict) and all(
        isinstance(k, str) and test(x) for k, x in v.items())


def _is_port(v: Any) -> bool:
    # "percussion" (optional, since December 2026): true for a MIDI input marked as a drum kit
    return (isinstance(v, dict) and isinstance(v.get("name"), str)
            and isinstance(v.get("player"), str)
            and isinstance(v.get("percussion", False), bool))


def _is_name(v: Any) -> bool:
    # a stored player's name (sessions.manifest.check_player_name with stored=True)
    return isinstance(v, str) and bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}", v))


def _is_gap(v: Any) -> bool:
    return isinstance(v, dict) and _is_num(v.get("t")) and _is_count(v.get("frames"))


def _is_anchor(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(_is_num(x) for x in v)


def _is_event(v: Any) -> bool:
    if not isinstance(v, dict):
        return False
    if v.get("kind") == "warnings":
        return _list_of(str)(v.get("messages", []))
    return True


def _is_smf(v: Any) -> bool:
    return isinstance(v, dict) and isinstance(v.get("file"), str) and _optional(_is_count)(
        v.get("skipped_non_smf_messages"))


def _is_utc(v: Any) -> bool:
    if not isinstance(v, str) or len(v) > 40:
        return False
    try:
        datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


# field -> (test, what it must be); a missing field passes
_TOP = {
    "started_utc": (_is_utc, "a date and time (ISO 8601)"),
    "title": (_optional(lambda v: isinstance(v, str)), "text or null"),
    "source": (lambda v: isinstance(v, str), "text"),
    "demo": (lambda v: isinstance(v, bool), "true or false"),
    "warnings": (_list_of(str), "a list of texts"),
    "events": (_list_of(dict), "a list of objects"),
    "smf": (_optional(_is_smf), "null or an object with a 'file'"),
    "checksums": (_dict_of(lambda v: isinstance(v, str)), "an object of texts"),
    "recovery": (_optional(lambda v: isinstance(v, dict)), "null or an object"),
    "settings": (_optional(lambda v: isinstance(v, dict)), "null or an object"),
    # renamed players (since December 2026): recorded name -> current name
    "player_names": (lambda v: isinstance(v, dict) and all(
        _is_name(k) and _is_name(x) for k, x in v.items()), "an object of player names"),
}
_MIDI = {
    "file": (lambda v: isinstance(v, str), "text"),
    "ports": (lambda v: isinstance(v, list) and all(_is_port(p) for p in v),
              "a list of ports with a 'name', a 'player' and (if any) 'percussion' true or "
              "false"),
    "events": (_is_count, "a whole number >= 0"),
    "counters": (_dict_of(_is_count), "an object of whole numbers"),
}
_AUDIO = {
    "drift_ppm": (_optional(_is_num), "a number or null"),
    "clock_residual_ms_max": (_optional(_is_num), "a number or null"),
    "overflows": (_is_count, "a whole number >= 0"),
    "gaps": (lambda v: isinstance(v, list) and all(_is_gap(g) for g in v),
             "a list of gaps with 't' and 'frames'"),
    "anchors": (lambda v: isinstance(v, list) and all(_is_anchor(a) for a in v),
                "a list of [frame, t] pairs"),
    "compressed": (_optional(lambda v: isinstance(v, dict)), "null or an object"),
    "players": (_dict_of(lambda v: isinstance(v, list) and v and all(
        _is_count(c) and c >= 1 for c in v)), "an object of channel numbers (1, 2, ...)"),
}


def _check(d: dict, fields: dict, where: str) -> None:
    for key, (test, need) in fields.items():
        if key in d and not test(d[key]):
            raise SessionFormatError(f"{where}: {key!r} must be {need}, got "
                                     f"{_short(d[key])}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_optional_fields(manifest: dict) -> None:
    """Raise :class:`SessionFormatError` for an optional manifest field of the wrong type.

    Called by :func:`sessions.manifest.validate` after the required fields are checked.
    """
    _check(manifest, _TOP, "session.json")
    if not all(_is_event(e) for e in manifest.get("events", [])):
        raise SessionFormatError("session.json: a 'warnings' event must hold a list of texts")
    _check(manifest["midi"], _MIDI, "session.json: 'midi'")
    if "ports" not in manifest["midi"]:
        raise SessionFormatError("session.json: 'midi' lacks 'ports'")
    done = manifest.get("status") != "recording"  # completed: its counts are written
    if done and "file" not in manifest["midi"]:
        raise SessionFormatError("session.json: 'midi' lacks 'file'")
    for audio in manifest["audio"]:
        _check(audio, _AUDIO, f"session.json: audio {audio['name']!r}")
        if done and "frames" not in audio:
            raise SessionFormatError(f"session.json: audio {audio['name']!r} lacks 'frames'")


# journal kind -> fields it needs, with their tests
_ENTRY = {
    "anchor": {"input": lambda v: isinstance(v, str), "frame": _is_num, "t": _is_num},
    "gap": {"input": lambda v: isinstance(v, str), "t": _is_num, "frames": _is_count},
    "overflow": {"input": lambda v: isinstance(v, str), "count": _is_count},
    "count": {"name": lambda v: isinstance(v, str), "n": _is_count},
}
_ENTRY_OPTIONAL = {"overflow": ("count",), "count": ("n",)}


def journal_entry_problem(entry: Any) -> str | None:
    """Why a journal entry is malformed (a field missing or of the wrong type), or None."""
    if not isinstance(entry, dict):
        return "not an object"
    kind = entry.get("kind")
    if not isinstance(kind, str):
        return "no 'kind'"
    if not isinstance(entry.get("input", ""), str):
        return f"{kind} entry: 'input' must be text"
    optional = _ENTRY_OPTIONAL.get(kind, ())
    for key, test in _ENTRY.get(kind, {}).items():
        if key not in entry and key in optional:
            continue
        if not test(entry.get(key)):
            return f"{kind} entry: {key!r} missing or malformed"
    if kind == "warnings" and not _list_of(str)(entry.get("messages", [])):
        return "warnings entry: 'messages' must be a list of texts"
    return None
