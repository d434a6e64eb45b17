"""Player inputs (``--player`` specs) and saved setups.

A *player input* says which player an input belongs to::

    client=midi:Keyboard            a MIDI input port (index or name substring)
    therapist=audio:Scarlett:2      channel 2 of an audio input device
    client=audio:3:1,2              channels 1 and 2 of audio device 3
    group=audio:system:1-4          channels 1 to 4

Channels are 1-based; without them an audio input records channel 1.
Names may contain ``:`` (JACK ports such as ``a2j:Keyboard``); for audio the
part after the last ``:`` is read as channels only if it looks like channels.

A *setup* is a named list of player inputs, saved in ``<store>/setups.json``
(owner-only, replaced atomically) so a therapist picks it by name; ``percussion`` lists
the specs of its MIDI inputs that are drum kits (absent: none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from improv.errors import ParameterError, UnknownNameError
from sessions.fsutil import atomic_write_json, read_json
from sessions.manifest import MAX_PLAYERS, check_code, check_player_name

SETUPS_FILE = "setups.json"
_CHANNELS_RE = re.compile(r"^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$")
_SETUP_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,47}$")


@dataclass(frozen=True)
class PlayerInput:
    """One input of one player.

    Attributes
    ----------
    player : str
    kind : str
        ``midi`` or ``audio``.
    device : str
        Device index or name substring, as the user wrote it.
    channels : tuple of int
        1-based audio channels (empty for MIDI).
    percussion : bool
        A MIDI input that is a drum kit: its notes are drums on every channel
        (``midi.ports[].percussion`` of the session, docs/session-format.md). Not part of
        :attr:`spec`; a setup keeps it in its own list.
    """

    player: str
    kind: str
    device: str
    channels: tuple[int, ...] = ()
    percussion: bool = False

    @property
    def spec(self) -> str:
        """The ``--player`` form of this input."""
        if self.kind == "midi":
            return f"{self.player}=midi:{self.device}"
        return f"{self.player}=audio:{self.device}:{_format_channels(self.channels)}"


def _format_channels(channels: tuple[int, ...]) -> str:
    return ",".join(str(c) for c in channels)


def _strip_quotes(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        s = s[1:-1]
    return s


def parse_channels(text: str) -> tuple[int, ...]:
    """``"1,3-4"`` -> ``(1, 3, 4)``; raises ParameterError on anything else."""
    if not _CHANNELS_RE.match(text):
        raise ParameterError(f"channels must look like 1 or 1,2 or 1-4, got {text!r}")
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = (int(x) for x in part.split("-"))
            if b < a:
                raise ParameterError(f"channel range must be ascending, got {part.strip()!r}")
            out.extend(range(a, b + 1))
        else:
            out.append(int(part))
    if any(c < 1 for c in out):
        raise ParameterError(f"channels are numbered from 1, got {text!r}")
    if len(set(out)) != len(out):
        raise ParameterError(f"channels must not repeat, got {text!r}")
    return tuple(out)


def parse_player_spec(spec: str) -> PlayerInput:
    """Parse a ``--player`` value such as ``client=midi:"Keyboard"``.

    Raises
    ------
    ParameterError
        With the expected form and the value.
    """
    form = "PLAYER=midi:PORT or PLAYER=audio:DEVICE[:CHANNELS]"
    if "=" not in spec:
        raise ParameterError(f"player input must be {form}, got {spec!r}", parameter="player")
    player, rest = spec.split("=", 1)
    player = player.strip()
    try:
        check_player_name(player)
    except ValueError as exc:
        raise ParameterError(f"player input {spec!r}: {exc}", parameter="player") from None
    if ":" not in rest:
        raise ParameterError(f"player input must be {form}, got {spec!r}", parameter="player")
    kind, target = rest.split(":", 1)
    kind = kind.strip().lower()
    if kind == "midi":
        device = _strip_quotes(target)
        if not device:
            raise ParameterError(f"player input {spec!r}: the MIDI port name is empty",
                                 parameter="player")
        return PlayerInput(player, "midi", device)
    if kind == "audio":
        channels: tuple[int, ...] = (1,)
        device = target
        if ":" in target:
            head, tail = target.rsplit(":", 1)
            if _CHANNELS_RE.match(tail):
                device, channels = head, parse_channels(tail)
        device = _strip_quotes(device)
        if not device:
            raise ParameterError(f"player input {spec!r}: the audio device name is empty",
                                 parameter="player")
        return PlayerInput(player, "audio", device, channels)
    raise ParameterError(f"player input kind must be midi or audio, got {kind!r} in {spec!r}",
                         parameter="player")


def check_inputs(inputs: list[PlayerInput]) -> None:
    """Reject an empty list, more players than a session may have
    (:data:`sessions.manifest.MAX_PLAYERS`, as an import refuses them) and the same channel
    or port given to two players."""
    if not inputs:
        raise ParameterError(
            "no inputs: give a player input PLAYER=midi:PORT or PLAYER=audio:DEVICE:CHANNELS, "
            "or a saved setup (see 'improv devices' and 'improv setups list')", parameter="player"
        )
    players = list(dict.fromkeys(i.player for i in inputs))
    if len(players) > MAX_PLAYERS:
        raise ParameterError(
            f"a session may have at most {MAX_PLAYERS} players, these inputs give "
            f"{len(players)} ({', '.join(players[:3])}, ...): give one player name to the "
            "inputs of one person, or record the others in a second session",
            parameter="player")
    seen: dict[tuple, str] = {}
    for i in inputs:
        keys = [("midi", i.device.lower())] if i.kind == "midi" else [
            ("audio", i.device.lower(), c) for c in i.channels
        ]
        for k in keys:
            if k in seen:
                raise ParameterError(
                    f"input {i.spec!r} repeats {seen[k]!r}: "
                    "each port or channel belongs to one player"
                )
            seen[k] = i.spec


# -- saved setups -----------------------------------------------------------------------


def _path(root: Path) -> Path:
    return Path(root) / SETUPS_FILE


def load_setups(root: Path) -> dict[str, dict[str, Any]]:
    """All saved setups of the store at ``root``: name -> setup dict."""
    path = _path(root)
    if not path.exists():
        return {}
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("setups"), dict):
        raise ParameterError(f"{path} is not a setups file; move it away to start afresh")
    return data["setups"]


def check_setup_name(name: str) -> str:
    if not isinstance(name, str) or not _SETUP_NAME_RE.fullmatch(name):
        raise ParameterError(
            "setup name must be 1-48 letters, digits, spaces, '_', '.' or '-', "
            f"got {name!r}"
        )
    return name


def save_setup(root: Path, name: str, *, inputs: list[PlayerInput],
               options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Save (or replace) setup ``name``; returns it.

    Parameters
    ----------
    root : Path
        Store folder.
    inputs : list of PlayerInput
    options : dict, optional
        Recording options kept with the setup (``midi_api``, ``audio_api``,
        ``jack_server`` ...).
    """
    from improv.capture.devices import check_api_names

    check_setup_name(name)
    check_inputs(inputs)
    check_api_names(midi_api=(options or {}).get("midi_api"),
                    audio_api=(options or {}).get("audio_api"))
    setups = load_setups(root)
    setup = {
        "players": [i.spec for i in inputs],
        **({"percussion": kits} if (kits := [i.spec for i in inputs if i.percussion]) else {}),
        "options": {k: v for k, v in (options or {}).items() if v is not None},
        "saved_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    setups[name] = setup
    atomic_write_json(_path(root), {"version": 1, "setups": setups})
    return setup


def get_setup(root: Path, name: str) -> dict[str, Any]:
    """A saved setup; raises ParameterError listing the saved names if unknown."""
    setups = load_setups(root)
    if name not in setups:
        lower = {k.lower(): k for k in setups}
        if name.lower() in lower:
            return setups[lower[name.lower()]]
        have = ", ".join(sorted(setups)) or "none saved yet"
        raise UnknownNameError(
            f"no setup named {name!r} (saved: {have}); save one with 'improv setups save'"
        )
    return setups[name]


def setup_inputs(setup: dict[str, Any]) -> list[PlayerInput]:
    """The inputs of a saved setup, its drum kits marked."""
    kits = set(setup.get("percussion", []))
    return [replace(i, percussion=True) if s in kits and i.kind == "midi" else i
            for s in setup.get("players", []) for i in [parse_player_spec(s)]]


def mark_kits(inputs: list[PlayerInput], kits: list[PlayerInput]) -> list[PlayerInput]:
    """``inputs`` with those of ``kits`` (MIDI inputs) marked as drum kits."""
    return [replace(i, percussion=True) if i in kits or i.percussion else i for i in inputs]


def mark_kit_specs(inputs: list[PlayerInput], specs: list[str]) -> list[PlayerInput]:
    """``inputs`` with the MIDI inputs whose :attr:`~PlayerInput.spec` is among ``specs``
    marked as drum kits (the Record page sends the rows it ticked).

    Raises
    ------
    ParameterError
        For a spec that is no MIDI input of ``inputs``.
    """
    midi = {i.spec for i in inputs if i.kind == "midi"}
    for s in specs:
        if s not in midi:
            raise ParameterError(
                f"drum kit {s!r} is not one of the MIDI inputs to record: tick Drum kit on a "
                "MIDI input's row", parameter="percussion")
    return mark_kits(inputs, [i for i in inputs if i.spec in specs])


def delete_setup(root: Path, name: str) -> None:
    setups = load_setups(root)
    get_setup(root, name)
    key = name if name in setups else {k.lower(): k for k in setups}[name.lower()]
    del setups[key]
    atomic_write_json(_path(root), {"version": 1, "setups": setups})


def recording_inputs(root: Path, *, setup: str | None = None, players=(),
                     options: dict[str, Any] | None = None
                     ) -> tuple[list[PlayerInput], dict[str, Any]]:
    """The inputs and options a recording starts with: a saved setup's inputs (if ``setup``
    names one), then those of the player ``players`` specs; the ``options`` given (not None)
    win over the setup's.

    Returns
    -------
    (list of PlayerInput, dict)
    """
    opts = {k: v for k, v in (options or {}).items() if v is not None}
    inputs: list[PlayerInput] = []
    if setup:
        s = get_setup(root, setup)
        inputs.extend(setup_inputs(s))
        for k, v in s.get("options", {}).items():
            opts.setdefault(k, v)
    inputs.extend(parse_player_spec(p) for p in players)
    return inputs, opts


def check_codes(client: str, therapist: str | None = None) -> None:
    """Check the client's and the therapist's pseudonym codes before a recording starts.

    Raises
    ------
    improv.errors.ParameterError
    """
    try:
        check_code(client, what="client")
        if therapist:
            check_code(therapist, what="therapist")
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
