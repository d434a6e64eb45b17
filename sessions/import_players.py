"""Who plays each part of an import, before the therapist confirms it.

A client's sessions are compared by player name, so an import should give the parts of its
files the names the client's sessions already use. :func:`suggest_players` proposes a player
for each track or channel that :func:`sessions.importer.describe_file` lists:

1. with the client's most recent session (:func:`previous_players`): its player whose name,
   or the name of a track or file it played, shares the most words with the part's track name
   (or, for audio, the file's name); then the remaining parts in order, MIDI to the session's
   MIDI players, audio channels to its audio channels (a channel that no one played there is
   left out again); where the order alone placed two or more players of a kind, the page
   asks the therapist to confirm them (the tracks may come in another order than last time,
   and client and therapist would be swapped without a word);
2. else ``client`` or ``therapist`` when the part's track name, or else its file's name, holds
   that word (and not the other);
3. else nobody: the therapist is asked. A name made from a file's name is never proposed.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

#: Players proposed by a word in a track's or file's name (the rule when a client has no
#: session yet).
ROLE_WORDS = ("client", "therapist")


def words(text: str) -> set[str]:
    """The lower-case words of a name: "Piano client" and "piano_Client-2.mid" share
    {"piano", "client"}; a file's suffix is not a word."""
    text = re.sub(r"\.(midi?|smf|wav|wave|flac|ogg|oga|mp3|aiff?|w64|rf64)$", "", str(text),
                  flags=re.IGNORECASE)
    return {w for w in re.split(r"[^a-z0-9]+", text.lower()) if w}


def previous_players(store, client: str | None) -> dict[str, Any] | None:
    """The players of the client's most recent session (not a demo), as slots to match.

    Returns
    -------
    dict or None
        ``id``, ``number`` (the client's running session number), ``started_utc`` and
        ``slots``: ``{"kind": "midi"|"audio", "player": NAME (``""``: an audio channel that
        no one played), "labels": [names it is known by]}`` in the session's order (one per
        MIDI player, one per audio channel). None without a client code or a session.
    """
    if not client:
        return None
    rows = [r for r in store.list(client=client) if not r.get("demo")]
    if not rows:
        return None
    row = rows[0]
    manifest = store.session(row["id"]).manifest
    slots: list[dict[str, Any]] = []
    midi: dict[str, list[str]] = {}
    for port in manifest.get("midi", {}).get("ports", []):
        device = port.get("device") if isinstance(port.get("device"), dict) else {}
        tracks = device.get("tracks") if isinstance(device.get("tracks"), list) else []
        midi.setdefault(port["player"], []).extend(str(t) for t in tracks)
    slots += [{"kind": "midi", "player": p, "labels": [p, *labels]} for p, labels in midi.items()]
    for a in manifest.get("audio", []):
        by_channel = {c: p for p, cs in (a.get("players") or {}).items() for c in cs}
        for c in range(1, int(a.get("channels") or 0) + 1):
            player = by_channel.get(c, "")
            slots.append({"kind": "audio", "player": player,
                          "labels": [x for x in (player, str(a.get("name") or "")) if x]})
    return {"id": row["id"], "number": row.get("number"), "started_utc": row["started_utc"],
            "slots": slots}


def _part_words(f: dict[str, Any], part: dict[str, Any]) -> set[str]:
    """What names a part: a MIDI track's name, an audio file's name."""
    return words(part.get("name") or "") if f["kind"] == "midi" else words(f["name"])


def _role(f: dict[str, Any], part: dict[str, Any]) -> str | None:
    for text in (part.get("name") or "", f["name"]):
        found = [r for r in ROLE_WORDS if r in words(text)]
        if len(found) == 1:
            return found[0]
        if found:
            return None  # both words: ask
    return None


def suggest_players(files: Sequence[dict[str, Any]],
                    previous: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    """A proposed player for each part of each file (see the module's text).

    Parameters
    ----------
    files : sequence of dict
        Descriptions from :func:`sessions.importer.describe_file`, in the order of the import.
    previous : dict or None
        :func:`previous_players` of the client.

    Returns
    -------
    list of list of dict
        Per file, per part: ``player`` (a name; ``""`` to leave the part out; None: ask) and
        ``why`` (``"previous"``: as in the previous session, ``"order"``: as in the previous
        session by the parts' order alone, with another part of the kind placed so too (the
        therapist is asked to confirm: the tracks may come in another order), ``"name"``:
        from a word in the name, None). A MIDI part that plays no note gets none (it goes
        with its file's main player).
    """
    out = [[{"player": None, "why": None} for _ in f["parts"]] for f in files]
    playing = [(i, j) for i, f in enumerate(files) for j, part in enumerate(f["parts"])
               if f["kind"] == "audio" or part.get("notes")]
    if previous:
        slots = previous["slots"]
        free_slots = set(range(len(slots)))
        free_parts = list(playing)
        order = {ij: n for n, ij in enumerate(playing)}
        # 1. by the words of the names: most shared words first, then nearest in order
        ranked = []
        for i, j in playing:
            kind = files[i]["kind"]
            mine = _part_words(files[i], files[i]["parts"][j])
            same_kind = [s for s in range(len(slots)) if slots[s]["kind"] == kind]
            for rank, s in enumerate(same_kind):
                theirs = set().union(*(words(x) for x in slots[s]["labels"]))
                shared = len(mine & theirs)
                if shared:
                    kind_order = [ij for ij in playing if files[ij[0]]["kind"] == kind]
                    ranked.append((-shared, abs(kind_order.index((i, j)) - rank), order[i, j],
                                   s, (i, j)))
        for _, _, _, s, ij in sorted(ranked):
            if s in free_slots and ij in free_parts:
                free_slots.discard(s)
                free_parts.remove(ij)
                out[ij[0]][ij[1]] = {"player": slots[s]["player"], "why": "previous"}
        # 2. the rest in order, each kind to the slots of its kind; where two or more parts of
        # a kind are placed so, only their order says who plays which ("order": the page asks
        # the therapist to confirm, as the files' tracks may be in another order than last time)
        by_order: dict[str, list[tuple[int, int]]] = {}
        for i, j in list(free_parts):
            kind = files[i]["kind"]
            s = next((s for s in sorted(free_slots) if slots[s]["kind"] == kind), None)
            if s is None:
                continue
            free_slots.discard(s)
            free_parts.remove((i, j))
            out[i][j] = {"player": slots[s]["player"], "why": "previous"}
            by_order.setdefault(kind, []).append((i, j))
        for placed in by_order.values():
            if len({out[i][j]["player"] for i, j in placed}) > 1:
                for i, j in placed:
                    out[i][j]["why"] = "order"
    # 3. a role word in the name, else ask
    for i, j in playing:
        if out[i][j]["player"] is None:
            role = _role(files[i], files[i]["parts"][j])
            if role:
                out[i][j] = {"player": role, "why": "name"}
    return out
