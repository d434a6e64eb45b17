"""The desktop's sound system (PulseAudio, or PipeWire in its place): whether an audio device
is its own, and whether it runs now.

On a Linux desktop the ALSA devices ``pulse`` and ``pipewire`` are not sound cards: they are
doors into the sound server, and so is ALSA's ``default`` while the server runs (when it does
not, ALSA's ``default`` falls back to the sound card).  This module holds that rule
(:func:`is_door`) for the whole of improv: :mod:`improv.capture.server_source` lists the doors
with the channels and rate of the server's default source, and here a device that went away
with the server is told apart from an unplugged one (:func:`is_server_device`).

When the server stops, its doors all go away at once, and nothing can be plugged in to bring
them back: the server must be started again (or the person logs out and in).  The Record
page, the live warnings and ``improv record`` say so instead of "plug it in again"
(:func:`stopped_system`).

Whether the server runs is asked of its socket, the way libpulse finds it: ``PULSE_SERVER``
(``unix:/path`` or a path; the first of a list), else ``PULSE_RUNTIME_PATH/native``, else
``XDG_RUNTIME_DIR/pulse/native``.  A socket that refuses the connection or is not there is a
stopped server; a server reached some other way (TCP), or a socket whose folder is missing (no
server ran in this login: a computer whose sound goes through JACK alone) is not judged
(None).
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from typing import Any, Iterable

__all__ = ["DOORS", "SERVER_DEVICES", "door_listed", "is_door", "is_server_device", "running",
           "socket_path", "state", "stopped_system", "system_name"]

DOORS = ("pulse", "pipewire")
"""ALSA devices that are always the sound server's own (its ALSA plug-ins)."""
ALSA_DEFAULT = "default"
"""ALSA's default device: the sound server's while it runs, else the sound card's."""
SERVER_DEVICES = (DOORS[0], ALSA_DEFAULT, DOORS[1])
"""ALSA devices that can be the sound server's own (their names, as the Record page lists
them)."""

CONNECT_TIMEOUT_S = 0.3
"""Longest wait [seconds] for the server's socket to answer."""


def socket_path(env: dict[str, str] | None = None) -> Path | None:
    """The sound server's native socket, as libpulse would find it (None: not a local one)."""
    env = os.environ if env is None else env
    server = env.get("PULSE_SERVER", "").split()
    if server:
        first = server[0]
        if first.startswith("{"):  # "{machine-id}unix:/path": the part after the braces
            first = first.partition("}")[2]
        if first.startswith("unix:"):
            return Path(first[len("unix:"):])
        return Path(first) if first.startswith("/") else None
    if env.get("PULSE_RUNTIME_PATH"):
        return Path(env["PULSE_RUNTIME_PATH"]) / "native"
    if env.get("XDG_RUNTIME_DIR"):
        return Path(env["XDG_RUNTIME_DIR"]) / "pulse" / "native"
    return None


def system_name(env: dict[str, str] | None = None) -> str | None:
    """``PipeWire`` or ``PulseAudio``: the sound system of this computer, by what is installed
    (PipeWire's stand-in for PulseAudio first); None when there is neither."""
    env = os.environ if env is None else env
    if shutil.which("pipewire-pulse"):
        return "PipeWire"
    if shutil.which("pulseaudio") or env.get("PULSE_SERVER"):
        return "PulseAudio"
    return None


def running(env: dict[str, str] | None = None) -> bool | None:
    """Whether the sound server answers on its socket now (None: no local socket to ask, or
    its folder is not there: no server ran in this login, so none is said to have stopped)."""
    path = socket_path(env)
    if path is None or not path.parent.is_dir():
        return None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(CONNECT_TIMEOUT_S)
    try:
        s.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        return False
    except OSError:  # busy, or not ours to reach: do not guess
        return None
    finally:
        s.close()
    return True


def is_door(name: str, *, hostapi: str, server_runs: bool) -> bool:
    """Whether the audio device ``name`` of PortAudio host API ``hostapi`` is a door into the
    sound server: it records the server's default source (the microphone chosen in the
    computer's sound settings), not a sound card of its own.

    Parameters
    ----------
    name, hostapi : str
        As PortAudio lists the device.
    server_runs : bool
        Whether the server ran when the device was listed or opened: ALSA's ``default`` is
        the server's only then (see :func:`door_listed`).
    """
    if hostapi.lower() != "alsa":
        return False
    return name in DOORS or (name == ALSA_DEFAULT and server_runs)


def door_listed(devices: Iterable[tuple[str, str]]) -> bool:
    """Whether ``devices`` ((name, host API) pairs, as PortAudio lists them) hold one of the
    server's ALSA plug-ins (:data:`DOORS`): PortAudio lists them only while the server runs."""
    return any(is_door(name, hostapi=hostapi, server_runs=False) for name, hostapi in devices)


def is_server_device(name: str, *, hostapi: str, server_runs: bool) -> bool:
    """Whether the audio device ``name`` of PortAudio host API ``hostapi`` goes away with the
    sound server: a door into it (:func:`is_door`, ``server_runs`` as there) or any device of
    PortAudio's own PulseAudio host API (which lists the server's sources one by one), not a
    sound card."""
    return hostapi.lower() == "pulseaudio" or is_door(name, hostapi=hostapi,
                                                      server_runs=server_runs)


def stopped_system(name: str, *, hostapi: str,
                   env: dict[str, str] | None = None) -> str | None:
    """The sound system (``PulseAudio``, ``PipeWire``) that took the device ``name`` with it
    when it stopped: the device is its own (:func:`is_server_device`) and the server does not
    answer now.  None otherwise (a sound card, a server that runs, or no sound system on this
    computer)."""
    # a device lost just as the server stopped answering is taken as opened while it ran
    # (ALSA's default then went through it)
    if not is_server_device(name, hostapi=hostapi, server_runs=True):
        return None
    system = system_name(env)
    if system is None or running(env) is not False:
        return None
    return system


def state(env: dict[str, str] | None = None) -> dict[str, Any] | None:
    """For the Record page: ``name`` (``PulseAudio``, ``PipeWire``), ``running`` (bool, or
    None when unknown) and ``devices`` (the ALSA names that are its own); None when this
    computer has no such sound system."""
    system = system_name(env)
    if system is None:
        return None
    return {"name": system, "running": running(env), "devices": list(SERVER_DEVICES)}
