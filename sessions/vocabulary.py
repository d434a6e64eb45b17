"""The annotation vocabulary: tags a practice agrees on.

Tags are ``dimension:value`` (e.g. ``autonomy:leader``) or plain words
(``marker``, ``note``, ``laughter``).  The default vocabulary holds Bruscia's
Improvisation Assessment Profiles (IAP; Bruscia 1987, *Improvisational Models
of Music Therapy*, ch. 25-27): six profiles, each a gradient of five levels
from one extreme to the other, with the middle as the balanced level.  A
practice extends it in ``<store>/vocabulary.json``::

    {"dimensions": {"mood": ["calm", "agitated"]}, "tags": ["laughter"]}

Tags outside the vocabulary are refused with the list of known tags, so a
typo never creates a new category silently; ``--new-tag`` on the command line
(or :func:`extend`) adds one deliberately.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sessions.errors import InvalidArgumentError
from sessions.fsutil import atomic_write_json, read_json

VOCABULARY_FILE = "vocabulary.json"

# Bruscia's IAP profiles with their five-level gradients (extreme, ..., extreme).
IAP_PROFILES: dict[str, list[str]] = {
    "integration": ["undifferentiated", "fused", "integrated", "differentiated",
                    "overdifferentiated"],
    "variability": ["rigid", "stable", "variable", "contrasting", "random"],
    "tension": ["hypotense", "calm", "cyclic", "tense", "hypertense"],
    "congruence": ["withdrawn", "congruent", "centered", "incongruent", "polarized"],
    "salience": ["obliterated", "receding", "conforming", "controlling", "overpowering"],
    "autonomy": ["dependent", "follower", "partner", "leader", "resister"],
}
PLAIN_TAGS = ["marker", "note", "suggestion", "solo", "silence", "turn", "imitation"]


def load(store_root: Path) -> dict[str, Any]:
    """The default vocabulary merged with the practice's extensions."""
    dims = {k: list(v) for k, v in IAP_PROFILES.items()}
    plain = list(PLAIN_TAGS)
    path = Path(store_root) / VOCABULARY_FILE
    if path.exists():
        extra = read_json(path)
        for dim, values in (extra.get("dimensions") or {}).items():
            dims.setdefault(dim, [])
            dims[dim] += [v for v in values if v not in dims[dim]]
        plain += [t for t in extra.get("tags") or [] if t not in plain]
    return {"dimensions": dims, "tags": plain}


def all_tags(vocab: dict[str, Any]) -> list[str]:
    return [f"{d}:{v}" for d, vs in vocab["dimensions"].items() for v in vs] + vocab["tags"]


#: How a tag joins the vocabulary: with an annotation that uses it first.
_ADD_NEW = ("a new tag joins the vocabulary with an annotation that uses it (the session "
            "page's New tag field, or improv annotate --new-tag TAG)")


def check_tags(tags: list[str], vocab: dict[str, Any]) -> list[str]:
    """Return the tags if all are known; else raise naming the unknown ones."""
    known = set(all_tags(vocab))
    unknown = [t for t in tags if t not in known]
    if unknown:
        # a value of a dimension given without it ("leader"): name the tags it is
        for t in unknown:
            meant = [f"{d}:{t}" for d, vs in vocab["dimensions"].items() if t in vs]
            if meant:
                raise InvalidArgumentError(
                    f"unknown tag {t}: did you mean {' or '.join(meant)}?", parameter="tags")
        # a known dimension with a value it does not have: list the values it has
        for t in unknown:
            dim, _, _ = t.partition(":")
            if dim in vocab["dimensions"] and t.count(":") == 1:
                raise InvalidArgumentError(
                    f"unknown tag {t}: {dim} takes {', '.join(vocab['dimensions'][dim])}; "
                    f"{_ADD_NEW}", parameter="tags")
        dims = ", ".join(vocab["dimensions"])
        raise InvalidArgumentError(
            f"unknown tag(s) {', '.join(unknown)}: use dimension:value with a dimension of "
            f"{dims} (e.g. autonomy:leader), or a plain tag ({', '.join(vocab['tags'])}); "
            f"{_ADD_NEW}", parameter="tags")
    return tags


#: Longest tag [characters]: a label on a timeline, not a sentence (text goes in the note).
MAX_TAG_CHARS = 64
_TAG = re.compile(r"[\w.+-]+(:[\w.+-]+)?")


def check_new_tag(tag: str) -> str:
    """Return ``tag`` if it can join the vocabulary: a word or ``dimension:value`` of letters,
    digits and ``_ . + -`` (any script), at most :data:`MAX_TAG_CHARS` characters."""
    if not isinstance(tag, str) or not _TAG.fullmatch(tag):
        raise InvalidArgumentError(
            f"a tag must be a word or dimension:value without spaces, got {tag!r}",
            parameter="tag")
    if len(tag) > MAX_TAG_CHARS:
        raise InvalidArgumentError(
            f"a tag must have at most {MAX_TAG_CHARS} characters, got {len(tag)} "
            "(longer text belongs in the annotation's note)", parameter="tag")
    return tag


def with_new_tags(vocab: dict[str, Any], tags: Iterable[str]) -> dict[str, Any]:
    """A copy of ``vocab`` with ``tags`` added (checked with :func:`check_new_tag`); nothing is
    written: :func:`extend` stores them once the annotation that brings them is valid."""
    dims = {d: list(v) for d, v in vocab["dimensions"].items()}
    plain = list(vocab["tags"])
    for tag in tags:
        dim, sep, value = check_new_tag(tag).partition(":")
        if sep and value not in dims.setdefault(dim, []):
            dims[dim].append(value)
        elif not sep and tag not in plain:
            plain.append(tag)
    return {"dimensions": dims, "tags": plain}


def extend(store_root: Path, tag: str) -> None:
    """Add ``tag`` (``dim:value`` or a plain word) to the practice's vocabulary."""
    path = Path(store_root) / VOCABULARY_FILE
    extra = read_json(path) if path.exists() else {"dimensions": {}, "tags": []}
    dim, sep, value = check_new_tag(tag).partition(":")
    if sep:
        values = extra.setdefault("dimensions", {}).setdefault(dim, [])
        if value not in values:
            values.append(value)
    elif tag not in extra.setdefault("tags", []):
        extra["tags"].append(tag)
    atomic_write_json(path, extra)
