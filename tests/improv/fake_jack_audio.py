"""An :class:`~improv.capture.audio.AudioCapture` of a JACK device with no stream: tests call
its callback themselves with synthetic blocks and times, and it writes into a real session.

Shared by ``test_capture_logic.py`` and ``test_stop_after_freeze.py``.
"""

from __future__ import annotations

import numpy as np

from improv.capture.audio import AudioCapture
from improv.capture.devices import AudioDevice

SR = 48000
"""The capture's sample rate [Hz]."""


def jack_audio_capture(*, store, clock, sr: int = SR):
    """A new session of client C07 (player "client") and a one-channel capture into it.

    Parameters
    ----------
    store : sessions.store.Store
        The store the session is created in.
    clock : FakeClock
        The clock the capture stamps with.
    sr : int
        Sample rate of the device and the input [Hz].

    Returns
    -------
    writer : SessionWriter
        The session being written.
    cap : AudioCapture
        Capture of channel 1 of device "system" (JACK Audio Connection Kit) as input
        "system" for player "client"; its silence buffer (1 s) is filled, at most 4096 frames
        are written at once, and no stream is opened.
    """
    w = store.create_session(client="C07", players=["client"])
    dev = AudioDevice(0, "system", "JACK Audio Connection Kit", 2, 2, sr)
    cap = AudioCapture(writer=w, clock=clock, device=dev, channels=1,
                       players={"client": [1]}, name="system", sr=sr)
    cap.input = w.add_audio_input("system", sr=sr, channels=1, players={"client": [1]})
    cap._zeros = np.zeros((sr, 1), np.float32)
    cap._max_frames = 4096
    cap.refill()
    return w, cap
