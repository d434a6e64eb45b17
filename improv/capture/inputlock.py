"""One recording per input: a lock file per input, across processes.

Before a recording opens its inputs it takes an exclusive lock (:func:`sessions.locks.hold`)
on ``<store>/locks/input-<key>.lock`` for every MIDI port and every audio channel it
records.  A second recording (the web app's or a terminal's) that would open one of them
is refused with a message naming the input.  The kernel releases the locks when their
process ends, also after ``kill -9``; a lock file left behind is taken over by the next
recording.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import IO

from improv.errors import DeviceError
from sessions import locks
from sessions.fsutil import make_dir

log = logging.getLogger(__name__)

LOCK_DIR = "locks"


def input_names(plan) -> list[tuple[str, str]]:
    """What a plan (:class:`improv.capture.plan.Plan`) records, one (key, label) per lockable
    input: the key names the lock (``MIDI port 'kb1:out'``, ``audio channel 1 of 'mic' (JACK
    Audio Connection Kit)``), the label is how the Record page names the input (``kb1 (MIDI)``,
    ``mic ch 1``: :mod:`improv.capture.device_labels`)."""
    from improv.capture.device_labels import input_label, plan_labels
    from improv.capture.devices import _ALSA_NUMBERS

    labels = plan_labels(plan)
    out = [(f"MIDI port {_ALSA_NUMBERS.sub('', port.name)!r}",
            input_label("midi", labels[("midi", port.name)])) for _, port in plan.midi]
    for ap in plan.audio:
        for chans in ap.players.values():
            out += [(f"audio channel {c} of {ap.device.name!r} ({ap.device.hostapi})",
                     input_label("audio", labels[("audio", ap.device.name)], channels=[c]))
                    for c in chans]
    return out


def _path(root: Path, name: str) -> Path:
    key = hashlib.sha256(name.encode()).hexdigest()[:16]
    return Path(root) / LOCK_DIR / f"input-{key}.lock"


class InputLocks:
    """The locks of one recording's inputs.

    Parameters
    ----------
    root : Path
        The store's folder (the locks go in its ``locks/`` folder).
    names : list of (str, str) or str
        The inputs as :func:`input_names` gives them (the lock's key and the label a message
        says), or keys only (said as they are).

    Raises
    ------
    improv.errors.DeviceError
        If another recording holds one of them (nothing stays locked then).
    """

    def __init__(self, root: Path, names: list[tuple[str, str]] | list[str]) -> None:
        self._held: list[tuple[IO[str], Path]] = []
        make_dir(Path(root) / LOCK_DIR)
        try:
            for name in names:
                key, label = (name, name) if isinstance(name, str) else name
                path = _path(root, key)
                try:
                    self._held.append((locks.hold(path), path))
                except BlockingIOError:
                    raise DeviceError(
                        f"{label} is being recorded already, in another improv window or a "
                        f"terminal ({_owner(path)}); stop that recording first, or choose "
                        "another input"
                    ) from None
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        """Give every lock up (again is fine)."""
        while self._held:
            f, path = self._held.pop()
            locks.release(f, path)


def _owner(path: Path) -> str:
    """``process 1234`` from a lock file (the last PID written), or ``another process``."""
    try:
        pids = [x for x in path.read_text().split() if x.isdigit()]
    except OSError:
        pids = []
    return f"process {pids[-1]}" if pids else "another process"
