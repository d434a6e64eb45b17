"""A real ``improv record`` process on a rig's JACK server, with a keyboard and a microphone
playing into it: the set-up shared by the freeze test and its bench.

Used by ``tests/improv/test_stop_after_freeze.py`` and ``bench/bench_stop_after_freeze.py``
(which puts the repository on ``sys.path`` first, as other bench scripts do).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.rig.jackrig import AudioPlayer, MidiPlayer, click_train, tone, wait_for, wire_audio

NOTE_INTERVAL_S = 0.05
"""Seconds between the keyboard's notes (note-on, middle C, velocity 100)."""
CLICK_INTERVAL_S = 0.25
"""Seconds between the clicks on the microphone's first channel."""
TONE_HZ = 441.0
"""Frequency of the tone on the microphone's second channel [Hz]."""


@dataclass
class PlayedRecording:
    """What :func:`rig_recording` started.

    Attributes
    ----------
    proc : subprocess.Popen
        The ``improv record --json`` process (stdout piped, stderr to ``log``).
    ctl : jack.Client
        An active JACK client of the rig, for the server's ``frame_time``.
    kb : MidiPlayer
        The keyboard ``kb1`` (on the recorder's MIDI input, player "client").
    mic : AudioPlayer
        The microphone ``mic``: clicks on its first channel (player "client"), the tone on its
        second (player "therapist").
    start_frame : int
        JACK frame at which both started playing.
    """

    proc: Any
    ctl: Any
    kb: MidiPlayer
    mic: AudioPlayer
    start_frame: int


def rig_recording(rig, *, store: Path, log: Path, length_s: float, sr: int = 48000,
                  delay_s: float = 0.3) -> PlayedRecording:
    """Start a recorder for client C07 and let a keyboard and a microphone play into it.

    Parameters
    ----------
    rig : tests.improv.conftest.Rig
        A started rig (its JACK server runs at ``sr``); it closes what this starts.
    store : Path
        The recorder's store folder.
    log : Path
        File for the recorder's stderr.
    length_s : float
        How long the players play [s]: a note every :data:`NOTE_INTERVAL_S`, a click every
        :data:`CLICK_INTERVAL_S` and the tone, each for about that long.
    sr : int
        The server's sample rate [Hz].
    delay_s : float
        Seconds from the wiring being found to the first note and sample.

    Returns
    -------
    PlayedRecording
        The recorder process and the players, playing from ``start_frame`` on.
    """
    clicks, _ = click_train(sr=sr, interval_s=CLICK_INTERVAL_S,
                            count=round(length_s / CLICK_INTERVAL_S))
    kb = rig.midi_player(name="kb1", events=[(NOTE_INTERVAL_S * k, bytes([0x90, 60, 100]))
                                             for k in range(round(length_s / NOTE_INTERVAL_S))])
    mic = rig.audio_player(name="mic", signals=[clicks, tone(sr=sr, freq_hz=TONE_HZ,
                                                             duration_s=length_s)])
    ctl = rig.client()
    proc = rig.recorder(store, "--client", "C07", "--player", "client=midi:kb1",
                        "--player", "client=audio:system:1",
                        "--player", "therapist=audio:system:2", log=log)
    wire_audio(ctl, mic.port_names)
    wait_for(lambda: kb.is_connected(), timeout=15, what="MIDI wiring")
    mic.start_frame = f0 = kb.start(delay_s=delay_s)
    return PlayedRecording(proc=proc, ctl=ctl, kb=kb, mic=mic, start_frame=f0)
