"""The channels and sample rate of what the desktop's sound server records from.

On a Linux desktop the ALSA devices ``pulse`` and ``pipewire`` (and ``default``, which goes
through the same server while it runs) are not sound cards: they are doors into the sound
server (PulseAudio, or PipeWire in its place; the rule is
:func:`improv.capture.sound_system.is_door`).  PortAudio lists each with 32 input channels
(the most its ALSA plug-in layer takes) and at 44.1 kHz whatever the server runs at.  Channels
beyond the server's own record copies or digital silence, and choosing channel 32 writes a
32-channel file (about 17 GB an hour at 44.1 kHz).  What such a device records is the server's
*default source* (the microphone chosen in the computer's sound settings), so
:func:`with_server_source` lists it with that source's channels and rate.

The server is asked with ``pactl`` (``pactl info`` names the default source; ``pactl list
short sources`` gives its sample specification, e.g. ``s16le 2ch 48000Hz``).  Without
``pactl``, or when the server does not answer, such a device is listed with
:data:`FALLBACK_CHANNELS` channels at the rate PortAudio gives.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, Sequence

from improv.capture import sound_system

# The devices are improv.capture.devices.AudioDevice; typed Any here, since that module imports
# this one (one way only: tests/test_rooms.py refuses an import cycle).

__all__ = ["FALLBACK_CHANNELS", "ServerSource", "channel_names", "default_source",
           "is_server_device", "with_server_source"]

FALLBACK_CHANNELS = 2
"""Channels of a sound-server device when the server cannot be asked (most sources are stereo)."""
PACTL_TIMEOUT_S = 1.0
"""Longest wait [seconds] for one ``pactl`` answer."""

_SPEC = re.compile(r"\b(\d+)ch\s+(\d+)Hz\b")


@dataclass(frozen=True)
class ServerSource:
    """The sound server's default source.

    Attributes
    ----------
    name : str
        The source's name on the server (e.g. ``alsa_input.usb-...analog-stereo``).
    channels : int
    samplerate : int [Hz]
    """

    name: str
    channels: int
    samplerate: int


def is_server_device(device: Any, *, listed: Sequence[Any] = ()) -> bool:
    """Whether ``device`` is a door into the sound server: ALSA's ``pulse`` or ``pipewire``,
    or ALSA's ``default`` while one of those is ``listed`` too (the server runs, and the
    desktop's ALSA default goes through it); the rule is
    :func:`improv.capture.sound_system.is_door`."""
    runs = sound_system.door_listed((d.name, d.hostapi) for d in listed)
    return sound_system.is_door(device.name, hostapi=device.hostapi, server_runs=runs)


def _pactl(*args: str) -> str | None:
    exe = shutil.which("pactl")
    if exe is None:
        return None
    try:
        r = subprocess.run([exe, *args], capture_output=True, text=True,
                           timeout=PACTL_TIMEOUT_S, env={**os.environ, "LC_ALL": "C"},
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout if r.returncode == 0 else None


def default_source() -> ServerSource | None:
    """The server's default source, asked with ``pactl``; None when ``pactl`` is missing,
    the server does not answer, or its answer cannot be read."""
    info = _pactl("info")
    if info is None:
        return None
    name = next((line.partition(":")[2].strip() for line in info.splitlines()
                 if line.startswith("Default Source:")), "")
    sources = _pactl("list", "short", "sources") or ""
    for line in sources.splitlines():
        fields = line.split("\t")
        if len(fields) >= 4 and fields[1] == name:
            spec = _SPEC.search(fields[3])
            if spec:
                return ServerSource(name, int(spec.group(1)), int(spec.group(2)))
    # a default source not among the sources (being switched): the server's own default
    spec = next((_SPEC.search(line) for line in info.splitlines()
                 if line.startswith("Default Sample Specification:")), None)
    if name and spec:
        return ServerSource(name, int(spec.group(1)), int(spec.group(2)))
    return None


def with_server_source(devices: Sequence[Any], *,
                       source: ServerSource | None | bool = True) -> list[Any]:
    """``devices``, each door into the sound server (:func:`is_server_device`) with the input
    channels and sample rate of the server's default source.

    Parameters
    ----------
    devices : list of AudioDevice
        As PortAudio lists them.
    source : ServerSource, None or True
        The default source; True (the default) asks the server (only when a door is listed);
        None: it cannot be known (:data:`FALLBACK_CHANNELS` channels, PortAudio's rate).
    """
    doors = [d for d in devices if d.input_channels > 0 and is_server_device(d, listed=devices)]
    if not doors:
        return list(devices)
    if source is True:
        source = default_source()
    channels = source.channels if source else FALLBACK_CHANNELS
    out = []
    for d in devices:
        if d in doors:
            d = dataclasses.replace(
                d, input_channels=min(d.input_channels, channels),
                default_samplerate=float(source.samplerate) if source else d.default_samplerate)
        out.append(d)
    return out


def channel_names(channels: int) -> list[str]:
    """The channels of a sound-server device in words: ``left``, ``right`` for two, ``mono``
    for one; else ``channel 1`` ... (the source's channel map is not asked for).

    Examples
    --------
    >>> channel_names(2)
    ['left', 'right']
    """
    if channels == 1:
        return ["mono"]
    if channels == 2:
        return ["left", "right"]
    return [f"channel {i + 1}" for i in range(channels)]
