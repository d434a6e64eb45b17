"""The desktop's sound system (PulseAudio, or PipeWire in its place): whether an audio device
is its own, and whether it runs now.

On a Linux desktop the ALSA devices ``pulse`` and ``default`` (and ``pipewire``) are not sound
cards: they are doors into the sound server.  When the server stops, they all go away at once,
and nothing can be plugged in to bring them back: the server must be started again (or the
person logs out and in).  The Record page, the live warnings and ``improv record`` say so
instead of "plug it in again" (:func:`stopped_system`).

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
from typing import Any

__all__ = ["SERVER_DEVICES", "is_server_device", "running", "socket_path", "state",
           "stopped_system", "system_name"]

SERVER_DEVICES = ("pulse", "default", "pipewire")
"""ALSA devices that are the sound server's own on a desktop with one (their names)."""

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


def is_server_device(name: str, *, hostapi: str) -> bool:
    """Whether the audio device ``name`` of PortAudio host API ``hostapi`` is a door into the
    sound server (ALSA's ``pulse``, ``default``, ``pipewire``; any of PulseAudio's own host
    API), not a sound card."""
    h = hostapi.lower()
    return h == "pulseaudio" or (h == "alsa" and name in SERVER_DEVICES)


def stopped_system(name: str, *, hostapi: str,
                   env: dict[str, str] | None = None) -> str | None:
    """The sound system (``PulseAudio``, ``PipeWire``) that took the device ``name`` with it
    when it stopped: the device is its own and it does not answer now.  None otherwise (a
    sound card, a server that runs, or no sound system on this computer)."""
    if not is_server_device(name, hostapi=hostapi):
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
